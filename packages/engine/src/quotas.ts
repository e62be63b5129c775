import { and, eq } from 'drizzle-orm';
import { providerQuotas, type Database } from '@joinery/store';
import type { Logger } from 'pino';

export interface QuotaView {
  name: string;
  used: number;
  limit: number;
  remaining: number;
  updatedAt: string;
}

/**
 * Longer quotas a provider reports in headers (Salesforce's rolling 24-hour allocation):
 * the latest reading per integration is kept in memory and written at most every few seconds.
 */
export class ProviderQuotas {
  readonly #db: Database;
  readonly #logger: Logger;
  readonly #latest = new Map<
    string,
    {
      environmentId: string;
      integrationKey: string;
      name: string;
      used: number;
      limit: number;
      at: Date;
    }
  >();
  #timer: NodeJS.Timeout | null = null;

  constructor(
    db: Database,
    logger: Logger,
    readonly flushIntervalMs = 5_000,
  ) {
    this.#db = db;
    this.#logger = logger;
  }

  record(
    environmentId: string,
    integrationKey: string,
    reading: { name: string; used: number; limit: number },
  ): void {
    if (!Number.isFinite(reading.used) || !Number.isFinite(reading.limit)) return;
    this.#latest.set(`${environmentId}\u0000${integrationKey}\u0000${reading.name}`, {
      environmentId,
      integrationKey,
      ...reading,
      at: new Date(),
    });
    this.#timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs);
  }

  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const readings = [...this.#latest.values()];
    this.#latest.clear();
    for (const r of readings) {
      try {
        const values = { used: r.used, limit: r.limit, updatedAt: r.at };
        await this.#db
          .insert(providerQuotas)
          .values({
            environmentId: r.environmentId,
            integrationKey: r.integrationKey,
            name: r.name,
            ...values,
          })
          .onConflictDoUpdate({
            target: [
              providerQuotas.environmentId,
              providerQuotas.integrationKey,
              providerQuotas.name,
            ],
            set: values,
          });
      } catch (error) {
        this.#logger.error({ err: error, quota: r.name }, 'provider quota: write failed');
      }
    }
  }

  async list(environmentId: string, integrationKey: string): Promise<QuotaView[]> {
    await this.flush();
    const rows = await this.#db
      .select()
      .from(providerQuotas)
      .where(
        and(
          eq(providerQuotas.environmentId, environmentId),
          eq(providerQuotas.integrationKey, integrationKey),
        ),
      );
    return rows.map((row) => ({
      name: row.name,
      used: row.used,
      limit: row.limit,
      remaining: Math.max(0, row.limit - row.used),
      updatedAt: row.updatedAt.toISOString(),
    }));
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
