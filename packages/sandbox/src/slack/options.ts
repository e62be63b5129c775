export interface SlackOAuthClient {
  secret: string;
  /** Redirect URIs the app registered. Defaults to none, which accepts any http(s) URI. */
  redirectUris?: string[];
}

export interface SlackRateLimits {
  /** Tier 1 methods per minute. Defaults to 1 ("1+ per minute"). */
  tier1?: number;
  /** Tier 2 methods per minute (`conversations.list`, `users.list`). Defaults to 20. */
  tier2?: number;
  /** Tier 3 methods per minute (`chat.update`, `users.lookupByEmail`, `auth.revoke`). Defaults to 50. */
  tier3?: number;
  /** Tier 4 methods per minute (`auth.test`, `oauth.v2.access`). Defaults to 100. */
  tier4?: number;
  /** `chat.postMessage` per channel per second. Defaults to 1, Slack's "1 per second per channel". */
  postMessagePerChannelPerSecond?: number;
}

export interface SlackSandboxOptions {
  /** Bot tokens that work from the start, with every bot scope. Defaults to {@link SLACK_DEMO_TOKEN}. */
  botTokens?: string[];
  /** OAuth apps by client id. Defaults to {@link SLACK_DEMO_CLIENT_ID} with {@link SLACK_DEMO_CLIENT_SECRET}. */
  clients?: Record<string, SlackOAuthClient>;
  /**
   * Token rotation for OAuth installs: `oauth.v2.access` then issues `xoxe.xoxb-…` access tokens
   * that expire after `expiresInSeconds` (Slack: 43200, 12 hours) and single-use `xoxe-1-…`
   * refresh tokens. Defaults to off: plain `xoxb-…` tokens that never expire.
   */
  tokenRotation?: boolean | { expiresInSeconds?: number };
  /** Requests per minute per method tier, per app per workspace. Defaults to the tiers' floors. */
  rateLimits?: SlackRateLimits;
  /** Extra users seeded after the handful of named ones (for pagination and benchmarks). Defaults to 0. */
  seedUsers?: number;
  /** Extra public channels seeded after the handful of named ones. Defaults to 0. */
  seedChannels?: number;
}

/** Fake, printed by the CLI: a bot token's shape, not a secret. */
export const SLACK_DEMO_TOKEN = 'xoxb-1000000001-2000000001-sandboxdemotoken0000000';
export const SLACK_DEMO_CLIENT_ID = '1000000001.3000000001';
export const SLACK_DEMO_CLIENT_SECRET = 'sandbox-slack-client-secret';
/** A user token of a deactivated account: every method answers `account_inactive`. */
export const SLACK_INACTIVE_TOKEN = 'xoxp-1000000001-4000000009-sandboxdeactivateduser';

/** Slack's access-token lifetime with rotation on: 12 hours. */
export const ROTATION_EXPIRES_IN = 43_200;

export interface ResolvedSlackOptions {
  botTokens: readonly string[];
  clients: ReadonlyMap<string, { secret: string; redirectUris: readonly string[] }>;
  /** Seconds an access token lives, or `undefined` without rotation. */
  rotationExpiresIn: number | undefined;
  rateLimits: Required<SlackRateLimits>;
  seedUsers: number;
  seedChannels: number;
}

const wholeNumber = (name: string, value: number, min: number, max: number) => {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(
      `slack.${name} must be a whole number from ${min} to ${max} (got ${value}).`,
    );
  return value;
};

export function resolveSlackOptions(options: SlackSandboxOptions = {}): ResolvedSlackOptions {
  const botTokens = options.botTokens ?? [SLACK_DEMO_TOKEN];
  for (const token of botTokens)
    if (!/^xoxb-\S+$/.test(token))
      throw new RangeError(
        `slack.botTokens: "${token}" is not a bot token (xoxb-… with no spaces).`,
      );

  const clients = new Map<string, { secret: string; redirectUris: readonly string[] }>();
  for (const [id, client] of Object.entries(
    options.clients ?? { [SLACK_DEMO_CLIENT_ID]: { secret: SLACK_DEMO_CLIENT_SECRET } },
  )) {
    if (!/^\S+$/.test(id) || !/^\S+$/.test(client.secret))
      throw new RangeError(
        'slack.clients: client ids and secrets must be non-empty with no spaces.',
      );
    clients.set(id, { secret: client.secret, redirectUris: client.redirectUris ?? [] });
  }

  const rotation = options.tokenRotation ?? false;
  const rotationExpiresIn =
    rotation === false
      ? undefined
      : wholeNumber(
          'tokenRotation.expiresInSeconds',
          rotation === true
            ? ROTATION_EXPIRES_IN
            : (rotation.expiresInSeconds ?? ROTATION_EXPIRES_IN),
          1,
          ROTATION_EXPIRES_IN,
        );

  const limits = options.rateLimits ?? {};
  const perMinute = (name: keyof SlackRateLimits, fallback: number) =>
    wholeNumber(`rateLimits.${name}`, limits[name] ?? fallback, 1, 1_000_000);
  return {
    botTokens,
    clients,
    rotationExpiresIn,
    rateLimits: {
      tier1: perMinute('tier1', 1),
      tier2: perMinute('tier2', 20),
      tier3: perMinute('tier3', 50),
      tier4: perMinute('tier4', 100),
      postMessagePerChannelPerSecond: perMinute('postMessagePerChannelPerSecond', 1),
    },
    seedUsers: wholeNumber('seedUsers', options.seedUsers ?? 0, 0, 100_000),
    seedChannels: wholeNumber('seedChannels', options.seedChannels ?? 0, 0, 100_000),
  };
}
