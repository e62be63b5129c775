import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.js';
import {
  HUBSPOT_DEMO_CLIENT_ID,
  HUBSPOT_DEMO_CLIENT_SECRET,
  HUBSPOT_DEMO_TOKEN,
} from './options.js';

const REDIRECT = 'http://127.0.0.1:9/hubspot/callback';
const SCOPES = 'crm.objects.contacts.read crm.objects.contacts.write';
let sandbox: Sandbox;
let api: string;
beforeAll(async () => {
  sandbox = await startSandbox({ hubspot: { accessTokenTtlSeconds: 1 } });
  api = `${sandbox.url}/hubspot`;
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

async function authorize(extra: Record<string, string> = {}) {
  const query = new URLSearchParams({
    client_id: HUBSPOT_DEMO_CLIENT_ID,
    redirect_uri: REDIRECT,
    scope: SCOPES,
    state: 'st-1',
    ...extra,
  });
  const response = await fetch(`${api}/oauth/authorize?${query.toString()}`, {
    redirect: 'manual',
  });
  return { response, location: new URL(response.headers.get('location') ?? 'http://invalid/') };
}

const tokenRequest = (fields: Record<string, string>) =>
  fetch(`${api}/oauth/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: HUBSPOT_DEMO_CLIENT_ID,
      client_secret: HUBSPOT_DEMO_CLIENT_SECRET,
      ...fields,
    }).toString(),
  });

async function install() {
  const { location } = await authorize();
  const response = await tokenRequest({
    grant_type: 'authorization_code',
    redirect_uri: REDIRECT,
    code: location.searchParams.get('code') ?? '',
  });
  expect(response.status).toBe(200);
  return (await response.json()) as {
    access_token: string;
    refresh_token: string;
    expires_in: number;
    token_type: string;
  };
}

const contacts = (accessToken: string) =>
  fetch(`${api}/crm/v3/objects/contacts?limit=1`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });

describe('HubSpot OAuth', () => {
  it('approves the install at once and redirects with a code and the state', async () => {
    const { response, location } = await authorize();
    expect(response.status).toBe(302);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('st-1');
    expect(location.searchParams.get('code')).toMatch(
      /^na1-[0-9a-f]{4}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/,
    );
  });

  it('exchanges the code for a bearer token pair that works, and the code only once', async () => {
    const { location } = await authorize();
    const code = location.searchParams.get('code') ?? '';
    const first = await tokenRequest({
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT,
      code,
    });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/json;charset=utf-8');
    const body = (await first.json()) as Record<string, unknown>;
    expect(body).toEqual({
      token_type: 'bearer',
      refresh_token: expect.stringMatching(/^na1-/) as unknown,
      access_token: expect.stringMatching(/^C[0-9A-F]{3}[\w-]{96}$/) as unknown,
      expires_in: 1,
    });
    expect((await contacts(String(body['access_token']))).status).toBe(200);

    const again = await tokenRequest({
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT,
      code,
    });
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({
      status: 'BAD_AUTH_CODE',
      message: 'missing or unknown auth code',
      correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
    });
  });

  it('refreshes with the same refresh token, which does not rotate', async () => {
    const installed = await install();
    await delay(1100);
    const expired = await contacts(installed.access_token);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({
      status: 'error',
      category: 'EXPIRED_AUTHENTICATION',
      message: expect.stringMatching(
        /^The OAuth token used to make this call expired \d+ second\(s\) ago\.$/,
      ) as unknown,
    });

    for (let i = 0; i < 2; i += 1) {
      const refreshed = await tokenRequest({
        grant_type: 'refresh_token',
        refresh_token: installed.refresh_token,
      });
      expect(refreshed.status).toBe(200);
      const body = (await refreshed.json()) as typeof installed;
      expect(body.refresh_token).toBe(installed.refresh_token);
      expect(body.access_token).not.toBe(installed.access_token);
      expect((await contacts(body.access_token)).status).toBe(200);
    }
  });

  it.each([
    [{ grant_type: 'password' }, 'BAD_GRANT_TYPE', 'missing or unknown grant type'],
    [{ client_id: 'nobody' }, 'BAD_CLIENT_ID', 'missing or unknown client id'],
    [{ client_secret: 'wrong' }, 'BAD_CLIENT_SECRET', 'missing or invalid client secret'],
    [
      { redirect_uri: 'http://127.0.0.1:9/other' },
      'BAD_REDIRECT_URI',
      'redirect_uri does not match initial redirect_uri',
    ],
    [{ code: 'made-up' }, 'BAD_AUTH_CODE', 'missing or unknown auth code'],
  ])('refuses %j with 400 %s', async (override, status, message) => {
    const { location } = await authorize();
    const response = await tokenRequest({
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT,
      code: location.searchParams.get('code') ?? '',
      ...override,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ status, message });
  });

  it('uninstalling (DELETE the refresh token) stops the refresh token and its access tokens', async () => {
    const installed = await install();
    const removed = await fetch(`${api}/oauth/v1/refresh-tokens/${installed.refresh_token}`, {
      method: 'DELETE',
    });
    expect(removed.status).toBe(204);
    const call = await contacts(installed.access_token);
    expect(call.status).toBe(401);
    expect(await call.json()).toMatchObject({ category: 'INVALID_AUTHENTICATION' });
    const refreshed = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: installed.refresh_token,
    });
    expect(refreshed.status).toBe(400);
    expect(await refreshed.json()).toMatchObject({
      status: 'BAD_REFRESH_TOKEN',
      message: 'missing or invalid refresh token',
    });
  });

  it('describes an access token: hub, user, scopes and seconds left', async () => {
    const installed = await install();
    const response = await fetch(`${api}/oauth/v1/access-tokens/${installed.access_token}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      token: installed.access_token,
      user: 'ada.lovelace@example.com',
      hub_id: 24_681_357,
      scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write'],
      token_type: 'access',
      expires_in: expect.any(Number) as unknown,
    });
  });

  it('answers a scope the install lacks with 403 MISSING_SCOPES', async () => {
    const installed = await install();
    const response = await fetch(`${api}/crm/v3/objects/companies`, {
      headers: { authorization: `Bearer ${installed.access_token}` },
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({
      status: 'error',
      category: 'MISSING_SCOPES',
      errors: [{ context: { requiredGranularScopes: ['crm.objects.companies.read'] } }],
    });
  });

  it('redirects with error=access_denied when the user declines (?sandbox_deny=1 or a 3xx fault)', async () => {
    const declined = await authorize({ sandbox_deny: '1' });
    expect(declined.response.status).toBe(302);
    expect(declined.location.searchParams.get('error')).toBe('access_denied');
    expect(declined.location.searchParams.get('state')).toBe('st-1');
    sandbox.faults.add({
      provider: 'hubspot',
      path: '/oauth/authorize',
      fault: { kind: 'status', status: 303 },
    });
    expect((await authorize()).location.searchParams.get('error')).toBe('access_denied');
  });

  it('shows an error page for a redirect URI the app did not register', async () => {
    const strict = await startSandbox({
      hubspot: {
        clients: { app: { secret: 's', redirectUris: ['https://app.example/callback'] } },
      },
    });
    try {
      const response = await fetch(
        `${strict.url}/hubspot/oauth/authorize?client_id=app&scope=oauth&redirect_uri=${encodeURIComponent(REDIRECT)}`,
        { redirect: 'manual' },
      );
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(await response.text()).toContain("doesn't match the app's registered redirect URL");
    } finally {
      await strict.close();
    }
  });

  it('keeps private-app tokens working without any OAuth', async () => {
    expect((await contacts(HUBSPOT_DEMO_TOKEN)).status).toBe(200);
  });
});
