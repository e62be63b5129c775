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
});
