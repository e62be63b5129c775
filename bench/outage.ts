/**
 * bench/outage: thousands of async actions submitted while the provider is down, then recovery.
 *
 * The provider accepts `POST /orders` and takes no idempotency key, so every request it receives
 * is an effect: a lost run shows as a missing order, a doubled one as an extra order. While it is
 * "down" nothing listens on its port (connections are refused); once up, it enforces `limit`
 * requests per rolling second and answers 429 beyond. Joinery runs on PostgreSQL: an API process
 * (this one, executing nothing) and 1 or 3 `joinery worker` processes.
 *
 * Figures: orders at the provider vs runs submitted (lost, doubled), runs that ended otherwise,
 * the drain rate after recovery as a ratio to the provider's limit (1.00 = drained as fast as the
 * provider allows), and 429s received.
 *
 * Usage: npm run bench:outage [-- --runs 1500 --limit 50 --down-seconds 10 --workers 1,3]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig, startJoinery } from '@joinery/server';
import { createTestDatabase } from '@joinery/store';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1500' },
    limit: { type: 'string', default: '50' },
    'down-seconds': { type: 'string', default: '10' },
    workers: { type: 'string', default: '1,3' },
  },
});
const RUNS = Number(values.runs);
const LIMIT = Number(values.limit);
const DOWN_MS = Number(values['down-seconds']) * 1000;
const WORKER_COUNTS = (values.workers ?? '1,3').split(',').map(Number);
const bin = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

const connectorFile = `
export default ({ defineConnector, defineHttpAction, z }) =>
  defineConnector({
    id: 'orders',
    name: 'Orders',
    description: 'A provider that counts every order it receives (bench/outage).',
    docsUrl: 'https://example.com/docs',
    baseUrl: 'http://127.0.0.1',
    auth: [{ type: 'bearer' }],
    rateLimit: {
      headers: { retryAfter: 'retry-after' },
      limits: [{ name: 'per_second', requests: ${LIMIT}, perSeconds: 1, scope: 'integration' }],
    },
    actions: [
      defineHttpAction({
        name: 'create_order',
        description: 'Creates an order (a write the provider cannot deduplicate).',
        input: z.object({ ref: z.string() }),
        output: z.looseObject({ id: z.string(), ref: z.string() }),
        request: { method: 'POST', path: '/orders', body: 'rest' },
      }),
    ],
  });
`;

class Provider {
  readonly orders = new Map<string, number>();
  readonly window: number[] = [];
  rejected429 = 0;
  firstOrderAt = 0;
  lastOrderAt = 0;
  port = 0;
  readonly #server: Server;

  constructor() {
    this.#server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const now = Date.now();
        while (this.window.length > 0 && (this.window[0] ?? 0) <= now - 1000) this.window.shift();
        res.setHeader('content-type', 'application/json');
        if (this.window.length >= LIMIT) {
          this.rejected429++;
          res.statusCode = 429;
          res.setHeader('retry-after', '1');
          res.end('{"message":"rate limit exceeded"}');
          return;
        }
        this.window.push(now);
        const { ref } = JSON.parse(body) as { ref: string };
        this.orders.set(ref, (this.orders.get(ref) ?? 0) + 1);
        if (this.firstOrderAt === 0) this.firstOrderAt = now;
        this.lastOrderAt = now;
        res.statusCode = 201;
        res.end(JSON.stringify({ id: `ord_${this.orders.size}`, ref }));
      });
    });
  }

  /** Takes a free port, then goes down (nothing listens) until `up()`. */
  async reserve(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
    await this.down();
  }

  down(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  up(): Promise<void> {
    return new Promise((resolve) => this.#server.listen(this.port, '127.0.0.1', resolve));
  }
}

function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [bin, 'worker', '--concurrency', '32'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('is running')) resolve(child);
    });
    child.on('exit', (code) =>
      reject(new Error(`worker exited (${code}) before it was running: ${stderr.slice(-1000)}`)),
    );
  });
}

async function scenario(workerCount: number) {
  const database = await createTestDatabase();
  const dir = await mkdtemp(join(tmpdir(), 'joinery-outage-'));
  await writeFile(join(dir, 'orders.mjs'), connectorFile);
  const provider = new Provider();
  await provider.reserve();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    JOINERY_DATABASE_URL: database.url,
    JOINERY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    JOINERY_SECRET_KEY: `jny_sk_${randomBytes(24).toString('base64url')}`,
    JOINERY_CONNECTORS_DIR: dir,
    JOINERY_HEALTH_CHECK_INTERVAL_MS: '0',
    JOINERY_LOG_LEVEL: 'error',
    JOINERY_PORT: '0',
  };
  const api = await startJoinery(loadConfig(env), { worker: false });
  const workers: ChildProcess[] = [];
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  try {
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${api.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${env.JOINERY_SECRET_KEY ?? ''}`,
          'content-type': 'application/json',
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return JSON.parse(text) as Record<string, unknown>;
    };
    await call('PUT', '/v1/integrations/orders', {
      connector: 'orders',
      baseUrl: `http://127.0.0.1:${provider.port}`,
      allowPrivateNetwork: true,
    });
    const connection = await call('POST', '/v1/connections', {
      integration: 'orders',
      tenant: 'acme',
      credentials: { type: 'bearer', token: 'orders-token' },
    });
    for (let i = 0; i < workerCount; i++) workers.push(await startWorker(env));

    // The provider is down: submit every run (20 at a time), then keep it down a while longer.
    const downSince = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < RUNS) {
          const ref = `order-${next++}`;
          await call('POST', `/v1/connections/${String(connection.id)}/actions/create_order`, {
            input: { ref },
            async: true,
          });
        }
      }),
    );
    const submittedMs = Date.now() - downSince;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, DOWN_MS - submittedMs)));
    const beforeRecovery = await statusCounts(db);
    await provider.up();
    const upAt = Date.now();
    const deadline = upAt + Math.max(120_000, (RUNS / LIMIT) * 4000);
    let counts = beforeRecovery;
    for (;;) {
      counts = await statusCounts(db);
      const ended = (counts.succeeded ?? 0) + (counts.failed ?? 0) + (counts.dead ?? 0);
      if (ended >= RUNS) break;
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const drainedMs = Date.now() - upAt;
    const doubled = [...provider.orders.values()].filter((n) => n > 1).length;
    const lost = RUNS - provider.orders.size;
    const idealMs = (RUNS / LIMIT) * 1000;
    return {
      workers: workerCount,
      runs: RUNS,
      submitMs: submittedMs,
      queuedAtRecovery: (beforeRecovery.queued ?? 0) + (beforeRecovery.running ?? 0),
      ordersAtProvider: [...provider.orders.values()].reduce((a, b) => a + b, 0),
      lost,
      doubled,
      runsSucceeded: counts.succeeded ?? 0,
      runsFailedOrDead: (counts.failed ?? 0) + (counts.dead ?? 0),
      runsUnfinished: RUNS - ((counts.succeeded ?? 0) + (counts.failed ?? 0) + (counts.dead ?? 0)),
      drainSeconds: drainedMs / 1000,
      idealSeconds: idealMs / 1000,
      drainRatePerSecond: provider.orders.size / (drainedMs / 1000),
      drainRatioToLimit: provider.orders.size / (drainedMs / 1000) / LIMIT,
      timeRatioToIdeal: drainedMs / idealMs,
      received429: provider.rejected429,
    };
  } finally {
    await Promise.all(
      workers.map(
        (child) =>
          new Promise<void>((resolve) => {
            // A worker that already exited (it crashed, or failed to start) emits no more 'exit'.
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    await db.end();
    await api.close();
    // Resolves whether or not it is listening (close reports "not running" to its callback).
    await provider.down();
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function statusCounts(db: pg.Client): Promise<Record<string, number>> {
  const { rows } = await db.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM runs GROUP BY status',
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

const results = [];
for (const count of WORKER_COUNTS) {
  process.stderr.write(`outage: ${RUNS} runs, provider limit ${LIMIT}/s, ${count} worker(s)…\n`);
  results.push(await scenario(count));
}
process.stdout.write(
  `${JSON.stringify({ bench: 'outage', limit: LIMIT, downMs: DOWN_MS, results }, null, 2)}\n`,
);
process.stdout.write(
  [
    '',
    'workers  runs  at provider  lost  doubled  failed/dead  unfinished  drain s  ideal s  drain/limit  429s',
    ...results.map((r) =>
      [
        String(r.workers).padStart(7),
        String(r.runs).padStart(5),
        String(r.ordersAtProvider).padStart(12),
        String(r.lost).padStart(5),
        String(r.doubled).padStart(8),
        String(r.runsFailedOrDead).padStart(12),
        String(r.runsUnfinished).padStart(11),
        r.drainSeconds.toFixed(1).padStart(8),
        r.idealSeconds.toFixed(1).padStart(8),
        `${r.drainRatioToLimit.toFixed(2)}×`.padStart(12),
        String(r.received429).padStart(5),
      ].join(' '),
    ),
    '',
  ].join('\n'),
);
