import { describe, expect, it } from 'vitest';
import { cursorMs, firstRequest, formatCursor, nextPageRequest } from './paging.js';

describe('paging (syncs and actions)', () => {
  const instant = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

  it('writes a cursor in the form each provider takes', () => {
    expect(formatCursor(instant, 'iso')).toBe('2025-01-02T03:04:05.678Z');
    // SOQL dateTime literals have no milliseconds; rounding down never skips a record.
    expect(formatCursor(instant, 'iso_seconds')).toBe('2025-01-02T03:04:05Z');
    expect(formatCursor(instant, 'epoch_ms')).toBe(String(instant));
  });

  it("reads cursor fields: ISO 8601, Salesforce's +0000, epoch milliseconds", () => {
    expect(cursorMs('2025-01-02T03:04:05.678Z')).toBe(instant);
    expect(cursorMs('2025-01-02T03:04:05.678+0000')).toBe(instant);
    expect(cursorMs(String(instant))).toBe(instant);
    expect(cursorMs(instant)).toBe(instant);
    expect(cursorMs('')).toBeUndefined();
    expect(cursorMs('yesterday')).toBeUndefined();
    expect(cursorMs(null)).toBeUndefined();
  });

  it('fills {{cursor}} in the query and JSON body, and leaves templates alone', () => {
    const template = {
      method: 'POST' as const,
      path: '/search',
      query: { q: 'WHERE m >= {{cursor}}' },
      json: { filters: [{ value: '{{cursor}}' }], limit: 200 },
    };
    const request = firstRequest(template, '123');
    expect(request).toEqual({
      method: 'POST',
      path: '/search',
      query: { q: 'WHERE m >= 123' },
      json: { filters: [{ value: '123' }], limit: 200 },
    });
    expect(template.json.filters[0]?.value).toBe('{{cursor}}');
  });

  it('follows a body cursor in the query (list) or in the JSON body (search)', () => {
    const pagination = {
      type: 'cursor',
      cursorParam: 'after',
      nextCursorPath: 'paging.next.after',
    } as const;
    const page = { headers: {}, body: { paging: { next: { after: 'NTI%3D' } } } };
    expect(
      nextPageRequest(pagination, { method: 'GET', path: '/list', query: { limit: 100 } }, page),
    ).toEqual({
      method: 'GET',
      path: '/list',
      query: { limit: 100, after: 'NTI%3D' },
    });
    expect(
      nextPageRequest(pagination, { method: 'POST', path: '/search', json: { limit: 200 } }, page),
    ).toEqual({
      method: 'POST',
      path: '/search',
      json: { limit: 200, after: 'NTI%3D' },
    });
    expect(
      nextPageRequest(pagination, { method: 'GET', path: '/list' }, { headers: {}, body: {} }),
    ).toBeNull();
  });

  it("follows Salesforce's nextRecordsUrl and stops when it is absent", () => {
    const pagination = { type: 'next_url', nextUrlPath: 'nextRecordsUrl' } as const;
    const first = {
      method: 'GET' as const,
      path: '/query',
      query: { q: 'SELECT Id FROM Contact' },
    };
    expect(
      nextPageRequest(pagination, first, {
        headers: {},
        body: { nextRecordsUrl: '/query/01g-2000' },
      }),
    ).toEqual({ method: 'GET', path: '/query/01g-2000' });
    expect(nextPageRequest(pagination, first, { headers: {}, body: { done: true } })).toBeNull();
  });

  it("follows a Link header's next URL with the same method, and stops without one", () => {
    const pagination = { type: 'link' } as const;
    const first = { method: 'GET' as const, path: '/user/repos', query: { per_page: 100 } };
    const next = 'https://api.github.com/user/repos?per_page=100&page=2';
    expect(
      nextPageRequest(pagination, first, {
        headers: {
          link: `<${next}>; rel="next", <https://api.github.com/user/repos?page=9>; rel="last"`,
        },
        body: [],
      }),
    ).toEqual({ method: 'GET', path: next });
    expect(
      nextPageRequest(pagination, first, {
        headers: { link: '<https://api.github.com/user/repos?page=1>; rel="prev"' },
        body: [],
      }),
    ).toBeNull();
  });

  it("keeps an action's headers on every page, and drops the query and body a provider URL replaces", () => {
    const first = {
      method: 'POST' as const,
      path: '/search',
      json: { limit: 10 },
      headers: { 'Idempotency-Key': 'k1' },
    };
    expect(
      nextPageRequest({ type: 'next_url', nextUrlPath: 'next' }, first, {
        headers: {},
        body: { next: '/search/page-2' },
      }),
    ).toEqual({ method: 'GET', path: '/search/page-2', headers: { 'Idempotency-Key': 'k1' } });
    expect(
      nextPageRequest({ type: 'cursor', cursorParam: 'after', nextCursorPath: 'after' }, first, {
        headers: {},
        body: { after: 20 },
      }),
    ).toEqual({ ...first, json: { limit: 10, after: 20 } });
  });

  it('stops at once without pagination, and on an empty cursor', () => {
    const first = { method: 'GET' as const, path: '/list' };
    expect(
      nextPageRequest({ type: 'none' }, first, { headers: {}, body: { after: 'x' } }),
    ).toBeNull();
    expect(
      nextPageRequest({ type: 'cursor', cursorParam: 'after', nextCursorPath: 'after' }, first, {
        headers: {},
        body: { after: '' },
      }),
    ).toBeNull();
  });
});
