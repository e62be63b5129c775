import { and, asc, desc, eq, sql } from 'drizzle-orm';
import {
  connectionHealth,
  connectionTransitions,
  connections,
  type Database,
  type StoredError,
} from '@joinery/store';
import type { Logger } from 'pino';
import type { ConnectionState, Connections, Scope } from '../connections.js';
import { JoineryError, isJoineryError } from '../errors.js';
import type { Metrics } from '../metrics/metrics.js';
import {
  defaultAlertRules,
  evaluateRules,
  type AlertRules,
  type BreakerSnapshot,
} from './alert-rules.js';
import type { Alerts } from './alerts.js';
import { defaultDetectorOptions, detect, type DetectorOptions } from './detectors.js';
import { query, readSignals, readSignalsOf, type ConnectionSignals } from './signals.js';
import { defaultStateRules, nextState, observedReason, type StateRules } from './state-machine.js';

export interface HealthOptions {
  /** Failures in a row, error rate and sample size that make a connection degraded (see `nextState`). */
  state?: Partial<StateRules>;
  /** Thresholds of the silent-failure detectors. */
  detectors?: Partial<DetectorOptions>;
  /** Alert rules; each one's defaults are in `defaultAlertRules`. */
  alerts?: { [K in keyof AlertRules]?: Partial<AlertRules[K]> };
  /** The window error rates, latencies and malformed answers are measured over. Defaults to 15 min. */
  windowMs?: number;
  /** Deadline of one synthetic check. Defaults to 10 s. */
  checkTimeoutMs?: number;
  /** Connections checked per tick at most (the rest wait for the next). Defaults to 100. */
  batchSize?: number;
}

/** Runs one connection's synthetic check (the connector's `healthCheck`) through the pipeline. */
export type CheckRunner = (
  environmentId: string,
  connectionId: string,
  timeoutMs: number,
) => Promise<'checked' | 'no_check'>;

export interface HealthDeps {
  db: Database;
  logger: Logger;
  metrics: Metrics;
  alerts: Alerts;
  connections: Connections;
  runCheck: CheckRunner;
  breakers: () => BreakerSnapshot[];
  /** Flushes the request log so the signals include the calls just made. */
  flushLog: () => Promise<void>;
}

export interface ConnectionHealthView {
  connectionId: string;
  integration: string;
  tenant: string;
  state: ConnectionState;
  /** Why the connection is in this state. */
  reason: string;
  /** Since when (the last transition; the connection's creation if there was none). */
  since: string;
  lastCheck: { at: string; ok: boolean; errorCode: string | null } | null;
  nextCheckAt: string | null;
  signals: Omit<ConnectionSignals, 'lastSuccessAt' | 'tokenExpiresAt' | 'lastSyncAt'> & {
    lastSuccessAt: string | null;
    tokenExpiresAt: string | null;
    lastSyncAt: string | null;
  };
  /** Silent failures the detectors see right now. */
  findings: { detector: string; message: string }[];
  /** What to do about it, in words. */
  action: string;
  /** While the connection needs re-authorisation: the Connect link to send the tenant. */
  reconnectUrl?: string;
}

export interface TransitionView {
  connectionId: string;
  from: string;
  to: string;
  reason: string;
  at: string;
}

type ConnectionRow = typeof connections.$inferSelect;
type HealthRow = typeof connectionHealth.$inferSelect;

/**
 * Health per connection: a synthetic check on a schedule (claimed with `FOR UPDATE SKIP LOCKED`,
 * so each connection is checked at most once per interval across processes), the live signals of
 * the request log, the healthy ⇄ degraded state machine, silent-failure detectors, and the alert
 * rules evaluated after every tick. Every state change is recorded with its reason, whoever made it.
 */
export class HealthMonitor {
  readonly #deps: HealthDeps;
  readonly #state: StateRules;
  readonly #detectors: DetectorOptions;
  readonly #rules: AlertRules;
  readonly #windowMs: number;
  readonly #checkTimeoutMs: number;
  readonly #batchSize: number;
  #intervalMs = 60_000;
  #timer: NodeJS.Timeout | null = null;
  #ticking: Promise<void> | null = null;

  constructor(deps: HealthDeps, options: HealthOptions = {}) {
    this.#deps = deps;
    this.#state = { ...defaultStateRules, ...options.state };
    this.#detectors = { ...defaultDetectorOptions, ...options.detectors };
    const rules = { ...defaultAlertRules } as Record<string, unknown>;
    for (const [id, override] of Object.entries(options.alerts ?? {}))
      rules[id] = { ...(rules[id] as object), ...override };
    this.#rules = rules as unknown as AlertRules;
    this.#windowMs = options.windowMs ?? 15 * 60_000;
    this.#checkTimeoutMs = options.checkTimeoutMs ?? 10_000;
    this.#batchSize = options.batchSize ?? 100;
  }

  get intervalMs(): number {
    return this.#intervalMs;
  }

  /**
   * Checks every connection each `intervalMs` (default 60 s) and evaluates the alert rules. The
   * timer does not hold the process open; `stop()` waits for the tick under way.
   */
  start(intervalMs = 60_000): void {
    if (this.#timer) return;
    if (!Number.isInteger(intervalMs) || intervalMs < 50)
      throw new JoineryError('invalid_input', 'the health check interval must be at least 50 ms', {
        path: 'intervalMs',
      });
    this.#intervalMs = intervalMs;
    this.#deps.alerts.staleMs = Math.max(3 * intervalMs, 1_000);
    this.#timer = setInterval(() => void this.tick(), intervalMs);
    this.#timer.unref();
  }

  /** Stops the schedule, waits for the tick under way, and stops sending notices (see `Alerts.stop`). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#ticking;
    await this.#deps.alerts.stop();
  }

  /**
   * One round: notice state changes, run due checks, evaluate alerts, and hand the notices to the
   * alerts' own delivery loop (a slow or failing channel never holds up the checks). Never rejects.
   */
  tick(): Promise<void> {
    this.#ticking ??= this.#tick()
      .catch((error: unknown) => {
        this.#deps.logger.error({ err: error }, 'health monitor: tick failed');
      })
      .finally(() => {
        this.#ticking = null;
      });
    return this.#ticking;
  }

  async #tick(): Promise<void> {
    await this.#observe();
    // One claim at a time: a claim is a lease that must outlast its own check, not a whole batch.
    for (let n = 0; n < this.#batchSize; n++) {
      const id = await this.#claimOne();
      if (id === null) break;
      try {
        await this.#checkOne(id);
      } catch (error) {
        this.#deps.logger.error({ err: error, connectionId: id }, 'health check failed to run');
      }
    }
    const { conditions, evaluated } = await evaluateRules(
      this.#deps.db,
      this.#rules,
      this.#deps.breakers(),
    );
    await this.#deps.alerts.reconcile(conditions, evaluated);
    this.#deps.alerts.deliverSoon();
  }

  /**
   * Brings `connection_health` in step with `connections` (all of them, or one) in one statement
   * and one pass: a row for each connection without one, and the connections whose state someone
   * else changed (a call, the token manager, a reconnect), each then recorded as a transition. A
   * deleted connection's row goes with it (ON DELETE CASCADE). Conditional updates make each
   * transition recorded once, whichever process sees it first.
   */
  async #observe(connectionId?: string): Promise<void> {
    const now = new Date().toISOString();
    const changed = await query<{
      id: string;
      environment_id: string;
      integration_key: string;
      tenant: string;
      state: string;
      last_error: StoredError | null;
      previous: string;
    }>(
      this.#deps.db,
      sql`
      WITH pending AS (
        SELECT c.id, c.environment_id, c.integration_key, c.tenant, c.state, c.last_error, c.created_at,
               h.state AS previous
        FROM connections c LEFT JOIN connection_health h ON h.connection_id = c.id
        WHERE (h.connection_id IS NULL OR h.state <> c.state)${connectionId === undefined ? sql`` : sql` AND c.id = ${connectionId}`}
      ),
      first_seen AS (
        INSERT INTO connection_health (connection_id, environment_id, state, reason, since, next_check_at)
        SELECT id, environment_id, state, 'first seen by the health monitor', created_at, ${now}::timestamptz
        FROM pending WHERE previous IS NULL
        ON CONFLICT (connection_id) DO NOTHING
      )
      SELECT id, environment_id, integration_key, tenant, state, last_error, previous
      FROM pending WHERE previous IS NOT NULL`,
    );
    for (const row of changed) {
      await this.#recordTransition(
        {
          id: row.id,
          environmentId: row.environment_id,
          integrationKey: row.integration_key,
          tenant: row.tenant,
        },
        row.previous,
        row.state,
        observedReason(row.previous, row.state, row.last_error),
      );
    }
  }

  /** Moves the health row from `from` to `to` and writes the transition, or does nothing if another process did. */
  async #recordTransition(
    connection: { id: string; environmentId: string; integrationKey: string; tenant: string },
    from: string,
    to: string,
    reason: string,
    writer: Pick<Database, 'update' | 'insert'> = this.#deps.db,
  ): Promise<boolean> {
    const now = new Date();
    const moved = await writer
      .update(connectionHealth)
      .set({
        state: to,
        reason,
        since: now,
        updatedAt: now,
        // A connection coming back is checked at once; a disabled one is not checked.
        ...(to === 'healthy' || to === 'needs_reauth' ? { nextCheckAt: now } : {}),
      })
      .where(
        and(eq(connectionHealth.connectionId, connection.id), eq(connectionHealth.state, from)),
      )
      .returning({ id: connectionHealth.connectionId });
    if (moved.length === 0) return false;
    await writer.insert(connectionTransitions).values({
      environmentId: connection.environmentId,
      connectionId: connection.id,
      integrationKey: connection.integrationKey,
      tenant: connection.tenant,
      fromState: from,
      toState: to,
      reason,
      at: now,
    });
    const log = to === 'healthy' ? 'info' : 'warn';
    this.#deps.logger[log](
      { connectionId: connection.id, from, to, reason },
      `connection ${connection.id}: ${from} → ${to}: ${reason}`,
    );
    return true;
  }

  /**
   * Claims the connection most overdue for a check: its next check moves past the end of this
   * one (interval + check deadline), so no other process takes it meanwhile; the check then sets
   * the next one an interval after it ended. A process that dies mid-check delays that connection's
   * next check by at most the check deadline.
   */
  async #claimOne(): Promise<string | null> {
    const now = new Date();
    const lease = new Date(now.getTime() + this.#intervalMs + this.#checkTimeoutMs);
    const rows = await query<{ connection_id: string }>(
      this.#deps.db,
      sql`UPDATE connection_health SET next_check_at = ${lease.toISOString()}::timestamptz
          WHERE connection_id = (
            SELECT connection_id FROM connection_health
            WHERE next_check_at <= ${now.toISOString()}::timestamptz AND state <> 'disabled'
            ORDER BY next_check_at LIMIT 1
            FOR UPDATE SKIP LOCKED)
          RETURNING connection_id`,
    );
    return rows[0]?.connection_id ?? null;
  }

  async #checkOne(connectionId: string): Promise<void> {
    const db = this.#deps.db;
    const row = (await db.select().from(connections).where(eq(connections.id, connectionId)))[0];
    if (!row || row.state === 'disabled') return;
    const integration = row.integrationKey;
    let checkError: string | null = null;
    let ran = false;
    // Re-authorisation is the only way out of needs_reauth for OAuth; a check would only repeat it.
    if (!(row.state === 'needs_reauth' && row.authType.startsWith('oauth2'))) {
      try {
        ran =
          (await this.#deps.runCheck(row.environmentId, row.id, this.#checkTimeoutMs)) ===
          'checked';
      } catch (error) {
        ran = true;
        if (!isJoineryError(error)) throw error;
        checkError = error.code;
      }
    }
    if (ran) this.#deps.metrics.healthCheck(integration, checkError ?? 'ok');
    await this.#deps.flushLog();
    // The call may have changed the state (auth revoked, success): record that first.
    await this.#observe(row.id);
    const current = (await db.select().from(connections).where(eq(connections.id, row.id)))[0];
    if (!current) return;
    const signals = await readSignals(db, current, this.#windowMs);
    const transition = nextState(current.state as ConnectionState, signals, this.#state);
    if (transition) await this.#apply(current, transition.to, transition.reason);
    const findings = detect(signals, current, this.#detectors);
    const health = (
      await db.select().from(connectionHealth).where(eq(connectionHealth.connectionId, row.id))
    )[0];
    await db
      .update(connectionHealth)
      .set({
        findings,
        updatedAt: new Date(),
        // The next check is an interval after this one ended, not after it was claimed: a check
        // late in a long batch would otherwise be followed by the next one almost at once.
        nextCheckAt: new Date(Date.now() + this.#intervalMs),
        ...(ran
          ? {
              lastCheckAt: new Date(),
              lastCheckError: checkError,
              consecutiveCheckFailures:
                checkError === null ? 0 : (health?.consecutiveCheckFailures ?? 0) + 1,
            }
          : {}),
      })
      .where(eq(connectionHealth.connectionId, row.id));
  }

  /** A state change the monitor decides: on the connection (if still in the state it was read in) and as a transition. */
  async #apply(row: ConnectionRow, to: ConnectionState, reason: string): Promise<void> {
    const changed = await this.#deps.db.transaction(async (tx) => {
      const updated = await tx
        .update(connections)
        .set({ state: to, updatedAt: new Date() })
        .where(and(eq(connections.id, row.id), eq(connections.state, row.state)))
        .returning({ id: connections.id });
      if (updated.length === 0) return false;
      return this.#recordTransition(row, row.state, to, reason, tx);
    });
    if (changed) this.#deps.connections.invalidate(row.id);
  }

  /**
   * Disables a connection: no more checks, token renewals or alerts for it until it is enabled.
   * Enabling makes it healthy and checks it at once.
   */
  async setEnabled(scope: Scope, connectionId: string, enabled: boolean): Promise<void> {
    const view = await this.#deps.connections.get(scope, connectionId);
    const row = (
      await this.#deps.db.select().from(connections).where(eq(connections.id, view.id))
    )[0];
    if (!row) throw new JoineryError('not_found', `no connection "${connectionId}"`);
    if (enabled ? row.state !== 'disabled' : row.state === 'disabled') return;
    // Its health row must exist, and a change someone else made be recorded, before this one.
    await this.#observe(row.id);
    await this.#apply(
      row,
      enabled ? 'healthy' : 'disabled',
      enabled ? 'enabled by the user' : 'disabled by the user',
    );
  }

  /**
   * Each connection's state, reason and signals, with what to do: up to 1,000 connections, their
   * signals read in one statement. A read records no transitions except the one connection asked
   * for by id; a state changed since the last tick shows with the reason read from the connection.
   */
  async connectionsHealth(
    scope: Scope,
    filter: { connectionId?: string; state?: string } = {},
  ): Promise<ConnectionHealthView[]> {
    const db = this.#deps.db;
    await this.#deps.flushLog();
    if (filter.connectionId !== undefined) await this.#observe(filter.connectionId);
    const where = [eq(connections.environmentId, scope.environmentId)];
    if (scope.tenant !== undefined) where.push(eq(connections.tenant, scope.tenant));
    if (filter.connectionId !== undefined) where.push(eq(connections.id, filter.connectionId));
    if (filter.state !== undefined) where.push(eq(connections.state, filter.state));
    const rows = await db
      .select({ connection: connections, health: connectionHealth })
      .from(connections)
      .leftJoin(connectionHealth, eq(connectionHealth.connectionId, connections.id))
      .where(and(...where))
      .orderBy(asc(connections.createdAt), asc(connections.id))
      .limit(1000);
    if (filter.connectionId !== undefined && rows.length === 0)
      throw new JoineryError('not_found', `no connection "${filter.connectionId}"`);
    const signalsOf = await readSignalsOf(
      db,
      rows.map((r) => r.connection),
      this.#windowMs,
    );
    const out: ConnectionHealthView[] = [];
    for (const { connection, health } of rows) {
      const signals = signalsOf.get(connection.id);
      if (!signals) throw new Error(`no signals were read for connection ${connection.id}`);
      const view: ConnectionHealthView = {
        connectionId: connection.id,
        integration: connection.integrationKey,
        tenant: connection.tenant,
        state: connection.state as ConnectionState,
        reason: reasonOf(connection, health),
        since: sinceOf(connection, health).toISOString(),
        lastCheck: health?.lastCheckAt
          ? {
              at: health.lastCheckAt.toISOString(),
              ok: health.lastCheckError === null,
              errorCode: health.lastCheckError,
            }
          : null,
        nextCheckAt:
          this.#timer && connection.state !== 'disabled'
            ? (health?.nextCheckAt.toISOString() ?? null)
            : null,
        signals: {
          ...signals,
          lastSuccessAt: signals.lastSuccessAt?.toISOString() ?? null,
          tokenExpiresAt: signals.tokenExpiresAt?.toISOString() ?? null,
          lastSyncAt: signals.lastSyncAt?.toISOString() ?? null,
        },
        findings: Object.entries(health?.findings ?? {}).map(([detector, message]) => ({
          detector,
          message,
        })),
        action: '',
      };
      if (connection.state === 'needs_reauth') {
        const full = await this.#deps.connections.get(scope, connection.id);
        if (full.reconnectUrl) view.reconnectUrl = full.reconnectUrl;
      }
      view.action = advice(view, connection);
      out.push(view);
    }
    return out;
  }

  /** State changes of one connection, newest first. */
  async transitions(scope: Scope, connectionId: string, limit = 50): Promise<TransitionView[]> {
    await this.#deps.connections.get(scope, connectionId);
    await this.#observe(connectionId);
    const rows = await this.#deps.db
      .select()
      .from(connectionTransitions)
      .where(
        and(
          eq(connectionTransitions.connectionId, connectionId),
          eq(connectionTransitions.environmentId, scope.environmentId),
        ),
      )
      .orderBy(desc(connectionTransitions.seq))
      .limit(Math.min(Math.max(limit, 1), 1000));
    return rows.map((r) => ({
      connectionId: r.connectionId,
      from: r.fromState,
      to: r.toState,
      reason: r.reason,
      at: r.at.toISOString(),
    }));
  }

  /** Connections per integration and state, for `joinery_connections`. */
  async stateCounts(): Promise<{ integration: string; state: string; count: number }[]> {
    const rows = await query<{ integration_key: string; state: string; count: number }>(
      this.#deps.db,
      sql`SELECT integration_key, state, count(*)::int AS count FROM connections GROUP BY integration_key, state`,
    );
    return rows.map((r) => ({ integration: r.integration_key, state: r.state, count: r.count }));
  }
}

/** When the current state began: the monitor's record, or the connection's last change if it has not seen this state yet. */
function sinceOf(connection: ConnectionRow, health: HealthRow | null): Date {
  if (!health) return connection.createdAt;
  return health.state === connection.state ? health.since : connection.updatedAt;
}

function reasonOf(connection: ConnectionRow, health: HealthRow | null): string {
  if (health && health.state === connection.state) return health.reason;
  return observedReason(health?.state ?? 'healthy', connection.state, connection.lastError);
}

/** What to do, in words, for a connection in its state. */
function advice(view: ConnectionHealthView, connection: ConnectionRow): string {
  switch (view.state) {
    case 'needs_reauth':
      if (view.reconnectUrl) return `Send the tenant this link to reconnect: ${view.reconnectUrl}`;
      if (connection.authType.startsWith('oauth2'))
        return `Create a reconnect session (POST /v1/connect-sessions with the integration and tenant) and send the tenant its link`;
      return `The provider refuses the stored ${connection.authType.replace('_', ' ')}: delete the connection and create it again with new credentials`;
    case 'disabled':
      return `Disabled: no checks or alerts. Enable it with POST /v1/connections/${view.connectionId}/enable`;
    case 'degraded': {
      const code = connection.lastError?.code;
      if (connection.refreshFailures > 0)
        return `The provider's token endpoint is failing; Joinery keeps retrying the renewal and the connection recovers by itself when it works`;
      if (code === 'rate_limited')
        return `The provider is rate-limiting this connection: lower the call volume or raise the plan's limit; Joinery waits and retries meanwhile`;
      if (code === 'malformed_response')
        return `The provider answers with empty or broken bodies: check its status page; Joinery treats those answers as errors, never as data`;
      return `The provider is failing or unreachable (${code ?? 'errors'}): check its status page; the connection becomes healthy by itself once calls succeed`;
    }
    case 'healthy':
      if (view.findings.length > 0)
        return `Healthy, but look at: ${view.findings.map((f) => f.message).join('; ')}`;
      return 'Nothing to do';
  }
}
