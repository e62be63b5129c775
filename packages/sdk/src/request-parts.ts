// What every API group of the client builds its requests and reads its answers with: the call's
// signal, path segments, and the list envelope (`data`, `nextCursor`). Internal: index.ts does not
// export it.
import { readEmpty, readJson } from './answers.js';
import { JoineryError } from './errors.js';
import type { RequestContext, RequestSpec, SentRequest, Transport } from './transport.js';
import type { CallOptions, Page } from './types.js';

/** A request as an API method describes it; the signal comes from the caller's `CallOptions`. */
export type CallSpec = Omit<RequestSpec, 'signal'>;

export interface Calls {
  /** Sends as is: for answers read from their headers or raw body. */
  send(spec: CallSpec, call: CallOptions | undefined): Promise<SentRequest>;
  /** The JSON body of a 2xx answer, as the type the route promises. */
  json<T>(spec: CallSpec, call: CallOptions | undefined): Promise<T>;
  /** The `data` list of a 2xx answer. */
  list<T>(spec: CallSpec, call: CallOptions | undefined): Promise<T[]>;
  /** One page: `data` and `nextCursor`. */
  page<T>(spec: CallSpec, call: CallOptions | undefined): Promise<Page<T>>;
  /** A 2xx answer without a body (`204`). */
  empty(spec: CallSpec, call: CallOptions | undefined): Promise<void>;
}

export function callsOver(transport: Transport): Calls {
  const send = (spec: CallSpec, call: CallOptions | undefined) =>
    transport.send(call?.signal === undefined ? spec : { ...spec, signal: call.signal });
  return {
    send,
    async json<T>(spec: CallSpec, call: CallOptions | undefined) {
      return (await readJson(await send(spec, call))) as T;
    },
    async list<T>(spec: CallSpec, call: CallOptions | undefined) {
      const sent = await send(spec, call);
      return listOf<T>(await readJson(sent), sent.context);
    },
    async page<T>(spec: CallSpec, call: CallOptions | undefined) {
      const sent = await send(spec, call);
      const body = await readJson(sent);
      const data = listOf<T>(body, sent.context);
      const next = (body as { nextCursor?: unknown }).nextCursor;
      // An empty cursor would fetch the first page again.
      return { data, nextCursor: typeof next === 'string' && next !== '' ? next : null };
    },
    async empty(spec: CallSpec, call: CallOptions | undefined) {
      await readEmpty(await send(spec, call));
    },
  };
}

/** What to pass where a connection id goes. */
export const CONNECTION_ID_HINT = 'pass a connection id such as "conn_…"';
/** What to pass where an action name goes. */
export const ACTION_HINT =
  'pass an action name such as "list_repositories" (connectors.get() lists them)';

/**
 * One path segment: ids and keys never change the route they are part of. An empty one would, so
 * it is refused, naming the parameter and (`hint`) what to pass instead.
 */
export function segment(value: string, name: string, hint: string): string {
  if (typeof value !== 'string' || value === '') throw invalidInput(`${name} is empty: ${hint}.`);
  return encodeURIComponent(value);
}

export function unexpectedAnswer(context: RequestContext, field: string): JoineryError {
  return new JoineryError({
    code: 'internal',
    message: `Joinery at ${context.origin} answered ${context.method} ${context.target} without the "${field}" field this SDK expects; are the SDK and server versions compatible?`,
    retryable: false,
  });
}

export function invalidInput(message: string): JoineryError {
  return new JoineryError({ code: 'invalid_input', message, retryable: false });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function listOf<T>(body: unknown, context: RequestContext): T[] {
  if (isRecord(body) && Array.isArray(body.data)) return body.data as T[];
  throw unexpectedAnswer(context, 'data');
}

/** A value sent as an HTTP header: printable ASCII, no surrounding spaces, or `invalid_input`. */
export function checkHeaderValue(option: string, value: string): void {
  if (
    typeof value !== 'string' ||
    value === '' ||
    !/^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(value)
  ) {
    throw invalidInput(
      `${option} must be non-empty printable ASCII without leading or trailing spaces (it is sent as an HTTP header).`,
    );
  }
}

/** The `Idempotency-Key` header for an action call, checked; none without a key. */
export function idempotencyHeader(key: string | undefined): Record<string, string> {
  if (key === undefined) return {};
  checkHeaderValue('idempotencyKey', key);
  return { 'idempotency-key': key };
}

/** `/v1/connections/{connectionId}/actions/{action}`, each part one segment. */
export function actionPath(connectionId: string, action: string): string {
  return `/v1/connections/${segment(connectionId, 'connectionId', CONNECTION_ID_HINT)}/actions/${segment(action, 'action', ACTION_HINT)}`;
}
