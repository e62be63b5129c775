import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.js';
import { DEMO_TOKEN } from './options.js';
import { FIRST_REPO_ISSUES } from './seed.js';

let sandbox: Sandbox;
let api: string;
const headers = { authorization: `Bearer ${DEMO_TOKEN}` };
beforeAll(async () => {
  sandbox = await startSandbox({ github: { seedRepos: 7 } });
  api = `${sandbox.url}/github`;
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

/** `rel` → URL, from a Link header as GitHub formats it. */
function parseLink(header: string | null): Record<string, string> {
  const links: Record<string, string> = {};
  for (const part of (header ?? '').split(', ')) {
    const match = /^<([^>]+)>; rel="(\w+)"$/.exec(part);
    if (match?.[1] !== undefined && match[2] !== undefined) links[match[2]] = match[1];
  }
  return links;
}

/** Follows `rel="next"` until there is none; returns every item and the URLs visited. */
async function walk<T>(first: string): Promise<{ items: T[]; urls: string[] }> {
  const items: T[] = [];
  const urls: string[] = [];
  let next: string | undefined = first;
  while (next !== undefined && urls.length < 100) {
    urls.push(next);
    const response = await fetch(next, { headers });
    expect(response.status).toBe(200);
    items.push(...((await response.json()) as T[]));
    next = parseLink(response.headers.get('link'))['next'];
  }
  return { items, urls };
}

describe('GitHub Link pagination', () => {
  it('formats the first page of issues like api.github.com: next then last, pointing at /repositories/{id}', async () => {
    const repo = (await (await fetch(`${api}/repos/octocat/hello-world`, { headers })).json()) as {
      id: number;
    };
    const response = await fetch(`${api}/repos/octocat/hello-world/issues?per_page=10&state=all`, {
      headers,
    });
    const base = `${api}/repositories/${repo.id}/issues`;
    expect(response.headers.get('link')).toBe(
      `<${base}?per_page=10&state=all&page=2>; rel="next", <${base}?per_page=10&state=all&page=8>; rel="last"`,
    );
  });

  it('walks every issue exactly once by following rel="next"', async () => {
    const { items, urls } = await walk<{ number: number; id: number }>(
      `${api}/repos/octocat/hello-world/issues?state=all&per_page=7`,
    );
    expect(urls).toHaveLength(Math.ceil(FIRST_REPO_ISSUES / 7));
    const numbers = items.map((issue) => issue.number);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(numbers.sort((a, b) => a - b)).toEqual(
      Array.from({ length: FIRST_REPO_ISSUES }, (_, i) => i + 1),
    );
  });

  it('gives a middle page prev, next, last and first, and the last page prev and first', async () => {
    const middle = await fetch(`${api}/user/repos?per_page=2&page=2`, { headers });
    expect(Object.keys(parseLink(middle.headers.get('link')))).toEqual([
      'prev',
      'next',
      'last',
      'first',
    ]);
    expect(parseLink(middle.headers.get('link'))).toEqual({
      prev: `${api}/user/repos?per_page=2&page=1`,
      next: `${api}/user/repos?per_page=2&page=3`,
      last: `${api}/user/repos?per_page=2&page=4`,
      first: `${api}/user/repos?per_page=2&page=1`,
    });
    const last = await fetch(`${api}/user/repos?per_page=2&page=4`, { headers });
    expect(Object.keys(parseLink(last.headers.get('link')))).toEqual(['prev', 'first']);
    expect(await last.json()).toHaveLength(1);
  });

  it('walks /user/repos in full_name order without duplicates, and filters by visibility', async () => {
    const { items } = await walk<{ full_name: string; private: boolean }>(
      `${api}/user/repos?per_page=3`,
    );
    const names = items.map((repo) => repo.full_name);
    expect(names).toHaveLength(7);
    expect(names).toEqual([...names].sort());
    const { items: privateOnly } = await walk<{ private: boolean }>(
      `${api}/user/repos?visibility=private&per_page=1`,
    );
    expect(privateOnly.length).toBe(items.filter((repo) => repo.private).length);
    expect(privateOnly.every((repo) => repo.private)).toBe(true);
  });

  it('sends no Link header when one page holds everything, and caps per_page at 100', async () => {
    const response = await fetch(`${api}/repos/octocat/hello-world/issues?state=all&per_page=500`, {
      headers,
    });
    expect(response.headers.get('link')).toBeNull();
    expect(await response.json()).toHaveLength(FIRST_REPO_ISSUES);
  });

  it('builds absolute URLs from the Host header the client used', async () => {
    const { port } = new URL(sandbox.url);
    const link = await new Promise<string | undefined>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/github/user/repos?per_page=1',
          headers: { ...headers, host: `api.example.test:${port}` },
        },
        (res) => {
          res.resume();
          const { link } = res.headers;
          resolve(Array.isArray(link) ? link.join(', ') : link);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(parseLink(link ?? null)['next']).toBe(
      `http://api.example.test:${port}/github/user/repos?per_page=1&page=2`,
    );
  });
});
