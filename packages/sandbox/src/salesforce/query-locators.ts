/**
 * Query cursors: a query with more rows than one batch keeps the rest server-side under a
 * locator (`01g…`), read with `GET …/query/{locator}-{offset}`. The rows are a snapshot taken
 * when the query ran. A locator unused for 15 minutes is gone (`INVALID_QUERY_LOCATOR`).
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm
 */
import { makeId } from './ids.js';

export const LOCATOR_IDLE_MS = 15 * 60_000;
/** Past this many open cursors the oldest is closed, as Salesforce caps open cursors per user. */
export const MAX_LOCATORS = 1000;

interface Cursor {
  rows: Record<string, unknown>[];
  batchSize: number;
  lastUsed: number;
}

export interface LocatorStore {
  open(rows: Record<string, unknown>[], batchSize: number, now: number): string;
  /** The batch starting at `offset`, and whether rows remain after it; `undefined` if unknown or expired. */
  read(
    locator: string,
    offset: number,
    now: number,
  ): { rows: Record<string, unknown>[]; total: number; next: number | undefined } | undefined;
  clear(): void;
}

export function createLocatorStore(): LocatorStore {
  const cursors = new Map<string, Cursor>();
  let counter = 0;
  return {
    open(rows, batchSize, now) {
      counter += 1;
      const locator = makeId('01g', counter);
      cursors.set(locator, { rows, batchSize, lastUsed: now });
      if (cursors.size > MAX_LOCATORS) {
        const oldest = cursors.keys().next().value;
        if (oldest !== undefined) cursors.delete(oldest);
      }
      return locator;
    },
    read(locator, offset, now) {
      const cursor = cursors.get(locator);
      if (
        cursor === undefined ||
        now - cursor.lastUsed >= LOCATOR_IDLE_MS ||
        offset > cursor.rows.length
      ) {
        cursors.delete(locator);
        return undefined;
      }
      cursor.lastUsed = now;
      const end = offset + cursor.batchSize;
      return {
        rows: cursor.rows.slice(offset, end),
        total: cursor.rows.length,
        next: end < cursor.rows.length ? end : undefined,
      };
    },
    clear() {
      cursors.clear();
      counter = 0;
    },
  };
}
