export interface HubSpotOAuthClient {
  secret: string;
  /** Redirect URIs the app registered. Defaults to none, which accepts any http(s) URI. */
  redirectUris?: string[];
}

export interface HubSpotSandboxOptions {
  /** Private-app access tokens (`pat-na1-…`) with every CRM scope. Defaults to {@link HUBSPOT_DEMO_TOKEN}. */
  privateAppTokens?: string[];
  /** OAuth apps by client id. Defaults to {@link HUBSPOT_DEMO_CLIENT_ID} with {@link HUBSPOT_DEMO_CLIENT_SECRET}. */
  clients?: Record<string, HubSpotOAuthClient>;
  /** Lifetime of OAuth access tokens (`expires_in`). Defaults to 1800, HubSpot's 30 minutes. */
  accessTokenTtlSeconds?: number;
  /**
   * Requests per rolling 10 seconds per private app. Defaults to 100 (Free and Starter); HubSpot
   * allows up to 190 (Professional and Enterprise), so values above 190 are refused.
   */
  tenSecondlyLimit?: number;
  /** Requests per rolling 10 seconds per OAuth app per account. Defaults to 110, HubSpot's for public apps. */
  oauthTenSecondlyLimit?: number;
  /** Requests per day per account for private apps, reset at midnight UTC. Defaults to 250 000 (Free and Starter). */
  dailyLimit?: number;
  /** CRM search requests per second per account. Defaults to 5. */
  searchPerSecond?: number;
  /** Contacts seeded after the named ones (for pagination and benchmarks). Defaults to 0. */
  seedContacts?: number;
  /** Companies seeded after the named ones. Defaults to 0. */
  seedCompanies?: number;
}

/** Fake, printed by the CLI: a private-app token's shape, not a secret. */
export const HUBSPOT_DEMO_TOKEN = 'pat-na1-5a4d0b1e-0000-4000-8000-000000000001';
export const HUBSPOT_DEMO_CLIENT_ID = '5a4d0b1e-0000-4000-8000-00000000c1d0';
export const HUBSPOT_DEMO_CLIENT_SECRET = '5a4d0b1e-0000-4000-8000-000000005ec7';
/** HubSpot's OAuth access tokens live 30 minutes. */
export const ACCESS_TOKEN_TTL_SECONDS = 1800;
/** Professional and Enterprise private apps get 190 per 10 seconds; nobody gets more. */
export const MAX_TEN_SECONDLY = 190;

export interface ResolvedHubSpotOptions {
  privateAppTokens: readonly string[];
  clients: ReadonlyMap<string, { secret: string; redirectUris: readonly string[] }>;
  accessTokenTtlSeconds: number;
  tenSecondlyLimit: number;
  oauthTenSecondlyLimit: number;
  dailyLimit: number;
  searchPerSecond: number;
  seedContacts: number;
  seedCompanies: number;
}

const wholeNumber = (name: string, value: number, min: number, max: number) => {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(
      `hubspot.${name} must be a whole number from ${min} to ${max} (got ${value}).`,
    );
  return value;
};

export function resolveHubSpotOptions(options: HubSpotSandboxOptions = {}): ResolvedHubSpotOptions {
  const privateAppTokens = options.privateAppTokens ?? [HUBSPOT_DEMO_TOKEN];
  for (const token of privateAppTokens)
    if (!/^pat-[a-z0-9]+-\S+$/.test(token))
      throw new RangeError(
        `hubspot.privateAppTokens: "${token}" is not a private-app token (pat-na1-… with no spaces).`,
      );
  const clients = new Map<string, { secret: string; redirectUris: readonly string[] }>();
  for (const [id, client] of Object.entries(
    options.clients ?? { [HUBSPOT_DEMO_CLIENT_ID]: { secret: HUBSPOT_DEMO_CLIENT_SECRET } },
  )) {
    if (!/^\S+$/.test(id) || !/^\S+$/.test(client.secret))
      throw new RangeError(
        'hubspot.clients: client ids and secrets must be non-empty with no spaces.',
      );
    clients.set(id, { secret: client.secret, redirectUris: client.redirectUris ?? [] });
  }
  return {
    privateAppTokens,
    clients,
    accessTokenTtlSeconds: wholeNumber(
      'accessTokenTtlSeconds',
      options.accessTokenTtlSeconds ?? ACCESS_TOKEN_TTL_SECONDS,
      1,
      ACCESS_TOKEN_TTL_SECONDS,
    ),
    tenSecondlyLimit: wholeNumber(
      'tenSecondlyLimit',
      options.tenSecondlyLimit ?? 100,
      1,
      MAX_TEN_SECONDLY,
    ),
    oauthTenSecondlyLimit: wholeNumber(
      'oauthTenSecondlyLimit',
      options.oauthTenSecondlyLimit ?? 110,
      1,
      MAX_TEN_SECONDLY,
    ),
    dailyLimit: wholeNumber('dailyLimit', options.dailyLimit ?? 250_000, 1, 100_000_000),
    searchPerSecond: wholeNumber('searchPerSecond', options.searchPerSecond ?? 5, 1, 1000),
    seedContacts: wholeNumber('seedContacts', options.seedContacts ?? 0, 0, 1_000_000),
    seedCompanies: wholeNumber('seedCompanies', options.seedCompanies ?? 0, 0, 1_000_000),
  };
}
