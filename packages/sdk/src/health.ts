// Health, alerts and metrics: `GET /v1/health/connections`, `GET /v1/alerts`, `GET /metrics`.
import { errorFromResponse, readJson } from './answers.js';
import { JoineryError } from './errors.js';
import type { Transport } from './transport.js';
import type { CallOptions, ConnectionState } from './types.js';

export interface ConnectionHealth {
  connectionId: string;
  integration: string;
  tenant: string;
  state: ConnectionState;
  /** Why the connection is in this state. */
  reason: string;
  since: string;
  lastCheck: { at: string; ok: boolean; errorCode: string | null } | null;
  nextCheckAt: string | null;
  signals: {
    windowMs: number;
    calls: number;
    failures: number;
    errorRate: number;
    malformed: number;
    rateLimited: number;
    latencyP50Ms: number | null;
    latencyP95Ms: number | null;
    consecutiveFailures: number;
    lastFailureCode: string | null;
    lastSuccessAt: string | null;
    tokenExpiresAt: string | null;
    refreshFailures: number;
    /** When a sync of this connection last completed a run. */
    lastSyncAt: string | null;
    quotaHeadroom: number | null;
  };
  /** Silent failures seen now (no success in the expected window, malformed-answer spike). */
  findings: { detector: string; message: string }[];
  /** What to do about it, in words. */
  action: string;
  /** While it needs re-authorisation: the Connect link to send the tenant. */
  reconnectUrl?: string;
}

export interface ConnectionTransition {
  connectionId: string;
  from: string;
  to: string;
  reason: string;
  at: string;
}

export interface Alert {
  id: string;
  rule: string;
  subject: string;
  status: 'firing' | 'resolved';
  severity: string;
  summary: string;
  details: Record<string, unknown>;
  firstFiredAt: string;
  lastFiredAt: string;
  resolvedAt: string | null;
  notifiedFiringAt: string | null;
  notifiedResolvedAt: string | null;
  deliveryError: string | null;
}

export interface ListAlertsParams {
  status?: 'firing' | 'resolved';
  limit?: number;
  cursor?: string;
}

export interface HealthApi {
  /** Every connection's health (optionally one state, or one connection). */
  list(
    params?: { state?: ConnectionState; connection?: string },
    options?: CallOptions,
  ): Promise<ConnectionHealth[]>;
  /** A connection's state changes, newest first. */
  transitions(connectionId: string, options?: CallOptions): Promise<ConnectionTransition[]>;
  /** Stops checks, renewals and alerts for a connection. */
  disable(connectionId: string, options?: CallOptions): Promise<ConnectionHealth>;
  /** Makes a disabled connection healthy again and checks it at once. */
  enable(connectionId: string, options?: CallOptions): Promise<ConnectionHealth>;
}

export interface AlertsApi {
  /** Firing alerts first, then the most recent resolved ones. */
  list(
    params?: ListAlertsParams,
    options?: CallOptions,
  ): Promise<{ data: Alert[]; nextCursor: string | null }>;
}

function segment(value: string, name: string): string {
  if (typeof value !== 'string' || value === '')
    throw new JoineryError({
      code: 'invalid_input',
      message: `${name} is empty: pass a connection id such as "conn_…".`,
      retryable: false,
    });
  return encodeURIComponent(value);
}

function dataOf<T>(body: unknown): T[] {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data))
    throw new JoineryError({
      code: 'internal',
      message: 'Joinery answered without a "data" list; is the URL a Joinery?',
      retryable: false,
    });
  return data as T[];
}

export function healthApis(transport: Transport): {
  connectionHealth: HealthApi;
  alerts: AlertsApi;
  metrics: { text(options?: CallOptions): Promise<string> };
} {
  const signal = (call: CallOptions | undefined) =>
    call?.signal === undefined ? {} : { signal: call.signal };
  const toggle = async (id: string, action: 'enable' | 'disable', call?: CallOptions) =>
    (await readJson(
      await transport.send({
        method: 'POST',
        path: `/v1/connections/${segment(id, 'connectionId')}/${action}`,
        ...signal(call),
      }),
    )) as ConnectionHealth;
  return {
    connectionHealth: {
      async list(params = {}, call) {
        const sent = await transport.send({
          method: 'GET',
          path: '/v1/health/connections',
          query: { state: params.state, connection: params.connection },
          ...signal(call),
        });
        return dataOf<ConnectionHealth>(await readJson(sent));
      },
      async transitions(id, call) {
        const sent = await transport.send({
          method: 'GET',
          path: `/v1/health/connections/${segment(id, 'connectionId')}/transitions`,
          ...signal(call),
        });
        return dataOf<ConnectionTransition>(await readJson(sent));
      },
      disable: (id, call) => toggle(id, 'disable', call),
      enable: (id, call) => toggle(id, 'enable', call),
    },
    alerts: {
      async list(params = {}, call) {
        const sent = await transport.send({
          method: 'GET',
          path: '/v1/alerts',
          query: { status: params.status, limit: params.limit, cursor: params.cursor },
          ...signal(call),
        });
        const body = await readJson(sent);
        const next = (body as { nextCursor?: unknown }).nextCursor;
        return {
          data: dataOf<Alert>(body),
          nextCursor: typeof next === 'string' && next !== '' ? next : null,
        };
      },
    },
    metrics: {
      async text(call) {
        const sent = await transport.send({ method: 'GET', path: '/metrics', ...signal(call) });
        if (!sent.response.ok) throw await errorFromResponse(sent.response, sent.context);
        return sent.response.text();
      },
    },
  };
}
