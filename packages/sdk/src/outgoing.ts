// Outgoing webhook endpoints and dead letters: `/v1/webhook-endpoints` and `/v1/dead-letters`.
import { segment, type Calls } from './request-parts.js';
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

const ENDPOINT_ID_HINT = 'pass an endpoint id such as "whe_…" (webhookEndpoints.list() lists them)';
const DEAD_LETTER_ID_HINT = 'pass a dead letter id such as "dlq_…" (deadLetters.list() lists them)';

export function outgoingApis(calls: Calls): {
  webhookEndpoints: WebhookEndpointsApi;
  deadLetters: DeadLettersApi;
} {
  const endpointPath = (id: string) =>
    `/v1/webhook-endpoints/${segment(id, 'id', ENDPOINT_ID_HINT)}`;
  const letterPath = (id: string) => `/v1/dead-letters/${segment(id, 'id', DEAD_LETTER_ID_HINT)}`;
  return {
    webhookEndpoints: {
      async create(body, call) {
        return calls.json<CreatedWebhookEndpoint>(
          { method: 'POST', path: '/v1/webhook-endpoints', json: body },
          call,
        );
      },
      async list(call) {
        return calls.list<WebhookEndpoint>({ method: 'GET', path: '/v1/webhook-endpoints' }, call);
      },
      async delete(id, call) {
        return calls.empty({ method: 'DELETE', path: endpointPath(id) }, call);
      },
      async deliveries(id, params = {}, call) {
        return calls.page<OutgoingDelivery>(
          {
            method: 'GET',
            path: `${endpointPath(id)}/deliveries`,
            query: { limit: params.limit, cursor: params.cursor },
          },
          call,
        );
      },
    },
    deadLetters: {
      async list(params = {}, call) {
        return calls.page<DeadLetter>(
          {
            method: 'GET',
            path: '/v1/dead-letters',
            query: { kind: params.kind, limit: params.limit, cursor: params.cursor },
          },
          call,
        );
      },
      async get(id, call) {
        return calls.json<DeadLetter>({ method: 'GET', path: letterPath(id) }, call);
      },
      async replay(id, call) {
        return calls.json<ReplayResult>({ method: 'POST', path: `${letterPath(id)}/replay` }, call);
      },
    },
  };
}
