/**
 * Joinery in a process of its own, as `joinery start` would run it, with one integration seeded
 * to point at the bench upstream. Usage: `node joinery-process.js <upstreamUrl> <dataDir>`.
 * Prints `{"benchReady":{"url","key","version","store"}}` once listening.
 *
 * By default it runs on the embedded PGlite store in `<dataDir>`, which must be fresh (the
 * generated secret key is what it announces). With BENCH_JOINERY_DATABASE_URL,
 * BENCH_JOINERY_ENCRYPTION_KEY and BENCH_JOINERY_SECRET_KEY it runs on that PostgreSQL database
 * instead, as several processes sharing one database do; start one first (it migrates), then the
 * others.
 *
 * With BENCH_CPU_PROFILE=<file>, it profiles itself from ready to stop and writes the
 * `.cpuprofile` there; `--cpu-prof` would also profile start-up, which on a fresh PGlite data
 * directory (initdb) outweighs a whole round of requests.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { VERSION, loadConfig, startJoinery } from '@joinery/server';
import { announceReady, endWithParent, lifetimeFromEnv } from './child-lifetime.js';

const [upstreamUrl, dataDir] = process.argv.slice(2);
if (!upstreamUrl || !dataDir) {
  process.stderr.write('usage: node joinery-process.js <upstreamUrl> <dataDir>\n');
  process.exit(64);
}

// Only what the bench sets: a JOINERY_DATABASE_URL or key in the caller's shell must not leak in.
const databaseUrl = process.env.BENCH_JOINERY_DATABASE_URL;
const config = loadConfig({
  JOINERY_PORT: '0',
  JOINERY_HOST: '127.0.0.1',
  JOINERY_DATA_DIR: dataDir,
  JOINERY_LOG_LEVEL: process.env.JOINERY_LOG_LEVEL ?? 'warn',
  ...(databaseUrl
    ? {
        JOINERY_DATABASE_URL: databaseUrl,
        JOINERY_ENCRYPTION_KEY: process.env.BENCH_JOINERY_ENCRYPTION_KEY,
        JOINERY_SECRET_KEY: process.env.BENCH_JOINERY_SECRET_KEY,
      }
    : {}),
});
const running = await startJoinery(config, {
  seedIntegrations: [
    { key: 'upstream', connector: 'github', baseUrl: upstreamUrl, allowPrivateNetwork: true },
  ],
});

const profilePath = process.env.BENCH_CPU_PROFILE;
const profiler = profilePath ? new Session() : null;
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}

endWithParent(async () => {
  if (profiler && profilePath) {
    const { profile } = await profiler.post('Profiler.stop');
    await writeFile(profilePath, JSON.stringify(profile));
  }
  await running.close();
}, lifetimeFromEnv());

const key = running.generatedSecretKey ?? config.secretKey?.reveal() ?? null;
if (key === null) {
  process.stderr.write(`no secret key was generated: ${dataDir} must be a fresh directory\n`);
  await running.close();
  process.exit(1);
}
announceReady({ url: running.url, key, version: VERSION, store: running.store });
