/**
 * Page-number pagination as GitHub does it: `per_page` (default 30, max 100) and `page`
 * (1-based), and a `Link` header with absolute URLs in the order prev, next, last, first —
 * first page: next, last; middle: prev, next, last, first; last page: prev, first; a single
 * page: no header at all. The client's query string is kept, with `page` replaced in place or
 * appended. https://docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api
 */

export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 100;

export interface PageRequest {
  perPage: number;
  page: number;
}

/** Values that are not positive integers fall back to the defaults; `per_page` is capped. */
export function parsePageRequest(query: URLSearchParams): PageRequest {
  const positive = (raw: string | null): number | undefined => {
    if (raw === null || !/^\d+$/.test(raw)) return undefined;
    const value = Number(raw);
    return value >= 1 ? value : undefined;
  };
  return {
    perPage: Math.min(positive(query.get('per_page')) ?? DEFAULT_PER_PAGE, MAX_PER_PAGE),
    page: positive(query.get('page')) ?? 1,
  };
}

export interface Page<T> {
  items: T[];
  /** The `Link` header value, or `undefined` when everything fits on one page. */
  link: string | undefined;
}

/**
 * Slices `all` and builds the `Link` header. `linkUrl` is the absolute URL (no query) the
 * links point at — for repository issues GitHub uses `/repositories/{id}/issues`, not the path
 * the client asked for.
 */
export function paginate<T>(
  all: T[],
  request: PageRequest,
  linkUrl: string,
  query: URLSearchParams,
): Page<T> {
  const { perPage, page } = request;
  const lastPage = Math.max(1, Math.ceil(all.length / perPage));
  const items = all.slice((page - 1) * perPage, page * perPage);
  const at = (target: number) => {
    const q = new URLSearchParams(query);
    q.set('page', String(target));
    return `<${linkUrl}?${q.toString()}>`;
  };
  const links: string[] = [];
  if (page > 1) links.push(`${at(page - 1)}; rel="prev"`);
  if (page < lastPage) links.push(`${at(page + 1)}; rel="next"`, `${at(lastPage)}; rel="last"`);
  if (page > 1) links.push(`${at(1)}; rel="first"`);
  return { items, link: links.length > 0 ? links.join(', ') : undefined };
}
