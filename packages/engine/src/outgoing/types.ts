import type { Database } from '@joinery/store';

/**
 * Anything that can run queries: the database, or a transaction that the write belongs to (the
 * outbox: an event and the state change it reports commit together or not at all).
 */
export type Writer = Pick<Database, 'insert' | 'select' | 'update'>;

/** An event for the app's webhook endpoints. */
export interface OutgoingEvent {
  /** `connection.created`, `run.failed`, `sync.completed`, … */
  type: string;
  data: Record<string, unknown>;
  /** The id of the event this reports (e.g. the `events` row); a new one when absent. */
  id?: string;
  /** When it happened; now when absent. */
  at?: Date;
}

export interface EmitOptions {
  /** The transaction the event belongs to. Defaults to the engine's database (its own statement). */
  db?: Writer;
}

export const DELIVERY_STATUSES = ['pending', 'delivering', 'delivered', 'failed', 'dead'] as const;
/**
 * `pending`: waiting for its first attempt (or a replay); `delivering`: a dispatcher holds it;
 * `failed`: the last attempt failed and another is scheduled; `delivered`: the endpoint answered 2xx;
 * `dead`: out of attempts (or the endpoint is gone) — a dead letter holds it.
 */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const DEAD_LETTER_KINDS = ['delivery', 'run'] as const;
export type DeadLetterKind = (typeof DEAD_LETTER_KINDS)[number];
