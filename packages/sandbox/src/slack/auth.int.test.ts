import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.js';
import {
  SLACK_DEMO_CLIENT_ID,
  SLACK_DEMO_CLIENT_SECRET,
  SLACK_DEMO_TOKEN,
  SLACK_INACTIVE_TOKEN,
} from './options.js';

let sandbox: Sandbox;
let api: string;
beforeAll(async () => {
  sandbox = await startSandbox({
    slack: { botTokens: [SLACK_DEMO_TOKEN, 'xoxb-second-token'] },
  });
  api = `${sandbox.url}/slack/api`;
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});
const withToken = (token: string) => ({ authorization: `Bearer ${token}` });

describe('Slack authentication', () => {
  it('answers HTTP 200 with ok:false "not_authed" when no token is sent', async () => {
    const response = await fetch(`${api}/auth.test`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({ ok: false, error: 'not_authed' });
  });

  it('answers an unknown token with "invalid_auth", from the header or the form', async () => {
    const header = await fetch(`${api}/auth.test`, {
      method: 'POST',
      headers: withToken('xoxb-not-a-real-token'),
    });
    expect(await header.json()).toEqual({ ok: false, error: 'invalid_auth' });
    const field = await fetch(`${api}/auth.test`, form({ token: 'xoxb-nope' }));
    expect(await field.json()).toEqual({ ok: false, error: 'invalid_auth' });
  });

  it('does not read a token from the query string or a JSON body', async () => {
    const query = await fetch(`${api}/auth.test?token=${SLACK_DEMO_TOKEN}`);
    expect(await query.json()).toEqual({ ok: false, error: 'not_authed' });
    const json = await fetch(`${api}/auth.test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ token: SLACK_DEMO_TOKEN }),
    });
    expect(await json.json()).toEqual({ ok: false, error: 'not_authed' });
  });

  it('tells a good token who it is, by header (GET or POST) or form field', async () => {
    for (const init of [
      { headers: withToken(SLACK_DEMO_TOKEN) },
      { method: 'POST', headers: withToken(SLACK_DEMO_TOKEN) },
      form({ token: SLACK_DEMO_TOKEN }),
    ]) {
      const response = await fetch(`${api}/auth.test`, init);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        ok: true,
        url: 'https://joinery-sandbox.slack.com/',
        team: 'Joinery Sandbox',
        user: 'joinery-bot',
        team_id: 'T1000000001',
        user_id: 'U2000000001',
        bot_id: 'B2000000001',
        is_enterprise_install: false,
      });
      expect(response.headers.get('x-oauth-scopes')).toContain('chat:write');
      expect(response.headers.get('x-slack-req-id')).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it('answers "token_revoked" for every call after auth.revoke, and only for that token', async () => {
    const test = await fetch(`${api}/auth.revoke?test=1`, {
      method: 'POST',
      headers: withToken('xoxb-second-token'),
    });
    expect(await test.json()).toEqual({ ok: true, revoked: false });
    const revoke = await fetch(`${api}/auth.revoke`, {
      method: 'POST',
      headers: withToken('xoxb-second-token'),
    });
    expect(await revoke.json()).toEqual({ ok: true, revoked: true });

    for (const method of ['auth.test', 'users.list', 'chat.postMessage']) {
      const response = await fetch(`${api}/${method}`, {
        method: 'POST',
        headers: withToken('xoxb-second-token'),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: false, error: 'token_revoked' });
    }
    const other = await fetch(`${api}/auth.test`, { headers: withToken(SLACK_DEMO_TOKEN) });
    expect(((await other.json()) as { ok: boolean }).ok).toBe(true);

    sandbox.reset(); // configured tokens come back
    const again = await fetch(`${api}/auth.test`, { headers: withToken('xoxb-second-token') });
    expect(((await again.json()) as { ok: boolean }).ok).toBe(true);
  });

  it('answers a deactivated member\'s token with "account_inactive"', async () => {
    const response = await fetch(`${api}/auth.test`, { headers: withToken(SLACK_INACTIVE_TOKEN) });
    expect(await response.json()).toEqual({ ok: false, error: 'account_inactive' });
  });

  it('answers a token without the scope with "missing_scope", naming needed and provided', async () => {
    // An OAuth install that asked only for chat:write cannot list users.
    const authorize = await fetch(
      `${sandbox.url}/slack/oauth/v2/authorize?client_id=${SLACK_DEMO_CLIENT_ID}&scope=chat:write&redirect_uri=http://127.0.0.1/cb`,
      { redirect: 'manual' },
    );
    const code = new URL(authorize.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const access = (await (
      await fetch(
        `${api}/oauth.v2.access`,
        form({
          client_id: SLACK_DEMO_CLIENT_ID,
          client_secret: SLACK_DEMO_CLIENT_SECRET,
          code,
          redirect_uri: 'http://127.0.0.1/cb',
        }),
      )
    ).json()) as { access_token: string };
    const users = await fetch(`${api}/users.list`, { headers: withToken(access.access_token) });
    expect(users.status).toBe(200);
    expect(await users.json()).toEqual({
      ok: false,
      error: 'missing_scope',
      needed: 'users:read',
      provided: 'chat:write',
    });
    expect(users.headers.get('x-accepted-oauth-scopes')).toBe('users:read');
  });

  it('answers an unknown method with HTTP 404 "unknown_method"', async () => {
    const response = await fetch(`${api}/chat.nope`, { headers: withToken(SLACK_DEMO_TOKEN) });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      ok: false,
      error: 'unknown_method',
      req_method: 'chat.nope',
    });
  });

  it('records who called, with tokens in headers and forms as fingerprints', async () => {
    await (await fetch(`${api}/auth.test`, form({ token: SLACK_DEMO_TOKEN }))).arrayBuffer();
    await (await fetch(`${api}/auth.test`, { headers: withToken(SLACK_DEMO_TOKEN) })).arrayBuffer();
    const [byForm, byHeader] = sandbox.requests;
    expect(JSON.stringify(sandbox.requests)).not.toContain(SLACK_DEMO_TOKEN);
    expect(byForm).toMatchObject({ provider: 'slack', tokenLogin: 'joinery-bot', status: 200 });
    expect(byForm?.body).toEqual({
      token: expect.stringMatching(/^sha256:[0-9a-f]{16}$/) as unknown,
    });
    expect(byHeader?.headers['authorization']).toMatch(/^Bearer sha256:[0-9a-f]{16}$/);
    expect(sandbox.count('POST', '/slack/api/auth.test')).toBe(1);
  });
});
