import { and, desc, eq, lt, or, sql, type SQL } from 'drizzle-orm';
import { connections, webhookDeliveries, type Database } from '@joinery/store';
import { newId } from '../ids.js';

export interface NewDelivery {
  environmentId: string;
  integrationKey: string;
  deliveryId: string;
  eventType: string | null;
  receivedAt: Date;
  connectionIds: string[];
  tenants: string[];
  payload: unknown;
}

export interface DeliveryRecord extends NewDelivery {
  id: string;
  seq: number;
}

/** Stored inbound deliveries: one row per provider delivery id, whatever the number of retries. */
export class WebhookDeliveries {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /**
   * Stores a delivery unless one with its delivery id is already stored for the integration; the
   * unique index decides, so concurrent retries across processes still make one row.
   */
  async insert(
    delivery: NewDelivery,
    /** Runs in the transaction that stores a new delivery (starting the flows it triggers). */
    onStored?: (tx: Database, id: string) => Promise<void>,
  ): Promise<{ id: string; duplicate: boolean }> {
    const inserted = await this.#db.transaction(async (t) => {
      const tx = t as unknown as Database;
      const rows = await this.#insert(tx, delivery);
      const row = rows[0];
      if (row && onStored) await onStored(tx, row.id);
      return rows;
    });
    const row = inserted[0];
    if (row) return { id: row.id, duplicate: false };
    return this.#existing(delivery);
  }

  #insert(db: Database, delivery: NewDelivery) {
    return db
      .insert(webhookDeliveries)
      .values({ id: newId('whd'), ...delivery })
      .onConflictDoNothing({
        target: [
          webhookDeliveries.environmentId,
          webhookDeliveries.integrationKey,
          webhookDeliveries.deliveryId,
        ],
      })
      .returning({ id: webhookDeliveries.id });
  }

  async #existing(delivery: NewDelivery): Promise<{ id: string; duplicate: boolean }> {
    const existing = await this.#db
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(
        and(
          eq(webhookDeliveries.environmentId, delivery.environmentId),
          eq(webhookDeliveries.integrationKey, delivery.integrationKey),
          eq(webhookDeliveries.deliveryId, delivery.deliveryId),
        ),
      );
    // The conflicting row cannot vanish: deliveries are never deleted by Joinery.
    return { id: existing[0]?.id ?? 'unknown', duplicate: true };
  }

  /** The integration's connections whose metadata or settings hold `value` under `field`. */
  async connectionsMatching(
    environmentId: string,
    integrationKey: string,
    field: string,
    value: string,
  ): Promise<{ id: string; tenant: string }[]> {
    return this.#db
      .select({ id: connections.id, tenant: connections.tenant })
      .from(connections)
      .where(
        and(
          eq(connections.environmentId, environmentId),
          eq(connections.integrationKey, integrationKey),
          or(
            sql`(${connections.metadata} ->> ${field}) = ${value}`,
            sql`(${connections.settings} ->> ${field}) = ${value}`,
          ),
        ),
      )
      .orderBy(connections.id)
      .limit(100);
  }

  /** Newest first; `before` is a `seq` from an earlier page. */
  async list(query: {
    environmentId: string;
    integrationKey?: string;
    tenant?: string;
    limit: number;
    before?: number;
  }): Promise<{ deliveries: DeliveryRecord[]; nextCursor: number | null }> {
    const where: SQL[] = [eq(webhookDeliveries.environmentId, query.environmentId)];
    if (query.integrationKey !== undefined)
      where.push(eq(webhookDeliveries.integrationKey, query.integrationKey));
    if (query.tenant !== undefined)
      where.push(sql`${webhookDeliveries.tenants} @> ${JSON.stringify([query.tenant])}::jsonb`);
    if (query.before !== undefined) where.push(lt(webhookDeliveries.seq, query.before));
    const rows = await this.#db
      .select()
      .from(webhookDeliveries)
      .where(and(...where))
      .orderBy(desc(webhookDeliveries.seq))
      .limit(query.limit + 1);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      deliveries: page,
      nextCursor: rows.length > query.limit && last ? last.seq : null,
    };
  }
}
