/**
 * A refresh storm: several Joinery processes on one PostgreSQL, one OAuth connection whose access
 * token lives a few seconds, and hundreds of concurrent calls fired at each moment of expiry,
 * spread over the processes. Counts refresh grants at the provider (oidc-provider, rotation with
 * reuse detection on: a second refresh with the same token would revoke the grant).
 * Shared by `refresh-storm.int.test.ts` and `bench/refresh-storm.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@joinery/store';
import { TestBrowser, runConnectFlow } from './browser.js';
import { startOAuthPeer } from './oauth-peer.js';

export interface RefreshStormOptions {
  /** Joinery processes sharing the database. Defaults to 3. */
  processes?: number;
  /** Calls fired at once at each expiry. Defaults to 300. */
  callsPerExpiry?: number;
  /** Expiries to storm. Defaults to 5. */
  expiries?: number;
  /** The provider's access token lifetime. Defaults to 5 s. */
  accessTokenTtlSeconds?: number;
  /** Progress, one line at a time (the bench writes it to stderr). */
  log?: (line: string) => void;
}

export interface LatencySummary {
  count: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
}

export interface RefreshStormResult {
  processes: number;
  callsPerExpiry: number;
  expiries: number;
  accessTokenTtlSeconds: number;
  /** Refresh grants the provider issued in each storm; exactly 1 each is the aim. */
  refreshGrantsPerExpiry: number[];
  /**
   * Refresh grants during the baseline bursts: 0 when each burst fits inside the token's fresh
   * window (lifetime minus renewal margin); otherwise the baseline includes renewals too.
   */
  refreshGrantsDuringBaseline: number;
  calls: number;
  failedCalls: number;
  /** Failed calls by what they answered (`status code`). */
  failures: Record<string, number>;
  /** Grants the provider revoked (reuse detection would): 0 is the aim. */
  revokedGrants: number;
  /** Token requests the provider refused. */
  grantErrors: string[];
  /** The same bursts fired right after each storm, on the freshly renewed token. */
  baseline: LatencySummary;
  /** Calls fired at the moment of expiry. */
  atExpiry: LatencySummary;
  /** What the expiry adds over the fresh-token baseline. */
  addedMedianMs: number;
  addedP95Ms: number;
  durationMs: number;
}

interface Child {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

// packages/server/{src,dist}/connect/testing → the repository root, where `@joinery/server` resolves.
const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));

const CHILD_SCRIPT = `
import { loadConfig, startJoinery } from '@joinery/server';
const running = await startJoinery(loadConfig(process.env));
process.stdout.write(JSON.stringify({ stormReady: running.url }) + '\\n');
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(1), 8000).unref();
  running.close().then(() => process.exit(0), () => process.exit(1));
};
process.on('SIGTERM', stop);
process.stdin.on('close', stop);
process.stdin.resume();
`;

function startChild(
  name: string,
  env: Record<string, string>,
  log: (line: string) => void,
): Promise<Child> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD_SCRIPT], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
  };
  createInterface({ input: child.stderr }).on('line', (line) => log(`[${name}] ${line}`));
  return new Promise<Child>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${name} was not ready after 60 s`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before it was ready (code ${code})`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const ready = /^\{"stormReady":"([^"]+)"\}$/.exec(line);
      if (!ready) return log(`[${name}] ${line}`);
      clearTimeout(timer);
      resolve({ url: ready[1] as string, process: child, stop });
    });
  });
}

function summarise(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    count: sorted.length,
    medianMs: round(at(0.5)),
    p95Ms: round(at(0.95)),
    maxMs: round(sorted[sorted.length - 1] ?? 0),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function runRefreshStorm(
  options: RefreshStormOptions = {},
): Promise<RefreshStormResult> {
  const processes = options.processes ?? 3;
  const callsPerExpiry = options.callsPerExpiry ?? 300;
  const expiries = options.expiries ?? 5;
  const ttl = options.accessTokenTtlSeconds ?? 5;
  const log = options.log ?? (() => undefined);
  const started = performance.now();
  const database = await createTestDatabase();
  const secretKey = `jny_sk_${randomBytes(24).toString('base64url')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'joinery-storm-'));
  const randomKey = randomBytes(32).toString('base64');
  const env = (index: number): Record<string, string> => ({
    JOINERY_DATABASE_URL: database.url,
    JOINERY_ENCRYPTION_KEY: randomKey,
    JOINERY_SECRET_KEY: secretKey,
    JOINERY_PORT: '0',
    JOINERY_HOST: '127.0.0.1',
    JOINERY_DATA_DIR: join(dataDir, String(index)),
    JOINERY_LOG_LEVEL: 'warn',
    // The scheduler would renew ahead of the storm; here every renewal is left to the calls.
    JOINERY_TOKEN_REFRESH_INTERVAL_MS: '3600000',
  });
  const children: Child[] = [];
  let peer: Awaited<ReturnType<typeof startOAuthPeer>> | null = null;
  try {
    // The first process migrates the database; the others start once it has.
    children.push(await startChild('joinery-0', env(0), log));
    children.push(
      ...(await Promise.all(
        Array.from({ length: processes - 1 }, (_, i) =>
          startChild(`joinery-${i + 1}`, env(i + 1), log),
        ),
      )),
    );
    log(`${children.length} Joinery processes on ${database.url.replace(/\/\/[^@]*@/, '//')}`);
    peer = await startOAuthPeer({
      redirectUris: children.map((child) => `${child.url}/oauth/callback`),
      accessTokenTtlSeconds: ttl,
    });
    const api = async (child: Child, method: string, path: string, body?: unknown) => {
      const response = await fetch(`${child.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${secretKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return {
        status: response.status,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      };
    };
    const first = children[0] as Child;
    const put = await api(first, 'PUT', '/v1/integrations/storm', {
      connector: 'oauth2',
      baseUrl: peer.resourceUrl,
      allowPrivateNetwork: true,
      oauth: {
        clientId: peer.clientId,
        clientSecret: peer.clientSecret,
        scopes: ['api:read'],
        authorizationUrl: peer.authorizationUrl,
        tokenUrl: peer.tokenUrl,
      },
    });
    if (put.status !== 201)
      throw new Error(`PUT integration answered ${put.status}: ${JSON.stringify(put.body)}`);
    const session = await api(first, 'POST', '/v1/connect-sessions', {
      integration: 'storm',
      tenant: 'storm',
    });
    const flow = await runConnectFlow(new TestBrowser(), String(session.body.url));
    if (flow.result.status !== 200)
      throw new Error(`the Connect flow ended with ${flow.result.status}`);
    const listed = await api(first, 'GET', '/v1/connections?tenant=storm');
    const connectionId = String((listed.body.data as { id: string }[])[0]?.id);

    const failures: Record<string, number> = {};
    let calls = 0;
    const fire = async (count: number): Promise<number[]> => {
      const latencies: number[] = [];
      await Promise.all(
        Array.from({ length: count }, async (_, i) => {
          const child = children[i % children.length] as Child;
          const began = performance.now();
          // Half through the proxy (renewal before the call), half through an action (also once after a 401).
          const answer =
            i % 2 === 0
              ? await fetch(`${child.url}/v1/proxy/${connectionId}/api/whoami`, {
                  headers: { authorization: `Bearer ${secretKey}` },
                }).then(async (r) => ({ status: r.status, text: await r.text() }))
              : await fetch(`${child.url}/v1/connections/${connectionId}/actions/request`, {
                  method: 'POST',
                  headers: {
                    authorization: `Bearer ${secretKey}`,
                    'content-type': 'application/json',
                  },
                  body: JSON.stringify({ input: { path: '/api/whoami' } }),
                }).then(async (r) => ({ status: r.status, text: await r.text() }));
          latencies.push(performance.now() - began);
          calls++;
          if (answer.status !== 200) {
            let code = '';
            try {
              code = String(
                (JSON.parse(answer.text) as { error?: { code?: string } }).error?.code ?? '',
              );
            } catch {
              // Not JSON.
            }
            const key = `${answer.status} ${code}`.trim();
            failures[key] = (failures[key] ?? 0) + 1;
          }
        }),
      );
      return latencies;
    };

    // Warm every process's pools and JIT with one full burst; its figures are not kept.
    await fire(callsPerExpiry);
    const refreshGrants = () =>
      peer?.grants.filter((grant) => grant.type === 'refresh_token').length ?? 0;
    const perExpiry: number[] = [];
    const atExpiry: number[] = [];
    const baseline: number[] = [];
    let baselineGrants = 0;
    for (let round = 0; round < expiries; round++) {
      const connection = await api(first, 'GET', `/v1/connections/${connectionId}`);
      const expiresAt = Date.parse(String(connection.body.tokenExpiresAt));
      await sleep(expiresAt - Date.now());
      const before = refreshGrants();
      atExpiry.push(...(await fire(callsPerExpiry)));
      perExpiry.push(refreshGrants() - before);
      // The same burst again at once, on the token the storm just renewed: the paired baseline.
      const beforeBaseline = refreshGrants();
      baseline.push(...(await fire(callsPerExpiry)));
      baselineGrants += refreshGrants() - beforeBaseline;
      log(
        `expiry ${round + 1}/${expiries}: ${perExpiry[round]} refresh grant(s), ${Object.values(failures).reduce((a, b) => a + b, 0)} failed call(s) so far`,
      );
    }
    const base = summarise(baseline);
    const storm = summarise(atExpiry);
    return {
      processes,
      callsPerExpiry,
      expiries,
      accessTokenTtlSeconds: ttl,
      refreshGrantsPerExpiry: perExpiry,
      refreshGrantsDuringBaseline: baselineGrants,
      calls,
      failedCalls: Object.values(failures).reduce((a, b) => a + b, 0),
      failures,
      revokedGrants: peer.revokedGrants.length,
      grantErrors: [...peer.grantErrors],
      baseline: base,
      atExpiry: storm,
      addedMedianMs: Math.round((storm.medianMs - base.medianMs) * 10) / 10,
      addedP95Ms: Math.round((storm.p95Ms - base.p95Ms) * 10) / 10,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    await peer?.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
