import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { events, type Database } from '@joinery/store';
import { newId } from '../ids.js';
import type { EmitOptions, OutgoingEvent } from '../outgoing/types.js';

export const EVENT_TYPES = [
  'connection.created',
  'connection.needs_reauth',
  'connection.reauthorized',
  'connection.refresh_failed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface NewEvent {
  type: EventType;
  environmentId: string;
  connectionId: string;
  integrationKey: string;
  tenant: string;
  /** Never secret: messages, codes, counts, the id of a reconnect session (not its link). */
  data?: Record<string, unknown>;
}

export interface EventRecord {
  id: string;
  seq: number;
  type: EventType;
  at: Date;
  connectionId: string | null;
  integrationKey: string;
  tenant: string | null;
  data: Record<string, unknown>;
}

/** Anything that can run queries: the database, or a transaction the event belongs to. */
type Writer = Pick<Database, 'insert' | 'select' | 'update'>;

/** Where recorded events also go: the app's webhook endpoints (the outgoing outbox). */
export interface EventSink {
  emit(environmentId: string, event: OutgoingEvent, options?: EmitOptions): Promise<void>;
}

/**
 * What happened to connections, in order. Written in the same transaction as the state change it
 * reports where there is one, so an event is never lost nor told of a change that was rolled back.
 */
export class Events {
  readonly #db: Database;
  readonly #sink: EventSink | null;

  constructor(db: Database, sink: EventSink | null = null) {
    this.#db = db;
    this.#sink = sink;
  }

  /**
   * Called after an event is written, with the same writer: starts the flows the event triggers.
   * Set by the engine once its runs exist.
   */
  onRecorded: ((writer: Writer, event: NewEvent & { id: string }) => Promise<void>) | null = null;

  /** Records the event and queues it for the app's webhook endpoints, in the same transaction. */
  async record(event: NewEvent, writer: Writer = this.#db): Promise<void> {
    const id = newId('evt');
    const at = new Date();
    await writer.insert(events).values({
      id,
      at,
      environmentId: event.environmentId,
      type: event.type,
      connectionId: event.connectionId,
      integrationKey: event.integrationKey,
      tenant: event.tenant,
      data: event.data ?? {},
    });
    await this.#sink?.emit(
      event.environmentId,
      {
        id,
        at,
        type: event.type,
        data: {
          ...event.data,
          connectionId: event.connectionId,
          integration: event.integrationKey,
          tenant: event.tenant,
        },
      },
      { db: writer },
    );
    await this.onRecorded?.(writer, { ...event, id });
  }

  /** Newest first; `before` is a `seq` from an earlier page. */
  async list(query: {
    environmentId: string;
    connectionId?: string;
    type?: string;
    tenant?: string;
    limit: number;
    before?: number;
  }): Promise<{ events: EventRecord[]; nextCursor: number | null }> {
    const where: SQL[] = [eq(events.environmentId, query.environmentId)];
    if (query.connectionId !== undefined) where.push(eq(events.connectionId, query.connectionId));
    if (query.type !== undefined) where.push(eq(events.type, query.type));
    if (query.tenant !== undefined) where.push(eq(events.tenant, query.tenant));
    if (query.before !== undefined) where.push(lt(events.seq, query.before));
    const rows = await this.#db
      .select()
      .from(events)
      .where(and(...where))
      .orderBy(desc(events.seq))
      .limit(query.limit + 1);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      events: page.map((row) => ({
        id: row.id,
        seq: row.seq,
        type: row.type as EventType,
        at: row.at,
        connectionId: row.connectionId,
        integrationKey: row.integrationKey,
        tenant: row.tenant,
        data: row.data,
      })),
      nextCursor: rows.length > query.limit && last ? last.seq : null,
    };
  }
}
