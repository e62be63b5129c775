import { and, eq, isNull } from 'drizzle-orm';
import {
  outgoingDeliveries,
  webhookEndpoints,
  type Database,
  type StoredDeliveryError,
} from '@joinery/store';
import type { Logger } from 'pino';
import type { CredentialCipher } from '../credential-cipher.js';
import { JoineryError } from '../errors.js';
import { newId } from '../ids.js';
import type { DeadLetters, ReplayOutcome } from './dead-letters.js';
import { Dispatcher, type DispatchReport, type DispatcherOptions } from './dispatcher.js';
import { WebhookEndpoints } from './endpoints.js';
import { matchesFilter } from './event-filter.js';
import type { DeliveryStatus, EmitOptions, OutgoingEvent } from './types.js';

export type OutgoingOptions = DispatcherOptions;

export interface OutgoingDeliveryView {
  /** The `webhook-id` header: the same on every attempt and replay. */
  id: string;
  endpointId: string;
  eventId: string;
  type: string;
  status: DeliveryStatus;
  attempts: number;
  /** When the next attempt is due (pending or failed), else null. */
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: StoredDeliveryError | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
  /** The signed body: `{type, timestamp, data}`. */
  payload: Record<string, unknown>;
}

type DeliveryRow = typeof outgoingDeliveries.$inferSelect;

// `connection.created`, `run.failed`, `sync.completed`: lower-case words joined by dots.
const EVENT_TYPE = /^[a-z0-9_]+(\.[a-z0-9_]+)+$/;

/**
 * Events for the app, as Standard Webhooks (https://www.standardwebhooks.com/). `emit` writes one
 * delivery per matching endpoint in the caller's transaction (an outbox: the event commits with the
 * change it reports, or not at all); the dispatcher signs and sends them, retrying over hours.
 */
export class OutgoingWebhooks {
  readonly endpoints: WebhookEndpoints;
  readonly #db: Database;
  readonly #dispatcher: Dispatcher;

  constructor(
    deps: { db: Database; cipher: CredentialCipher; deadLetters: DeadLetters; logger: Logger },
    options: OutgoingOptions = {},
  ) {
    this.#db = deps.db;
    this.endpoints = new WebhookEndpoints(deps.db, deps.cipher);
    this.#dispatcher = new Dispatcher(
      {
        db: deps.db,
        endpoints: this.endpoints,
        deadLetters: deps.deadLetters,
        logger: deps.logger,
      },
      options,
    );
    deps.deadLetters.onReplay('delivery', (letter) =>
      this.#replayDelivery(letter.environmentId, letter.refId),
    );
  }

  /**
   * Queues `event` for every enabled endpoint of the environment whose filter matches. Pass the
   * transaction of the state change the event reports as `options.db`.
   */
  async emit(
    environmentId: string,
    event: OutgoingEvent,
    options: EmitOptions = {},
  ): Promise<void> {
    if (!EVENT_TYPE.test(event.type)) {
      throw new JoineryError(
        'invalid_input',
        `event type "${event.type}" is not valid: use lower-case words joined by dots, e.g. "run.failed"`,
        { path: 'type' },
      );
    }
    const db = options.db ?? this.#db;
    const endpoints = await db
      .select({ id: webhookEndpoints.id, eventTypes: webhookEndpoints.eventTypes })
      .from(webhookEndpoints)
      .where(
        and(
          eq(webhookEndpoints.environmentId, environmentId),
          eq(webhookEndpoints.enabled, true),
          isNull(webhookEndpoints.deletedAt),
        ),
      );
    const targets = endpoints.filter((endpoint) => matchesFilter(endpoint.eventTypes, event.type));
    if (targets.length === 0) return;
    const at = event.at ?? new Date();
    const eventId = event.id ?? newId('evt');
    // The Standard Webhooks payload shape: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#payload-structure
    const payload = { type: event.type, timestamp: at.toISOString(), data: event.data };
    const now = new Date();
    await db.insert(outgoingDeliveries).values(
      targets.map((endpoint) => ({
        id: newId('msg'),
        environmentId,
        endpointId: endpoint.id,
        eventId,
        type: event.type,
        payload,
        status: 'pending',
        nextAttemptAt: now,
      })),
    );
  }

  /** Starts sending due deliveries every `intervalMs`. */
  start(intervalMs: number): void {
    this.#dispatcher.start(intervalMs);
  }

  /** Stops sending; attempts under way finish first. */
  async stop(): Promise<void> {
    await this.#dispatcher.stop();
  }

  /** One dispatch round now (tests, and `start`'s timer). */
  async dispatchOnce(): Promise<DispatchReport> {
    return this.#dispatcher.dispatchOnce();
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  /** An endpoint's deliveries, newest first; `before` is a cursor from an earlier page. */
  async deliveries(
    environmentId: string,
    endpointId: string,
    query: { limit: number; before?: number; status?: string[] },
  ): Promise<{ data: OutgoingDeliveryView[]; nextCursor: number | null }> {
    const page = await this.endpoints.deliveries(environmentId, endpointId, query);
    return { data: page.rows.map(deliveryView), nextCursor: page.nextCursor };
  }

  async delivery(environmentId: string, id: string): Promise<OutgoingDeliveryView> {
    const rows = await this.#db
      .select()
      .from(outgoingDeliveries)
      .where(
        and(eq(outgoingDeliveries.environmentId, environmentId), eq(outgoingDeliveries.id, id)),
      );
    const row = rows[0];
    if (!row)
      throw new JoineryError('not_found', `no outgoing delivery "${id}" in this environment`);
    return deliveryView(row);
  }

  /**
   * A dead delivery goes back to pending with the same `webhook-id` and a fresh retry schedule. The
   * row lock makes a repeat (or a concurrent replay) see `pending` or `delivered` and change nothing.
   */
  async #replayDelivery(environmentId: string, deliveryId: string): Promise<ReplayOutcome> {
    return this.#db.transaction(async (tx) => {
      const rows = await tx
        .select()
        .from(outgoingDeliveries)
        .where(
          and(
            eq(outgoingDeliveries.environmentId, environmentId),
            eq(outgoingDeliveries.id, deliveryId),
          ),
        )
        .for('update');
      const row = rows[0];
      if (!row) {
        throw new JoineryError(
          'not_found',
          `the delivery ${deliveryId} of this dead letter no longer exists`,
        );
      }
      if (row.status !== 'dead') {
        return {
          replayed: false,
          status: row.status,
          message:
            row.status === 'delivered'
              ? `delivery ${row.id} was already delivered; nothing was sent again`
              : `delivery ${row.id} is already queued (${row.status}); no second delivery was made`,
        };
      }
      const endpoints = await tx
        .select()
        .from(webhookEndpoints)
        .where(eq(webhookEndpoints.id, row.endpointId));
      const endpoint = endpoints[0];
      if (!endpoint || endpoint.deletedAt !== null) {
        throw new JoineryError(
          'conflict',
          `delivery ${row.id} cannot be replayed: its endpoint ${row.endpointId} was deleted`,
        );
      }
      if (!endpoint.enabled) {
        throw new JoineryError(
          'conflict',
          `delivery ${row.id} cannot be replayed: its endpoint ${endpoint.id} is disabled (${endpoint.disabledReason ?? 'no reason recorded'}). Create a new endpoint for the URL once it accepts deliveries again.`,
        );
      }
      await tx
        .update(outgoingDeliveries)
        .set({
          status: 'pending',
          attempts: 0,
          nextAttemptAt: new Date(),
          leaseUntil: null,
          updatedAt: new Date(),
        })
        .where(eq(outgoingDeliveries.id, row.id));
      return {
        replayed: true,
        status: 'pending',
        message: `delivery ${row.id} is queued again with the same webhook-id and a fresh retry schedule`,
      };
    });
  }
}

export function deliveryView(row: DeliveryRow): OutgoingDeliveryView {
  const waiting = row.status === 'pending' || row.status === 'failed';
  return {
    id: row.id,
    endpointId: row.endpointId,
    eventId: row.eventId,
    type: row.type,
    status: row.status as DeliveryStatus,
    attempts: row.attempts,
    nextAttemptAt: waiting ? row.nextAttemptAt.toISOString() : null,
    lastStatus: row.lastStatus,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    payload: row.payload,
  };
}
