import { sql, type SQL } from 'drizzle-orm';
import { findConflicts, type Finding, type UnifiedRecord } from '@joinery/data';
import type { Database } from '@joinery/store';
import { JoineryError } from '../errors.js';

/**
 * Data-quality findings between two connections' synced records of one model, read from the
 * `records` table page by page in the order of their match key, so two sides of millions of
 * records are compared in bounded memory. A page holds whole keys: every live record of either
 * side with a key in the page's range, so `findConflicts` (from `@joinery/data`) sees each key's
 * records together and its findings are those of the whole data set for those keys.
 *
 * Records without a key value come first (`no_match_key`), then the keys in byte order.
 */

/** A dotted path into the unified record (`email`, `custom.tier`): letters, digits, `_`. */
const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** Records of one key read at most (both sides); a key with more is compared on these. */
export const MAX_RECORDS_PER_KEY = 10_000;

/**
 * The match key in SQL, the same function as `matchKey` in `@joinery/data`: surrounding ASCII
 * whitespace trimmed and ASCII letters lowered (`lower` under the "C" collation folds A–Z only,
 * whatever the database's locale), compared in byte order. The path is written inline, checked
 * against FIELD_PATH.
 *
 * No index serves it: an index on the email key made a 1,000,000-record sync 24 % slower on
 * PGlite (`npm run bench:sync`: 15.7k against 20.5k records/s) for a comparison that is run now
 * and then. Each page scans the two connections' live records of the model once and keeps the
 * `limit` lowest keys past the cursor (a top-N sort: memory bounded by `limit`).
 */
export function matchKeySql(field: string): SQL {
  if (!FIELD_PATH.test(field))
    throw new JoineryError(
      'invalid_input',
      `matchOn "${field}" is not a field path: use a unified field such as email or custom.tier (letters, digits and _, separated by dots)`,
      { path: 'matchOn' },
    );
  const path = `{${field.split('.').join(',')}}`;
  return sql.raw(`lower(btrim(payload #>> '${path}', E' \\t\\n\\r\\f\\x0b') COLLATE "C")`);
}

export interface ConflictQuery {
  environmentId: string;
  model: string;
  a: string;
  b: string;
  matchOn: string;
  fields?: readonly string[];
  nullIsContradiction?: boolean;
  /** Records to read for one page, both sides together (the last key is then completed). */
  limit: number;
  cursor: ConflictCursor | null;
}

/** Where the next page starts: after a key-less record (`none`), or after a key (`key`). */
export type ConflictCursor =
  { phase: 'none'; connectionId: string; externalId: string } | { phase: 'key'; key: string };

export interface ConflictPage {
  findings: Finding[];
  /** Records compared in this page, per side. */
  compared: { a: number; b: number };
  next: ConflictCursor | null;
}

interface Row {
  connection_id: string;
  external_id: string;
  payload: unknown;
  k: string | null;
}

function rowsOf(result: unknown): Row[] {
  return (result as { rows?: Row[] }).rows ?? [];
}

const payloadOf = (row: Row): UnifiedRecord =>
  (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as UnifiedRecord;

export async function readConflictPage(
  db: Pick<Database, 'execute'>,
  query: ConflictQuery,
): Promise<ConflictPage> {
  const key = matchKeySql(query.matchOn);
  const cursor = query.cursor;
  if (cursor === null || cursor.phase === 'none') {
    const page = await keylessPage(db, query, key, cursor);
    if (page !== null) return page;
  }
  return keyedPage(db, query, key, cursor?.phase === 'key' ? cursor.key : null);
}

/** Live records of both sides, of the query's model. */
function live(query: ConflictQuery): SQL {
  return sql`environment_id = ${query.environmentId} AND connection_id IN (${query.a}, ${query.b})
    AND model = ${query.model} AND deleted_at IS NULL`;
}

/** Key-less records after the cursor, both sides, or null once there are none left. */
async function keylessPage(
  db: Pick<Database, 'execute'>,
  query: ConflictQuery,
  key: SQL,
  after: Extract<ConflictCursor, { phase: 'none' }> | null,
): Promise<ConflictPage | null> {
  const from =
    after === null
      ? sql``
      : sql` AND (connection_id COLLATE "C", external_id COLLATE "C") > (${after.connectionId}, ${after.externalId})`;
  const rows = rowsOf(
    await db.execute(sql`
      SELECT connection_id, external_id, payload, NULL AS k FROM records
      WHERE ${live(query)} AND coalesce(${key}, '') = ''${from}
      ORDER BY connection_id COLLATE "C", external_id COLLATE "C"
      LIMIT ${query.limit + 1}`),
  );
  if (rows.length === 0) return null;
  const page = rows.slice(0, query.limit);
  const last = page.at(-1) as Row;
  const sides = split(query, page);
  return {
    findings: compare(query, sides),
    compared: { a: sides.a.length, b: sides.b.length },
    next:
      rows.length > query.limit
        ? { phase: 'none', connectionId: last.connection_id, externalId: last.external_id }
        : { phase: 'key', key: '' },
  };
}

/**
 * The `limit` records of both sides with the lowest keys after `after`, and every other record of
 * the last key among them, so the page holds whole keys. One scan computes each record's key
 * once (`OFFSET 0` keeps the subquery, so the key is not recomputed for the filter and the
 * sort); a second, for the last key alone, only when its records run past the cut.
 */
async function keyedPage(
  db: Pick<Database, 'execute'>,
  query: ConflictQuery,
  key: SQL,
  after: string | null,
): Promise<ConflictPage> {
  const keyed = (condition: SQL, limit: number) =>
    db.execute(sql`
      SELECT * FROM (
        SELECT connection_id, external_id, payload, ${key} AS k FROM records WHERE ${live(query)}
        OFFSET 0
      ) s
      WHERE ${condition}
      ORDER BY k
      LIMIT ${limit}`);
  // Every key is greater than '': the first page starts there, and records without one stay out.
  const rows = rowsOf(await keyed(sql`k > ${after ?? ''}`, query.limit + 1));
  if (rows.length <= query.limit) {
    const sides = split(query, rows);
    return {
      findings: compare(query, sides),
      compared: { a: sides.a.length, b: sides.b.length },
      next: null,
    };
  }
  const end = (rows[query.limit - 1] as Row).k as string;
  let page = rows.slice(0, query.limit);
  if ((rows[query.limit] as Row).k === end) {
    // The last key's records run past the cut: read all of them (up to a bound).
    page = page.filter((row) => row.k !== end);
    page.push(...rowsOf(await keyed(sql`k = ${end}`, MAX_RECORDS_PER_KEY)));
  }
  const sides = split(query, page);
  return {
    findings: compare(query, sides),
    compared: { a: sides.a.length, b: sides.b.length },
    next: { phase: 'key', key: end },
  };
}

function split(query: ConflictQuery, rows: readonly Row[]) {
  const a: UnifiedRecord[] = [];
  const b: UnifiedRecord[] = [];
  for (const row of rows) (row.connection_id === query.a ? a : b).push(payloadOf(row));
  return { a, b };
}

function compare(query: ConflictQuery, sides: { a: UnifiedRecord[]; b: UnifiedRecord[] }) {
  return findConflicts(sides.a, sides.b, {
    matchOn: query.matchOn,
    ...(query.fields === undefined ? {} : { fields: query.fields }),
    ...(query.nullIsContradiction === undefined
      ? {}
      : { nullIsContradiction: query.nullIsContradiction }),
  });
}

/** The cursor as the API gives it out: opaque base64url JSON. */
export function encodeConflictCursor(cursor: ConflictCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

export function decodeConflictCursor(text: string | undefined): ConflictCursor | null {
  if (text === undefined || text === '') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  const value = parsed as Partial<Record<string, unknown>> | null;
  if (
    value !== null &&
    typeof value === 'object' &&
    ((value['phase'] === 'key' && typeof value['key'] === 'string') ||
      (value['phase'] === 'none' &&
        typeof value['connectionId'] === 'string' &&
        typeof value['externalId'] === 'string'))
  )
    return value as ConflictCursor;
  throw new JoineryError(
    'invalid_input',
    'cursor is not one this API gave out: pass the nextCursor of a previous answer, or none to start from the beginning',
    { path: 'cursor' },
  );
}
