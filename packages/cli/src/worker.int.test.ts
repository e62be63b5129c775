// Real `joinery worker` processes on one PostgreSQL database, killed with SIGKILL again and again
// while they execute runs against a provider that counts every effect.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type JoineryClient, type Run } from '@joinery/sdk';
import { loadConfig, startJoinery, type RunningJoinery } from '@joinery/server';
import { createTestDatabase, type TestDatabase } from '@joinery/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

const connectorFile = (id: string, idempotencyHeader: boolean, path: string) => `
export default ({ defineConnector, defineHttpAction, z }) =>
  defineConnector({
    id: '${id}',
    name: '${id}',
    description: 'A provider that counts effects, for the worker crash test.',
    docsUrl: 'https://example.com/docs',
    baseUrl: 'http://127.0.0.1',
    auth: [{ type: 'bearer' }],
    ${idempotencyHeader ? "idempotencyHeader: 'Idempotency-Key'," : ''}
    actions: [
      defineHttpAction({
        name: 'create',
        description: 'Creates a record (a write).',
        input: z.object({ ref: z.string() }),
        output: z.looseObject({ id: z.string(), ref: z.string() }),
        request: { method: 'POST', path: '${path}', body: 'rest' },
      }),
    ],
  });
`;

/**
 * The provider: POST /charges honours Idempotency-Key (a repeat returns the first answer and
 * changes nothing, as Stripe does); POST /notes takes no key (every request is an effect). Each
 * answer takes 300–1000 ms, so kills land while requests are in flight.
 */
function startLedger(): Promise<{
  server: Server;
  url: string;
  charges: Map<string, string[]>;
  notes: Map<string, number>;
}> {
  const charges = new Map<string, string[]>(); // ref → idempotency keys that took effect
  const answered = new Map<string, string>(); // idempotency key → stored answer
  const notes = new Map<string, number>(); // ref → effects
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const { ref } = JSON.parse(body || '{}') as { ref: string };
      setTimeout(
        () => {
          res.setHeader('content-type', 'application/json');
          if (req.url === '/charges') {
            const key = req.headers['idempotency-key'];
            if (typeof key !== 'string') {
              res.statusCode = 400;
              res.end('{"message":"Idempotency-Key required"}');
              return;
            }
            let answer = answered.get(key);
            if (answer === undefined) {
              charges.set(ref, [...(charges.get(ref) ?? []), key]);
              answer = JSON.stringify({ id: `ch_${answered.size + 1}`, ref });
              answered.set(key, answer);
            }
            res.statusCode = 201;
            res.end(answer);
            return;
          }
          notes.set(ref, (notes.get(ref) ?? 0) + 1);
          res.statusCode = 201;
          res.end(JSON.stringify({ id: `note_${ref}`, ref }));
        },
        300 + Math.random() * 700,
      );
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        charges,
        notes,
      }),
    ),
  );
}

describe('joinery worker killed with SIGKILL mid-run', { timeout: 180_000 }, () => {
  let database: TestDatabase;
  let dir: string;
  let ledger: Awaited<ReturnType<typeof startLedger>>;
  let api: RunningJoinery;
  let client: JoineryClient;
  const workers = new Set<ChildProcess>();
  let env: Record<string, string>;
  let ready = 0;

  function startWorkerProcess(): ChildProcess {
    const child = spawn(process.execPath, [bin, 'worker', '--concurrency', '3'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('is running')) ready++;
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code, signal) => {
      workers.delete(child);
      if (signal !== 'SIGKILL' && signal !== 'SIGTERM' && code !== 0)
        process.stderr.write(`worker exited with ${code}: ${stderr.slice(-2000)}\n`);
    });
    workers.add(child);
    return child;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'joinery-worker-crash-'));
    await writeFile(join(dir, 'ledger.mjs'), connectorFile('ledger', true, '/charges'));
    await writeFile(join(dir, 'notes.mjs'), connectorFile('notes', false, '/notes'));
    ledger = await startLedger();
    env = {
      PATH: process.env.PATH ?? '',
      JOINERY_DATABASE_URL: database.url,
      JOINERY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      JOINERY_SECRET_KEY: `jny_sk_${randomBytes(24).toString('base64url')}`,
      JOINERY_CONNECTORS_DIR: dir,
      JOINERY_RUN_LEASE_MS: '1500',
      JOINERY_HEALTH_CHECK_INTERVAL_MS: '0',
      JOINERY_LOG_LEVEL: 'error',
      JOINERY_PORT: '0',
    };
    // The API process executes nothing: every run is left to the worker processes.
    api = await startJoinery(loadConfig(env), { worker: false });
    client = createClient({ url: api.url, secretKey: env.JOINERY_SECRET_KEY ?? '' });
    for (const [key, connector] of [
      ['ledger', 'ledger'],
      ['notes', 'notes'],
    ] as const)
      await client.integrations.put(key, {
        connector,
        baseUrl: ledger.url,
        allowPrivateNetwork: true,
      });
  });
  afterAll(async () => {
    for (const child of workers) child.kill('SIGKILL');
    await api?.close();
    await new Promise((resolve) => ledger?.server.close(resolve));
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('completes every run, no effect happens twice at the provider, and each cron tick runs once', async () => {
    const ledgerConn = await client.connections.create({
      integration: 'ledger',
      tenant: 'acme',
      credentials: { type: 'bearer', token: 'ledger-token' },
    });
    const notesConn = await client.connections.create({
      integration: 'notes',
      tenant: 'acme',
      credentials: { type: 'bearer', token: 'notes-token' },
    });
    const submitted: { runId: string; kind: 'charge' | 'note'; ref: string }[] = [];
    for (let i = 0; i < 40; i++) {
      const ref = `c${i}`;
      const { runId } = await client.runs.submit(ledgerConn.id, 'create', { ref });
      submitted.push({ runId, kind: 'charge', ref });
    }
    for (let i = 0; i < 20; i++) {
      const ref = `n${i}`;
      const { runId } = await client.runs.submit(notesConn.id, 'create', { ref });
      submitted.push({ runId, kind: 'note', ref });
    }

    // A cron flow ticking every second while workers come and go: one run per tick.
    const tick = await client.flows.put({
      name: 'tick',
      trigger: { type: 'schedule', cron: '* * * * * *' },
      steps: [{ id: 'at', type: 'transform', expression: 'trigger.scheduledAt' }],
    });
    for (let i = 0; i < 3; i++) startWorkerProcess();
    while (ready < 3) await new Promise((resolve) => setTimeout(resolve, 50));
    // Kill a random worker every 700 ms and start a new one, for 8 s.
    let kills = 0;
    const until = Date.now() + 8_000;
    while (Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 700));
      const victims = [...workers];
      const victim = victims[Math.floor(Math.random() * victims.length)];
      if (victim) {
        victim.kill('SIGKILL');
        kills++;
      }
      startWorkerProcess();
    }
    expect(kills).toBeGreaterThanOrEqual(8);

    const final = new Map<string, Run>();
    const deadline = Date.now() + 40_000;
    while (final.size < submitted.length) {
      if (Date.now() > deadline)
        throw new Error(`${submitted.length - final.size} runs never finished`);
      for (const { runId } of submitted) {
        if (final.has(runId)) continue;
        const run = await client.runs.get(runId);
        if (['succeeded', 'failed', 'dead'].includes(run.status)) final.set(runId, run);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }

    // Kills landed mid-run: some runs were executed more than once.
    const resumed = [...final.values()].filter((run) => run.attempts > 1);
    expect(resumed.length).toBeGreaterThan(0);

    for (const { runId, kind, ref } of submitted) {
      const run = final.get(runId) as Run;
      if (kind === 'charge') {
        // The provider takes an idempotency key: a resumed step sends the same one.
        expect(run.status).toBe('succeeded');
        expect(ledger.charges.get(ref)).toHaveLength(1);
      } else {
        // No idempotency key at the provider: never sent twice. A write cut off mid-flight is
        // not guessed at: it is dead-lettered as "may have taken effect".
        const effects = ledger.notes.get(ref) ?? 0;
        expect(effects).toBeLessThanOrEqual(1);
        if (run.status === 'succeeded') expect(effects).toBe(1);
        else {
          expect(run.status).toBe('dead');
          expect(run.error?.message).toMatch(/may have taken effect/);
        }
      }
    }
    // The schedule kept firing while workers came and went, and since, while the runs finished.
    await client.flows.delete(tick.id);
    const ticks = (await client.runs.list({ flow: tick.id, limit: 500 })).data;
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    const fired = ticks.map((run) => String(run.trigger.at));
    expect(new Set(fired).size).toBe(fired.length);
    // Every charge took effect exactly once: 40 refs, 40 distinct keys.
    const keys = [...ledger.charges.values()].flat();
    expect(new Set(keys).size).toBe(40);
    expect(ledger.charges.size).toBe(40);
    process.stdout.write(
      `worker crash test: ${kills} kills, ${resumed.length} runs resumed, notes dead-lettered as uncertain: ${[...final.values()].filter((r) => r.status === 'dead').length}\n`,
    );
  });
});
