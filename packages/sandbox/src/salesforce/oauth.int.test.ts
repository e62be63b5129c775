import { createHmac } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.js';
import {
  SALESFORCE_DEMO_CLIENT_ID,
  SALESFORCE_DEMO_CLIENT_SECRET,
  SALESFORCE_DEMO_TOKEN,
} from './options.js';

const REDIRECT = 'http://127.0.0.1:9/salesforce/callback';
let sandbox: Sandbox;
let base: string;
beforeAll(async () => {
  sandbox = await startSandbox({ salesforce: { sessionTimeoutSeconds: 1 } });
  base = `${sandbox.url}/salesforce`;
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

async function authorize(extra: Record<string, string> = {}) {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: SALESFORCE_DEMO_CLIENT_ID,
    redirect_uri: REDIRECT,
    state: 's-42',
    ...extra,
  });
  const response = await fetch(`${base}/services/oauth2/authorize?${query.toString()}`, {
    redirect: 'manual',
  });
  return { response, location: new URL(response.headers.get('location') ?? 'http://invalid/') };
}

const tokenRequest = (fields: Record<string, string>) =>
  fetch(`${base}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: SALESFORCE_DEMO_CLIENT_ID,
      client_secret: SALESFORCE_DEMO_CLIENT_SECRET,
      ...fields,
    }).toString(),
  });

interface TokenAnswer {
  access_token: string;
  refresh_token?: string;
  instance_url: string;
  id: string;
  issued_at: string;
  signature: string;
  token_type: string;
  scope: string;
}

async function connect(): Promise<TokenAnswer> {
  const { location } = await authorize();
  const response = await tokenRequest({
    grant_type: 'authorization_code',
    code: location.searchParams.get('code') ?? '',
    redirect_uri: REDIRECT,
  });
  expect(response.status).toBe(200);
  return (await response.json()) as TokenAnswer;
}

const limits = (accessToken: string, instanceUrl = base) =>
  fetch(`${instanceUrl}/services/data/v62.0/limits`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });

describe('Salesforce OAuth web server flow', () => {
  it('redirects back with a code and the state', async () => {
    const { response, location } = await authorize();
    expect(response.status).toBe(302);
    expect(location.searchParams.get('state')).toBe('s-42');
    expect(location.searchParams.get('code')).toMatch(/^aPrx[\w.]+==$/);
  });

  it('exchanges the code for a session: instance_url, id, issued_at, a valid signature, no expires_in', async () => {
    const answer = await connect();
    expect(answer).toMatchObject({
      token_type: 'Bearer',
      instance_url: base,
      scope: 'api refresh_token',
    });
    expect(answer).not.toHaveProperty('expires_in');
    expect(answer.access_token).toMatch(/^00D5g000004SbXC!AQ/);
    expect(answer.refresh_token).toMatch(/^5Aep861/);
    expect(answer.id).toMatch(new RegExp(`^${base}/id/00D5g000004SbXC[A-Z0-5]{3}/0055g\\w{13}$`));
    expect(Math.abs(Number(answer.issued_at) - Date.now())).toBeLessThan(5000);
    const expected = createHmac('sha256', SALESFORCE_DEMO_CLIENT_SECRET)
      .update(answer.id + answer.issued_at)
      .digest('base64');
    expect(answer.signature).toBe(expected);

    // The instance URL and the identity URL both work with the token.
    expect((await limits(answer.access_token, answer.instance_url)).status).toBe(200);
    const identity = await fetch(answer.id, {
      headers: { authorization: `Bearer ${answer.access_token}` },
    });
    expect(await identity.json()).toMatchObject({
      username: 'admin@joinery-sandbox.example',
      active: true,
    });
  });

  it('refreshes without returning a refresh token, and the old session keeps working', async () => {
    const first = await connect();
    const refreshed = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token ?? '',
    });
    expect(refreshed.status).toBe(200);
    const body = (await refreshed.json()) as TokenAnswer;
    expect(body).not.toHaveProperty('refresh_token');
    expect(body.access_token).not.toBe(first.access_token);
    expect((await limits(body.access_token)).status).toBe(200);
    expect((await limits(first.access_token)).status).toBe(200);
  });

  it.each([
    [{ grant_type: 'password' }, 'unsupported_grant_type', 'grant type not supported'],
    [{ client_id: 'nobody' }, 'invalid_client_id', 'client identifier invalid'],
    [{ client_secret: 'wrong' }, 'invalid_client', 'invalid client credentials'],
    [{ code: 'aPrxmadeup==' }, 'invalid_grant', 'authentication failure'],
    [
      { redirect_uri: 'http://127.0.0.1:9/other' },
      'redirect_uri_mismatch',
      'redirect_uri must match configuration',
    ],
  ])('refuses %j with 400 {"error":"%s"}', async (override, error, description) => {
    const { location } = await authorize();
    const response = await tokenRequest({
      grant_type: 'authorization_code',
      code: location.searchParams.get('code') ?? '',
      redirect_uri: REDIRECT,
      ...override,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error, error_description: description });
  });

  it('uses a code once', async () => {
    const { location } = await authorize();
    const code = location.searchParams.get('code') ?? '';
    expect(
      (await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }))
        .status,
    ).toBe(200);
    const again = await tokenRequest({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
    });
    expect(await again.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'authentication failure',
    });
  });

  it('redirects with error=access_denied when the user denies (?sandbox_deny=1 or a 3xx fault)', async () => {
    const denied = await authorize({ sandbox_deny: '1' });
    expect(denied.location.searchParams.get('error')).toBe('access_denied');
    expect(denied.location.searchParams.get('error_description')).toBe(
      'end-user denied authorization',
    );
    expect(denied.location.searchParams.get('state')).toBe('s-42');
    sandbox.faults.add({
      provider: 'salesforce',
      path: '/services/oauth2/authorize',
      fault: { kind: 'status', status: 302 },
    });
    expect((await authorize()).location.searchParams.get('error')).toBe('access_denied');
  });
});

describe('Salesforce sessions', () => {
  const invalid = [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }];

  it.each([
    ['no token', {}],
    ['a made-up token', { authorization: 'Bearer 00D000000000000!nope' }],
  ])('answers %s with 401 INVALID_SESSION_ID', async (_name, headers) => {
    const response = await fetch(`${base}/services/data/v62.0/sobjects`, { headers });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Token');
    expect(await response.json()).toEqual(invalid);
  });

  it('ends a session after the inactivity timeout, and each call restarts the clock', async () => {
    const { access_token: accessToken } = await connect();
    await delay(600);
    expect((await limits(accessToken)).status).toBe(200); // 0.6 s idle: alive, clock restarted
    await delay(600);
    expect((await limits(accessToken)).status).toBe(200); // 1.2 s since login, 0.6 s idle
    await delay(1100);
    const expired = await limits(accessToken);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual(invalid);
    // The configured demo session is kept alive.
    expect((await limits(SALESFORCE_DEMO_TOKEN)).status).toBe(200);
  });

  it('revoking the refresh token ends its sessions; revoking an access token ends only that one', async () => {
    const first = await connect();
    const second = (await (
      await tokenRequest({ grant_type: 'refresh_token', refresh_token: first.refresh_token ?? '' })
    ).json()) as TokenAnswer;
    const other = await connect();

    const revokeAccess = await fetch(`${base}/services/oauth2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${encodeURIComponent(other.access_token)}`,
    });
    expect(revokeAccess.status).toBe(200);
    expect((await limits(other.access_token)).status).toBe(401);

    const revokeRefresh = await fetch(
      `${base}/services/oauth2/revoke?token=${encodeURIComponent(first.refresh_token ?? '')}`,
    );
    expect(revokeRefresh.status).toBe(200);
    expect((await limits(first.access_token)).status).toBe(401);
    expect((await limits(second.access_token)).status).toBe(401);
    const refresh = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token ?? '',
    });
    expect(await refresh.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'expired access/refresh token',
    });

    const unknown = await fetch(`${base}/services/oauth2/revoke?token=nope`);
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({
      error: 'unsupported_token_type',
      error_description: 'this token type is not supported',
    });
  });
});
