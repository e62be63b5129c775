export interface SalesforceConnectedApp {
  secret: string;
  /** Callback URLs the connected app registered. Defaults to none, which accepts any http(s) URI. */
  redirectUris?: string[];
}

export interface SalesforceSandboxOptions {
  /**
   * Session ids that work from the start, for the sandbox's admin user. They stand for sessions
   * kept alive, so the inactivity timeout does not apply to them. Defaults to {@link SALESFORCE_DEMO_TOKEN}.
   */
  sessionTokens?: string[];
  /** Connected apps by consumer key. Defaults to {@link SALESFORCE_DEMO_CLIENT_ID} with {@link SALESFORCE_DEMO_CLIENT_SECRET}. */
  clients?: Record<string, SalesforceConnectedApp>;
  /**
   * Seconds of inactivity after which an OAuth session (access token) stops working with
   * `INVALID_SESSION_ID`; every call restarts the clock. Defaults to 7200, Salesforce's two hours.
   */
  sessionTimeoutSeconds?: number;
  /** API requests allowed per rolling 24 hours (`Sforce-Limit-Info: api-usage=N/M`). Defaults to 15 000 (Developer Edition). */
  apiRequestLimit?: number;
  /** Records per query batch before `nextRecordsUrl`. Defaults to 2000; the `Sforce-Query-Options: batchSize=` header asks for 200–2000 per query. */
  queryBatchSize?: number;
  /** Contacts seeded after the named ones (for pagination and benchmarks). Defaults to 0. */
  seedContacts?: number;
  /** Accounts seeded after the named ones. Defaults to 0. */
  seedAccounts?: number;
  /**
   * How many seconds back getDeleted still knows deletions: its `earliestDateAvailable` is that long
   * before now. Defaults to 15 days (Salesforce's REST docs); 0 stands for an org whose delete log
   * was just purged.
   */
  deletedRetentionSeconds?: number;
}

/** Fake, printed by the CLI: an org id, `!` and a session secret, like Salesforce's session ids. */
export const SALESFORCE_DEMO_TOKEN = '00D5g000004SbXC!AQ4AQSandboxDemoSessionToken';
export const SALESFORCE_DEMO_CLIENT_ID = '3MVG9SandboxDemoConsumerKey.Joinery';
export const SALESFORCE_DEMO_CLIENT_SECRET = 'SANDBOX0DEMO0CONSUMER0SECRET';
export const SESSION_TIMEOUT_SECONDS = 7200;
export const MAX_BATCH_SIZE = 2000;

export interface ResolvedSalesforceOptions {
  sessionTokens: readonly string[];
  clients: ReadonlyMap<string, { secret: string; redirectUris: readonly string[] }>;
  sessionTimeoutSeconds: number;
  apiRequestLimit: number;
  queryBatchSize: number;
  seedContacts: number;
  seedAccounts: number;
  deletedRetentionSeconds: number;
}

const wholeNumber = (name: string, value: number, min: number, max: number) => {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(
      `salesforce.${name} must be a whole number from ${min} to ${max} (got ${value}).`,
    );
  return value;
};

export function resolveSalesforceOptions(
  options: SalesforceSandboxOptions = {},
): ResolvedSalesforceOptions {
  const sessionTokens = options.sessionTokens ?? [SALESFORCE_DEMO_TOKEN];
  for (const token of sessionTokens)
    if (!/^\S+$/.test(token))
      throw new RangeError(
        'salesforce.sessionTokens: every token must be non-empty with no spaces.',
      );
  const clients = new Map<string, { secret: string; redirectUris: readonly string[] }>();
  for (const [id, client] of Object.entries(
    options.clients ?? { [SALESFORCE_DEMO_CLIENT_ID]: { secret: SALESFORCE_DEMO_CLIENT_SECRET } },
  )) {
    if (!/^\S+$/.test(id) || !/^\S+$/.test(client.secret))
      throw new RangeError(
        'salesforce.clients: consumer keys and secrets must be non-empty with no spaces.',
      );
    clients.set(id, { secret: client.secret, redirectUris: client.redirectUris ?? [] });
  }
  return {
    sessionTokens,
    clients,
    sessionTimeoutSeconds: wholeNumber(
      'sessionTimeoutSeconds',
      options.sessionTimeoutSeconds ?? SESSION_TIMEOUT_SECONDS,
      1,
      86_400,
    ),
    apiRequestLimit: wholeNumber(
      'apiRequestLimit',
      options.apiRequestLimit ?? 15_000,
      1,
      10_000_000,
    ),
    queryBatchSize: wholeNumber(
      'queryBatchSize',
      options.queryBatchSize ?? MAX_BATCH_SIZE,
      1,
      MAX_BATCH_SIZE,
    ),
    seedContacts: wholeNumber('seedContacts', options.seedContacts ?? 0, 0, 1_000_000),
    seedAccounts: wholeNumber('seedAccounts', options.seedAccounts ?? 0, 0, 1_000_000),
    deletedRetentionSeconds: wholeNumber(
      'deletedRetentionSeconds',
      options.deletedRetentionSeconds ?? 15 * 86_400,
      0,
      30 * 86_400,
    ),
  };
}
