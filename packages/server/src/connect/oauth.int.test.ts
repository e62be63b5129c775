import { recordEvidence } from '@joinery/connectors/testing/evidence';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startTestJoinery, type TestJoinery } from '../test-harness.js';
import { TestBrowser, runConnectFlow } from './testing/browser.js';
import { startOAuthPeer, type OAuthPeer } from './testing/oauth-peer.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds, at most `timeoutMs`. */
async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) return value;
    await sleep(100);
  }
}

describe.each(BACKENDS)('managed OAuth against oidc-provider on %s', (backend) => {
  let joinery: TestJoinery;
  let peer: OAuthPeer;

  recordEvidence({
    connector: 'oauth2',
    suite: `oauth2.oidc-provider.${backend}`,
    kind: 'auth',
    target: () => ({ kind: 'sandbox', baseUrl: peer.tokenUrl }),
  });

  const grantsOf = (type: string) => peer.grants.filter((grant) => grant.type === type).length;
  const whoami = (id: string) => joinery.api('GET', `/v1/proxy/${id}/api/whoami`);
  const viaAction = (id: string) =>
    joinery.api('POST', `/v1/connections/${id}/actions/request`, {
      input: { path: '/api/whoami' },
    });

  async function connect(tenant: string, login: string): Promise<string> {
    const session = await joinery.api('POST', '/v1/connect-sessions', {
      integration: 'acme-api',
      tenant,
    });
    const flow = await runConnectFlow(new TestBrowser(), session.body.url, { login });
    expect(flow.result.status).toBe(200);
    const listed = await joinery.api('GET', `/v1/connections?tenant=${tenant}`);
    expect(listed.body.data).toHaveLength(1);
    return String(listed.body.data[0].id);
  }

  beforeAll(async () => {
    // A 1-second scheduler, so renewals ahead of 5-second expiries happen in the background too.
    joinery = await startTestJoinery(backend, {}, { JOINERY_TOKEN_REFRESH_INTERVAL_MS: '1000' });
    peer = await startOAuthPeer({ redirectUris: [`${joinery.url}/oauth/callback`] });
    const put = await joinery.api('PUT', '/v1/integrations/acme-api', {
      connector: 'oauth2',
      baseUrl: peer.resourceUrl,
      allowPrivateNetwork: true,
      oauth: {
        clientId: peer.clientId,
        clientSecret: peer.clientSecret,
        scopes: ['api:read'],
        authorizationUrl: peer.authorizationUrl,
        tokenUrl: peer.tokenUrl,
      },
    });
    expect(put.status).toBe(201);
    expect(put.body.oauth).toMatchObject({
      clientId: peer.clientId,
      hasClientSecret: true,
      redirectUri: `${joinery.url}/oauth/callback`,
    });
    expect(put.text).not.toContain(peer.clientSecret);
  });
  afterAll(async () => {
    await joinery?.close();
    await peer?.close();
  });

  it('runs the authorization code flow with PKCE end to end through the Connect page and callback', async () => {
    const session = await joinery.api('POST', '/v1/connect-sessions', {
      integration: 'acme-api',
      tenant: 'acme',
      origin: 'https://app.example.com/settings',
    });
    expect(session.status).toBe(201);
    expect(session.body.url).toMatch(new RegExp(`^${joinery.url}/connect/[A-Za-z0-9_-]{43}$`));
    const ttl = Date.parse(session.body.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(29 * 60_000);
    expect(ttl).toBeLessThanOrEqual(30 * 60_000);

    const flow = await runConnectFlow(new TestBrowser(), session.body.url, { login: 'alice' });
    // The page names the app and the scopes before anything happens.
    expect(flow.page.text).toContain('Connect your OAuth 2.0 API account');
    expect(flow.page.text).toContain('<code>api:read</code>');
    expect(flow.page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    // PKCE S256 and a state, to the exact redirect URI.
    const authorize = new URL(flow.authorizationUrl);
    expect(authorize.origin + authorize.pathname).toBe(peer.authorizationUrl);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${joinery.url}/oauth/callback`);
    expect(authorize.searchParams.get('scope')).toBe('api:read');

    expect(flow.result.status).toBe(200);
    expect(flow.result.text).toContain('Connected');
    // The popup tells its opener, at the app's origin only.
    expect(flow.result.text).toContain('"type":"joinery:connect"');
    expect(flow.result.text).toContain('"https://app.example.com"');

    const listed = await joinery.api('GET', '/v1/connections?tenant=acme');
    expect(listed.body.data).toHaveLength(1);
    const connection = listed.body.data[0];
    expect(connection).toMatchObject({
      integration: 'acme-api',
      connector: 'oauth2',
      authType: 'oauth2',
      state: 'healthy',
    });
    const expiresIn = Date.parse(connection.tokenExpiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(0);
    expect(expiresIn).toBeLessThanOrEqual(5_000);
    expect(grantsOf('authorization_code')).toBe(1);

    const call = await whoami(connection.id);
    expect(call.status).toBe(200);
    expect(call.body).toMatchObject({ sub: 'alice', clientId: peer.clientId, scope: 'api:read' });

    const events = await joinery.api('GET', `/v1/events?connection=${connection.id}`);
    expect(events.body.data.map((e: { type: string }) => e.type)).toEqual(['connection.created']);

    // The link is single-use.
    const again = await new TestBrowser().request(session.body.url);
    expect(again.status).toBe(410);
    expect(again.text).toContain('This link was already used');
  });

  it('keeps calls working across many expiries: renewals ahead of expiry, by the scheduler, and once after a 401', async ({
    task,
  }) => {
    task.meta.proves = ['auth_renewal'];
    const id = await connect('initech', 'ian');
    const refreshesBefore = grantsOf('refresh_token');
    const rejectedBefore = peer.resource.rejected;
    const until = Date.now() + 17_000; // more than three 5-second lifetimes
    let calls = 0;
    for (let i = 0; Date.now() < until; i++) {
      const answer = i % 2 === 0 ? await whoami(id) : await viaAction(id);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      if (i % 2 === 1)
        expect(answer.body.output).toMatchObject({ status: 200, body: { sub: 'ian' } });
      calls++;
      await sleep(200);
    }
    expect(calls).toBeGreaterThan(40);
    // Renewed ahead of expiry: no call was ever refused by the resource for an expired token.
    expect(peer.resource.rejected).toBe(rejectedBefore);
    expect(grantsOf('refresh_token') - refreshesBefore).toBeGreaterThanOrEqual(3);

    // The provider refuses a still-valid token: one renewal, then the call is sent once more.
    const refreshes = grantsOf('refresh_token');
    peer.rejectNextResourceCalls(1);
    const answer = await viaAction(id);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    // At least the renewal the 401 asked for; the scheduler may renew ahead of expiry meanwhile.
    expect(grantsOf('refresh_token')).toBeGreaterThanOrEqual(refreshes + 1);
    expect(grantsOf('refresh_token')).toBeLessThanOrEqual(refreshes + 2);
    expect(peer.resource.rejected).toBe(rejectedBefore + 1);

    expect(peer.revokedGrants).toEqual([]);
    expect(peer.grantErrors).toEqual([]);
    const connection = await joinery.api('GET', `/v1/connections/${id}`);
    expect(connection.body.state).toBe('healthy');
  });

  it('renews client-credentials tokens before they expire', async ({ task }) => {
    task.meta.proves = ['auth_renewal'];
    const grantsBefore = grantsOf('client_credentials');
    const created = await joinery.api('POST', '/v1/connections', {
      integration: 'acme-api',
      tenant: 'service',
      credentials: { type: 'oauth2_client_credentials' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ authType: 'oauth2_client_credentials', state: 'healthy' });
    expect(Date.parse(created.body.tokenExpiresAt)).toBeGreaterThan(Date.now());
    const rejectedBefore = peer.resource.rejected;
    const until = Date.now() + 12_000;
    while (Date.now() < until) {
      const answer = await whoami(created.body.id);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.clientId).toBe(peer.clientId);
      await sleep(300);
    }
    // Re-requested before expiry, never after a refusal.
    expect(grantsOf('client_credentials') - grantsBefore).toBeGreaterThanOrEqual(3);
    expect(peer.resource.rejected).toBe(rejectedBefore);
  });

  it('ends a revoked grant in needs_reauth: calls fail fast with a reconnect link, and reconnecting keeps the id', async ({
    task,
  }) => {
    task.meta.proves = ['errors', 'faults'];
    const id = await connect('globex', 'bob');
    expect((await whoami(id)).status).toBe(200);
    await peer.revokeGrantsOf('bob');

    // The next renewal is refused with invalid_grant; from then on every call fails with auth_revoked.
    const failed = await eventually(
      () => viaAction(id),
      (answer) => answer.status !== 200,
      12_000,
    );
    expect(failed.status).toBe(401);
    expect(failed.body.error).toMatchObject({
      code: 'auth_revoked',
      retryable: false,
      connectionId: id,
    });
    expect(failed.body.error.message).toMatch(
      /needs re-authorisation.*invalid_grant.*Send tenant "globex" this link/,
    );
    const reconnectUrl: string = failed.body.error.reconnectUrl;
    expect(reconnectUrl).toMatch(new RegExp(`^${joinery.url}/connect/`));

    const connection = await joinery.api('GET', `/v1/connections/${id}`);
    expect(connection.body).toMatchObject({
      state: 'needs_reauth',
      lastError: { code: 'auth_revoked' },
    });
    expect(connection.body.lastError.message).toContain('invalid_grant');
    expect(connection.body.reconnectUrl).toBe(reconnectUrl);

    // Fast: nothing reaches the provider or the API any more, and the same link is handed out.
    const resourceCalls = peer.resource.ok + peer.resource.rejected;
    const tokenRequests = peer.grants.length + peer.grantErrors.length;
    for (const answer of [await whoami(id), await viaAction(id)]) {
      expect(answer.status).toBe(401);
      expect(answer.body.error).toMatchObject({ code: 'auth_revoked', reconnectUrl });
    }
    expect(peer.resource.ok + peer.resource.rejected).toBe(resourceCalls);
    expect(peer.grants.length + peer.grantErrors.length).toBe(tokenRequests);

    const events = await joinery.api(
      'GET',
      `/v1/events?connection=${id}&type=connection.needs_reauth`,
    );
    expect(events.body.data).toHaveLength(1);
    expect(events.body.data[0].data).toMatchObject({ code: 'auth_revoked', reconnectUrl });

    // The tenant follows the link and signs in again: same connection, working again.
    const flow = await runConnectFlow(new TestBrowser(), reconnectUrl, { login: 'bob' });
    expect(flow.page.text).toContain('Reconnect your OAuth 2.0 API account');
    expect(flow.page.text).toContain('stopped working');
    expect(flow.result.status).toBe(200);
    expect(flow.result.text).toContain('Reconnected');
    const after = await joinery.api('GET', `/v1/connections/${id}`);
    expect(after.body).toMatchObject({ id, state: 'healthy', lastError: null });
    expect(after.body.reconnectUrl).toBeUndefined();
    expect((await joinery.api('GET', '/v1/connections?tenant=globex')).body.data).toHaveLength(1);
    const working = await viaAction(id);
    expect(working.status).toBe(200);
    expect(working.body.output.body.sub).toBe('bob');
    const types = (await joinery.api('GET', `/v1/events?connection=${id}`)).body.data.map(
      (e: { type: string }) => e.type,
    );
    expect(types).toEqual([
      'connection.reauthorized',
      'connection.needs_reauth',
      'connection.created',
    ]);
  });

  it('keeps using the current token while the token endpoint is down, degrades (not needs_reauth), and recovers', async ({
    task,
  }) => {
    task.meta.proves = ['faults'];
    const id = await connect('umbrella', 'carol');
    peer.setTokenEndpoint('unavailable');
    try {
      const degraded = await eventually(
        () => joinery.api('GET', `/v1/connections/${id}`),
        (answer) => answer.body.state === 'degraded',
      );
      expect(degraded.body.state).toBe('degraded');
      expect(degraded.body.lastError.code).toBe('provider_unavailable');
      const expiresAt = Date.parse(degraded.body.tokenExpiresAt);
      if (expiresAt - Date.now() > 500) {
        // The old token is still valid, so calls still work.
        const stillWorking = await whoami(id);
        expect(stillWorking.status).toBe(200);
      }
      await sleep(Math.max(0, expiresAt - Date.now()) + 200);
      const failing = await viaAction(id);
      expect(failing.status).toBe(502);
      expect(failing.body.error).toMatchObject({ code: 'provider_unavailable', retryable: true });
      peer.setTokenEndpoint('unreachable');
      const unreachable = await whoami(id);
      expect(unreachable.status).toBe(502);
      expect(unreachable.body.error.code).toBe('provider_unavailable');
      const state = await joinery.api('GET', `/v1/connections/${id}`);
      expect(state.body.state).toBe('degraded');
      const events = await joinery.api(
        'GET',
        `/v1/events?connection=${id}&type=connection.refresh_failed`,
      );
      expect(events.body.data.length).toBeGreaterThanOrEqual(1);
      expect(events.body.data[0].data.code).toBe('provider_unavailable');
    } finally {
      peer.setTokenEndpoint('up');
    }
    const recovered = await viaAction(id);
    expect(recovered.status, JSON.stringify(recovered.body)).toBe(200);
    const after = await joinery.api('GET', `/v1/connections/${id}`);
    expect(after.body).toMatchObject({ state: 'healthy', lastError: null });
    expect(peer.revokedGrants).toEqual([]);
  });
});
