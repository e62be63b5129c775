import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.js';
import {
  HUBSPOT_DEMO_CLIENT_ID,
  HUBSPOT_DEMO_CLIENT_SECRET,
  HUBSPOT_DEMO_TOKEN,
} from './options.js';

let sandbox: Sandbox;
let api: string;
const auth = { authorization: `Bearer ${HUBSPOT_DEMO_TOKEN}` };
beforeAll(async () => {
  sandbox = await startSandbox({
    hubspot: { tenSecondlyLimit: 3, oauthTenSecondlyLimit: 2, dailyLimit: 5, searchPerSecond: 2 },
  });
  api = `${sandbox.url}/hubspot`;
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

const rate = (response: Response) => ({
  max: response.headers.get('x-hubspot-ratelimit-max'),
  remaining: response.headers.get('x-hubspot-ratelimit-remaining'),
  interval: response.headers.get('x-hubspot-ratelimit-interval-milliseconds'),
  daily: response.headers.get('x-hubspot-ratelimit-daily'),
  dailyRemaining: response.headers.get('x-hubspot-ratelimit-daily-remaining'),
});
const list = (headers: Record<string, string> = auth) =>
  fetch(`${api}/crm/v3/objects/contacts?limit=1`, { headers });
const search = () =>
  fetch(`${api}/crm/v3/objects/contacts/search`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: '{}',
  });

describe('HubSpot rate limits', () => {
  it('counts down the ten-second window and the daily quota, then answers 429 TEN_SECONDLY_ROLLING', async () => {
    const seen = [];
    for (let i = 0; i < 3; i += 1) {
      const response = await list();
      expect(response.status).toBe(200);
      seen.push(rate(response));
    }
    expect(seen.map((r) => r.remaining)).toEqual(['2', '1', '0']);
    expect(seen.map((r) => r.dailyRemaining)).toEqual(['4', '3', '2']);
    expect(seen[0]).toMatchObject({ max: '3', interval: '10000', daily: '5' });

    const limited = await list();
    expect(limited.status).toBe(429);
    expect(rate(limited).remaining).toBe('0');
    expect(await limited.json()).toEqual({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      correlationId: limited.headers.get('x-hubspot-correlation-id'),
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
    });
  });

  it("answers 429 DAILY once the account's daily quota is spent, even with a fresh window", async () => {
    for (let i = 0; i < 3; i += 1) expect((await list()).status).toBe(200);
    // Searches count against the daily quota too, through their own per-second limit.
    expect((await search()).status).toBe(200);
    expect((await search()).status).toBe(200);
    const limited = await search();
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({
      policyName: 'DAILY',
      message: 'You have reached your daily limit.',
    });
    sandbox.reset();
    expect((await list()).status).toBe(200);
  });

  it('limits search to its per-second rate with policy SECONDLY and no rate-limit headers', async () => {
    expect((await search()).status).toBe(200);
    expect((await search()).status).toBe(200);
    const limited = await search();
    expect(limited.status).toBe(429);
    expect(rate(limited).remaining).toBeNull();
    expect(await limited.json()).toMatchObject({ policyName: 'SECONDLY', errorType: 'RATE_LIMIT' });
  });

  it('gives OAuth apps their own window and no daily headers, and creates nothing when limited', async () => {
    const authorize = await fetch(
      `${api}/oauth/authorize?client_id=${HUBSPOT_DEMO_CLIENT_ID}&redirect_uri=http://127.0.0.1:9/cb&scope=crm.objects.contacts.write%20crm.objects.contacts.read`,
      { redirect: 'manual' },
    );
    const code = new URL(authorize.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const tokenResponse = await fetch(`${api}/oauth/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: HUBSPOT_DEMO_CLIENT_ID,
        client_secret: HUBSPOT_DEMO_CLIENT_SECRET,
        redirect_uri: 'http://127.0.0.1:9/cb',
        code,
      }).toString(),
    });
    const { access_token: accessToken } = (await tokenResponse.json()) as { access_token: string };
    const oauth = { authorization: `Bearer ${accessToken}` };
    const first = await list(oauth);
    expect(rate(first)).toMatchObject({
      max: '2',
      remaining: '1',
      daily: null,
      dailyRemaining: null,
    });
    expect((await list(oauth)).status).toBe(200);

    const created = await fetch(`${api}/crm/v3/objects/contacts`, {
      method: 'POST',
      headers: { ...oauth, 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { email: 'limited@example.com' } }),
    });
    expect(created.status).toBe(429);
    // The private app's window is separate: it can look, and finds nothing was created.
    const found = await fetch(
      `${api}/crm/v3/objects/contacts/limited@example.com?idProperty=email`,
      { headers: auth },
    );
    expect(found.status).toBe(404);
  });
});

describe('HubSpot under fault injection', () => {
  it('rate_limit: a 429 TEN_SECONDLY_ROLLING with the Retry-After asked for, then normal answers', async () => {
    sandbox.faults.add({ provider: 'hubspot', fault: { kind: 'rate_limit', retryAfter: 2 } });
    const limited = await list();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(rate(limited).remaining).toBe('0');
    expect(await limited.json()).toMatchObject({
      policyName: 'TEN_SECONDLY_ROLLING',
      errorType: 'RATE_LIMIT',
    });
    expect((await list()).status).toBe(200);
  });

  it('status 400 on the token endpoint: a refresh token that stopped working', async () => {
    sandbox.faults.add({
      provider: 'hubspot',
      path: '/oauth/v1/token',
      fault: { kind: 'status', status: 400 },
    });
    const response = await fetch(`${api}/oauth/v1/token`, { method: 'POST' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      status: 'BAD_REFRESH_TOKEN',
      message: 'missing or invalid refresh token',
    });
  });

  it('status 502 with an HTML body, as from the CDN in front of HubSpot', async () => {
    sandbox.faults.add({
      provider: 'hubspot',
      fault: {
        kind: 'status',
        status: 502,
        body: '<html>Bad gateway</html>',
        headers: { 'content-type': 'text/html' },
      },
    });
    const response = await list();
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toBe('text/html');
    expect(await response.text()).toBe('<html>Bad gateway</html>');
  });
});
