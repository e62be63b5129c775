/**
 * Cursor pagination as Slack does it: `cursor` and `limit` in, `response_metadata.next_cursor`
 * out, an empty string on the last page. Cursors are opaque base64 that, like Slack's
 * (`dXNlcjpVMDYxTkZUVDI=` is `user:U061NFTT2`), name the first item of the next page, so a page
 * is stable even if items are added before it. https://docs.slack.dev/apis/web-api/pagination
 */

export const MAX_LIMIT = 1000;

export function encodeCursor(kind: 'user' | 'team', id: string): string {
  return Buffer.from(`${kind}:${id}`).toString('base64');
}

/** The id a cursor points at, or `undefined` for one this sandbox never issued. */
export function decodeCursor(kind: 'user' | 'team', cursor: string): string | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(cursor)) return undefined;
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  const prefix = `${kind}:`;
  return text.startsWith(prefix) && /^[A-Z0-9]+$/.test(text.slice(prefix.length))
    ? text.slice(prefix.length)
    : undefined;
}

export type PageWindow<T> =
  { kind: 'ok'; items: T[]; nextCursor: string } | { kind: 'invalid_cursor' };

/**
 * Up to `limit` items of `all` (sorted by id) from the one the cursor names. A cursor whose item
 * is gone still resumes at the next id, as a pointer into a sorted list would.
 */
export function pageOf<T extends { id: string }>(
  kind: 'user' | 'team',
  all: readonly T[],
  cursor: string | undefined,
  limit: number,
): PageWindow<T> {
  let start = 0;
  if (cursor !== undefined && cursor !== '') {
    const id = decodeCursor(kind, cursor);
    if (id === undefined) return { kind: 'invalid_cursor' };
    start = all.findIndex((item) => item.id >= id);
    if (start < 0) start = all.length;
  }
  const items = all.slice(start, start + limit);
  const next = all[start + limit];
  return { kind: 'ok', items, nextCursor: next === undefined ? '' : encodeCursor(kind, next.id) };
}
