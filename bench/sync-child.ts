/**
 * One store's half of `bench/sync`: Joinery (`startJoinery`) on PGlite or PostgreSQL in this
 * process, a HubSpot connection to the sandbox's generated contacts, a full sync, then 1 % of
 * the contacts changed and an incremental sync. Reports times, counts and this process's peak
 * RSS (`process.resourceUsage().maxRSS`), so each store's memory is its own.
 * Usage: `node sync-child.js <pglite|postgres> <sandboxUrl> <records> <dataDir>`; PostgreSQL takes
 * BENCH_JOINERY_DATABASE_URL.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig, startJoinery } from '@joinery/server';
import { announceReady, announceResult, endWithParent, lifetimeFromEnv } from './child-lifetime.js';

const [store, sandboxUrl, recordsArg, dataDir] = process.argv.slice(2);
const records = Number(recordsArg);
if ((store !== 'pglite' && store !== 'postgres') || !sandboxUrl || !dataDir || !(records > 0)) {
  process.stderr.write(
    'usage: node sync-child.js <pglite|postgres> <sandboxUrl> <records> <dataDir>\n',
  );
  process.exit(64);
}
const TOKEN = 'pat-na1-5a4d0b1e-0000-4000-8000-000000000001';
const SCOPE = { environmentId: 'env_default' };

async function generate(body: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${sandboxUrl}/hubspot/_sandbox/generated-contacts`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ count: records, unthrottled: true, ...body }),
  });
  if (response.status !== 200)
    throw new Error(`the sandbox refused the dataset: ${await response.text()}`);
}

const databaseUrl = process.env.BENCH_JOINERY_DATABASE_URL;
const config = loadConfig({
  JOINERY_PORT: '0',
  JOINERY_HOST: '127.0.0.1',
  JOINERY_DATA_DIR: dataDir,
  JOINERY_LOG_LEVEL: 'warn',
  ...(store === 'postgres'
    ? {
        JOINERY_DATABASE_URL: databaseUrl,
        JOINERY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        JOINERY_SECRET_KEY: `jny_sk_${randomBytes(24).toString('base64url')}`,
      }
    : {}),
});
const running = await startJoinery(config, {
  // Runs are started by this script, not by the scheduler.
  syncSchedulerIntervalMs: 3_600_000,
  seedIntegrations: [
    {
      key: 'hs',
      connector: 'hubspot',
      baseUrl: `${sandboxUrl}/hubspot`,
      allowPrivateNetwork: true,
      // No declared limits: the bench measures Joinery, not HubSpot's 100 requests per 10 s
      // (which caps a real account near 1,000 contacts/s with 100 per page, 1,900 on the top tier).
      rateLimits: [],
    },
  ],
});
endWithParent(() => running.close(), lifetimeFromEnv());
announceReady({ store });

const engine = running.engine;
await generate({});
const connection = await engine.connections.create(SCOPE, {
  integration: 'hs',
  tenant: 'bench',
  credentials: { type: 'bearer', token: TOKEN },
});
const sync = await engine.syncs.create(SCOPE, { connectionId: connection.id, sync: 'contacts' });
const rssAtStartMb = process.memoryUsage().rss / 1024 / 1024;

let started = performance.now();
const full = await engine.syncs.runNow(SCOPE, sync.id, { full: true });
const fullSeconds = (performance.now() - started) / 1000;
if (full.status !== 'succeeded')
  throw new Error(`the full run ${full.status}: ${full.error?.message}`);

await generate({ changedFraction: 0.01 });
started = performance.now();
const incremental = await engine.syncs.runNow(SCOPE, sync.id);
const incrementalSeconds = (performance.now() - started) / 1000;
if (incremental.status !== 'succeeded')
  throw new Error(`the incremental run ${incremental.status}: ${incremental.error?.message}`);

announceResult({
  store,
  full: {
    seconds: fullSeconds,
    seen: full.records.seen,
    added: full.records.added,
    pages: full.pages,
  },
  incremental: {
    kind: incremental.kind,
    seconds: incrementalSeconds,
    seen: incremental.records.seen,
    updated: incremental.records.updated,
    pages: incremental.pages,
  },
  rssAtStartMb,
  // maxRSS is in kilobytes.
  peakRssMb: process.resourceUsage().maxRSS / 1024,
});
