/** The error a tool answers with: Joinery's taxonomy, as in the API's `{"error": {...}}`. */
export interface ToolError {
  code: string;
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
  /** For `invalid_input`: the JSON path of the fault, e.g. `input.owner`. */
  path?: string;
  connectionId?: string;
  requestId?: string;
  /** For `auth_revoked` on a connection that needs re-authorisation: the Connect link that fixes it. */
  reconnectUrl?: string;
  details?: Record<string, unknown>;
}

export interface ToolResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent: Record<string, unknown>;
  isError?: boolean;
}

/** Past this, the text rendering is cut; `structuredContent` always has everything. */
const MAX_TEXT = 50_000;

/** Reads an engine or SDK error (both carry a taxonomy `code`); anything else is `internal`. */
export function toolErrorOf(error: unknown): ToolError | null {
  if (typeof error !== 'object' || error === null) return null;
  const e = error as Record<string, unknown>;
  if (typeof e.code !== 'string' || !/^[a-z_]+$/.test(e.code) || typeof e.message !== 'string')
    return null;
  const out: ToolError = {
    code: e.code,
    message: e.message,
    retryable: typeof e.retryable === 'boolean' ? e.retryable : false,
  };
  if (typeof e.retryAfterMs === 'number') out.retryAfterMs = e.retryAfterMs;
  if (typeof e.path === 'string') out.path = e.path;
  if (typeof e.connectionId === 'string') out.connectionId = e.connectionId;
  if (typeof e.requestId === 'string') out.requestId = e.requestId;
  if (typeof e.reconnectUrl === 'string') out.reconnectUrl = e.reconnectUrl;
  if (typeof e.details === 'object' && e.details !== null)
    out.details = e.details as Record<string, unknown>;
  return out;
}

/**
 * A failed call as a tool result (`isError: true`), so the agent reads what happened and what to
 * do next, not a protocol error: the text says it in a sentence, `structuredContent.error` has the
 * fields to act on.
 */
export function errorResult(error: ToolError): ToolResult {
  const parts = [`${error.code}: ${error.message}`];
  if (error.path && !error.message.includes(error.path)) parts.push(`(at ${error.path})`);
  if (error.retryAfterMs !== undefined)
    parts.push(`Retry in ${Math.ceil(error.retryAfterMs / 1000)} s.`);
  else if (error.retryable) parts.push('Retrying later may succeed.');
  if (error.reconnectUrl && !error.message.includes(error.reconnectUrl))
    parts.push(`The user must reconnect the account at ${error.reconnectUrl}`);
  return {
    content: [{ type: 'text', text: parts.join(' ') }],
    structuredContent: { error: { ...error } },
    isError: true,
  };
}

/** A successful call: `{output, requestId}`, and the output as JSON text for clients without structured content. */
export function successResult(output: unknown, requestId: string | null): ToolResult {
  let text = JSON.stringify(output ?? null, null, 2);
  if (text.length > MAX_TEXT)
    text = `${text.slice(0, MAX_TEXT)}\n… (cut at ${MAX_TEXT} characters; structuredContent.output has all of it)`;
  return {
    content: [{ type: 'text', text }],
    structuredContent: { output: output ?? null, ...(requestId === null ? {} : { requestId }) },
  };
}
