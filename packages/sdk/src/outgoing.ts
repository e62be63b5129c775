// Outgoing webhook endpoints and dead letters: `/v1/webhook-endpoints` and `/v1/dead-letters`.
import { readEmpty, readJson } from './answers.js';
import { JoineryError } from './errors.js';
import type { RequestContext, Transport } from './transport.js';
import type { CallOptions, Page } from './types.js';

export interface WebhookEndpointInput {
  /** Where Joinery POSTs events. A private or loopback address needs `allowPrivateNetwork`. */
  url: string;
  /** Event types (`connection.created`) or prefixes (`connection.*`); omitted: every event. */
  events?: string[];
  allowPrivateNetwork?: boolean;
}

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  /** Why Joinery stopped sending here (the endpoint answered 410 Gone), or null. */
  disabledReason: string | null;
  allowPrivateNetwork: boolean;
  breaker: { state: 'closed' | 'open'; consecutiveFailures: number; openUntil: string | null };
  createdAt: string;
  updatedAt: string;
}

export interface CreatedWebhookEndpoint extends WebhookEndpoint {
  /** The Standard Webhooks signing secret (`whsec_…`), shown only here. */
  secret: string;
}

export type OutgoingDeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'failed' | 'dead';

export interface OutgoingDelivery {
  /** The `webhook-id` header: the same on every attempt and replay. */
  id: string;
  endpointId: string;
  eventId: string;
  type: string;
  status: OutgoingDeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: { code: string; message: string; status?: number; at: string } | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
  payload: Record<string, unknown>;
}

export type DeadLetterKind = 'delivery' | 'run';

export interface DeadLetter {
  id: string;
  kind: DeadLetterKind;
  /** The id of the delivery or run. */
  refId: string;
  reason: string;
  lastError: Record<string, unknown> | null;
  payload: unknown;
  createdAt: string;
  replayCount: number;
  lastReplayedAt: string | null;
  resolvedAt: string | null;
}

export interface ReplayResult {
  /** False when nothing changed: already queued, or already succeeded. */
  replayed: boolean;
  status: string;
  message: string;
  deadLetter: DeadLetter;
}

export interface PageParams {
  limit?: number;
  cursor?: string;
}

export interface ListDeadLettersParams extends PageParams {
  kind?: DeadLetterKind;
}

export interface WebhookEndpointsApi {
  /** The answer holds the signing secret, shown only this once. */
  create(body: WebhookEndpointInput, options?: CallOptions): Promise<CreatedWebhookEndpoint>;
  list(options?: CallOptions): Promise<WebhookEndpoint[]>;
  delete(id: string, options?: CallOptions): Promise<void>;
  /** An endpoint's deliveries, newest first. */
  deliveries(
    id: string,
    params?: PageParams,
    options?: CallOptions,
  ): Promise<Page<OutgoingDelivery>>;
}

export interface DeadLettersApi {
  list(params?: ListDeadLettersParams, options?: CallOptions): Promise<Page<DeadLetter>>;
  get(id: string, options?: CallOptions): Promise<DeadLetter>;
  /** Safe to repeat: a repeat while queued or after success answers `replayed: false`. */
  replay(id: string, options?: CallOptions): Promise<ReplayResult>;
}

export function outgoingApis(transport: Transport): {
  webhookEndpoints: WebhookEndpointsApi;
  deadLetters: DeadLettersApi;
} {
  const signal = (call: CallOptions | undefined) =>
    call?.signal === undefined ? {} : { signal: call.signal };

  async function page<T>(
    path: string,
    query: Record<string, string | number | undefined>,
    call?: CallOptions,
  ) {
    const sent = await transport.send({ method: 'GET', path, query, ...signal(call) });
    const body = await readJson(sent);
    return asPage<T>(body, sent.context);
  }

  return {
    webhookEndpoints: {
      async create(body, call) {
        const sent = await transport.send({
          method: 'POST',
          path: '/v1/webhook-endpoints',
          json: body,
          ...signal(call),
        });
        return (await readJson(sent)) as CreatedWebhookEndpoint;
      },
      async list(call) {
        const sent = await transport.send({
          method: 'GET',
          path: '/v1/webhook-endpoints',
          ...signal(call),
        });
        return asPage<WebhookEndpoint>(await readJson(sent), sent.context).data;
      },
      async delete(id, call) {
        await readEmpty(
          await transport.send({
            method: 'DELETE',
            path: `/v1/webhook-endpoints/${segment(id)}`,
            ...signal(call),
          }),
        );
      },
      async deliveries(id, params = {}, call) {
        return page<OutgoingDelivery>(
          `/v1/webhook-endpoints/${segment(id)}/deliveries`,
          { limit: params.limit, cursor: params.cursor },
          call,
        );
      },
    },
    deadLetters: {
      async list(params = {}, call) {
        return page<DeadLetter>(
          '/v1/dead-letters',
          { kind: params.kind, limit: params.limit, cursor: params.cursor },
          call,
        );
      },
      async get(id, call) {
        const sent = await transport.send({
          method: 'GET',
          path: `/v1/dead-letters/${segment(id)}`,
          ...signal(call),
        });
        return (await readJson(sent)) as DeadLetter;
      },
      async replay(id, call) {
        const sent = await transport.send({
          method: 'POST',
          path: `/v1/dead-letters/${segment(id)}/replay`,
          ...signal(call),
        });
        return (await readJson(sent)) as ReplayResult;
      },
    },
  };
}

function asPage<T>(body: unknown, context: RequestContext): Page<T> {
  if (
    typeof body === 'object' &&
    body !== null &&
    Array.isArray((body as { data?: unknown }).data)
  ) {
    const next = (body as { nextCursor?: unknown }).nextCursor;
    return {
      data: (body as { data: T[] }).data,
      nextCursor: typeof next === 'string' && next !== '' ? next : null,
    };
  }
  throw new JoineryError({
    code: 'internal',
    message: `Joinery at ${context.origin} answered ${context.method} ${context.target} without the expected "data" list; is the server the same version as this SDK?`,
    retryable: false,
  });
}

function segment(value: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new JoineryError({
      code: 'invalid_input',
      message: 'an id in the path is empty.',
      retryable: false,
    });
  }
  return encodeURIComponent(value);
}
