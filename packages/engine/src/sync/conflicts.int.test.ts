import { sql } from 'drizzle-orm';
import { matchKey } from '@joinery/data';
import { createTestDatabase, openStore, type Store, type TestDatabase } from '@joinery/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchKeySql } from './conflicts.js';

const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;

// Values whose key differs between a naive SQL lower()/trim() and JavaScript's: the two must
// agree exactly, or a page boundary could fall between records the comparison treats as one key.
const VALUES = [
  'ada@example.com',
  '  Ada@Example.COM\t',
  '\n\r\f\vMIXED@example.com \v',
  'ÄRGER@Example.com',
  'ärger@example.com',
  '\u00a0nbsp@example.com\u00a0',
  'İstanbul@example.com',
  'ǅ@example.com',
  '   ',
  '',
  'a b@example.com',
];

describe.each(['pglite', 'postgres'] as const)('the match key in SQL (%s)', (kind) => {
  let store: Store;
  let database: TestDatabase | null = null;

  beforeAll(async () => {
    if (kind === 'postgres') {
      database = await createTestDatabase();
      store = await openStore({ kind: 'postgres', url: database.url });
    } else store = await openStore({ kind: 'pglite', dataDir: null });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('is matchKey of @joinery/data, whatever the characters', async () => {
    for (const value of VALUES) {
      const result = await store.db.execute(
        sql`SELECT ${matchKeySql('email')} AS k FROM (SELECT ${JSON.stringify({ email: value })}::jsonb AS payload) t`,
      );
      const [row] = rowsOf<{ k: string | null }>(result);
      // SQL keeps '' where matchKey says "no key"; both mean the record cannot be matched.
      expect(row?.k === '' ? undefined : (row?.k ?? undefined), JSON.stringify(value)).toBe(
        matchKey(value),
      );
    }
  });

  it('reads nested fields, and refuses a path that is not one', () => {
    expect(() => matchKeySql("email' OR 1=1 --")).toThrow(/is not a field path/);
    expect(() => matchKeySql('custom.tier')).not.toThrow();
  });

  it.runIf(kind === 'postgres')('uses records_email_key_idx for a page of email keys', async () => {
    await store.db.execute(sql`
        INSERT INTO records (sync_id, external_id, environment_id, connection_id, model, payload,
          payload_hash, last_seen_run, last_changed_run, change_seq, added_seq)
        SELECT 'sync_x', g::text, 'env_default', CASE WHEN g % 2 = 0 THEN 'conn_a' ELSE 'conn_b' END,
          'Contact', jsonb_build_object('id', g::text, 'email', 'p' || g || '@example.com'),
          'h', 'run', 'run', g, g
        FROM generate_series(1, 5000) g`);
    await store.db.execute(sql`ANALYZE records`);
    const key = matchKeySql('email');
    const plan = rowsOf<{ 'QUERY PLAN': string }>(
      await store.db.execute(sql`
          EXPLAIN SELECT connection_id, external_id, payload, ${key} AS k FROM records
          WHERE environment_id = 'env_default' AND connection_id = 'conn_a' AND model = 'Contact'
            AND deleted_at IS NULL AND ${key} <> '' AND ${key} > 'p2000'
          ORDER BY ${key} LIMIT 101`),
    )
      .map((row) => row['QUERY PLAN'])
      .join('\n');
    expect(plan).toContain('records_email_key_idx');
    expect(plan).not.toMatch(/Sort/);
  });
});
