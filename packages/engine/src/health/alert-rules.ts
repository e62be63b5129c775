import { sql } from 'drizzle-orm';
import type { Database } from '@joinery/store';
import { query } from './signals.js';
import { minutes } from './state-machine.js';

export const ALERT_RULE_IDS = [
  'connection_needs_reauth',
  'connection_degraded',
  'circuit_open',
  'quota_low',
  'dead_letters_growing',
  'silent_failure',
  'schema_drift_appeared',
  'sync_stalled',
] as const;
export type AlertRuleId = (typeof ALERT_RULE_IDS)[number];

export type AlertSeverity = 'critical' | 'warning' | 'info';

/** The alert rules, as data. Each has a safe default; `enabled: false` turns one off. */
export interface AlertRules {
  connection_needs_reauth: { enabled: boolean; severity: AlertSeverity };
  /** Fires once a connection has been degraded for `forMs` (default 5 min). */
  connection_degraded: { enabled: boolean; severity: AlertSeverity; forMs: number };
  /** Fires while an integration's circuit breaker is open or half-open in some process. */
  circuit_open: { enabled: boolean; severity: AlertSeverity };
  /** Fires when a provider quota has less than `remainingBelow` (default 10 %) left. */
  quota_low: { enabled: boolean; severity: AlertSeverity; remainingBelow: number };
  /** Fires while dead letters created in the last `windowMs` (default 15 min) are unresolved. */
  dead_letters_growing: { enabled: boolean; severity: AlertSeverity; windowMs: number };
  /** Fires for each silent-failure finding of the health monitor (no success, malformed spike). */
  silent_failure: { enabled: boolean; severity: AlertSeverity };
  /** Fires when schema drift was first seen in the last `windowMs` (default 24 h). */
  schema_drift_appeared: { enabled: boolean; severity: AlertSeverity; windowMs: number };
  /**
   * Fires for a sync that keeps "succeeding" without progress — its last `zeroProgressRuns`
   * (default 3) full runs all succeeded with no record although earlier runs found some — and for
   * one with no successful run in `overdueIntervals` (default 3) of its own intervals (at least
   * 5 min). Incremental runs that find nothing are normal and do not count.
   */
  sync_stalled: {
    enabled: boolean;
    severity: AlertSeverity;
    zeroProgressRuns: number;
    overdueIntervals: number;
  };
}

export const defaultAlertRules: AlertRules = {
  connection_needs_reauth: { enabled: true, severity: 'critical' },
  connection_degraded: { enabled: true, severity: 'warning', forMs: 5 * 60_000 },
  circuit_open: { enabled: true, severity: 'warning' },
  quota_low: { enabled: true, severity: 'warning', remainingBelow: 0.1 },
  dead_letters_growing: { enabled: true, severity: 'warning', windowMs: 15 * 60_000 },
  silent_failure: { enabled: true, severity: 'warning' },
  schema_drift_appeared: { enabled: true, severity: 'info', windowMs: 24 * 3_600_000 },
  sync_stalled: { enabled: true, severity: 'warning', zeroProgressRuns: 3, overdueIntervals: 3 },
};

/** One problem that holds right now; an alert fires for it unless one is firing already. */
export interface AlertCondition {
  environmentId: string;
  rule: AlertRuleId;
  subject: string;
  /** Same key, same alert: one firing notice, then one recovery notice. */
  dedupeKey: string;
  severity: AlertSeverity;
  summary: string;
  details: Record<string, unknown>;
}

export interface BreakerSnapshot {
  environmentId: string;
  integrationKey: string;
  name: string;
  state: 'closed' | 'open' | 'half_open';
}

/** Rules whose condition only the process holding the state can see (breakers live in memory). */
export const PER_PROCESS_RULES: ReadonlySet<AlertRuleId> = new Set(['circuit_open']);

/** Evaluates every enabled rule over the whole store; returns what holds and which rules were looked at. */
export async function evaluateRules(
  db: Database,
  rules: AlertRules,
  breakers: readonly BreakerSnapshot[],
  now = new Date(),
): Promise<{ conditions: AlertCondition[]; evaluated: AlertRuleId[] }> {
  const conditions: AlertCondition[] = [];
  const evaluated: AlertRuleId[] = [];
  const add = (rule: AlertRuleId, c: Omit<AlertCondition, 'rule' | 'severity' | 'dedupeKey'>) =>
    conditions.push({
      ...c,
      rule,
      severity: rules[rule].severity,
      dedupeKey: `${rule}:${c.subject}`,
    });

  if (rules.connection_needs_reauth.enabled) {
    evaluated.push('connection_needs_reauth');
    const rows = await query<{
      id: string;
      environment_id: string;
      integration_key: string;
      tenant: string;
      last_error: { code: string; message: string } | null;
    }>(
      db,
      sql`SELECT id, environment_id, integration_key, tenant, last_error FROM connections WHERE state = 'needs_reauth'`,
    );
    for (const row of rows)
      add('connection_needs_reauth', {
        environmentId: row.environment_id,
        subject: row.id,
        summary: `Connection ${row.id} (${row.integration_key}, tenant "${row.tenant}") needs re-authorisation: ${row.last_error?.message ?? 'the provider refused its credentials'}. Send the tenant the reconnect link from \`joinery status\`.`,
        details: {
          connectionId: row.id,
          integration: row.integration_key,
          tenant: row.tenant,
          code: row.last_error?.code ?? null,
        },
      });
  }

  if (rules.connection_degraded.enabled) {
    evaluated.push('connection_degraded');
    const before = new Date(now.getTime() - rules.connection_degraded.forMs).toISOString();
    const rows = await query<{
      id: string;
      environment_id: string;
      integration_key: string;
      tenant: string;
      reason: string;
      since: string | Date;
    }>(
      db,
      sql`SELECT c.id, c.environment_id, c.integration_key, c.tenant, h.reason, h.since
          FROM connections c JOIN connection_health h ON h.connection_id = c.id
          WHERE c.state = 'degraded' AND h.state = 'degraded' AND h.since <= ${before}::timestamptz`,
    );
    for (const row of rows)
      add('connection_degraded', {
        environmentId: row.environment_id,
        subject: row.id,
        summary: `Connection ${row.id} (${row.integration_key}, tenant "${row.tenant}") has been degraded for ${minutes(now.getTime() - new Date(row.since).getTime())}: ${row.reason}`,
        details: {
          connectionId: row.id,
          integration: row.integration_key,
          tenant: row.tenant,
          reason: row.reason,
          since: new Date(row.since).toISOString(),
        },
      });
  }

  if (rules.circuit_open.enabled) {
    evaluated.push('circuit_open');
    for (const breaker of breakers) {
      if (breaker.state === 'closed') continue;
      add('circuit_open', {
        environmentId: breaker.environmentId,
        subject: breaker.integrationKey,
        summary: `The circuit for ${breaker.name} (integration ${breaker.integrationKey}) is ${breaker.state === 'open' ? 'open' : 'half-open'}: calls fail fast with provider_unavailable until a probe succeeds.`,
        details: { integration: breaker.integrationKey, state: breaker.state },
      });
    }
  }

  if (rules.quota_low.enabled) {
    evaluated.push('quota_low');
    const rows = await query<{
      environment_id: string;
      integration_key: string;
      name: string;
      used: number;
      limit: number;
    }>(
      db,
      sql`SELECT environment_id, integration_key, name, used, "limit" FROM provider_quotas
          WHERE "limit" > 0 AND (("limit" - used)::float8 / "limit") < ${rules.quota_low.remainingBelow}`,
    );
    for (const row of rows) {
      const remaining = Math.max(0, row.limit - row.used);
      add('quota_low', {
        environmentId: row.environment_id,
        subject: `${row.integration_key}/${row.name}`,
        summary: `Integration ${row.integration_key}'s quota "${row.name}" is nearly used up: ${remaining} of ${row.limit} left (${Math.round((remaining / row.limit) * 1000) / 10} %).`,
        details: {
          integration: row.integration_key,
          quota: row.name,
          used: row.used,
          limit: row.limit,
        },
      });
    }
  }

  if (rules.dead_letters_growing.enabled) {
    evaluated.push('dead_letters_growing');
    const since = new Date(now.getTime() - rules.dead_letters_growing.windowMs).toISOString();
    const rows = await query<{ environment_id: string; recent: number; open: number }>(
      db,
      sql`SELECT environment_id,
                 count(*) FILTER (WHERE created_at >= ${since}::timestamptz)::int AS recent,
                 count(*)::int AS open
          FROM dead_letters WHERE resolved_at IS NULL GROUP BY environment_id`,
    );
    for (const row of rows) {
      if (row.recent === 0) continue;
      add('dead_letters_growing', {
        environmentId: row.environment_id,
        subject: row.environment_id,
        summary: `${row.recent} new dead letter${row.recent === 1 ? '' : 's'} in the last ${minutes(rules.dead_letters_growing.windowMs)} (${row.open} unresolved in all): see GET /v1/dead-letters.`,
        details: { recent: row.recent, open: row.open },
      });
    }
  }

  if (rules.silent_failure.enabled) {
    evaluated.push('silent_failure');
    const rows = await query<{
      connection_id: string;
      environment_id: string;
      integration_key: string;
      tenant: string;
      findings: Record<string, string>;
    }>(
      db,
      sql`SELECT h.connection_id, h.environment_id, c.integration_key, c.tenant, h.findings
          FROM connection_health h JOIN connections c ON c.id = h.connection_id
          WHERE h.findings <> '{}'::jsonb AND c.state <> 'disabled'`,
    );
    for (const row of rows)
      for (const [detector, message] of Object.entries(row.findings))
        add('silent_failure', {
          environmentId: row.environment_id,
          subject: `${row.connection_id}/${detector}`,
          summary: `Connection ${row.connection_id} (${row.integration_key}, tenant "${row.tenant}"): ${message}.`,
          details: {
            connectionId: row.connection_id,
            integration: row.integration_key,
            tenant: row.tenant,
            detector,
            message,
          },
        });
  }

  if (rules.schema_drift_appeared.enabled) {
    evaluated.push('schema_drift_appeared');
    const since = new Date(now.getTime() - rules.schema_drift_appeared.windowMs).toISOString();
    const rows = await query<{
      environment_id: string;
      integration_key: string;
      findings: number;
      paths: string[];
    }>(
      db,
      sql`SELECT environment_id, integration_key, count(*)::int AS findings,
                 (array_agg(action || ' ' || kind || ' ' || path ORDER BY first_seen DESC))[1:5] AS paths
          FROM schema_drift WHERE first_seen >= ${since}::timestamptz
          GROUP BY environment_id, integration_key`,
    );
    for (const row of rows)
      add('schema_drift_appeared', {
        environmentId: row.environment_id,
        subject: row.integration_key,
        summary: `Integration ${row.integration_key}: the provider's answers changed shape (${row.findings} new drift finding${row.findings === 1 ? '' : 's'}, e.g. ${row.paths.join('; ')}). See GET /v1/integrations/${row.integration_key}/schema-drift.`,
        details: { integration: row.integration_key, findings: row.findings, examples: row.paths },
      });
  }

  if (rules.sync_stalled.enabled) {
    evaluated.push('sync_stalled');
    const runs = rules.sync_stalled.zeroProgressRuns;
    const stalled = await query<{
      id: string;
      environment_id: string;
      connection_id: string;
      name: string;
      before: number;
    }>(
      db,
      // Each sync's last `runs` finished runs through the (sync_id, started_at) index, not its
      // whole history; the earlier progress is read for the few syncs that pass that test.
      sql`WITH candidates AS (
            SELECT s.id, s.environment_id, s.connection_id, s.name
            FROM syncs s
            CROSS JOIN LATERAL (
              SELECT count(*) FILTER (
                       WHERE r.kind = 'full' AND r.status = 'succeeded' AND r.records_seen = 0
                     ) AS zero
              FROM (SELECT kind, status, records_seen FROM sync_runs
                    WHERE sync_id = s.id AND status <> 'running'
                    ORDER BY started_at DESC LIMIT ${runs}) r
            ) z
            WHERE s.enabled AND z.zero = ${runs})
          SELECT c.id, c.environment_id, c.connection_id, c.name, b.before
          FROM candidates c
          CROSS JOIN LATERAL (
            SELECT max(records_seen)::int AS before FROM sync_runs p WHERE p.sync_id = c.id
          ) b
          WHERE b.before > 0`,
    );
    for (const row of stalled)
      add('sync_stalled', {
        environmentId: row.environment_id,
        subject: `${row.id}/zero_progress`,
        summary: `Sync ${row.id} (${row.name}, connection ${row.connection_id}) keeps succeeding with no progress: its last ${runs} full runs found no record, where an earlier run found ${row.before}. The provider may be answering with empty lists.`,
        details: { syncId: row.id, connectionId: row.connection_id, detector: 'zero_progress' },
      });
    const overdue = await query<{
      id: string;
      environment_id: string;
      connection_id: string;
      name: string;
      last_success: string | Date | null;
      expected_ms: number;
    }>(
      db,
      sql`SELECT s.id, s.environment_id, s.connection_id, s.name,
                 (SELECT max(finished_at) FROM sync_runs r WHERE r.sync_id = s.id AND r.status = 'succeeded') AS last_success,
                 greatest(s.frequency_seconds * 1000 * ${rules.sync_stalled.overdueIntervals}, 300000)::float8 AS expected_ms
          FROM syncs s
          WHERE s.enabled
            AND s.created_at < ${now.toISOString()}::timestamptz - make_interval(secs => greatest(s.frequency_seconds * ${rules.sync_stalled.overdueIntervals}, 300))
            AND NOT EXISTS (
              SELECT 1 FROM sync_runs r WHERE r.sync_id = s.id AND r.status = 'succeeded'
                AND r.finished_at >= ${now.toISOString()}::timestamptz - make_interval(secs => greatest(s.frequency_seconds * ${rules.sync_stalled.overdueIntervals}, 300)))`,
    );
    for (const row of overdue)
      add('sync_stalled', {
        environmentId: row.environment_id,
        subject: `${row.id}/overdue`,
        summary: `Sync ${row.id} (${row.name}, connection ${row.connection_id}) has not completed a run in ${minutes(Number(row.expected_ms))}${row.last_success ? ` (last success ${new Date(row.last_success).toISOString()})` : ' (never)'}: see GET /v1/syncs/${row.id}/runs.`,
        details: { syncId: row.id, connectionId: row.connection_id, detector: 'overdue' },
      });
  }

  return { conditions, evaluated };
}
