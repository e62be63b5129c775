import { PGlite } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import pg from 'pg';
import type { Database } from './open.js';

/**
 * Plain SQL text with `$n` parameters, the shape pg-boss talks to a database through
 * (`db.executeSql`). It lets the job queue share the store's connection (PGlite has only one)
 * or pool, and enqueue inside a store transaction.
 */
export interface SqlExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** An executor over the store's own client: PGlite's single connection, or the PostgreSQL pool. */
export function sqlExecutor(db: Database): SqlExecutor {
  const client = (db as unknown as { $client?: unknown }).$client;
  if (client instanceof PGlite) {
    return {
      async executeSql(text, values) {
        if (values && values.length > 0) {
          const result = await client.query<Record<string, unknown>>(text, values);
          return { rows: result.rows };
        }
        // Several statements in one text (pg-boss's migrations) need the simple protocol.
        const results = await client.exec(text);
        return { rows: results.at(-1)?.rows ?? [] };
      },
    };
  }
  if (client instanceof pg.Pool) {
    return {
      async executeSql(text, values) {
        const result = await client.query<Record<string, unknown>>(text, values ?? []);
        // A multi-statement text answers an array of results; the last one carries the rows.
        const last = Array.isArray(result) ? (result.at(-1) as pg.QueryResult | undefined) : result;
        return { rows: (last?.rows ?? []) as Record<string, unknown>[] };
      },
    };
  }
  throw new Error('sqlExecutor: the database is neither PGlite nor a node-postgres pool');
}

/**
 * An executor that runs inside a Drizzle transaction (or on the database itself), so a job is
 * enqueued atomically with the rows written in the same transaction.
 */
export function transactionExecutor(tx: Pick<Database, 'execute'>): SqlExecutor {
  return {
    async executeSql(text, values = []) {
      const parts: SQL[] = [];
      const pieces = text.split(/\$(\d+)/);
      pieces.forEach((piece, index) => {
        if (index % 2 === 0) parts.push(sql.raw(piece));
        else parts.push(sql`${sql.param(encode(values[Number(piece) - 1]))}`);
      });
      const result: unknown = await tx.execute(sql.join(parts));
      const rows = (result as { rows?: unknown }).rows;
      return { rows: Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [] };
    },
  };
}

/** Parameters as node-postgres would send them: missing → null, plain objects → JSON text. */
function encode(value: unknown): unknown {
  if (value === undefined) return null;
  if (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    !(value instanceof Date)
  )
    return JSON.stringify(value);
  return value;
}
