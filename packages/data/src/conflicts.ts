/**
 * Data-quality findings between two connections' unified records of the same model: records one
 * side has and the other lacks, and fields where both have a value and the values differ.
 * Nothing is picked or merged: deciding which side is right is the caller's (or a person's) job.
 */
import type { UnifiedRecord } from './models/types.js';

export type Finding =
  /** B has a record with this key, A has none. */
  | { kind: 'missing_in_a'; key: string; bId: string }
  /** A has a record with this key, B has none. */
  | { kind: 'missing_in_b'; key: string; aId: string }
  /** Both have a value for `field` and they differ. */
  | {
      kind: 'contradiction';
      key: string;
      field: string;
      aId: string;
      bId: string;
      a: unknown;
      b: unknown;
    }
  /** Several records on one side share a key: they cannot be matched without guessing. */
  | { kind: 'duplicate_key'; side: 'a' | 'b'; key: string; ids: string[] }
  /** A record without a value for the key field: it cannot be matched at all. */
  | { kind: 'no_match_key'; side: 'a' | 'b'; id: string };

export interface FindConflictsOptions {
  /** The unified field that identifies the same real-world record on both sides, e.g. `email`. */
  matchOn: string;
  /**
   * Fields to compare (dotted, `custom.tier` allowed). Defaults to every field both records have,
   * except `id`, `createdAt` and `updatedAt`, which differ between systems by nature.
   */
  fields?: readonly string[];
  /** Fields compared ignoring case and surrounding spaces. The key field always is. Defaults to `email`. */
  ignoreCase?: readonly string[];
  /**
   * Whether a value on one side and `null` on the other is a contradiction. Defaults to false:
   * "one side does not know" is reported by neither kind.
   */
  nullIsContradiction?: boolean;
}

const SKIPPED = new Set(['id', 'createdAt', 'updatedAt']);

const valueAt = (record: UnifiedRecord, path: string): unknown => {
  let current: unknown = record;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
};

/** JSON with sorted keys, so `{a, b}` and `{b, a}` compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'undefined';
}

function comparable(record: UnifiedRecord): string[] {
  const fields: string[] = [];
  for (const [key, value] of Object.entries(record as unknown as Record<string, unknown>)) {
    if (SKIPPED.has(key) || value === undefined) continue;
    if (key === 'custom' && typeof value === 'object' && value !== null)
      for (const name of Object.keys(value)) fields.push(`custom.${name}`);
    else fields.push(key);
  }
  return fields;
}

/** Surrounding ASCII whitespace (space, tab, LF, CR, form feed, vertical tab): what `matchKey` trims. */
const EDGE_SPACE = /^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g;

/**
 * The key two records are matched on: the string without surrounding ASCII whitespace, with
 * ASCII letters in lower case (other characters as they are). Undefined for a missing, empty or
 * non-string value. Deliberately ASCII-only, so a database can compute the very same key
 * whatever its locale (Joinery compares synced records in SQL: `btrim`, then `lower` under the
 * "C" collation).
 */
export function matchKey(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const key = value.replace(EDGE_SPACE, '').replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
  return key === '' ? undefined : key;
}

function index(records: readonly UnifiedRecord[], side: 'a' | 'b', matchOn: string) {
  const byKey = new Map<string, UnifiedRecord[]>();
  const findings: Finding[] = [];
  for (const record of records) {
    const key = matchKey(valueAt(record, matchOn));
    if (key === undefined) {
      findings.push({ kind: 'no_match_key', side, id: record.id });
      continue;
    }
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [record]);
    else list.push(record);
  }
  for (const [key, list] of byKey)
    if (list.length > 1)
      findings.push({ kind: 'duplicate_key', side, key, ids: list.map((r) => r.id) });
  return { byKey, findings };
}

/**
 * Compare two connections' records. Findings come in a stable order: per key in A's order,
 * then B's records missing in A, then unmatchable and duplicate records.
 */
export function findConflicts(
  a: readonly UnifiedRecord[],
  b: readonly UnifiedRecord[],
  options: FindConflictsOptions,
): Finding[] {
  const ignoreCase = new Set(options.ignoreCase ?? ['email']);
  ignoreCase.add(options.matchOn);
  const left = index(a, 'a', options.matchOn);
  const right = index(b, 'b', options.matchOn);
  const findings: Finding[] = [];
  const normal = (field: string, value: unknown) =>
    ignoreCase.has(field) && typeof value === 'string' ? value.trim().toLowerCase() : value;

  for (const [key, aList] of left.byKey) {
    const bList = right.byKey.get(key);
    if (aList.length > 1 || (bList !== undefined && bList.length > 1)) continue;
    const aRecord = aList[0] as UnifiedRecord;
    if (bList === undefined) {
      findings.push({ kind: 'missing_in_b', key, aId: aRecord.id });
      continue;
    }
    const bRecord = bList[0] as UnifiedRecord;
    const fields =
      options.fields ??
      (() => {
        const inB = new Set(comparable(bRecord));
        return comparable(aRecord).filter((field) => inB.has(field));
      })();
    for (const field of fields) {
      const aValue = valueAt(aRecord, field);
      const bValue = valueAt(bRecord, field);
      if (aValue === undefined || bValue === undefined) continue;
      const aNull = aValue === null;
      const bNull = bValue === null;
      if (aNull && bNull) continue;
      if ((aNull || bNull) && options.nullIsContradiction !== true) continue;
      if (canonical(normal(field, aValue)) === canonical(normal(field, bValue))) continue;
      findings.push({
        kind: 'contradiction',
        key,
        field,
        aId: aRecord.id,
        bId: bRecord.id,
        a: aValue,
        b: bValue,
      });
    }
  }
  for (const [key, bList] of right.byKey)
    if (!left.byKey.has(key) && bList.length === 1)
      findings.push({ kind: 'missing_in_a', key, bId: (bList[0] as UnifiedRecord).id });
  return [...findings, ...left.findings, ...right.findings];
}
