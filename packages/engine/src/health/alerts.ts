import { setTimeout as sleep } from 'node:timers/promises';
import { and, desc, eq, lt, sql, type SQL } from 'drizzle-orm';
import { alerts, type Database } from '@joinery/store';
import type { Logger } from 'pino';
import { request } from 'undici';
import { JoineryError } from '../errors.js';
import { newId } from '../ids.js';
import type { Metrics } from '../metrics/metrics.js';
import { PER_PROCESS_RULES, type AlertCondition, type AlertRuleId } from './alert-rules.js';
import { query } from './signals.js';

export type AlertStatus = 'firing' | 'resolved';

export interface AlertView {
  id: string;
  rule: string;
  subject: string;
  status: AlertStatus;
  severity: string;
  summary: string;
  details: Record<string, unknown>;
  firstFiredAt: string;
  lastFiredAt: string;
  resolvedAt: string | null;
  notifiedFiringAt: string | null;
  notifiedResolvedAt: string | null;
  /** Why the last notice could not be delivered to some channel, or null. */
  deliveryError: string | null;
}

/** A firing or recovery notice, as channels receive it. */
export interface AlertNotice {
  kind: 'firing' | 'resolved';
  alert: AlertView;
}

/** Somewhere notices go: a Slack-compatible incoming webhook, Joinery's outgoing webhooks. */
export interface AlertChannel {
  name: string;
  send(notice: AlertNotice, environmentId: string): Promise<void>;
}

type Row = typeof alerts.$inferSelect;

function view(row: Row): AlertView {
  return {
    id: row.id,
    rule: row.rule,
    subject: row.subject,
    status: row.status as AlertStatus,
    severity: row.severity,
    summary: row.summary,
    details: row.details,
    firstFiredAt: row.firstFiredAt.toISOString(),
    lastFiredAt: row.lastFiredAt.toISOString(),
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    notifiedFiringAt: row.notifiedFiringAt?.toISOString() ?? null,
    notifiedResolvedAt: row.notifiedResolvedAt?.toISOString() ?? null,
    deliveryError: row.deliveryError,
  };
}

export interface AlertsOptions {
  /**
   * A per-process alert (an open circuit) resolves once no process has seen its condition for
   * this long. Defaults to 3 check intervals (set by the monitor).
   */
  staleMs?: number;
}

/**
 * Alerts with one notice per problem and one per recovery, in any number of processes: a partial
 * unique index admits one firing row per dedupe key, and each notice is claimed by a conditional
 * update before it is sent.
 */
export class Alerts {
  readonly #db: Database;
  readonly #logger: Logger;
  readonly #metrics: Metrics;
  readonly #channels: AlertChannel[] = [];
  staleMs: number;

  constructor(db: Database, logger: Logger, metrics: Metrics, options: AlertsOptions = {}) {
    this.#db = db;
    this.#logger = logger;
    this.#metrics = metrics;
    this.staleMs = options.staleMs ?? 180_000;
  }

  addChannel(channel: AlertChannel): void {
    this.#channels.push(channel);
  }

  get channels(): readonly string[] {
    return this.#channels.map((c) => c.name);
  }

  /**
   * Fires an alert for each condition not firing yet (refreshing `last_fired_at` of those that
   * are), and resolves the firing alerts of the evaluated rules whose condition is gone.
   */
  async reconcile(
    conditions: readonly AlertCondition[],
    evaluated: readonly AlertRuleId[],
    now = new Date(),
  ): Promise<{ fired: number; resolved: number }> {
    let fired = 0;
    let resolved = 0;
    const holding = new Set<string>();
    for (const c of conditions) {
      holding.add(`${c.environmentId}\u0000${c.dedupeKey}`);
      const rows = await query<{ inserted: boolean }>(
        this.#db,
        sql`INSERT INTO alerts (id, environment_id, rule, subject, dedupe_key, status, severity, summary,
                                details, first_fired_at, last_fired_at)
            VALUES (${newId('alert')}, ${c.environmentId}, ${c.rule}, ${c.subject}, ${c.dedupeKey},
                    'firing', ${c.severity}, ${c.summary}, ${JSON.stringify(c.details)}::jsonb,
                    ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz)
            ON CONFLICT (environment_id, dedupe_key) WHERE status = 'firing'
            DO UPDATE SET last_fired_at = excluded.last_fired_at
            RETURNING (xmax = 0) AS inserted`,
      );
      if (rows[0]?.inserted) {
        fired++;
        this.#logger.warn({ rule: c.rule, subject: c.subject }, `alert firing: ${c.summary}`);
      }
    }
    if (evaluated.length === 0) return { fired, resolved };
    const firing = await this.#db
      .select()
      .from(alerts)
      .where(
        and(
          eq(alerts.status, 'firing'),
          sql`${alerts.rule} IN (${sql.join(
            evaluated.map((rule) => sql`${rule}`),
            sql`, `,
          )})`,
        ),
      );
    for (const row of firing) {
      if (holding.has(`${row.environmentId}\u0000${row.dedupeKey}`)) continue;
      // Another process may still see an open circuit: resolve only once nobody has for a while.
      if (
        PER_PROCESS_RULES.has(row.rule as AlertRuleId) &&
        now.getTime() - row.lastFiredAt.getTime() < this.staleMs
      )
        continue;
      const updated = await this.#db
        .update(alerts)
        .set({ status: 'resolved', resolvedAt: now })
        .where(and(eq(alerts.id, row.id), eq(alerts.status, 'firing')))
        .returning({ id: alerts.id });
      if (updated.length > 0) {
        resolved++;
        this.#logger.info(
          { rule: row.rule, subject: row.subject },
          `alert resolved: ${row.summary}`,
        );
      }
    }
    return { fired, resolved };
  }

  /**
   * Sends the notices not sent yet: each is claimed first (so one process sends it), then handed
   * to every channel. A channel that fails is tried 3 times; after that the failure is logged,
   * counted and kept on the alert, and the notice is not sent again.
   */
  async deliver(): Promise<number> {
    const pending = await this.#db
      .select()
      .from(alerts)
      .where(
        sql`(${alerts.notifiedFiringAt} IS NULL) OR (${alerts.status} = 'resolved' AND ${alerts.notifiedResolvedAt} IS NULL)`,
      )
      .orderBy(alerts.seq)
      .limit(100);
    let sent = 0;
    for (const row of pending) {
      if (row.notifiedFiringAt === null) {
        const claimed = await this.#db
          .update(alerts)
          .set({ notifiedFiringAt: new Date() })
          .where(and(eq(alerts.id, row.id), sql`${alerts.notifiedFiringAt} IS NULL`))
          .returning();
        const claimedRow = claimed[0];
        // A problem that came and went before its notice was sent still gets both notices.
        if (claimedRow) {
          await this.#send({ ...claimedRow, status: 'firing', resolvedAt: null }, 'firing');
          sent++;
        }
      }
      if (row.status === 'resolved' && row.notifiedResolvedAt === null) {
        const claimed = await this.#db
          .update(alerts)
          .set({ notifiedResolvedAt: new Date() })
          .where(and(eq(alerts.id, row.id), sql`${alerts.notifiedResolvedAt} IS NULL`))
          .returning();
        const claimedRow = claimed[0];
        if (claimedRow) {
          await this.#send(claimedRow, 'resolved');
          sent++;
        }
      }
    }
    return sent;
  }

  async #send(row: Row, kind: 'firing' | 'resolved'): Promise<void> {
    const notice: AlertNotice = { kind, alert: view(row) };
    const failures: string[] = [];
    for (const channel of this.#channels) {
      let lastError: unknown = null;
      for (let attempt = 1; attempt <= 3; attempt++) {
        try {
          await channel.send(notice, row.environmentId);
          lastError = null;
          break;
        } catch (error) {
          lastError = error;
          if (attempt < 3) await sleep(250 * 4 ** (attempt - 1));
        }
      }
      if (lastError === null) {
        this.#metrics.alertNotice(row.rule, kind, channel.name, 'sent');
      } else {
        const message = lastError instanceof Error ? lastError.message : JSON.stringify(lastError);
        failures.push(`${channel.name}: ${message}`);
        this.#metrics.alertNotice(row.rule, kind, channel.name, 'failed');
        this.#logger.error(
          { err: lastError, alertId: row.id, channel: channel.name, kind },
          'alert notice could not be delivered after 3 attempts',
        );
      }
    }
    if (failures.length > 0)
      await this.#db
        .update(alerts)
        .set({ deliveryError: failures.join('; ').slice(0, 1000) })
        .where(eq(alerts.id, row.id));
  }

  /** Firing alerts first, then the most recent resolved ones. */
  async list(
    environmentId: string,
    options: { status?: AlertStatus; limit?: number; before?: number } = {},
  ): Promise<{ data: AlertView[]; nextCursor: string | null }> {
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
    const where: SQL[] = [eq(alerts.environmentId, environmentId)];
    if (options.status) where.push(eq(alerts.status, options.status));
    if (options.before !== undefined) where.push(lt(alerts.seq, options.before));
    const rows = await this.#db
      .select()
      .from(alerts)
      .where(and(...where))
      .orderBy(sql`CASE WHEN ${alerts.status} = 'firing' THEN 0 ELSE 1 END`, desc(alerts.seq))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      data: page.map(view),
      nextCursor: rows.length > limit && last ? String(last.seq) : null,
    };
  }

  /** Firing alerts per rule, for `joinery_alerts_firing`. */
  async firingCounts(): Promise<{ environmentId: string; rule: string; count: number }[]> {
    const rows = await query<{ environment_id: string; rule: string; count: number }>(
      this.#db,
      sql`SELECT environment_id, rule, count(*)::int AS count FROM alerts WHERE status = 'firing' GROUP BY environment_id, rule`,
    );
    return rows.map((r) => ({ environmentId: r.environment_id, rule: r.rule, count: r.count }));
  }
}

/**
 * A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat, Discord's `/slack` URLs):
 * POST `{text, blocks}`. The URL is a secret (whoever has it can post), so it never appears in a
 * log or an error.
 */
export function slackChannel(url: string, timeoutMs = 10_000): AlertChannel {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new JoineryError('invalid_input', 'the Slack webhook URL is not an absolute URL', {
      path: 'JOINERY_ALERT_SLACK_URL',
    });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new JoineryError('invalid_input', 'the Slack webhook URL must be http(s)', {
      path: 'JOINERY_ALERT_SLACK_URL',
    });
  return {
    name: 'slack',
    async send(notice) {
      const body = JSON.stringify(slackMessage(notice));
      const response = await request(parsed, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = (await response.body.text()).slice(0, 200);
      if (response.statusCode < 200 || response.statusCode >= 300)
        throw new Error(`the Slack webhook answered ${response.statusCode} ${text}`);
    },
  };
}

export function slackMessage(notice: AlertNotice): {
  text: string;
  blocks: Record<string, unknown>[];
} {
  const { alert } = notice;
  const head =
    notice.kind === 'firing'
      ? `:rotating_light: [${alert.severity}] ${alert.rule} firing`
      : `:white_check_mark: ${alert.rule} resolved`;
  const text =
    notice.kind === 'firing'
      ? `${head}: ${alert.summary}`
      : `${head}: ${alert.summary} (resolved at ${alert.resolvedAt ?? 'now'})`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${head}*\n${alert.summary}` } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `alert ${alert.id} · subject ${alert.subject} · first fired ${alert.firstFiredAt}${alert.resolvedAt ? ` · resolved ${alert.resolvedAt}` : ''}`,
          },
        ],
      },
    ],
  };
}
