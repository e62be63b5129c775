// Health, alerts and metrics: `GET /v1/health/connections`, `GET /v1/alerts`, `GET /metrics`.
import { errorFromResponse } from './answers.js';
import { CONNECTION_ID_HINT, segment, type Calls } from './request-parts.js';
import type { CallOptions, ConnectionState, Page } from './types.js';

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
  list(params?: ListAlertsParams, options?: CallOptions): Promise<Page<Alert>>;
}

export function healthApis(calls: Calls): {
  connectionHealth: HealthApi;
  alerts: AlertsApi;
  metrics: { text(options?: CallOptions): Promise<string> };
} {
  const toggle = async (id: string, action: 'enable' | 'disable', call?: CallOptions) =>
    calls.json<ConnectionHealth>(
      {
        method: 'POST',
        path: `/v1/connections/${segment(id, 'connectionId', CONNECTION_ID_HINT)}/${action}`,
      },
      call,
    );
  return {
    connectionHealth: {
      async list(params = {}, call) {
        return calls.list<ConnectionHealth>(
          {
            method: 'GET',
            path: '/v1/health/connections',
            query: { state: params.state, connection: params.connection },
          },
          call,
        );
      },
      async transitions(id, call) {
        return calls.list<ConnectionTransition>(
          {
            method: 'GET',
            path: `/v1/health/connections/${segment(id, 'connectionId', CONNECTION_ID_HINT)}/transitions`,
          },
          call,
        );
      },
      disable: (id, call) => toggle(id, 'disable', call),
      enable: (id, call) => toggle(id, 'enable', call),
    },
    alerts: {
      async list(params = {}, call) {
        return calls.page<Alert>(
          {
            method: 'GET',
            path: '/v1/alerts',
            query: { status: params.status, limit: params.limit, cursor: params.cursor },
          },
          call,
        );
      },
    },
    metrics: {
      async text(call) {
        const sent = await calls.send({ method: 'GET', path: '/metrics' }, call);
        if (!sent.response.ok) throw await errorFromResponse(sent.response, sent.context);
        return sent.response.text();
      },
    },
  };
}
