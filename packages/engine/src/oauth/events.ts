import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { events, type Database } from '@joinery/store';
import { newId } from '../ids.js';

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

/** Anything that can run an insert: the database, or a transaction the event belongs to. */
type Writer = Pick<Database, 'insert'>;

/**
 * What happened to connections, in order. Written in the same transaction as the state change it
 * reports where there is one, so an event is never lost nor told of a change that was rolled back.
 */
export class Events {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async record(event: NewEvent, writer: Writer = this.#db): Promise<void> {
    await writer.insert(events).values({
      id: newId('evt'),
      at: new Date(),
      environmentId: event.environmentId,
      type: event.type,
      connectionId: event.connectionId,
      integrationKey: event.integrationKey,
      tenant: event.tenant,
      data: event.data ?? {},
    });
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
