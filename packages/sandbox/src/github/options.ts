export interface GitHubSandboxOptions {
  /** Accepted tokens and the login each one authenticates as. Defaults to {@link DEMO_TOKEN} → `octocat`. */
  tokens?: Record<string, string>;
  /** Primary rate limit per token per hour. Defaults to 5000, GitHub's for a personal access token. */
  rateLimit?: number;
  /** Repositories seeded for each login; the first has 75 issues, the others 3. Defaults to 5. */
  seedRepos?: number;
}

/** Fake, and printed by the CLI: a classic personal access token's shape, not a secret. */
export const DEMO_TOKEN = 'ghp_sandbox_demo_token';
export const DEMO_LOGIN = 'octocat';

export interface ResolvedGitHubOptions {
  tokens: ReadonlyMap<string, string>;
  rateLimit: number;
  seedRepos: number;
}

export function resolveGitHubOptions(options: GitHubSandboxOptions = {}): ResolvedGitHubOptions {
  const tokens = new Map(Object.entries(options.tokens ?? { [DEMO_TOKEN]: DEMO_LOGIN }));
  for (const [token, login] of tokens) {
    if (!/^\S+$/.test(token))
      throw new RangeError('github.tokens: every token must be non-empty with no spaces.');
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(login)) {
      throw new RangeError(
        `github.tokens: "${login}" is not a GitHub login (letters, digits and hyphens, at most 39).`,
      );
    }
  }
  const rateLimit = options.rateLimit ?? 5000;
  if (!Number.isInteger(rateLimit) || rateLimit < 1)
    throw new RangeError(`github.rateLimit must be a whole number ≥ 1 (got ${rateLimit}).`);
  const seedRepos = options.seedRepos ?? 5;
  if (!Number.isInteger(seedRepos) || seedRepos < 0 || seedRepos > 1000) {
    throw new RangeError(
      `github.seedRepos must be a whole number from 0 to 1000 (got ${seedRepos}).`,
    );
  }
  return { tokens, rateLimit, seedRepos };
}
