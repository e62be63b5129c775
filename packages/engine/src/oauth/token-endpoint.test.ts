import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JoineryError } from '../errors.js';
import { Secret } from '../secret.js';
import { resolveProviderSpec, type OAuthProviderSpec } from './provider-spec.js';
import {
  TokenEndpointError,
  authorizationUrl,
  callbackParameters,
  clientCredentialsGrant,
  exchangeCode,
  refreshGrant,
  type OAuthClientConfig,
  type TokenFailure,
} from './token-endpoint.js';
import { tokenFailureError } from './token-manager.js';

interface Seen {
  headers: IncomingMessage['headers'];
  form: URLSearchParams;
}

/** A scripted token endpoint: each test sets the next answer and reads what was sent. */
let answer: (res: ServerResponse) => void = () => undefined;
let seen: Seen[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ headers: req.headers, form: new URLSearchParams(body) });
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return (res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
}

function config(
  spec: OAuthProviderSpec = {},
  overrides: Partial<OAuthClientConfig> = {},
): OAuthClientConfig {
  return {
    providerName: 'Acme',
    clientId: 'client-1',
    clientSecret: new Secret('s3cret'),
    authorizationUrl: `${url}/authorize`,
    tokenUrl: `${url}/token`,
    scopes: ['read', 'write'],
    issuer: null,
    allowPrivateNetwork: true,
    spec: resolveProviderSpec(spec),
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<TokenFailure> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TokenEndpointError) return error.failure;
    throw error;
  }
  throw new Error('expected the token request to fail');
}

const options = { timeoutMs: 2_000 };
const callback = () =>
  callbackParameters(config(), new URLSearchParams({ code: 'the-code', state: 's' }), 's');

describe('token endpoint (oauth4webapi, wrapped)', () => {
  it('exchanges a code with the PKCE verifier and Basic client authentication, dropping an ID token', async () => {
    seen = [];
    answer = json(200, {
      access_token: 'at',
      token_type: 'Bearer',
      expires_in: 60,
      refresh_token: 'rt',
      id_token: 'x.y.z',
    });
    const tokens = await exchangeCode(
      config(),
      callback(),
      'https://joinery.example/oauth/callback',
      'verifier-123',
      options,
    );
    expect(tokens).toMatchObject({
      access_token: 'at',
      token_type: 'bearer',
      expires_in: 60,
      refresh_token: 'rt',
    });
    expect('id_token' in tokens).toBe(false);
    const sent = seen[0] as Seen;
    expect(Object.fromEntries(sent.form)).toEqual({
      grant_type: 'authorization_code',
      code: 'the-code',
      redirect_uri: 'https://joinery.example/oauth/callback',
      code_verifier: 'verifier-123',
    });
    // RFC 6749 §2.3.1: each part form-urlencoded, then Basic.
    const basic = /^Basic (.+)$/.exec(sent.headers.authorization ?? '')?.[1] ?? '';
    const [id, secret] = Buffer.from(basic, 'base64').toString().split(':').map(decodeURIComponent);
    expect([id, secret]).toEqual(['client-1', 's3cret']);
  });

  it('sends client_secret_post in the form, and redirect_uri on refresh only when the connector asks', async () => {
    seen = [];
    answer = json(200, { access_token: 'at2', token_type: 'bearer' });
    await refreshGrant(
      config({ tokenEndpointAuthMethod: 'client_secret_post' }),
      'rt',
      'https://j/cb',
      options,
    );
    await refreshGrant(config({ redirectUriOnRefresh: true }), 'rt', 'https://j/cb', options);
    const [post, withRedirect] = seen as [Seen, Seen];
    expect(post.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(post.form)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'rt',
      client_id: 'client-1',
      client_secret: 's3cret',
    });
    expect(withRedirect.form.get('redirect_uri')).toBe('https://j/cb');
  });

  it('asks client credentials for the integration scopes', async () => {
    seen = [];
    answer = json(200, { access_token: 'cc', token_type: 'bearer', expires_in: 5 });
    await clientCredentialsGrant(config(), options);
    expect(Object.fromEntries((seen[0] as Seen).form)).toEqual({
      grant_type: 'client_credentials',
      scope: 'read write',
    });
  });

  it('reads an OAuth error, GitHub’s 200-with-error included, as a refusal', async () => {
    answer = json(400, { error: 'invalid_grant', error_description: 'revoked' });
    expect(await failure(refreshGrant(config(), 'rt', 'x', options))).toEqual({
      kind: 'rejected',
      error: 'invalid_grant',
      description: 'revoked',
      status: 400,
    });
    answer = json(200, {
      error: 'bad_verification_code',
      error_description: 'The code passed is incorrect or expired.',
    });
    expect(await failure(exchangeCode(config(), callback(), 'x', 'v', options))).toMatchObject({
      kind: 'rejected',
      error: 'bad_verification_code',
    });
    answer = json(401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="token"' });
    expect(await failure(clientCredentialsGrant(config(), options))).toMatchObject({
      kind: 'rejected',
      error: 'invalid_client',
      status: 401,
    });
  });

  it('tells a wrong URL, a provider outage, a dropped connection and a timeout apart', async () => {
    answer = (res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<h1>Not Found</h1>');
    };
    expect(await failure(refreshGrant(config(), 'rt', 'x', options))).toEqual({
      kind: 'invalid_response',
      message: 'answered 404',
      status: 404,
    });
    answer = json(503, { error: 'temporarily_unavailable' });
    expect(await failure(refreshGrant(config(), 'rt', 'x', options))).toMatchObject({
      kind: 'unavailable',
      status: 503,
      maybeDelivered: false,
    });
    answer = (res) => res.socket?.destroy();
    expect(await failure(refreshGrant(config(), 'rt', 'x', options))).toMatchObject({
      kind: 'unavailable',
      maybeDelivered: false,
    });
    // No answer within the deadline: the provider may have rotated the token, so this is not retried.
    answer = () => undefined;
    expect(await failure(refreshGrant(config(), 'rt', 'x', { timeoutMs: 200 }))).toMatchObject({
      kind: 'unavailable',
      maybeDelivered: true,
    });
  });

  it('refuses plain http and private addresses unless the integration allows them', async () => {
    const guarded = { allowPrivateNetwork: false };
    const http = await failure(refreshGrant(config({}, guarded), 'rt', 'x', options));
    expect(http).toMatchObject({ kind: 'blocked', message: expect.stringContaining('plain http') });
    const https = config({}, { ...guarded, tokenUrl: 'https://127.0.0.1:1/token' });
    const loopback = await failure(refreshGrant(https, 'rt', 'x', options));
    expect(loopback).toMatchObject({
      kind: 'blocked',
      message: expect.stringContaining('127.0.0.1 is in the loopback range'),
    });
    expect(tokenFailureError(loopback, 'Acme').code).toBe('blocked_destination');
  });

  it('builds the authorization URL: PKCE S256, state, scopes and the connector’s extra parameters', () => {
    const google = config({
      authorizationParams: { access_type: 'offline', prompt: 'consent' },
      scopeSeparator: ',',
    });
    const built = authorizationUrl(google, {
      redirectUri: 'https://j/cb',
      state: 'st',
      codeChallenge: 'ch',
    });
    expect(Object.fromEntries(built.searchParams)).toEqual({
      access_type: 'offline',
      prompt: 'consent',
      response_type: 'code',
      client_id: 'client-1',
      redirect_uri: 'https://j/cb',
      scope: 'read,write',
      state: 'st',
      code_challenge: 'ch',
      code_challenge_method: 'S256',
    });
  });

  it('maps failures onto the error taxonomy, and carries a reconnect link on the wire', () => {
    expect(
      tokenFailureError(
        { kind: 'unavailable', message: 'x', status: 503, maybeDelivered: false },
        'Acme',
      ),
    ).toMatchObject({ code: 'provider_unavailable', retryable: true });
    expect(
      tokenFailureError(
        { kind: 'unavailable', message: 'x', status: null, maybeDelivered: true },
        'Acme',
      ).code,
    ).toBe('timeout');
    expect(
      tokenFailureError({ kind: 'invalid_response', message: 'answered 404', status: 404 }, 'Acme')
        .code,
    ).toBe('malformed_response');
    const error = new JoineryError('auth_revoked', 'needs re-authorisation', {
      reconnectUrl: 'https://j/connect/t',
    }).withContext({ requestId: 'req_1' });
    expect(error.toJSON().error).toMatchObject({
      code: 'auth_revoked',
      reconnectUrl: 'https://j/connect/t',
      requestId: 'req_1',
    });
  });
});
