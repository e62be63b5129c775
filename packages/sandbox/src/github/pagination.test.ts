import { describe, expect, it } from 'vitest';
import { paginate, parsePageRequest } from './pagination.js';

const items = Array.from({ length: 10 }, (_, i) => i + 1);
const url = 'https://api.example/repositories/1000/issues';

describe('parsePageRequest', () => {
  it('defaults to 30 per page, caps at 100 and ignores nonsense', () => {
    expect(parsePageRequest(new URLSearchParams())).toEqual({ perPage: 30, page: 1 });
    expect(parsePageRequest(new URLSearchParams('per_page=500&page=3'))).toEqual({
      perPage: 100,
      page: 3,
    });
    expect(parsePageRequest(new URLSearchParams('per_page=0&page=-2'))).toEqual({
      perPage: 30,
      page: 1,
    });
    expect(parsePageRequest(new URLSearchParams('per_page=abc&page=1.5'))).toEqual({
      perPage: 30,
      page: 1,
    });
  });
});

describe('paginate', () => {
  // The exact strings recorded from api.github.com in @octokit/fixtures (paginate-issues).
  it('formats the first page with next and last', () => {
    const page = paginate(items, { perPage: 3, page: 1 }, url, new URLSearchParams('per_page=3'));
    expect(page.items).toEqual([1, 2, 3]);
    expect(page.link).toBe(
      `<${url}?per_page=3&page=2>; rel="next", <${url}?per_page=3&page=4>; rel="last"`,
    );
  });

  it('formats a middle page as prev, next, last, first', () => {
    const page = paginate(
      items,
      { perPage: 3, page: 2 },
      url,
      new URLSearchParams('per_page=3&page=2'),
    );
    expect(page.link).toBe(
      `<${url}?per_page=3&page=1>; rel="prev", <${url}?per_page=3&page=3>; rel="next", <${url}?per_page=3&page=4>; rel="last", <${url}?per_page=3&page=1>; rel="first"`,
    );
  });

  it('formats the last page with prev and first', () => {
    const page = paginate(
      items,
      { perPage: 3, page: 4 },
      url,
      new URLSearchParams('page=4&per_page=3&state=all'),
    );
    expect(page.items).toEqual([10]);
    // `page` stays where the client put it; other parameters are kept.
    expect(page.link).toBe(
      `<${url}?page=3&per_page=3&state=all>; rel="prev", <${url}?page=1&per_page=3&state=all>; rel="first"`,
    );
  });

  it('sends no Link header when everything fits on one page, or there is nothing', () => {
    expect(
      paginate(items, { perPage: 30, page: 1 }, url, new URLSearchParams()).link,
    ).toBeUndefined();
    expect(paginate([], { perPage: 30, page: 1 }, url, new URLSearchParams()).link).toBeUndefined();
  });
});
