import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.js';
import { DEMO_TOKEN } from './options.js';

let sandbox: Sandbox;
let api: string;
const auth = { authorization: `Bearer ${DEMO_TOKEN}` };
const LIMIT = 3;
beforeAll(async () => {
  sandbox = await startSandbox({
    github: { rateLimit: LIMIT, tokens: { [DEMO_TOKEN]: 'octocat', ghp_other: 'hubot' } },
  });
  api = `${sandbox.url}/github`;
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

const rate = (response: Response) => ({
  limit: response.headers.get('x-ratelimit-limit'),
  remaining: response.headers.get('x-ratelimit-remaining'),
  used: response.headers.get('x-ratelimit-used'),
  reset: Number(response.headers.get('x-ratelimit-reset')),
  resource: response.headers.get('x-ratelimit-resource'),
});

describe('GitHub primary rate limit', () => {
  it('counts down per token and answers 403 with remaining 0 once the quota is gone', async () => {
    const seen: ReturnType<typeof rate>[] = [];
    for (let i = 0; i < LIMIT; i += 1) {
      const response = await fetch(`${api}/user`, { headers: auth });
      expect(response.status).toBe(200);
      seen.push(rate(response));
    }
    expect(seen.map((r) => r.remaining)).toEqual(['2', '1', '0']);
    expect(seen.map((r) => r.used)).toEqual(['1', '2', '3']);
    expect(seen.every((r) => r.limit === '3' && r.resource === 'core')).toBe(true);
    // Reset is epoch seconds, about an hour after the window's first request.
    const now = Date.now() / 1000;
    expect(seen[0]?.reset).toBeGreaterThan(now + 3500);
    expect(seen[0]?.reset).toBeLessThanOrEqual(now + 3600);

    const limited = await fetch(`${api}/user`, { headers: auth });
    expect(limited.status).toBe(403);
    expect(rate(limited).remaining).toBe('0');
    expect(rate(limited).reset).toBe(seen[0]?.reset);
    const body = (await limited.json()) as { message: string; documentation_url: string };
    expect(body.message).toMatch(/^API rate limit exceeded for user ID 1\. /);
    expect(body.message).toContain(limited.headers.get('x-github-request-id') ?? 'missing');
    expect(body.documentation_url).toBe(
      'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
    );

    // Another token has its own quota.
    const other = await fetch(`${api}/user`, { headers: { authorization: 'token ghp_other' } });
    expect(other.status).toBe(200);
    expect(rate(other).remaining).toBe('2');
  });

  it('does not create anything once the quota is gone', async () => {
    for (let i = 0; i < LIMIT; i += 1)
      await (await fetch(`${api}/user`, { headers: auth })).arrayBuffer();
    const response = await fetch(`${api}/repos/octocat/hello-world/issues`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ title: 'should not exist' }),
    });
    expect(response.status).toBe(403);
    // Read with the other token, whose quota is intact: the repository is public.
    const newest = await fetch(`${api}/repos/octocat/hello-world/issues?per_page=1`, {
      headers: { authorization: 'token ghp_other' },
    });
    expect(newest.status).toBe(200);
    expect(((await newest.json()) as { title: string }[])[0]?.title).toBe('Sandbox issue 74');
  });

  it('does not count a conditional request answered 304', async () => {
    const first = await fetch(`${api}/repos/octocat/hello-world`, { headers: auth });
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^W\/"[0-9a-f]{64}"$/);
    expect(rate(first).remaining).toBe('2');
    const again = await fetch(`${api}/repos/octocat/hello-world`, {
      headers: { ...auth, 'if-none-match': etag ?? '' },
    });
    expect(again.status).toBe(304);
    expect(rate(again).remaining).toBe('2');
  });

  it('answers GET /rate_limit for free', async () => {
    await (await fetch(`${api}/user`, { headers: auth })).arrayBuffer();
    const response = await fetch(`${api}/rate_limit`, { headers: auth });
    const body = (await response.json()) as {
      resources: { core: { remaining: number; used: number } };
      rate: { remaining: number };
    };
    expect(body.resources.core).toMatchObject({ remaining: 2, used: 1 });
    expect(body.rate.remaining).toBe(2);
    expect(rate(response).remaining).toBe('2');
  });

  it('starts a fresh window on reset()', async () => {
    for (let i = 0; i < LIMIT; i += 1)
      await (await fetch(`${api}/user`, { headers: auth })).arrayBuffer();
    expect((await fetch(`${api}/user`, { headers: auth })).status).toBe(403);
    sandbox.reset();
    const response = await fetch(`${api}/user`, { headers: auth });
    expect(response.status).toBe(200);
    expect(rate(response).remaining).toBe('2');
  });
});
