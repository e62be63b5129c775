import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startTestJoinery, type TestJoinery } from '../test-harness.js';
import { TestBrowser, runConnectFlow } from './testing/browser.js';
import { startOAuthPeer, type OAuthPeer } from './testing/oauth-peer.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe.each(BACKENDS)('Connect page bad input on %s', (backend) => {
  let joinery: TestJoinery;
  let peer: OAuthPeer;

  async function integration(key: string, oauth: Record<string, unknown> = {}): Promise<void> {
    const put = await joinery.api('PUT', `/v1/integrations/${key}`, {
      connector: 'oauth2',
      baseUrl: peer.resourceUrl,
      allowPrivateNetwork: true,
      oauth: {
        clientId: peer.clientId,
        clientSecret: peer.clientSecret,
        scopes: ['api:read'],
        authorizationUrl: peer.authorizationUrl,
        tokenUrl: peer.tokenUrl,
        ...oauth,
      },
    });
    expect([200, 201]).toContain(put.status);
  }

  async function link(key: string, tenant: string): Promise<string> {
    const session = await joinery.api('POST', '/v1/connect-sessions', { integration: key, tenant });
    expect(session.status).toBe(201);
    return String(session.body.url);
  }

  async function connectionsOf(tenant: string): Promise<unknown[]> {
    const listed = await joinery.api('GET', `/v1/connections?tenant=${encodeURIComponent(tenant)}`);
    return listed.body.data as unknown[];
  }

  beforeAll(async () => {
    // Links expire after 3 s here, so the expired-link case does not wait 30 minutes.
    joinery = await startTestJoinery(backend, { oauth: { ttlMs: 3_000, reuseMarginMs: 0 } });
    peer = await startOAuthPeer({ redirectUris: [`${joinery.url}/oauth/callback`] });
    await integration('good');
  });
  afterAll(async () => {
    await joinery?.close();
    await peer?.close();
  });

  it('refuses bad session requests with the JSON path at fault', async () => {
    const noOAuth = await joinery.api('PUT', '/v1/integrations/plain', {
      connector: 'oauth2',
      baseUrl: peer.resourceUrl,
    });
    expect(noOAuth.body.error).toMatchObject({ code: 'invalid_input', path: 'body.oauth' });
    const noTokenUrl = await joinery.api('PUT', '/v1/integrations/plain', {
      connector: 'oauth2',
      baseUrl: peer.resourceUrl,
      oauth: { clientId: 'x', authorizationUrl: peer.authorizationUrl },
    });
    expect(noTokenUrl.body.error).toMatchObject({
      code: 'invalid_input',
      path: 'body.oauth.tokenUrl',
    });
    const unknown = await joinery.api('POST', '/v1/connect-sessions', {
      integration: 'nope',
      tenant: 'a',
    });
    expect(unknown.body.error).toMatchObject({ code: 'invalid_input', path: 'body.integration' });
    const scoped = await joinery.api(
      'POST',
      '/v1/connect-sessions',
      { integration: 'good', tenant: 'a' },
      { 'joinery-tenant': 'b' },
    );
    expect(scoped.body.error).toMatchObject({ code: 'invalid_input', path: 'body.tenant' });
    const stranger = await joinery.api('POST', '/v1/connect-sessions', {
      integration: 'good',
      tenant: 'a',
      connectionId: 'conn_nope',
    });
    expect(stranger.body.error).toMatchObject({ code: 'invalid_input', path: 'body.connectionId' });
    const unknownLink = await new TestBrowser().request(
      `${joinery.url}/connect/not-a-real-link-token-at-all`,
    );
    expect(unknownLink.status).toBe(404);
    expect(unknownLink.text).toContain('This link is not valid');
  });

  it('wrong client secret: a clear page, and no connection', async () => {
    await integration('wrong-secret', { clientSecret: 'not-the-secret' });
    const flow = await runConnectFlow(new TestBrowser(), await link('wrong-secret', 'ws'));
    expect(flow.result.text).toContain('The app&#39;s settings were refused');
    expect(flow.result.text).toContain(
      'did not accept this app&#39;s OAuth client ID or secret (invalid_client)',
    );
    expect(await connectionsOf('ws')).toEqual([]);
    // Client credentials with the wrong secret: refused before anything is stored.
    const cc = await joinery.api('POST', '/v1/connections', {
      integration: 'wrong-secret',
      tenant: 'ws',
      credentials: { type: 'oauth2_client_credentials' },
    });
    expect(cc.status).toBe(400);
    expect(cc.body.error).toMatchObject({ code: 'invalid_input', path: 'body.credentials' });
    expect(cc.body.error.message).toMatch(
      /refused integration "wrong-secret"'s OAuth client \(invalid_client.*Nothing was stored/,
    );
    expect(await connectionsOf('ws')).toEqual([]);
  });

  it('client credentials refused at renewal: needs_reauth, fails fast, and works again once the integration is fixed', async () => {
    await integration('cc');
    const created = await joinery.api('POST', '/v1/connections', {
      integration: 'cc',
      tenant: 'cc',
      credentials: { type: 'oauth2_client_credentials' },
    });
    expect(created.status).toBe(201);
    const id = String(created.body.id);
    await integration('cc', { clientSecret: 'rotated-elsewhere' });
    await new Promise((resolve) =>
      setTimeout(resolve, Date.parse(created.body.tokenExpiresAt) - Date.now() + 100),
    );
    const refused = await joinery.api('GET', `/v1/proxy/${id}/api/whoami`);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('auth_revoked');
    expect(refused.body.error.message).toMatch(/invalid_client.*After fixing the integration/);
    expect(refused.body.error.reconnectUrl).toBeUndefined();
    const state = await joinery.api('GET', `/v1/connections/${id}`);
    expect(state.body).toMatchObject({
      state: 'needs_reauth',
      lastError: { code: 'auth_revoked' },
    });
    const tokenRequests = peer.grants.length + peer.grantErrors.length;
    expect((await joinery.api('GET', `/v1/proxy/${id}/api/whoami`)).status).toBe(401);
    expect(peer.grants.length + peer.grantErrors.length).toBe(tokenRequests);
    await integration('cc');
    const working = await joinery.api('GET', `/v1/proxy/${id}/api/whoami`);
    expect(working.status).toBe(200);
    expect((await joinery.api('GET', `/v1/connections/${id}`)).body.state).toBe('healthy');
  });

  it('wrong token URL: a clear page, and no connection', async () => {
    await integration('wrong-url', { tokenUrl: `${peer.issuer}/no-such-token-endpoint` });
    const flow = await runConnectFlow(new TestBrowser(), await link('wrong-url', 'wu'));
    expect(flow.result.status).toBe(502);
    expect(flow.result.text).toContain('gave an answer that is not a token (answered 404)');
    expect(await connectionsOf('wu')).toEqual([]);
  });

  it('provider down while finishing: a clear page, no connection, and starting again works', async () => {
    const url = await link('good', 'down');
    const browser = new TestBrowser();
    peer.setTokenEndpoint('unreachable');
    let flow;
    try {
      flow = await runConnectFlow(browser, url);
    } finally {
      peer.setTokenEndpoint('up');
    }
    expect(flow.result.status).toBe(502);
    expect(flow.result.text).toContain('did not answer when Joinery tried to finish the sign-in');
    expect(flow.result.text).toContain(`href="${url}"`);
    expect(await connectionsOf('down')).toEqual([]);
    const retry = await runConnectFlow(browser, url);
    expect(retry.page.text).toContain('The last attempt did not work');
    expect(retry.result.status).toBe(200);
    expect(await connectionsOf('down')).toHaveLength(1);
  });

  it('access_denied: said in plain words, nothing connected, and the tenant can try again', async () => {
    const url = await link('good', 'denied');
    const browser = new TestBrowser();
    const denied = await runConnectFlow(browser, url, { decision: 'deny' });
    expect(denied.result.text).toContain('Access was not granted');
    expect(denied.result.text).toContain('nothing was connected');
    expect(denied.result.text).toContain('"error":"access_denied"');
    expect(await connectionsOf('denied')).toEqual([]);
    const allowed = await runConnectFlow(browser, url);
    expect(allowed.result.status).toBe(200);
    expect(await connectionsOf('denied')).toHaveLength(1);
  });

  it('a replayed state is refused and connects nothing more', async () => {
    const browser = new TestBrowser();
    const flow = await runConnectFlow(browser, await link('good', 'replay'));
    expect(flow.result.status).toBe(200);
    const replay = await browser.request(flow.callbackUrl);
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('This sign-in cannot be finished');
    expect(await connectionsOf('replay')).toHaveLength(1);
  });

  it('tampered callbacks are refused: state, code, issuer, missing state, another browser', async () => {
    const url = await link('good', 'tamper');
    const browser = new TestBrowser();
    const badState = await runConnectFlow(browser, url, {
      tamper: (callback) => {
        callback.searchParams.set('state', `${callback.searchParams.get('state')}x`);
        return callback;
      },
    });
    expect(badState.result.status).toBe(400);
    expect(badState.result.text).toContain('This sign-in cannot be finished');

    const badCode = await runConnectFlow(browser, url, {
      tamper: (callback) => {
        callback.searchParams.set('code', 'forged-code');
        return callback;
      },
    });
    expect(badCode.result.text).toContain('The sign-in could not be completed');
    expect(badCode.result.text).toContain('invalid_grant');

    const noState = await browser.request(`${joinery.url}/oauth/callback?code=abc`);
    expect(noState.status).toBe(400);
    expect(noState.text).toContain('The sign-in answer was not valid');

    // Finished in another browser (a stolen callback URL): refused, and the real one still works.
    let stolen = '';
    const other = await runConnectFlow(browser, url, {
      tamper: (callback) => {
        stolen = callback.toString();
        return new URL(`${joinery.url}/oauth/callback?state=unused`);
      },
    });
    expect(other.result.status).toBe(400);
    const thief = await new TestBrowser().request(stolen);
    expect(thief.status).toBe(400);
    expect(thief.text).toContain('started in another browser');
    expect(await connectionsOf('tamper')).toEqual([]);
    const own = await browser.request(stolen);
    expect(own.status).toBe(200);
    expect(await connectionsOf('tamper')).toHaveLength(1);

    // With the issuer configured, an answer naming another issuer is refused (RFC 9207).
    await integration('strict', { issuer: peer.issuer });
    const wrongIssuer = await runConnectFlow(new TestBrowser(), await link('strict', 'iss'), {
      tamper: (callback) => {
        callback.searchParams.set('iss', 'https://attacker.example');
        return callback;
      },
    });
    expect(wrongIssuer.result.text).toContain('does not check out');
    expect(await connectionsOf('iss')).toEqual([]);
    const rightIssuer = await runConnectFlow(new TestBrowser(), await link('strict', 'iss'));
    expect(rightIssuer.result.status).toBe(200);
  });

  it('an expired link is refused in words', async () => {
    const url = await link('good', 'late');
    await new Promise((resolve) => setTimeout(resolve, 3_200));
    const page = await new TestBrowser().request(url);
    expect(page.status).toBe(410);
    expect(page.text).toContain('This link has expired');
  });

  it('escapes every value it puts into HTML', async () => {
    const tenant = '<script>alert("x")</script>&"\'';
    const page = await new TestBrowser().request(await link('good', tenant));
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).toContain(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&quot;&#39;',
    );
  });

  it('leaves no secret anywhere: client secret, codes, access and refresh tokens', async () => {
    const [connection] = (await connectionsOf('replay')) as { id: string }[];
    expect((await joinery.api('GET', `/v1/proxy/${connection?.id}/api/whoami`)).status).toBe(200);
    await joinery.running.engine.requestLog.flush();
    const secrets = [peer.clientSecret, ...peer.issuedTokens];
    expect(peer.issuedTokens.length).toBeGreaterThan(5);
    // The recorded values are the real ones: the token the API was called with is among them.
    expect(peer.seenAccessTokens.size).toBeGreaterThan(0);
    for (const token of peer.seenAccessTokens) expect(peer.issuedTokens).toContain(token);
    for (const text of joinery.responses)
      for (const secret of secrets) expect(text).not.toContain(secret);
    for (const line of joinery.logs)
      for (const secret of secrets) expect(line).not.toContain(secret);
    for (const file of filesUnder(joinery.dataDir)) {
      const content = readFileSync(file);
      for (const secret of secrets) expect(content.includes(Buffer.from(secret)), file).toBe(false);
    }
    if (joinery.databaseUrl) {
      const client = new pg.Client({ connectionString: joinery.databaseUrl });
      await client.connect();
      try {
        for (const table of ['connections', 'integrations', 'connect_sessions', 'events']) {
          const rows = await client.query<{ row: string }>(
            `SELECT row_to_json(t)::text AS row FROM ${table} t`,
          );
          expect(rows.rows.length, table).toBeGreaterThan(0);
          for (const { row } of rows.rows)
            for (const secret of secrets) expect(row).not.toContain(secret);
        }
      } finally {
        await client.end();
      }
    }
  });
});
