import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '@joinery/store';

/**
 * Error codes that say the connection or the provider is unwell (the same ones that change a
 * connection's state). `invalid_input`, `not_found`, `provider_rejected` and `conflict` are about
 * one request and count as answers.
 */
export const FAILURE_CODES = [
  'auth_revoked',
  'auth_expired',
  'provider_unavailable',
  'timeout',
  'network',
  'rate_limited',
  'malformed_response',
  'schema_drift',
  'blocked_destination',
  'internal',
] as const;

/** What the request log, the token columns and the quotas say about one connection now. */
export interface ConnectionSignals {
  /** The window the counts cover, in ms (ending now). */
  windowMs: number;
  /** Exchanges in the window (each attempt counted; at most the newest 5,000). */
  calls: number;
  /** Exchanges in the window that failed with one of {@link FAILURE_CODES}. */
  failures: number;
  /** failures / calls, or 0 without calls. */
  errorRate: number;
  /** 200s whose body was empty or not valid JSON, in the window. */
  malformed: number;
  /** Rate-limit answers (429, or a provider's own "slow down") in the window. */
  rateLimited: number;
  /** Median and 95th percentile duration of the window's exchanges, or null without any. */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  /** Failed exchanges since the last successful one (newest first, at most 50 looked at). */
  consecutiveFailures: number;
  /** The newest failure's code, or null. */
  lastFailureCode: string | null;
  /** When an exchange last succeeded (any time, not only in the window), or null. */
  lastSuccessAt: Date | null;
  /** When the access token expires (OAuth), or null. */
  tokenExpiresAt: Date | null;
  /** Token renewals that failed in a row. */
  refreshFailures: number;
  /** When a sync of this connection last completed a run, or null (no sync, or none succeeded). */
  lastSyncAt: Date | null;
  /** The smallest remaining share (0–1) of the integration's provider quotas, or null when none are known. */
  quotaHeadroom: number | null;
}

const CONSECUTIVE_LOOKBACK = 50;
/**
 * The window's counts come from at most this many of the newest exchanges (read backwards on the
 * `(connection_id, seq)` index), so a busy connection costs the same to assess as a quiet one.
 */
const WINDOW_SAMPLE = 5_000;

/** What the signals of a connection are read for: its row's identity and token columns. */
export interface SignalSubject {
  id: string;
  environmentId: string;
  integrationKey: string;
  tokenExpiresAt: Date | null;
  refreshFailures: number;
}

/** Reads the signals of one connection (see {@link readSignalsOf}). */
export async function readSignals(
  db: Pick<Database, 'execute'>,
  connection: SignalSubject,
  windowMs: number,
  now = new Date(),
): Promise<ConnectionSignals> {
  const signals = (await readSignalsOf(db, [connection], windowMs, now)).get(connection.id);
  if (!signals) throw new Error(`no signals were read for connection ${connection.id}`);
  return signals;
}

/**
 * Reads the signals of a page of connections in one statement, whatever its size: per connection
 * (a lateral join on the `(connection_id, seq)` index) an aggregate over the window, the newest
 * exchanges for the failure streak and the newest success; per integration the quota headroom;
 * per connection the last completed sync run.
 */
export async function readSignalsOf(
  db: Pick<Database, 'execute'>,
  subjects: readonly SignalSubject[],
  windowMs: number,
  now = new Date(),
): Promise<Map<string, ConnectionSignals>> {
  const out = new Map<string, ConnectionSignals>();
  if (subjects.length === 0) return out;
  const since = new Date(now.getTime() - windowMs).toISOString();
  const failureList = sql.join(
    FAILURE_CODES.map((code) => sql`${code}`),
    sql`, `,
  );
  // The page travels as one JSON parameter, however many connections it holds.
  const page = JSON.stringify(
    subjects.map((c) => ({
      id: c.id,
      environment_id: c.environmentId,
      integration_key: c.integrationKey,
    })),
  );
  const rows = await query<{
    id: string;
    calls: number;
    failures: number;
    malformed: number;
    rate_limited: number;
    p50: number | null;
    p95: number | null;
    recent: (string | null)[] | null;
    last_success: string | Date | null;
    last_sync: string | Date | null;
    headroom: number | null;
  }>(
    db,
    sql`
    WITH page AS (
      SELECT * FROM json_to_recordset(${page}::json) AS p(id text, environment_id text, integration_key text)
    ),
    synced AS (
      SELECT s.connection_id, max(r.finished_at) AS at
      FROM sync_runs r JOIN syncs s ON s.id = r.sync_id
      WHERE r.status = 'succeeded' AND s.connection_id IN (SELECT id FROM page)
      GROUP BY s.connection_id
    ),
    quota AS (
      SELECT q.environment_id, q.integration_key, min(((q."limit" - q.used)::float8) / q."limit") AS headroom
      FROM provider_quotas q
      WHERE q."limit" > 0
        AND (q.environment_id, q.integration_key) IN (SELECT environment_id, integration_key FROM page)
      GROUP BY q.environment_id, q.integration_key
    )
    SELECT p.id, w.calls, w.failures, w.malformed, w.rate_limited, w.p50, w.p95,
           streak.recent, success.at AS last_success, synced.at AS last_sync, quota.headroom
    FROM page p
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS calls,
             count(*) FILTER (WHERE error_code IN (${failureList}))::int AS failures,
             count(*) FILTER (WHERE error_code = 'malformed_response')::int AS malformed,
             count(*) FILTER (WHERE error_code = 'rate_limited')::int AS rate_limited,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
             percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95
      FROM (SELECT error_code, duration_ms, at FROM request_log WHERE connection_id = p.id
            ORDER BY seq DESC LIMIT ${WINDOW_SAMPLE}) newest
      WHERE at >= ${since}::timestamptz) w
    CROSS JOIN LATERAL (
      SELECT json_agg(error_code ORDER BY seq DESC) AS recent
      FROM (SELECT error_code, seq FROM request_log WHERE connection_id = p.id
            ORDER BY seq DESC LIMIT ${CONSECUTIVE_LOOKBACK}) newest) streak
    LEFT JOIN LATERAL (
      SELECT at FROM request_log WHERE connection_id = p.id AND error_code IS NULL
      ORDER BY seq DESC LIMIT 1) success ON true
    LEFT JOIN synced ON synced.connection_id = p.id
    LEFT JOIN quota ON quota.environment_id = p.environment_id AND quota.integration_key = p.integration_key`,
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  const failures = new Set<string>(FAILURE_CODES);
  for (const connection of subjects) {
    const row = byId.get(connection.id);
    let consecutiveFailures = 0;
    let lastFailureCode: string | null = null;
    for (const code of row?.recent ?? []) {
      if (code === null || !failures.has(code)) break;
      lastFailureCode ??= code;
      consecutiveFailures++;
    }
    const calls = Number(row?.calls ?? 0);
    const failed = Number(row?.failures ?? 0);
    out.set(connection.id, {
      windowMs,
      calls,
      failures: failed,
      errorRate: calls === 0 ? 0 : failed / calls,
      malformed: Number(row?.malformed ?? 0),
      rateLimited: Number(row?.rate_limited ?? 0),
      latencyP50Ms: row?.p50 == null ? null : Math.round(Number(row.p50)),
      latencyP95Ms: row?.p95 == null ? null : Math.round(Number(row.p95)),
      consecutiveFailures,
      lastFailureCode,
      lastSuccessAt: row?.last_success ? new Date(row.last_success) : null,
      tokenExpiresAt: connection.tokenExpiresAt,
      refreshFailures: connection.refreshFailures,
      lastSyncAt: row?.last_sync ? new Date(row.last_sync) : null,
      quotaHeadroom: row?.headroom == null ? null : Number(row.headroom),
    });
  }
  return out;
}

/** Rows of a raw statement; node-postgres and PGlite both answer `{ rows }`. */
export async function query<T>(db: Pick<Database, 'execute'>, statement: SQL): Promise<T[]> {
  const result: unknown = await db.execute(statement);
  return (result as { rows: T[] }).rows;
}
