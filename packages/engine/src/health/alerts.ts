import { setTimeout as sleep } from 'node:timers/promises';
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import { alerts, type Database } from '@joinery/store';
import type { Logger } from 'pino';
import { request } from 'undici';
import { JoineryError } from '../errors.js';
import { newId } from '../ids.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Secret } from '../secret.js';
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
  /** Delivers one notice, or rejects; `signal` aborts when Joinery stops. */
  send(notice: AlertNotice, environmentId: string, signal?: AbortSignal): Promise<void>;
}

/** Tries per channel and notice, and the waits between them (0.25 s, then 1 s). */
const ATTEMPTS = 3;
const RETRY_DELAYS_MS = [250, 1_000];
/** Notices claimed per delivery round at most; a busier backlog waits for the next round. */
const ROUND_SIZE = 100;

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
  #delivering: Promise<void> | null = null;
  #again = false;
  #stop = new AbortController();

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
   * Sends the pending notices on a loop of their own and returns at once, so a slow or failing
   * channel (each notice is tried 3 times, each try up to its channel's deadline) never holds up
   * the caller — the health checks. A call during a round asks for one more round after it; a
   * round that fails is logged, and the next call tries again.
   */
  deliverSoon(): void {
    if (this.#delivering) {
      this.#again = true;
      return;
    }
    if (this.#stop.signal.aborted) this.#stop = new AbortController();
    const signal = this.#stop.signal;
    this.#delivering = (async () => {
      do {
        this.#again = false;
        try {
          await this.deliver(signal);
        } catch (error) {
          this.#logger.error(
            { err: error },
            'alert notices: a delivery round failed; the next health tick tries again',
          );
        }
      } while (this.#again && !signal.aborted);
    })().finally(() => {
      this.#delivering = null;
    });
  }

  /** Resolves once no delivery round is under way (or asked for). */
  async idle(): Promise<void> {
    while (this.#delivering) await this.#delivering;
  }

  /**
   * Stops sending: no further notice is claimed, and the one being sent is aborted (given up like
   * a notice its channel refuses: logged, counted, kept in `deliveryError`). Unsent notices stay
   * pending for the next `deliverSoon`, here or in another process.
   */
  async stop(): Promise<void> {
    this.#again = false;
    this.#stop.abort();
    await this.idle();
  }

  /**
   * Sends the notices not sent yet (at most 100): each is claimed first (so one process sends it),
   * then handed to every channel. A channel that fails is tried 3 times; after that the failure is
   * logged, counted and kept on the alert, and the notice is not sent again.
   */
  async deliver(signal?: AbortSignal): Promise<number> {
    const pending = await this.#db
      .select()
      .from(alerts)
      .where(
        sql`(${alerts.notifiedFiringAt} IS NULL) OR (${alerts.status} = 'resolved' AND ${alerts.notifiedResolvedAt} IS NULL)`,
      )
      .orderBy(alerts.seq)
      .limit(ROUND_SIZE);
    let sent = 0;
    for (const row of pending) {
      if (signal?.aborted) break;
      if (row.notifiedFiringAt === null) {
        const claimed = await this.#db
          .update(alerts)
          .set({ notifiedFiringAt: new Date() })
          .where(and(eq(alerts.id, row.id), sql`${alerts.notifiedFiringAt} IS NULL`))
          .returning();
        const claimedRow = claimed[0];
        // A problem that came and went before its notice was sent still gets both notices.
        if (claimedRow) {
          await this.#send({ ...claimedRow, status: 'firing', resolvedAt: null }, 'firing', signal);
          sent++;
        }
      }
      if (signal?.aborted) break;
      if (row.status === 'resolved' && row.notifiedResolvedAt === null) {
        const claimed = await this.#db
          .update(alerts)
          .set({ notifiedResolvedAt: new Date() })
          .where(and(eq(alerts.id, row.id), sql`${alerts.notifiedResolvedAt} IS NULL`))
          .returning();
        const claimedRow = claimed[0];
        if (claimedRow) {
          await this.#send(claimedRow, 'resolved', signal);
          sent++;
        }
      }
    }
    return sent;
  }

  async #send(row: Row, kind: 'firing' | 'resolved', signal?: AbortSignal): Promise<void> {
    const notice: AlertNotice = { kind, alert: view(row) };
    const failures: string[] = [];
    for (const channel of this.#channels) {
      let lastError: unknown = null;
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        if (signal?.aborted) {
          const last = lastError instanceof Error ? ` (last try: ${lastError.message})` : '';
          lastError = new Error(`Joinery stopped before the notice was delivered${last}`);
          break;
        }
        try {
          await channel.send(notice, row.environmentId, signal);
          lastError = null;
          break;
        } catch (error) {
          lastError = error;
          const delay = RETRY_DELAYS_MS[attempt - 1];
          // A wait cut short by stopping ends in the check above, which records why.
          if (attempt < ATTEMPTS && delay !== undefined)
            await sleep(delay, undefined, signal ? { signal } : {}).catch(() => undefined);
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
          `alert notice could not be delivered (${channel.name}): ${message}`,
        );
      }
    }
    if (failures.length > 0)
      await this.#db
        .update(alerts)
        .set({ deliveryError: failures.join('; ').slice(0, 1000) })
        .where(eq(alerts.id, row.id));
  }

  /**
   * Firing alerts first, then the most recent resolved ones. `tenant` keeps the alerts about that
   * tenant's connections, filtered before the page is cut so a page is never short while more
   * match. `cursor` is the `nextCursor` of the previous page.
   */
  async list(
    environmentId: string,
    options: { status?: AlertStatus; limit?: number; cursor?: string; tenant?: string } = {},
  ): Promise<{ data: AlertView[]; nextCursor: string | null }> {
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
    const where: SQL[] = [eq(alerts.environmentId, environmentId)];
    if (options.status) where.push(eq(alerts.status, options.status));
    if (options.tenant !== undefined)
      where.push(sql`${alerts.details} ->> 'tenant' = ${options.tenant}`);
    if (options.cursor !== undefined) {
      const after = parseCursor(options.cursor);
      // The order is (firing first, newest first): past the cursor's row in that order.
      where.push(
        after.firing
          ? sql`((${alerts.status} = 'firing' AND ${alerts.seq} < ${after.seq}) OR ${alerts.status} <> 'firing')`
          : sql`(${alerts.status} <> 'firing' AND ${alerts.seq} < ${after.seq})`,
      );
    }
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
      nextCursor:
        rows.length > limit && last
          ? `${last.status === 'firing' ? 'f' : 'r'}${String(last.seq)}`
          : null,
    };
  }

  /** Firing alerts per rule, for `joinery_alerts_firing`. */
  /** Alerts firing now, by rule, across environments (one gauge sample per rule). */
  async firingCounts(): Promise<{ rule: string; count: number }[]> {
    return query<{ rule: string; count: number }>(
      this.#db,
      sql`SELECT rule, count(*)::int AS count FROM alerts WHERE status = 'firing' GROUP BY rule`,
    );
  }
}

/**
 * A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat, Discord's `/slack` URLs):
 * POST `{text, blocks}`. The URL is a secret (whoever has it can post): it stays a `Secret` and is
 * revealed only to check it here and to send; the errors name the host alone, and any echo of the
 * URL in an answer or a transport error is blanked.
 */
export function slackChannel(url: Secret<string>, timeoutMs = 10_000): AlertChannel {
  webhookUrl(url);
  return {
    name: 'slack',
    async send(notice, _environmentId, signal) {
      const target = webhookUrl(url);
      const scrub = (text: string) => blank(text, target);
      let status: number;
      let text: string;
      try {
        const response = await request(target, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(slackMessage(notice)),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          ...(signal ? { signal } : {}),
        });
        status = response.statusCode;
        text = (await response.body.text()).slice(0, 200);
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        // A fresh error, its message scrubbed, without `cause`: the transport's error objects may
        // carry the request and its URL, and a logger prints a cause in full.
        // eslint-disable-next-line preserve-caught-error
        throw new Error(
          `the Slack webhook at ${target.host} could not be reached (${scrub(reason)})`,
        );
      }
      if (status < 200 || status >= 300)
        throw new Error(`the Slack webhook at ${target.host} answered ${status} ${scrub(text)}`);
    },
  };
}

/** The webhook URL, parsed from its secret; errors say what is wrong without repeating it. */
function webhookUrl(url: Secret<string>): URL {
  let parsed: URL;
  try {
    parsed = new URL(url.reveal());
  } catch {
    throw new JoineryError('invalid_input', 'the Slack webhook URL is not an absolute URL', {
      path: 'JOINERY_ALERT_SLACK_URL',
    });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new JoineryError('invalid_input', 'the Slack webhook URL must be http(s)', {
      path: 'JOINERY_ALERT_SLACK_URL',
    });
  return parsed;
}

/** `text` with every occurrence of the URL, its path or its credentials replaced. */
function blank(text: string, url: URL): string {
  const secrets = [
    url.href,
    `${url.pathname}${url.search}`,
    url.pathname,
    url.search,
    url.username,
    url.password,
  ]
    .filter((part) => part.length > 1)
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const part of secrets) out = out.split(part).join('[secret]');
  return out;
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

/** A list cursor: `f<seq>` after a firing alert, `r<seq>` after a resolved one. */
function parseCursor(cursor: string): { firing: boolean; seq: number } {
  const match = /^([fr])(\d{1,15})$/.exec(cursor);
  if (!match?.[1] || !match[2])
    throw new JoineryError(
      'invalid_input',
      `cursor "${cursor.slice(0, 40)}" is not one this list returned: pass the nextCursor of the previous page`,
      { path: 'cursor' },
    );
  return { firing: match[1] === 'f', seq: Number(match[2]) };
}
