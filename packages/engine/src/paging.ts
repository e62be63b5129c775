import { JoineryError } from './errors.js';

/**
 * A list cursor this API gave out (a sequence number), or undefined for the first page. An empty
 * cursor (`?cursor=`) is no cursor: read as 0 it would mean "before position 0", an empty page.
 */
export function parseCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  // The API gives out plain digits: anything else (' ', '1e3', '0x10') is not one of its cursors.
  const before = /^\d+$/.test(cursor) ? Number(cursor) : Number.NaN;
  if (!Number.isSafeInteger(before)) {
    throw new JoineryError(
      'invalid_input',
      'cursor is not one this API gave out: pass the nextCursor of a previous answer, or none to start from the beginning',
      { path: 'cursor' },
    );
  }
  return before;
}

/** Page sizes run from 1 to `max` (1,000); `fallback` (100) when the caller names none. */
export function pageLimit(limit: number | undefined, fallback = 100, max = 1000): number {
  return Math.min(Math.max(limit ?? fallback, 1), max);
}
