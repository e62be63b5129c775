import { and, asc, eq } from 'drizzle-orm';
import { integrations, type Database } from '@joinery/store';
import { z } from 'zod';
import type { ConnectorRegistry } from './connector/registry.js';
import type { DeclaredLimit } from './connector/types.js';
import type { CredentialCipher } from './credential-cipher.js';
import { JoineryError } from './errors.js';
import { clientSecretBinding, usesOAuth } from './oauth/client-config.js';
import { Secret } from './secret.js';
import { parseOrThrow } from './validation.js';
import { WEBHOOK_SCHEMES, type WebhookSchemeName } from './webhooks/types.js';

export const INTEGRATION_KEY = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const declaredLimit = z.object({
  name: z.string().regex(/^[a-z0-9_]{1,40}$/, 'lower-case letters, digits and underscores'),
  requests: z.number().int().min(1).max(1_000_000),
  perSeconds: z
    .number()
    .min(0.001)
    .max(31 * 24 * 3600),
  scope: z.enum(['integration', 'tenant', 'connection']).optional(),
  methods: z.array(z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'])).optional(),
  path: z
    .string()
    .refine((value) => {
      try {
        new RegExp(value);
        return true;
      } catch {
        return false;
      }
    }, 'not a valid regular expression')
    .optional(),
});

const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an absolute http(s) URL' });

/** The OAuth client registered with the provider; the secret is sealed and never returned. */
export const oauthClientInput = z.object({
  clientId: z.string().min(1),
  /** Absent for a public client (PKCE only). */
  clientSecret: z.string().min(1).optional(),
  scopes: z.array(z.string().min(1)).max(100).optional(),
  /** Override the connector's endpoints (the generic `oauth2` connector needs them). */
  authorizationUrl: httpUrl.optional(),
  tokenUrl: httpUrl.optional(),
  /** The authorization server's issuer: when set, an authorization response must carry it (RFC 9207). */
  issuer: z.string().min(1).optional(),
});

export interface OAuthClientView {
  clientId: string;
  hasClientSecret: boolean;
  scopes: string[];
  authorizationUrl: string | null;
  tokenUrl: string | null;
  issuer: string | null;
  /** Register this with the provider: `{JOINERY_PUBLIC_URL}/oauth/callback`. */
  redirectUri: string | null;
}

export const integrationInput = z.object({
  connector: z.string().min(1),
  baseUrl: z.url({ protocol: /^https?$/, message: 'must be an absolute http(s) URL' }).optional(),
  allowPrivateNetwork: z.boolean().optional(),
  /**
   * The secret inbound webhooks are signed with; several (newest first, up to 5) while the
   * provider rotates it, any of which may sign. Sealed, never returned.
   */
  webhookSecret: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(5)]).optional(),
  /** Overrides the connector's webhook signature scheme, e.g. `standard_webhooks`. */
  webhookScheme: z.enum(WEBHOOK_SCHEMES).optional(),
  /** Replaces the connector's declared limits, e.g. for a plan with a higher allowance. */
  rateLimits: z.array(declaredLimit).max(20).optional(),
  oauth: oauthClientInput.optional(),
});
export type IntegrationInput = z.input<typeof integrationInput>;

export interface IntegrationView {
  key: string;
  connector: string;
  baseUrl: string | null;
  allowPrivateNetwork: boolean;
  hasWebhookSecret: boolean;
  /** How inbound webhooks are verified: the integration's choice, else the connector's; null when neither has one. */
  webhookScheme: WebhookSchemeName | null;
  /** The integration's own limits, or null when the connector's declared ones apply. */
  rateLimits: DeclaredLimit[] | null;
  oauth: OAuthClientView | null;
  createdAt: string;
  updatedAt: string;
}

type Row = typeof integrations.$inferSelect;

function view(
  row: Row,
  redirectUri: string | null,
  connectorScheme: WebhookSchemeName | undefined,
): IntegrationView {
  return {
    key: row.key,
    connector: row.connector,
    baseUrl: row.baseUrl,
    allowPrivateNetwork: row.allowPrivateNetwork,
    hasWebhookSecret: row.webhookSecret !== null,
    webhookScheme: (row.webhookScheme as WebhookSchemeName | null) ?? connectorScheme ?? null,
    rateLimits: (row.rateLimits as DeclaredLimit[] | null) ?? null,
    oauth: row.oauth
      ? {
          clientId: row.oauth.clientId,
          hasClientSecret: row.oauth.clientSecret !== null,
          scopes: row.oauth.scopes,
          authorizationUrl: row.oauth.authorizationUrl ?? null,
          tokenUrl: row.oauth.tokenUrl ?? null,
          issuer: row.oauth.issuer ?? null,
          redirectUri,
        }
      : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export class Integrations {
  readonly #db: Database;
  readonly #connectors: ConnectorRegistry;
  readonly #cipher: CredentialCipher;

  /** Called after an integration changed, so cached connection contexts are dropped. */
  onChange: () => void = () => undefined;

  constructor(db: Database, connectors: ConnectorRegistry, cipher: CredentialCipher) {
    this.#db = db;
    this.#connectors = connectors;
    this.#cipher = cipher;
  }

  /** Creates or replaces an integration. */
  async put(
    environmentId: string,
    key: string,
    raw: unknown,
  ): Promise<{ integration: IntegrationView; created: boolean }> {
    if (!INTEGRATION_KEY.test(key)) {
      throw new JoineryError(
        'invalid_input',
        `integration key "${key}" is not valid: use 1–63 lower-case letters, digits, "-" or "_"`,
        {
          path: 'key',
        },
      );
    }
    const input = parseOrThrow(integrationInput, raw, 'body');
    const connector = this.#connectors.find(input.connector);
    if (!connector) {
      const known = this.#connectors
        .list()
        .map((c) => c.id)
        .join(', ');
      throw new JoineryError(
        'invalid_input',
        `no connector "${input.connector}"; known connectors: ${known}`,
        { path: 'body.connector' },
      );
    }
    const oauth = this.#oauthValue(environmentId, key, connector, input);
    const values = {
      oauth,
      connector: input.connector,
      baseUrl: input.baseUrl ?? null,
      allowPrivateNetwork: input.allowPrivateNetwork ?? false,
      rateLimits: input.rateLimits ?? null,
      webhookSecret: this.#sealWebhookSecrets(environmentId, key, input.webhookSecret),
      webhookScheme: input.webhookScheme ?? null,
      updatedAt: new Date(),
    };
    const rows = await this.#db
      .insert(integrations)
      .values({ environmentId, key, ...values, createdAt: values.updatedAt })
      .onConflictDoUpdate({ target: [integrations.environmentId, integrations.key], set: values })
      .returning();
    const row = rows[0] as Row;
    this.onChange();
    return {
      integration: this.#view(row),
      created: row.createdAt.getTime() === row.updatedAt.getTime(),
    };
  }

  /** Where providers send the browser back; set by the engine (it knows the public URL). */
  redirectUri: (() => string) | null = null;

  #redirectUri(): string | null {
    return this.redirectUri ? this.redirectUri() : null;
  }

  /** Checks the OAuth settings against what the connector needs, and seals the client secret. */
  #oauthValue(
    environmentId: string,
    key: string,
    connector: NonNullable<ReturnType<ConnectorRegistry['find']>>,
    input: z.output<typeof integrationInput>,
  ): Row['oauth'] {
    const requires = new Set(connector.integrationRequires ?? []);
    if (requires.has('baseUrl') && input.baseUrl === undefined)
      throw new JoineryError(
        'invalid_input',
        `connector "${connector.id}" takes its base URL from the integration: set baseUrl`,
        { path: 'body.baseUrl' },
      );
    if (!input.oauth) {
      if (requires.has('tokenUrl'))
        throw new JoineryError(
          'invalid_input',
          `connector "${connector.id}" needs the integration's OAuth client and endpoints: set oauth.clientId, oauth.clientSecret, oauth.authorizationUrl and oauth.tokenUrl`,
          { path: 'body.oauth' },
        );
      return null;
    }
    if (!usesOAuth(connector))
      throw new JoineryError(
        'invalid_input',
        `connector "${connector.id}" does not use OAuth; leave oauth out`,
        { path: 'body.oauth' },
      );
    for (const field of ['authorizationUrl', 'tokenUrl'] as const) {
      const neededHere =
        requires.has(field) &&
        (field === 'tokenUrl' || connector.auth.some((scheme) => scheme.type === 'oauth2'));
      if (neededHere && input.oauth[field] === undefined)
        throw new JoineryError(
          'invalid_input',
          `connector "${connector.id}" takes its OAuth endpoints from the integration: set oauth.${field}`,
          { path: `body.oauth.${field}` },
        );
    }
    return {
      clientId: input.oauth.clientId,
      clientSecret: input.oauth.clientSecret
        ? this.#cipher.seal(
            new Secret(input.oauth.clientSecret),
            clientSecretBinding(environmentId, key),
          )
        : null,
      scopes: input.oauth.scopes ?? [],
      ...(input.oauth.authorizationUrl ? { authorizationUrl: input.oauth.authorizationUrl } : {}),
      ...(input.oauth.tokenUrl ? { tokenUrl: input.oauth.tokenUrl } : {}),
      ...(input.oauth.issuer ? { issuer: input.oauth.issuer } : {}),
    };
  }

  async list(environmentId: string): Promise<IntegrationView[]> {
    const rows = await this.#db
      .select()
      .from(integrations)
      .where(eq(integrations.environmentId, environmentId))
      .orderBy(asc(integrations.key));
    return rows.map((row) => this.#view(row));
  }

  async row(environmentId: string, key: string): Promise<Row> {
    const rows = await this.#db
      .select()
      .from(integrations)
      .where(and(eq(integrations.environmentId, environmentId), eq(integrations.key, key)));
    const row = rows[0];
    if (!row)
      throw new JoineryError(
        'not_found',
        `no integration "${key}". Create it with PUT /v1/integrations/${key}`,
      );
    return row;
  }

  async get(environmentId: string, key: string): Promise<IntegrationView> {
    return this.#view(await this.row(environmentId, key));
  }

  /**
   * The integration's webhook secrets, newest first (empty when it has none). One sealed value
   * is how a single secret has always been stored; a list is a rotation in progress.
   */
  webhookSecrets(environmentId: string, row: Row): Secret<string>[] {
    const stored = row.webhookSecret;
    if (stored === null) return [];
    const binding = `integration:${environmentId}:${row.key}`;
    return (Array.isArray(stored) ? stored : [stored]).map((sealed) =>
      this.#cipher.open(sealed, binding),
    );
  }

  #sealWebhookSecrets(
    environmentId: string,
    key: string,
    input: string | string[] | undefined,
  ): Row['webhookSecret'] {
    if (input === undefined) return null;
    const binding = `integration:${environmentId}:${key}`;
    if (typeof input === 'string') return this.#cipher.seal(new Secret(input), binding);
    return input.map((secret) => this.#cipher.seal(new Secret(secret), binding));
  }

  #view(row: Row): IntegrationView {
    return view(row, this.#redirectUri(), this.#connectors.find(row.connector)?.webhooks?.scheme);
  }
}
