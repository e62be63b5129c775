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

/**
 * Reads the signals of one connection in three indexed queries: an aggregate over the window, the
 * newest exchanges for the failure streak, and the newest success.
 */
export async function readSignals(
  db: Database,
  connection: {
    id: string;
    environmentId: string;
    integrationKey: string;
    tokenExpiresAt: Date | null;
    refreshFailures: number;
  },
  windowMs: number,
  now = new Date(),
): Promise<ConnectionSignals> {
  const since = new Date(now.getTime() - windowMs).toISOString();
  const failureList = sql.join(
    FAILURE_CODES.map((code) => sql`${code}`),
    sql`, `,
  );
  const aggregate = await query<{
    calls: number;
    failures: number;
    malformed: number;
    rate_limited: number;
    p50: number | null;
    p95: number | null;
  }>(
    db,
    sql`
    SELECT count(*)::int AS calls,
           count(*) FILTER (WHERE error_code IN (${failureList}))::int AS failures,
           count(*) FILTER (WHERE error_code = 'malformed_response')::int AS malformed,
           count(*) FILTER (WHERE error_code = 'rate_limited')::int AS rate_limited,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95
    FROM (SELECT error_code, duration_ms, at FROM request_log WHERE connection_id = ${connection.id}
          ORDER BY seq DESC LIMIT ${WINDOW_SAMPLE}) newest
    WHERE at >= ${since}::timestamptz`,
  );
  const recent = await query<{ error_code: string | null }>(
    db,
    sql`
    SELECT error_code FROM request_log WHERE connection_id = ${connection.id}
    ORDER BY seq DESC LIMIT ${CONSECUTIVE_LOOKBACK}`,
  );
  const success = await query<{ at: string | Date }>(
    db,
    sql`
    SELECT at FROM request_log WHERE connection_id = ${connection.id} AND error_code IS NULL
    ORDER BY seq DESC LIMIT 1`,
  );
  const quotas = await query<{ headroom: number | null }>(
    db,
    sql`
    SELECT min((("limit" - used)::float8) / "limit") AS headroom FROM provider_quotas
    WHERE environment_id = ${connection.environmentId}
      AND integration_key = ${connection.integrationKey} AND "limit" > 0`,
  );
  const sync = await query<{ at: string | Date | null }>(
    db,
    sql`SELECT max(r.finished_at) AS at FROM sync_runs r JOIN syncs s ON s.id = r.sync_id
        WHERE s.connection_id = ${connection.id} AND r.status = 'succeeded'`,
  );
  const row = aggregate[0];
  const failures = new Set<string>(FAILURE_CODES);
  let consecutiveFailures = 0;
  let lastFailureCode: string | null = null;
  for (const { error_code: code } of recent) {
    if (code === null || !failures.has(code)) break;
    lastFailureCode ??= code;
    consecutiveFailures++;
  }
  const calls = Number(row?.calls ?? 0);
  const failed = Number(row?.failures ?? 0);
  const lastSuccess = success[0]?.at;
  const headroom = quotas[0]?.headroom;
  return {
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
    lastSuccessAt: lastSuccess === undefined ? null : new Date(lastSuccess),
    tokenExpiresAt: connection.tokenExpiresAt,
    refreshFailures: connection.refreshFailures,
    lastSyncAt: sync[0]?.at ? new Date(sync[0].at) : null,
    quotaHeadroom: headroom == null ? null : Number(headroom),
  };
}

/** Rows of a raw statement; node-postgres and PGlite both answer `{ rows }`. */
export async function query<T>(db: Pick<Database, 'execute'>, statement: SQL): Promise<T[]> {
  const result: unknown = await db.execute(statement);
  return (result as { rows: T[] }).rows;
}
