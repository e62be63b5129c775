import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_TOKEN } from '../github/options.js';
import { HUBSPOT_DEMO_TOKEN } from '../hubspot/options.js';
import { SLACK_DEMO_TOKEN } from '../slack/options.js';
import { startSandbox, type Sandbox } from '../index.js';
import type { RecordedRequest } from './request-log.js';

let sandbox: Sandbox;
let control: string;
let api: string;
const auth = { authorization: `Bearer ${DEMO_TOKEN}` };
beforeAll(async () => {
  sandbox = await startSandbox();
  control = `${sandbox.url}/_sandbox`;
  api = `${sandbox.url}/github`;
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

const post = (path: string, body: unknown) =>
  fetch(`${control}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('HTTP control API', () => {
  it('arms a fault with a string path for out-of-process tests', async () => {
    const armed = await post('/faults', {
      method: 'GET',
      path: '/user',
      fault: { kind: 'status', status: 502 },
      times: 2,
    });
    expect(armed.status).toBe(201);
    expect(await armed.json()).toEqual({ pending: 1 });
    expect((await fetch(`${api}/user`, { headers: auth })).status).toBe(502);
    expect((await fetch(`${api}/user`, { headers: auth })).status).toBe(502);
    expect((await fetch(`${api}/user`, { headers: auth })).status).toBe(200);
  });

  it('arms a fault with a regex path and "Infinity" times, lists it, and disarms it with DELETE', async () => {
    expect(
      (
        await post('/faults', {
          path: { regex: '^/repos/[^/]+/[^/]+$' },
          fault: { kind: 'empty' },
          times: 'Infinity',
        })
      ).status,
    ).toBe(201);
    for (let i = 0; i < 3; i += 1)
      expect(
        await (await fetch(`${api}/repos/octocat/hello-world`, { headers: auth })).text(),
      ).toBe('');
    const listed = (await (await fetch(`${control}/faults`)).json()) as {
      pending: number;
      rules: { path: string; remaining: unknown }[];
    };
    expect(listed.pending).toBe(1);
    expect(listed.rules[0]).toMatchObject({
      path: '/^\\/repos\\/[^/]+\\/[^/]+$/',
      remaining: 'Infinity',
    });

    const cleared = await fetch(`${control}/faults`, { method: 'DELETE' });
    expect(await cleared.json()).toEqual({ pending: 0 });
    expect(sandbox.faults.pending()).toBe(0);
    expect((await fetch(`${api}/repos/octocat/hello-world`, { headers: auth })).status).toBe(200);
  });

  it('refuses a bad rule with 400 and a message that says what is expected', async () => {
    const unknownKind = await post('/faults', { fault: { kind: 'explode' } });
    expect(unknownKind.status).toBe(400);
    expect(await unknownKind.json()).toMatchObject({
      error: 'invalid_fault_rule',
      message: expect.stringContaining('latency, status') as unknown,
    });
    const notJson = await post('/faults', '{nope');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: 'invalid_json' });
    expect(sandbox.faults.pending()).toBe(0);
  });

  it('returns recorded requests with token fingerprints, never the token, and counts', async () => {
    await (
      await fetch(`${api}/repos/octocat/hello-world/issues?state=all&per_page=2`, { headers: auth })
    ).arrayBuffer();
    await (
      await fetch(`${api}/repos/octocat/hello-world/issues`, {
        method: 'POST',
        headers: auth,
        body: '{"title":"once"}',
      })
    ).arrayBuffer();
    await (await fetch(`${api}/user`, { headers: { authorization: 'token wrong' } })).arrayBuffer();

    const response = await fetch(`${control}/requests`);
    const text = await response.text();
    expect(text).not.toContain(DEMO_TOKEN);
    const { requests, counts } = JSON.parse(text) as {
      requests: RecordedRequest[];
      counts: Record<string, number>;
    };
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /github/repos/octocat/hello-world/issues',
      'POST /github/repos/octocat/hello-world/issues',
      'GET /github/user',
    ]);
    expect(requests[0]).toMatchObject({
      query: { state: 'all', per_page: '2' },
      tokenLogin: 'octocat',
      status: 200,
      provider: 'github',
    });
    expect(requests[0]?.headers['authorization']).toMatch(/^Bearer sha256:[0-9a-f]{16}$/);
    expect(requests[1]).toMatchObject({ body: { title: 'once' }, status: 201 });
    expect(requests[2]).toMatchObject({ tokenLogin: null, status: 401 });
    expect(counts['POST /github/repos/octocat/hello-world/issues']).toBe(1);
    // The control API's own requests are not recorded.
    expect(requests.some((r) => r.path.startsWith('/_sandbox'))).toBe(false);
  });

  it('scopes faults to a provider and records every provider, secrets fingerprinted', async () => {
    const armed = await post('/faults', {
      provider: 'hubspot',
      path: '/crm/v3/objects/contacts',
      fault: { kind: 'status', status: 503 },
    });
    expect(armed.status).toBe(201);
    // Same path on another provider: not matched.
    expect(
      (await fetch(`${sandbox.url}/github/crm/v3/objects/contacts`, { headers: auth })).status,
    ).toBe(404);
    const hubspot = await fetch(`${sandbox.url}/hubspot/crm/v3/objects/contacts`, {
      headers: { authorization: `Bearer ${HUBSPOT_DEMO_TOKEN}` },
    });
    expect(hubspot.status).toBe(503);
    await (
      await fetch(`${sandbox.url}/salesforce/services/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=refresh_token&client_id=x&client_secret=very-secret&refresh_token=5Aep861secret',
      })
    ).arrayBuffer();
    await (
      await fetch(`${sandbox.url}/slack/api/auth.test`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `token=${SLACK_DEMO_TOKEN}`,
      })
    ).arrayBuffer();

    const text = await (await fetch(`${control}/requests`)).text();
    for (const secret of [HUBSPOT_DEMO_TOKEN, 'very-secret', '5Aep861secret', SLACK_DEMO_TOKEN])
      expect(text).not.toContain(secret);
    const { requests } = JSON.parse(text) as { requests: RecordedRequest[] };
    expect(requests.map((r) => [r.provider, r.fault, r.status, r.tokenLogin])).toEqual([
      ['github', null, 404, 'octocat'],
      ['hubspot', 'status', 503, 'private-app'],
      ['salesforce', null, 400, null],
      ['slack', null, 200, 'joinery-bot'],
    ]);
  });

  it('resets data, faults and recordings with POST /_sandbox/reset', async () => {
    const created = (await (
      await fetch(`${api}/repos/octocat/hello-world/issues`, {
        method: 'POST',
        headers: auth,
        body: '{"title":"gone soon"}',
      })
    ).json()) as { url: string };
    await post('/faults', { fault: { kind: 'reset' } });
    const reset = await post('/reset', '');
    expect(await reset.json()).toEqual({ reset: true });
    expect(sandbox.faults.pending()).toBe(0);
    expect(sandbox.requests).toHaveLength(0);
    expect((await fetch(created.url, { headers: auth })).status).toBe(404);
  });

  it('answers unknown control routes and wrong methods clearly', async () => {
    const unknown = await fetch(`${control}/nope`);
    expect(unknown.status).toBe(404);
    const wrongMethod = await fetch(`${control}/reset`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    const index = (await (await fetch(control)).json()) as {
      routes: Record<string, string>;
      providers: Record<string, { prefix: string; description: string }>;
    };
    expect(Object.keys(index.routes)).toContain('POST /_sandbox/faults');
    expect(Object.keys(index.providers)).toEqual(['github', 'slack', 'hubspot', 'salesforce']);
    expect(index.providers['salesforce']?.prefix).toBe('/salesforce');
  });

  it('answers paths outside any provider with a 404 that names the providers', async () => {
    const response = await fetch(`${sandbox.url}/stripe/v1/charges`);
    expect(response.status).toBe(404);
    const { message } = (await response.json()) as { message: string };
    for (const prefix of ['/github', '/slack', '/hubspot', '/salesforce'])
      expect(message).toContain(prefix);
  });
});
