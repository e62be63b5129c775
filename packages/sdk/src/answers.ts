// Interpreting Joinery's answers, kept apart from sending requests (transport.ts) so each can be
// read and tested on its own.
import { JoineryError, isRetryableByDefault } from './errors.js';
import { redactJson } from './secret.js';
import type { RequestContext, SentRequest } from './transport.js';

/** Error bodies are read for their message only; a multi-megabyte HTML page is cut here. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** How much of a body that is not an envelope is quoted in a message. */
const MAX_QUOTED_CHARS = 200;

/** The parsed JSON body of a 2xx answer; a JoineryError for anything else. */
export async function readJson(sent: SentRequest): Promise<unknown> {
  const { response, context } = sent;
  if (!response.ok) throw await errorFromResponse(response, context);
  const text = await readBody(() => response.text(), context);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new JoineryError({
      code: 'internal',
      message: `Joinery at ${context.origin} answered ${response.status} to ${context.method} ${context.target} with a body that is not JSON${quote(text, context)}.`,
      status: response.status,
      retryable: false,
      ...requestIdFromHeaders(response),
    });
  }
}

/** For answers without a body (`204`); a JoineryError for anything but 2xx. */
export async function readEmpty(sent: SentRequest): Promise<void> {
  const { response, context } = sent;
  if (!response.ok) throw await errorFromResponse(response, context);
  // Drain it so the connection goes back to the pool.
  await readBody(() => response.arrayBuffer(), context);
}

/** Turns a non-2xx answer into a JoineryError: from the envelope when there is one. */
export async function errorFromResponse(
  response: Response,
  context: RequestContext,
): Promise<JoineryError> {
  const text = await readBody(() => readCapped(response, MAX_ERROR_BODY_BYTES), context);
  // The server should never echo the key, but if it does the key stops here.
  const envelope = parseEnvelope(text, context);
  const retryAfterMs = retryAfterFromHeader(response.headers.get('retry-after'));
  const fromHeaders = requestIdFromHeaders(response);

  if (envelope) {
    return new JoineryError({
      code: envelope.code,
      message: envelope.message,
      retryable:
        typeof envelope.retryable === 'boolean'
          ? envelope.retryable
          : isRetryableByDefault(envelope.code),
      status: response.status,
      ...optional('retryAfterMs', nonNegativeNumber(envelope.retryAfterMs) ?? retryAfterMs),
      ...optional('connectionId', stringOrUndefined(envelope.connectionId)),
      ...optional('requestId', stringOrUndefined(envelope.requestId) ?? fromHeaders.requestId),
      ...optional('path', stringOrUndefined(envelope.path)),
      ...optional('details', isRecord(envelope.details) ? envelope.details : undefined),
      ...optional('reconnectUrl', stringOrUndefined(envelope.reconnectUrl)),
    });
  }

  // Not Joinery speaking: most likely a proxy in front of it, or a URL that is not Joinery at all.
  const gateway = response.status === 502 || response.status === 503 || response.status === 504;
  const statusText = response.statusText ? ` ${response.statusText}` : '';
  const advice = gateway
    ? 'Something in front of Joinery could not reach it; is the server running?'
    : 'Is this URL a Joinery server?';
  return new JoineryError({
    code: gateway ? 'network' : 'internal',
    message: `${context.origin} answered ${response.status}${statusText} to ${context.method} ${context.target} without a Joinery error envelope${quote(text, context)}. ${advice}`,
    retryable: gateway || response.status === 429,
    status: response.status,
    ...optional('retryAfterMs', retryAfterMs),
    ...fromHeaders,
  });
}

interface Envelope {
  code: string;
  message: string;
  [field: string]: unknown;
}

function parseEnvelope(text: string, context: RequestContext): Envelope | undefined {
  let body: unknown;
  try {
    body = redactJson(JSON.parse(text), context.secret);
  } catch {
    return undefined;
  }
  if (!isRecord(body) || !isRecord(body.error)) return undefined;
  const { code, message } = body.error;
  if (typeof code !== 'string' || typeof message !== 'string') return undefined;
  return { ...body.error, code, message };
}

/** `Retry-After` is seconds or an HTTP date (RFC 9110, section 10.2.3). */
export function retryAfterFromHeader(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Joinery sends `Joinery-Request-Id`; a proxy in front of it may add `X-Request-Id`. */
export function requestIdHeader(response: Response): string | null {
  return response.headers.get('joinery-request-id') ?? response.headers.get('x-request-id');
}

function requestIdFromHeaders(response: Response): { requestId?: string } {
  const id = requestIdHeader(response);
  return id ? { requestId: id } : {};
}

async function readBody<T>(read: () => Promise<T>, context: RequestContext): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof Error && error.name === 'AbortError') throw error;
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    throw new JoineryError({
      code: timedOut ? 'timeout' : 'network',
      message: timedOut
        ? `Joinery at ${context.origin} did not finish answering ${context.method} ${context.target} within the client's timeoutMs.`
        : `the connection to Joinery at ${context.origin} broke while reading the answer to ${context.method} ${context.target}.`,
      retryable: true,
      cause: error,
    });
  }
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < maxBytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  if (size >= maxBytes) await reader.cancel();
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, maxBytes));
}

/** A short, single-line, terminal-safe excerpt of a body, for a message. */
function quote(text: string, context: RequestContext): string {
  const flat = context.secret
    .redactFrom(text)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\s]+/g, ' ')
    .trim();
  if (flat === '') return ' (empty body)';
  const cut = flat.length > MAX_QUOTED_CHARS ? `${flat.slice(0, MAX_QUOTED_CHARS)}…` : flat;
  return `: ${JSON.stringify(cut)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function nonNegativeNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** `{ [key]: value }` when value is defined, `{}` otherwise (for exactOptionalPropertyTypes). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
