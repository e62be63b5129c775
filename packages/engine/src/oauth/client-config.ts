import type { integrations } from '@joinery/store';
import type { ConnectorDefinition } from '../connector/types.js';
import type { CredentialCipher } from '../credential-cipher.js';
import { JoineryError } from '../errors.js';
import { resolveProviderSpec } from './provider-spec.js';
import type { OAuthClientConfig } from './token-endpoint.js';

type IntegrationRow = typeof integrations.$inferSelect;

/** The associated data an integration's client secret is sealed with. */
export function clientSecretBinding(environmentId: string, key: string): string {
  return `integration-oauth:${environmentId}:${key}`;
}

export function usesOAuth(connector: ConnectorDefinition): boolean {
  return connector.auth.some(
    (scheme) => scheme.type === 'oauth2' || scheme.type === 'oauth2_client_credentials',
  );
}

/**
 * The OAuth client of one integration: the connector's provider data, the integration's client
 * and its endpoint overrides (the integration's win, so a sandbox can stand in for the provider).
 */
export function oauthClientConfig(
  integration: IntegrationRow,
  connector: ConnectorDefinition,
  cipher: CredentialCipher,
): OAuthClientConfig {
  const stored = integration.oauth;
  if (!usesOAuth(connector))
    throw new JoineryError('invalid_input', `connector "${connector.id}" does not use OAuth`);
  if (!stored)
    throw new JoineryError(
      'invalid_input',
      `integration "${integration.key}" has no OAuth client: set oauth.clientId and oauth.clientSecret with PUT /v1/integrations/${integration.key}`,
      { path: 'integration.oauth' },
    );
  const spec = resolveProviderSpec(connector.oauth);
  const tokenUrl = stored.tokenUrl ?? connector.oauth?.tokenUrl;
  if (!tokenUrl)
    throw new JoineryError(
      'invalid_input',
      `integration "${integration.key}" has no oauth.tokenUrl, which connector "${connector.id}" needs`,
      { path: 'integration.oauth.tokenUrl' },
    );
  return {
    providerName: connector.name,
    clientId: stored.clientId,
    clientSecret: stored.clientSecret
      ? cipher.open(
          stored.clientSecret,
          clientSecretBinding(integration.environmentId, integration.key),
        )
      : null,
    authorizationUrl: stored.authorizationUrl ?? connector.oauth?.authorizationUrl ?? null,
    tokenUrl,
    scopes: stored.scopes.length > 0 ? stored.scopes : spec.defaultScopes,
    issuer: stored.issuer ?? null,
    allowPrivateNetwork: integration.allowPrivateNetwork,
    spec,
  };
}
