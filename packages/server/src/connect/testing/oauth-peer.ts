/**
 * A real, certified OAuth 2.0 server (oidc-provider) on 127.0.0.1, configured the hard way for
 * clients: short access tokens, refresh-token rotation with reuse detection (reusing a rotated
 * refresh token revokes the whole grant), PKCE required. Beside it, a small protected resource
 * that checks every token by introspection (RFC 7662) at the provider. Test support only.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type KoaContextWithOIDC, type errors } from 'oidc-provider';

export interface OAuthPeerOptions {
  /** Exact redirect URIs the client may use (`{JOINERY_PUBLIC_URL}/oauth/callback`). */
  redirectUris: string[];
  /** Defaults to 5 seconds. */
  accessTokenTtlSeconds?: number;
}

export type TokenEndpointMode = 'up' | 'unavailable' | 'unreachable';

export interface GrantRecord {
  type: string;
  at: number;
}

export interface OAuthPeer {
  issuer: string;
  authorizationUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Base URL of the protected resource; `GET /api/whoami` answers who the token belongs to. */
  resourceUrl: string;
  /** Every successful grant at the token endpoint, in order. */
  grants: GrantRecord[];
  /** Every refused token request, as `error: description`. */
  grantErrors: string[];
  /** Grants the provider itself revoked (reuse detection of a rotated refresh token). */
  revokedGrants: string[];
  resource: { ok: number; rejected: number };
  /** Every token value the provider issued (codes, access and refresh tokens), for leak checks. */
  issuedTokens: string[];
  /** The bearer tokens the resource was called with. */
  seenAccessTokens: Set<string>;
  /** The next `count` resource calls answer 401 although the token is valid (a provider-side revocation of one token, or a clock skew). */
  rejectNextResourceCalls(count: number): void;
  /** `unavailable` answers 503; `unreachable` drops the connection without answering. */
  setTokenEndpoint(mode: TokenEndpointMode): void;
  /** Revokes every grant of one account, as that user removing the app's access would. */
  revokeGrantsOf(accountId: string): Promise<void>;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function startOAuthPeer(options: OAuthPeerOptions): Promise<OAuthPeer> {
  const clientId = 'joinery-test-client';
  const clientSecret = `secret-${randomBytes(16).toString('hex')}`;
  const resourceSecret = `rs-${randomBytes(16).toString('hex')}`;
  const ttl = options.accessTokenTtlSeconds ?? 5;
  let mode: TokenEndpointMode = 'up';

  const front = createServer();
  const issuer = await listen(front);
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
        response_types: ['code'],
        scope: 'api:read api:write',
      },
      {
        client_id: 'resource-server',
        client_secret: resourceSecret,
        redirect_uris: [],
        grant_types: [],
        response_types: [],
      },
    ],
    scopes: ['api:read', 'api:write', 'offline_access'],
    ttl: {
      AccessToken: ttl,
      ClientCredentials: ttl,
      AuthorizationCode: 60,
      RefreshToken: 24 * 3600,
      Grant: 24 * 3600,
      Session: 3600,
      Interaction: 600,
    },
    rotateRefreshToken: true,
    // Like most OAuth 2.0 APIs (not OpenID's `offline_access` rule): a refresh token for every code grant.
    issueRefreshToken: (_ctx, client) => Promise.resolve(client.grantTypeAllowed('refresh_token')),
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      clientCredentials: { enabled: true },
    },
    cookies: { keys: [randomBytes(16).toString('hex')] },
  });
  const grants: GrantRecord[] = [];
  const grantErrors: string[] = [];
  const revokedGrants: string[] = [];
  const grantIds = new Set<string>();
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    grants.push({ type: String(ctx.oidc.params?.grant_type), at: Date.now() });
  });
  provider.on('grant.error', (_ctx: KoaContextWithOIDC, error: errors.OIDCProviderError) => {
    grantErrors.push(`${error.message}: ${error.error_description ?? ''}`);
  });
  provider.on('grant.revoked', (_ctx: KoaContextWithOIDC, grantId: string) => {
    revokedGrants.push(grantId);
  });
  const issuedTokens: string[] = [];
  provider.on('refresh_token.saved', (token) => {
    if (token.grantId) grantIds.add(token.grantId);
    issuedTokens.push(token.jti);
  });
  // Opaque tokens: the value is the `jti` (oidc-provider lib/models/formats/opaque.js).
  provider.on('access_token.saved', (token) => issuedTokens.push(token.jti));
  provider.on('client_credentials.saved', (token) => issuedTokens.push(token.jti));
  provider.on('authorization_code.saved', (token) => issuedTokens.push(token.jti));
  const callback = provider.callback();
  front.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/token') && !req.url.startsWith('/token/introspection')) {
      if (mode === 'unreachable') {
        req.socket.destroy();
        return;
      }
      if (mode === 'unavailable') {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error: 'temporarily_unavailable', error_description: 'maintenance' }),
        );
        return;
      }
    }
    void callback(req, res);
  });

  const resourceCounts = { ok: 0, rejected: 0 };
  let forcedRejections = 0;
  // Active answers are kept until the token's `exp`, as RFC 7662 §4 allows a resource server to:
  // one introspection per token, not per call (oidc-provider answers ~100 per second here).
  const introspected = new Map<string, { claims: Record<string, unknown>; expiresAt: number }>();
  const seenAccessTokens = new Set<string>();
  const introspectionAuth = `Basic ${Buffer.from(`resource-server:${resourceSecret}`).toString('base64')}`;
  const resource = createServer((req, res) => {
    void (async () => {
      const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
      let claims: { active?: boolean; sub?: string; client_id?: string; scope?: string } = {};
      if (match) {
        const token = match[1] as string;
        seenAccessTokens.add(token);
        const cached = introspected.get(token);
        if (cached && Date.now() < cached.expiresAt) claims = cached.claims;
        else if (!cached) {
          const answer = await fetch(`${issuer}/token/introspection`, {
            method: 'POST',
            headers: {
              authorization: introspectionAuth,
              'content-type': 'application/x-www-form-urlencoded',
            },
            body: new URLSearchParams({ token }),
          });
          claims = (await answer.json()) as typeof claims;
          const exp = (claims as { exp?: unknown }).exp;
          if (claims.active && typeof exp === 'number')
            introspected.set(token, { claims, expiresAt: exp * 1000 });
        }
      }
      if (forcedRejections > 0) {
        forcedRejections--;
        claims = { active: false };
      }
      if (!claims.active) {
        resourceCounts.rejected++;
        res.writeHead(401, {
          'content-type': 'application/json',
          'www-authenticate': 'Bearer error="invalid_token"',
        });
        res.end(
          JSON.stringify({
            error: 'invalid_token',
            error_description: 'the access token is not active',
          }),
        );
        return;
      }
      resourceCounts.ok++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          sub: claims.sub ?? null,
          clientId: claims.client_id,
          scope: claims.scope,
          path: req.url,
        }),
      );
    })().catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'server_error', error_description: String(error) }));
    });
  });
  const resourceUrl = await listen(resource);

  return {
    issuer,
    authorizationUrl: `${issuer}/auth`,
    tokenUrl: `${issuer}/token`,
    clientId,
    clientSecret,
    resourceUrl,
    grants,
    grantErrors,
    revokedGrants,
    resource: resourceCounts,
    issuedTokens,
    seenAccessTokens,
    rejectNextResourceCalls(count) {
      forcedRejections = count;
    },
    setTokenEndpoint(next) {
      mode = next;
    },
    async revokeGrantsOf(accountId) {
      for (const id of grantIds) {
        const grant = await provider.Grant.find(id);
        if (grant?.accountId !== accountId) continue;
        await grant.destroy();
      }
    },
    async close() {
      const closing = [front, resource].map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      );
      await Promise.all(closing);
    },
  };
}
