import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.js';
import { SLACK_DEMO_CLIENT_ID, SLACK_DEMO_CLIENT_SECRET } from './options.js';

const REDIRECT = 'http://127.0.0.1:9/slack/callback?from=test';
let plain: Sandbox;
let rotating: Sandbox;
beforeAll(async () => {
  plain = await startSandbox();
  rotating = await startSandbox({ slack: { tokenRotation: { expiresInSeconds: 1 } } });
});
afterAll(async () => {
  await plain.close();
  await rotating.close();
});
beforeEach(() => {
  plain.reset();
  rotating.reset();
});

const form = (fields: Record<string, string>, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(fields).toString(),
});
const basic = `Basic ${Buffer.from(`${SLACK_DEMO_CLIENT_ID}:${SLACK_DEMO_CLIENT_SECRET}`).toString('base64')}`;

/** Runs the browser leg: GET authorize without following the redirect. */
async function authorize(sandbox: Sandbox, extra: Record<string, string> = {}) {
  const query = new URLSearchParams({
    client_id: SLACK_DEMO_CLIENT_ID,
    scope: 'chat:write,channels:read',
    redirect_uri: REDIRECT,
    state: 'xyz-123',
    ...extra,
  });
  const response = await fetch(`${sandbox.url}/slack/oauth/v2/authorize?${query.toString()}`, {
    redirect: 'manual',
  });
  return { response, location: new URL(response.headers.get('location') ?? 'http://invalid/') };
}

const access = async (sandbox: Sandbox, fields: Record<string, string>, headers = {}) => {
  const response = await fetch(`${sandbox.url}/slack/api/oauth.v2.access`, form(fields, headers));
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
};
const authTest = async (sandbox: Sandbox, token: string) =>
  (await (
    await fetch(`${sandbox.url}/slack/api/auth.test`, {
      headers: { authorization: `Bearer ${token}` },
    })
  ).json()) as { ok: boolean; error?: string };

describe('Slack OAuth v2', () => {
  it("redirects back with a code and the state, keeping the redirect URI's own query", async () => {
    const { response, location } = await authorize(plain);
    expect(response.status).toBe(302);
    expect(`${location.origin}${location.pathname}`).toBe('http://127.0.0.1:9/slack/callback');
    expect(location.searchParams.get('from')).toBe('test');
    expect(location.searchParams.get('state')).toBe('xyz-123');
    expect(location.searchParams.get('code')).toMatch(/^1000000001\.\d{13}\.[0-9a-f]{64}$/);
  });

  it('exchanges the code once for a bot token that works (client credentials by Basic auth)', async () => {
    const { location } = await authorize(plain);
    const code = location.searchParams.get('code') ?? '';
    const body = await access(
      plain,
      { grant_type: 'authorization_code', code, redirect_uri: REDIRECT },
      { authorization: basic },
    );
    expect(body).toEqual({
      ok: true,
      access_token: expect.stringMatching(/^xoxb-1000000001-\d{13}-[A-Za-z0-9]{24}$/) as unknown,
      token_type: 'bot',
      scope: 'chat:write,channels:read',
      bot_user_id: 'U2000000001',
      app_id: 'A3000000001',
      team: { name: 'Joinery Sandbox', id: 'T1000000001' },
      enterprise: null,
      authed_user: { id: 'U0000000101' },
      is_enterprise_install: false,
    });
    expect(await authTest(plain, String(body['access_token']))).toMatchObject({ ok: true });

    const again = await access(plain, {
      client_id: SLACK_DEMO_CLIENT_ID,
      client_secret: SLACK_DEMO_CLIENT_SECRET,
      code,
      redirect_uri: REDIRECT,
    });
    expect(again).toEqual({ ok: false, error: 'invalid_code' });
    // The secret and code never reach the request log in clear.
    const logged = JSON.stringify(plain.requests);
    expect(logged).not.toContain(code);
    expect(logged).not.toContain(SLACK_DEMO_CLIENT_SECRET);
  });

  it.each([
    [{ client_id: 'nobody' }, 'invalid_client_id'],
    [{ client_secret: 'wrong' }, 'bad_client_secret'],
    [{ redirect_uri: 'http://127.0.0.1:9/elsewhere' }, 'bad_redirect_uri'],
    [{ code: 'made-up' }, 'invalid_code'],
    [{ grant_type: 'password' }, 'invalid_grant_type'],
  ])('refuses %j with HTTP 200 and "%s"', async (override, error) => {
    const { location } = await authorize(plain);
    const body = await access(plain, {
      client_id: SLACK_DEMO_CLIENT_ID,
      client_secret: SLACK_DEMO_CLIENT_SECRET,
      code: location.searchParams.get('code') ?? '',
      redirect_uri: REDIRECT,
      ...override,
    });
    expect(body).toEqual({ ok: false, error });
  });

  it('redirects with error=access_denied when the member declines (?sandbox_deny=1 or a 3xx fault)', async () => {
    const declined = await authorize(plain, { sandbox_deny: '1' });
    expect(declined.response.status).toBe(302);
    expect(declined.location.searchParams.get('error')).toBe('access_denied');
    expect(declined.location.searchParams.get('state')).toBe('xyz-123');
    expect(declined.location.searchParams.has('code')).toBe(false);

    plain.faults.add({
      provider: 'slack',
      path: '/oauth/v2/authorize',
      fault: { kind: 'status', status: 302 },
    });
    const faulted = await authorize(plain);
    expect(faulted.location.searchParams.get('error')).toBe('access_denied');
    expect((await authorize(plain)).location.searchParams.has('code')).toBe(true);
  });

  it('shows an error page, not a redirect, for an unknown client', async () => {
    const { response } = await authorize(plain, { client_id: 'nobody' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('invalid_client_id');
  });

  it('with rotation: issues expiring xoxe tokens, answers "token_expired", and refreshes once per refresh token', async () => {
    const { location } = await authorize(rotating);
    const first = await access(rotating, {
      client_id: SLACK_DEMO_CLIENT_ID,
      client_secret: SLACK_DEMO_CLIENT_SECRET,
      code: location.searchParams.get('code') ?? '',
      redirect_uri: REDIRECT,
    });
    expect(first).toMatchObject({
      ok: true,
      token_type: 'bot',
      expires_in: 1,
      access_token: expect.stringMatching(/^xoxe\.xoxb-1-[A-Z0-9]{40}$/) as unknown,
      refresh_token: expect.stringMatching(/^xoxe-1-[A-Z0-9]{48}$/) as unknown,
    });
    const accessToken = String(first['access_token']);
    const refreshToken = String(first['refresh_token']);
    expect(await authTest(rotating, accessToken)).toMatchObject({ ok: true });

    await delay(1100);
    expect(await authTest(rotating, accessToken)).toEqual({ ok: false, error: 'token_expired' });

    const refreshed = await access(
      rotating,
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      { authorization: basic },
    );
    expect(refreshed).toMatchObject({ ok: true, token_type: 'bot', expires_in: 1 });
    expect(refreshed).not.toHaveProperty('authed_user');
    expect(refreshed['refresh_token']).not.toBe(refreshToken);
    expect(await authTest(rotating, String(refreshed['access_token']))).toMatchObject({ ok: true });

    // The used refresh token is spent: a second use (the refresh race) fails.
    const reused = await access(
      rotating,
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      { authorization: basic },
    );
    expect(reused).toEqual({ ok: false, error: 'invalid_refresh_token' });
  });

  it('with rotation: revoking the access token revokes its refresh token too', async () => {
    const { location } = await authorize(rotating);
    const first = await access(
      rotating,
      { code: location.searchParams.get('code') ?? '', redirect_uri: REDIRECT },
      { authorization: basic },
    );
    const revoke = await fetch(`${rotating.url}/slack/api/auth.revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${String(first['access_token'])}` },
    });
    expect(await revoke.json()).toEqual({ ok: true, revoked: true });
    expect(await authTest(rotating, String(first['access_token']))).toEqual({
      ok: false,
      error: 'token_revoked',
    });
    const refreshed = await access(
      rotating,
      { grant_type: 'refresh_token', refresh_token: String(first['refresh_token']) },
      { authorization: basic },
    );
    expect(refreshed).toEqual({ ok: false, error: 'invalid_refresh_token' });
  });
});
