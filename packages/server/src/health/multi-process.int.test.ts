import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '@joinery/sandbox';
import { createTestDatabase, type TestDatabase } from '@joinery/store';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { startJoinery, type RunningJoinery } from '../start.js';

/*
 * Two Joinery processes (two engines, two HTTP servers) sharing one PostgreSQL database, both
 * running the health monitor: each connection is checked at most once per interval between them,
 * and a problem seen by both is announced once, its recovery once.
 */
const INTERVAL_MS = 250;

describe('health monitor across processes (PostgreSQL)', { timeout: 60_000 }, () => {
  const token = `ghp_${randomBytes(16).toString('hex')}`;
  const secretKey = `jny_sk_${randomBytes(24).toString('base64url')}`;
  let sandbox: Sandbox;
  let database: TestDatabase;
  let slackServer: Server;
  let slackUrl: string;
  const posts: string[] = [];
  const processes: RunningJoinery[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ github: { tokens: { [token]: 'mona' } } });
    database = await createTestDatabase();
    slackServer = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        posts.push((JSON.parse(body) as { text: string }).text);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => slackServer.listen(0, '127.0.0.1', resolve));
    slackUrl = `http://127.0.0.1:${(slackServer.address() as AddressInfo).port}/hook`;
    const encryptionKey = randomBytes(32).toString('base64');
    for (let i = 0; i < 2; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'joinery-health-'));
      dirs.push(dir);
      processes.push(
        await startJoinery(
          loadConfig({
            JOINERY_PORT: '0',
            JOINERY_DATA_DIR: dir,
            JOINERY_DATABASE_URL: database.url,
            JOINERY_ENCRYPTION_KEY: encryptionKey,
            JOINERY_SECRET_KEY: secretKey,
            JOINERY_HEALTH_CHECK_INTERVAL_MS: String(INTERVAL_MS),
            JOINERY_ALERT_SLACK_URL: slackUrl,
          }),
          {
            logger: pino({ level: 'silent' }),
            resilience: { retry: { maxAttempts: 1 } },
            health: { state: { failureThreshold: 2 } },
          },
        ),
      );
    }
  });
  afterAll(async () => {
    for (const running of processes) await running.close();
    await database?.drop();
    await sandbox?.close();
    await new Promise((resolve) => slackServer?.close(resolve));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const api = async (index: number, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${processes[index]?.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${secretKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  async function waitFor(what: string, probe: () => boolean | Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('checks each connection at most once per interval, and announces a problem once', async () => {
    expect(
      (
        await api(0, 'PUT', '/v1/integrations/gh', {
          connector: 'github',
          baseUrl: `${sandbox.url}/github`,
          allowPrivateNetwork: true,
        })
      ).status,
    ).toBe(201);
    const ids: string[] = [];
    for (const tenant of ['a', 'b', 'c']) {
      const created = await api(1, 'POST', '/v1/connections', {
        integration: 'gh',
        tenant,
        credentials: { type: 'api_key', apiKey: token },
      });
      expect(created.status).toBe(201);
      ids.push(created.body.id as string);
    }
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 8));
    const elapsed = Date.now() - started;
    for (const id of ids) {
      const checks = (await api(0, 'GET', `/v1/logs?connection=${id}&limit=1000`)).body.data
        .filter((e: { source: string }) => e.source === 'health_check')
        // When each request started (entries are stamped when they end).
        .map((e: { at: string; durationMs: number }) => Date.parse(e.at) - e.durationMs)
        .sort((a: number, b: number) => a - b);
      // The creation check plus at most one per interval: two processes checking on their own would double it.
      expect(checks.length).toBeGreaterThanOrEqual(3);
      expect(checks.length).toBeLessThanOrEqual(Math.ceil(elapsed / INTERVAL_MS) + 2);
      const scheduled = checks.slice(1);
      for (let i = 1; i < scheduled.length; i++)
        expect(scheduled[i] - scheduled[i - 1]).toBeGreaterThanOrEqual(INTERVAL_MS * 0.9);
    }

    // The provider starts refusing the key (401 for /user): both processes see it.
    sandbox.faults.add({ path: '/user', fault: { kind: 'status', status: 401 }, times: Infinity });
    const first = ids[0] as string;
    await waitFor('the firing notice', () => posts.some((p) => p.includes(first)));
    await waitFor('every connection in needs_reauth', async () => {
      const health = await api(1, 'GET', '/v1/health/connections?state=needs_reauth');
      return health.body.data.length === 3;
    });
    sandbox.faults.clear();
    await waitFor('healthy again', async () => {
      const health = await api(0, 'GET', '/v1/health/connections?state=healthy');
      return health.body.data.length === 3;
    });
    await waitFor('the recovery notices', () =>
      ids.every((id) => posts.some((p) => p.includes(id) && p.includes(' resolved'))),
    );
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 4));
    for (const id of ids) {
      expect(posts.filter((p) => p.includes(id) && p.includes(' firing'))).toHaveLength(1);
      expect(posts.filter((p) => p.includes(id) && p.includes(' resolved'))).toHaveLength(1);
      const transitions = (await api(1, 'GET', `/v1/health/connections/${id}/transitions`)).body
        .data;
      expect(transitions.map((t: { from: string; to: string }) => `${t.from}>${t.to}`)).toEqual([
        'needs_reauth>healthy',
        'healthy>needs_reauth',
      ]);
    }
  });
});
