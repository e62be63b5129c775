import { and, asc, eq, gte, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import { outgoingDeliveries, webhookEndpoints, type Database } from '@joinery/store';
import type { Logger } from 'pino';
import { Webhook } from 'standardwebhooks';
import type { Dispatcher as UndiciDispatcher } from 'undici';
import { JoineryError, isJoineryError } from '../errors.js';
import { checkLiteralHost } from '../outbound/ssrf.js';
import { Transport } from '../outbound/transport.js';
import { DEFAULT_JITTER, DEFAULT_RETRY_SCHEDULE_MS, formatMs, nextAttempt } from './backoff.js';
import type { DeadLetters } from './dead-letters.js';
import type { EndpointRow, WebhookEndpoints } from './endpoints.js';

/** Delivery settings; every one has a safe default, and tests shrink them to milliseconds. */
export interface DispatcherOptions {
  /**
   * Waits before attempts 2, 3, …; when spent, the delivery is dead. Defaults to 5 s, 5 min, 30 min,
   * 2 h, 5 h, 10 h, 10 h: eight attempts over about 28 hours.
   */
  retryScheduleMs?: readonly number[];
  /** Each wait moves by up to this fraction either way. Defaults to 0.2. */
  jitter?: number;
  /** One attempt, connect to response, before it counts as failed. Defaults to 15 s. */
  timeoutMs?: number;
  /**
   * How long a dispatcher holds a claimed delivery; after it, another process may send it (a crashed
   * process's deliveries are not lost). Defaults to the timeout plus 45 s.
   */
  leaseMs?: number;
  /** Deliveries claimed per round. Defaults to 20. */
  batchSize?: number;
  /** Consecutive failed attempts to one endpoint that open its breaker. Defaults to 5. */
  breakerThreshold?: number;
  /** How long an open breaker postpones deliveries before one is sent as a probe. Defaults to 60 s. */
  breakerCooldownMs?: number;
}

const defaultOptions = {
  retryScheduleMs: DEFAULT_RETRY_SCHEDULE_MS,
  jitter: DEFAULT_JITTER,
  timeoutMs: 15_000,
  batchSize: 20,
  breakerThreshold: 5,
  breakerCooldownMs: 60_000,
};

type DeliveryRow = typeof outgoingDeliveries.$inferSelect;

// Rounds per tick while claims come back full, so a backlog drains without waiting for the timer.
const MAX_ROUNDS_PER_TICK = 10;
// Enough of a failed answer's body to say why; receivers' pages are not stored whole.
const ERROR_SNIPPET_CHARS = 300;

export interface DispatchReport {
  claimed: number;
  delivered: number;
  failed: number;
  dead: number;
  postponed: number;
}

/**
 * Sends due deliveries. Each round claims a batch with `FOR UPDATE SKIP LOCKED` and a lease, so any
 * number of processes sharing PostgreSQL split the work and never send the same attempt at once;
 * a delivery whose lease ran out (its process died) is claimed again.
 */
export class Dispatcher {
  readonly #db: Database;
  readonly #endpoints: WebhookEndpoints;
  readonly #deadLetters: DeadLetters;
  readonly #logger: Logger;
  readonly #options: typeof defaultOptions & { leaseMs: number };
  readonly #transport: Transport;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;

  constructor(
    deps: { db: Database; endpoints: WebhookEndpoints; deadLetters: DeadLetters; logger: Logger },
    options: DispatcherOptions = {},
  ) {
    this.#db = deps.db;
    this.#endpoints = deps.endpoints;
    this.#deadLetters = deps.deadLetters;
    this.#logger = deps.logger;
    const merged = { ...defaultOptions, ...definedOnly(options) };
    this.#options = { ...merged, leaseMs: options.leaseMs ?? merged.timeoutMs + 45_000 };
    this.#transport = new Transport({
      connectTimeoutMs: merged.timeoutMs,
      headersTimeoutMs: merged.timeoutMs,
      bodyTimeoutMs: merged.timeoutMs,
    });
  }

  /** Every `intervalMs`, sends what is due. One round at a time; the timer does not hold the process. */
  start(intervalMs: number): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (this.#running) return;
      this.#running = this.#tick().finally(() => {
        this.#running = null;
      });
    }, intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and waits for attempts under way (each bounded by the timeout). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  async close(): Promise<void> {
    await this.stop();
    await this.#transport.close();
  }

  async #tick(): Promise<void> {
    try {
      for (let round = 0; round < MAX_ROUNDS_PER_TICK; round++) {
        const report = await this.dispatchOnce();
        if (report.claimed > 0) this.#logger.debug({ ...report }, 'outgoing webhooks round');
        if (report.claimed < this.#options.batchSize) break;
      }
    } catch (error) {
      this.#logger.error({ err: error }, 'outgoing webhook dispatch failed; retrying next round');
    }
  }

  /** One round: claims due deliveries and attempts each. */
  async dispatchOnce(): Promise<DispatchReport> {
    const claimed = await this.#claim();
    const report: DispatchReport = {
      claimed: claimed.length,
      delivered: 0,
      failed: 0,
      dead: 0,
      postponed: 0,
    };
    const outcomes = await Promise.all(claimed.map((row) => this.#attempt(row)));
    for (const outcome of outcomes) report[outcome]++;
    return report;
  }

  async #claim(): Promise<DeliveryRow[]> {
    const now = new Date();
    const leaseUntil = new Date(now.getTime() + this.#options.leaseMs);
    const due = this.#db
      .select({ id: outgoingDeliveries.id })
      .from(outgoingDeliveries)
      .where(
        or(
          and(
            inArray(outgoingDeliveries.status, ['pending', 'failed']),
            lte(outgoingDeliveries.nextAttemptAt, now),
          ),
          // A dispatcher that took these died (or hung past its lease): send them again.
          and(eq(outgoingDeliveries.status, 'delivering'), lt(outgoingDeliveries.leaseUntil, now)),
        ),
      )
      .orderBy(asc(outgoingDeliveries.nextAttemptAt))
      .limit(this.#options.batchSize)
      .for('update', { skipLocked: true });
    return this.#db
      .update(outgoingDeliveries)
      .set({ status: 'delivering', leaseUntil, updatedAt: now })
      .where(inArray(outgoingDeliveries.id, due))
      .returning();
  }

  async #attempt(row: DeliveryRow): Promise<keyof Omit<DispatchReport, 'claimed'>> {
    try {
      return await this.#attemptUnsafe(row);
    } catch (error) {
      // A store failure mid-attempt: the lease runs out and the delivery is claimed again.
      this.#logger.error(
        { err: error, deliveryId: row.id },
        'outgoing webhook attempt could not be recorded; it will be retried after its lease',
      );
      return 'failed';
    }
  }

  async #attemptUnsafe(row: DeliveryRow): Promise<keyof Omit<DispatchReport, 'claimed'>> {
    const endpoint = await this.#endpointRow(row.endpointId);
    if (!endpoint || endpoint.deletedAt !== null || !endpoint.enabled) {
      const why =
        !endpoint || endpoint.deletedAt
          ? 'was deleted'
          : `is disabled (${endpoint.disabledReason ?? 'no reason recorded'})`;
      await this.#kill(row, `the endpoint ${why}; the delivery was not sent`, {
        code: 'endpoint_unavailable',
        message: `webhook endpoint ${row.endpointId} ${why}`,
      });
      return 'dead';
    }
    const gate = await this.#breakerGate(endpoint);
    if (gate.kind === 'postpone') {
      await this.#postpone(row, gate.until);
      return 'postponed';
    }

    const started = Date.now();
    const result = await this.#send(row, endpoint);
    const durationMs = Date.now() - started;
    const log = { deliveryId: row.id, endpointId: endpoint.id, type: row.type, durationMs };
    const attempts = row.attempts + 1;

    if (result.kind === 'delivered') {
      await this.#db.transaction(async (tx) => {
        const updated = await tx
          .update(outgoingDeliveries)
          .set({
            status: 'delivered',
            attempts,
            lastStatus: result.status,
            lastError: null,
            leaseUntil: null,
            deliveredAt: new Date(),
            updatedAt: new Date(),
          })
          .where(this.#held(row))
          .returning({ id: outgoingDeliveries.id });
        if (updated.length === 0) return;
        await this.#deadLetters.resolve('delivery', row.id, { db: tx });
      });
      await this.#closeBreaker(endpoint, gate.kind === 'probe');
      this.#logger.info(
        { ...log, status: result.status, attempt: attempts },
        'outgoing webhook delivered',
      );
      return 'delivered';
    }

    const lastError = { ...result.error, at: new Date().toISOString() };
    if (result.kind === 'gone') {
      await this.#db
        .update(webhookEndpoints)
        .set({
          enabled: false,
          disabledReason: `answered 410 Gone on ${new Date().toISOString()}`,
          updatedAt: new Date(),
        })
        .where(eq(webhookEndpoints.id, endpoint.id));
      await this.#kill(
        row,
        'the endpoint answered 410 Gone, so Joinery disabled it and stopped sending there',
        lastError,
        attempts,
      );
      this.#logger.warn({ ...log }, 'webhook endpoint answered 410 Gone: disabled');
      return 'dead';
    }
    if (result.kind === 'refused') {
      await this.#kill(
        row,
        `the destination is refused: ${result.error.message}`,
        lastError,
        attempts,
      );
      this.#logger.warn(
        { ...log, error: result.error },
        'outgoing webhook refused by the SSRF guard',
      );
      return 'dead';
    }

    await this.#openBreakerOnFailure(endpoint);
    const decision = nextAttempt(
      attempts,
      this.#options.retryScheduleMs,
      this.#options.jitter,
      Math.random(),
    );
    if (!decision.retry) {
      await this.#kill(
        row,
        `${decision.reason}; the last: ${result.error.message}`,
        lastError,
        attempts,
      );
      this.#logger.warn(
        { ...log, reason: decision.reason, error: result.error },
        'outgoing webhook dead',
      );
      return 'dead';
    }
    await this.#db
      .update(outgoingDeliveries)
      .set({
        status: 'failed',
        attempts,
        lastStatus: result.error.status ?? null,
        lastError,
        nextAttemptAt: new Date(Date.now() + decision.delayMs),
        leaseUntil: null,
        updatedAt: new Date(),
      })
      .where(this.#held(row));
    this.#logger.info(
      { ...log, reason: decision.reason, error: result.error },
      'outgoing webhook attempt failed',
    );
    return 'failed';
  }

  /** Still ours: claimed by this round and not taken over after the lease ran out. */
  #held(row: DeliveryRow) {
    return and(
      eq(outgoingDeliveries.id, row.id),
      eq(outgoingDeliveries.status, 'delivering'),
      row.leaseUntil === null
        ? isNull(outgoingDeliveries.leaseUntil)
        : eq(outgoingDeliveries.leaseUntil, row.leaseUntil),
    );
  }

  async #endpointRow(id: string): Promise<EndpointRow | undefined> {
    const rows = await this.#db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    return rows[0];
  }

  /**
   * The endpoint's breaker, kept in the store so every process sees it. Closed: send. Open: postpone
   * (not an attempt). Cooled down: one process wins the probe by pushing `open_until` forward, and
   * everyone else keeps postponing until the probe's answer closes or reopens the breaker.
   */
  async #breakerGate(
    endpoint: EndpointRow,
  ): Promise<{ kind: 'send' } | { kind: 'probe' } | { kind: 'postpone'; until: Date }> {
    const now = new Date();
    if (endpoint.openUntil !== null && endpoint.openUntil > now) {
      return { kind: 'postpone', until: endpoint.openUntil };
    }
    if (endpoint.consecutiveFailures < this.#options.breakerThreshold) return { kind: 'send' };
    const probeUntil = new Date(now.getTime() + this.#options.breakerCooldownMs);
    const won = await this.#db
      .update(webhookEndpoints)
      .set({ openUntil: probeUntil })
      .where(
        and(
          eq(webhookEndpoints.id, endpoint.id),
          gte(webhookEndpoints.consecutiveFailures, this.#options.breakerThreshold),
          or(isNull(webhookEndpoints.openUntil), lte(webhookEndpoints.openUntil, now)),
        ),
      )
      .returning({ id: webhookEndpoints.id });
    if (won.length > 0) return { kind: 'probe' };
    const fresh = await this.#endpointRow(endpoint.id);
    if (fresh && fresh.consecutiveFailures < this.#options.breakerThreshold)
      return { kind: 'send' };
    return { kind: 'postpone', until: fresh?.openUntil ?? probeUntil };
  }

  async #closeBreaker(endpoint: EndpointRow, wasProbe: boolean): Promise<void> {
    if (endpoint.consecutiveFailures === 0 && endpoint.openUntil === null && !wasProbe) return;
    await this.#db
      .update(webhookEndpoints)
      .set({ consecutiveFailures: 0, openUntil: null, updatedAt: new Date() })
      .where(eq(webhookEndpoints.id, endpoint.id));
    if (wasProbe) {
      // The endpoint is back: what waited behind the breaker (and its scheduled retries) goes now.
      await this.#db
        .update(outgoingDeliveries)
        .set({ nextAttemptAt: new Date(), updatedAt: new Date() })
        .where(
          and(
            eq(outgoingDeliveries.endpointId, endpoint.id),
            inArray(outgoingDeliveries.status, ['pending', 'failed']),
          ),
        );
      this.#logger.info(
        { endpointId: endpoint.id },
        'webhook endpoint breaker closed: the probe was delivered',
      );
    }
  }

  async #openBreakerOnFailure(endpoint: EndpointRow): Promise<void> {
    const threshold = this.#options.breakerThreshold;
    const until = new Date(Date.now() + this.#options.breakerCooldownMs).toISOString();
    const rows = await this.#db
      .update(webhookEndpoints)
      .set({
        consecutiveFailures: sql`${webhookEndpoints.consecutiveFailures} + 1`,
        openUntil: sql`CASE WHEN ${webhookEndpoints.consecutiveFailures} + 1 >= ${threshold} THEN ${until}::timestamptz ELSE ${webhookEndpoints.openUntil} END`,
        updatedAt: new Date(),
      })
      .where(eq(webhookEndpoints.id, endpoint.id))
      .returning({ failures: webhookEndpoints.consecutiveFailures });
    const failures = rows[0]?.failures ?? 0;
    if (failures === threshold) {
      this.#logger.warn(
        { endpointId: endpoint.id, failures, cooldownMs: this.#options.breakerCooldownMs },
        `webhook endpoint breaker opened after ${failures} consecutive failures; deliveries wait ${formatMs(this.#options.breakerCooldownMs)}`,
      );
    }
  }

  async #postpone(row: DeliveryRow, until: Date): Promise<void> {
    await this.#db
      .update(outgoingDeliveries)
      .set({
        status: row.attempts > 0 ? 'failed' : 'pending',
        nextAttemptAt: until,
        leaseUntil: null,
        updatedAt: new Date(),
      })
      .where(this.#held(row));
  }

  /** Out of attempts, or nowhere to send: the delivery is dead and a dead letter keeps it. */
  async #kill(
    row: DeliveryRow,
    reason: string,
    lastError: { code: string; message: string; status?: number },
    attempts = row.attempts,
  ): Promise<void> {
    await this.#db.transaction(async (tx) => {
      const updated = await tx
        .update(outgoingDeliveries)
        .set({
          status: 'dead',
          attempts,
          lastStatus: lastError.status ?? null,
          lastError: {
            code: lastError.code,
            message: lastError.message,
            ...(lastError.status === undefined ? {} : { status: lastError.status }),
            at: new Date().toISOString(),
          },
          leaseUntil: null,
          updatedAt: new Date(),
        })
        .where(this.#held(row))
        .returning({ id: outgoingDeliveries.id });
      if (updated.length === 0) return;
      await this.#deadLetters.add(
        {
          environmentId: row.environmentId,
          kind: 'delivery',
          refId: row.id,
          reason,
          lastError: { ...lastError, at: new Date().toISOString() },
          payload: {
            endpointId: row.endpointId,
            eventId: row.eventId,
            type: row.type,
            attempts,
            body: row.payload,
          },
        },
        { db: tx },
      );
    });
  }

  async #send(
    row: DeliveryRow,
    endpoint: EndpointRow,
  ): Promise<
    | { kind: 'delivered'; status: number }
    | {
        kind: 'gone' | 'failed' | 'refused';
        error: { code: string; message: string; status?: number };
      }
  > {
    const url = new URL(endpoint.url);
    const body = JSON.stringify(row.payload);
    const at = new Date();
    const signature = new Webhook(this.#endpoints.secretOf(endpoint).reveal()).sign(
      row.id,
      at,
      body,
    );
    let response: UndiciDispatcher.ResponseData;
    try {
      if (!endpoint.allowPrivateNetwork) checkLiteralHost(url.hostname);
      response = await this.#transport.send(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Joinery-Webhooks/1',
          'webhook-id': row.id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body,
        allowPrivateNetwork: endpoint.allowPrivateNetwork,
        signal: AbortSignal.timeout(this.#options.timeoutMs),
        timeoutMs: this.#options.timeoutMs,
      });
    } catch (error) {
      const failure = isJoineryError(error)
        ? error
        : new JoineryError('network', String(error), { cause: error });
      if (failure.code === 'blocked_destination') {
        // The guard's own advice names integrations; an endpoint has its own switch.
        const what = failure.message.split('. Calls to')[0] ?? failure.message;
        return {
          kind: 'refused',
          error: {
            code: failure.code,
            message: `${what}. Private, loopback and link-local destinations need an endpoint created with "allowPrivateNetwork": true`,
          },
        };
      }
      return { kind: 'failed', error: { code: failure.code, message: failure.message } };
    }
    const status = response.statusCode;
    if (status >= 200 && status < 300) {
      await response.body.dump({ limit: 64 * 1024 }).catch((error: unknown) => {
        // The answer was 2xx: delivered, whatever happens to the rest of its body.
        this.#logger.debug(
          { err: error, deliveryId: row.id },
          'could not read a 2xx body to the end',
        );
      });
      return { kind: 'delivered', status };
    }
    const snippet = await readSnippet(response.body);
    const message = `the endpoint answered ${status}${snippet ? `: ${snippet}` : ''}`;
    return {
      kind: status === 410 ? 'gone' : 'failed',
      error: { code: status === 410 ? 'endpoint_gone' : 'endpoint_error', message, status },
    };
  }
}

async function readSnippet(body: UndiciDispatcher.ResponseData['body']): Promise<string> {
  let text = '';
  try {
    for await (const chunk of body) {
      text += (chunk as Buffer).toString('utf8');
      if (text.length >= ERROR_SNIPPET_CHARS) break;
    }
  } catch (error) {
    // The status already says it failed; a body cut short only shortens the message.
    return `(body unreadable: ${(error as Error).message})`;
  } finally {
    body.destroy();
  }
  return text.slice(0, ERROR_SNIPPET_CHARS).replace(/\s+/g, ' ').trim();
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
