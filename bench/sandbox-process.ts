/**
 * The Joinery sandbox (`startSandbox` from `@joinery/sandbox`) in a process of its own, so the
 * fake provider does not share an event loop with the load generator. The parent drives it
 * through the sandbox's control API (`/_sandbox/faults`, `/_sandbox/requests`, `/_sandbox/reset`).
 * Usage: `node sandbox-process.js <githubToken> <githubLogin>`. Prints `{"benchReady":{"url"}}`.
 */
import { startSandbox } from '@joinery/sandbox';
import { announceReady, endWithParent, lifetimeFromEnv } from './child-lifetime.js';

const [token, login] = process.argv.slice(2);
if (!token || !login) {
  process.stderr.write('usage: node sandbox-process.js <githubToken> <githubLogin>\n');
  process.exit(64);
}

const sandbox = await startSandbox({
  // GitHub's 5,000 requests/hour would end a soak of thousands of calls (and their retries) early.
  github: { tokens: { [token]: login }, rateLimit: 10_000_000 },
});
endWithParent(() => sandbox.close(), lifetimeFromEnv());
announceReady({ url: sandbox.url });
