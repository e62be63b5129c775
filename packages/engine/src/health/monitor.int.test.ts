import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { sql } from 'drizzle-orm';
import { openStore, type Database, type Store } from '@joinery/store';
import { pino } from 'pino';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import type { ConnectorDefinition } from '../connector/types.js';
import { CredentialCipher } from '../credential-cipher.js';
import { Engine } from '../engine.js';
import { Secret } from '../secret.js';
import { DEFAULT_ENVIRONMENT } from '../secret-keys.js';
import { slackChannel } from './alerts.js';
import { query } from './signals.js';

/*
 * The health monitor and the alerts on a real embedded store, with a real Slack-compatible
 * incoming webhook on loopback that can answer, hold its answer, or refuse.
 */

const scope = { environmentId: DEFAULT_ENVIRONMENT };

/** A connector with no health check: the monitor watches its connections through their calls. */
const plain: ConnectorDefinition = {
  id: 'plain',
  name: 'Plain',
  description: 'a provider with no health check',
  docsUrl: 'https://example.com/docs',
  baseUrl: 'http://127.0.0.1:9',
  auth: [{ type: 'bearer' }],
  actions: [],
};

type SlackMode = 'ok' | 'hold' | 'fail';

interface SlackReceiver {
  url: string;
  /** The secret part of the URL. */
  path: string;
  mode: SlackMode;
  posts: string[];
  held: ServerResponse[];
  release(): void;
  close(): Promise<void>;
}

async function startSlack(): Promise<SlackReceiver> {
  const path = `/services/T000/B000/${randomBytes(12).toString('hex')}`;
  const receiver: SlackReceiver = {
    url: '',
    path,
    mode: 'ok',
    posts: [],
    held: [],
    release() {
      for (const res of receiver.held.splice(0)) res.writeHead(200).end('ok');
    },
    close: () => Promise.resolve(),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      receiver.posts.push((JSON.parse(body) as { text: string }).text);
      if (receiver.mode === 'hold') receiver.held.push(res);
      // A refusal that repeats the URL it was sent to, as some proxies do.
      else if (receiver.mode === 'fail')
        res.writeHead(500).end(`no_service: ${req.url ?? ''} at http://${req.headers.host ?? ''}`);
      else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  receiver.close = () =>
    new Promise((resolve) => {
      receiver.release();
      server.close(() => resolve());
    });
  return receiver;
}

/** Counts the statements the engine sends: every query builder started and every raw statement. */
function counting(db: Database): { db: Database; count: () => number } {
  let statements = 0;
  const counted = new Set<PropertyKey>(['select', 'insert', 'update', 'delete', 'execute']);
  const proxy = new Proxy(db, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (!counted.has(property)) return fn.bind(target);
      return (...args: unknown[]) => {
        statements++;
        return fn.apply(target, args);
      };
    },
  });
  return { db: proxy, count: () => statements };
}

interface Setup {
  engine: Engine;
  store: Store;
  logs: string[];
  statements: () => number;
}

async function waitFor(what: string, probe: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('health monitor and alerts on PGlite', { timeout: 30_000 }, () => {
  let slack: SlackReceiver;
  const teardown: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    slack = await startSlack();
  });
  afterAll(async () => {
    await slack?.close();
  });
  afterEach(async () => {
    for (const step of teardown.splice(0).reverse()) await step();
    slack.mode = 'ok';
    slack.release();
    slack.posts.length = 0;
  });

  async function setup(slackUrl = slack.url): Promise<Setup> {
    const store = await openStore({ kind: 'pglite', dataDir: null });
    const logs: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString('utf8'));
        done();
      },
    });
    const { db, count } = counting(store.db);
    const engine = new Engine({
      db,
      storeKind: 'pglite',
      cipher: new CredentialCipher([new Secret(randomBytes(32))]),
      connectors: [plain],
      logger: pino({ level: 'debug' }, sink),
      publicUrl: 'http://127.0.0.1:3003',
      health: { alertSlackUrl: new Secret(slackUrl) },
    });
    await engine.secretKeys.bootstrap(null);
    await engine.integrations.put(DEFAULT_ENVIRONMENT, 'plain', {
      connector: 'plain',
      allowPrivateNetwork: true,
    });
    teardown.push(async () => {
      await engine.close();
      await store.close();
    });
    return { engine, store, logs, statements: count };
  }

  async function connect(engine: Engine, tenant: string): Promise<string> {
    const created = await engine.connections.create(scope, {
      integration: 'plain',
      tenant,
      credentials: { type: 'bearer', token: `tok_${tenant}` },
    });
    return created.id;
  }

  /** A quota nearly used up makes the `quota_low` alert fire at the next tick. */
  async function exhaustQuota(store: Store, name: string): Promise<void> {
    await store.db.execute(
      sql`INSERT INTO provider_quotas (environment_id, integration_key, name, used, "limit")
          VALUES (${DEFAULT_ENVIRONMENT}, 'plain', ${name}, 99, 100)`,
    );
  }

  async function alertRow(store: Store, name: string) {
    const rows = await query<{
      notified_firing_at: Date | string | null;
      delivery_error: string | null;
    }>(
      store.db,
      sql`SELECT notified_firing_at, delivery_error FROM alerts WHERE subject = ${`plain/${name}`}`,
    );
    return rows[0];
  }

  it('lists many connections in as many statements as a few, with each one’s own signals', async () => {
    const { engine, store, statements } = await setup();
    const first = await connect(engine, 't0');
    await connect(engine, 't1');
    // First a success, then three network failures in a row, on the first connection only.
    const now = Date.now();
    for (const [i, code] of [null, 'network', 'network', 'timeout'].entries())
      await store.db.execute(
        sql`INSERT INTO request_log (id, at, environment_id, connection_id, integration_key, tenant, source,
                                     method, url, status, duration_ms, error_code, request_id, attempt)
            VALUES (${`log_${i}`}, ${new Date(now - 1_000 + i).toISOString()}::timestamptz, ${DEFAULT_ENVIRONMENT},
                    ${first}, 'plain', 't0', 'proxy', 'GET', 'http://127.0.0.1:9/x', ${code === null ? 200 : null},
                    ${10 * (i + 1)}, ${code}, ${`req_${i}`}, 1)`,
      );
    await store.db.execute(
      sql`INSERT INTO provider_quotas (environment_id, integration_key, name, used, "limit")
          VALUES (${DEFAULT_ENVIRONMENT}, 'plain', 'daily', 75, 100)`,
    );

    const measure = async () => {
      const before = statements();
      const views = await engine.health.connectionsHealth(scope);
      return { views, statements: statements() - before };
    };
    const few = await measure();
    expect(few.views).toHaveLength(2);
    for (let i = 2; i < 12; i++) await connect(engine, `t${i}`);
    const many = await measure();
    expect(many.views).toHaveLength(12);
    expect(many.statements).toBe(few.statements);
    expect(many.statements).toBeLessThanOrEqual(3);

    const failing = many.views.find((v) => v.connectionId === first);
    expect(failing?.signals).toMatchObject({
      calls: 4,
      failures: 3,
      errorRate: 0.75,
      consecutiveFailures: 3,
      lastFailureCode: 'timeout',
      latencyP50Ms: 25,
      quotaHeadroom: 0.25,
    });
    expect(failing?.signals.lastSuccessAt).toBe(new Date(now - 1_000).toISOString());
    const quiet = many.views.find((v) => v.tenant === 't5');
    expect(quiet?.signals).toMatchObject({
      calls: 0,
      failures: 0,
      consecutiveFailures: 0,
      lastFailureCode: null,
      lastSuccessAt: null,
      latencyP50Ms: null,
      quotaHeadroom: 0.25,
    });
    // The one-connection path reads the same.
    const [single] = await engine.health.connectionsHealth(scope, { connectionId: first });
    expect(single?.signals).toEqual(failing?.signals);
  });

  it('records a state changed elsewhere at the next tick, not on a read; a deleted connection’s row goes with it', async () => {
    const { engine, store, logs } = await setup();
    const id = await connect(engine, 'acme');
    await engine.health.tick();
    const transitions = async () =>
      (
        await query<{ from_state: string; to_state: string }>(
          store.db,
          sql`SELECT from_state, to_state FROM connection_transitions WHERE connection_id = ${id}`,
        )
      ).map((t) => `${t.from_state}>${t.to_state}`);

    // A call finds the provider failing (what the pipeline writes).
    await store.db.execute(
      sql`UPDATE connections SET state = 'degraded', updated_at = now(),
                 last_error = ${JSON.stringify({ code: 'network', message: 'connection reset', at: new Date().toISOString() })}::jsonb
          WHERE id = ${id}`,
    );
    const [view] = await engine.health.connectionsHealth(scope);
    expect(view).toMatchObject({ state: 'degraded', reason: 'network: connection reset' });
    expect(await transitions()).toEqual([]);

    await engine.health.tick();
    await engine.health.tick();
    expect(await transitions()).toEqual(['healthy>degraded']);

    await engine.connections.delete(scope, id);
    const health = await query<{ n: number }>(
      store.db,
      sql`SELECT count(*)::int AS n FROM connection_health WHERE connection_id = ${id}`,
    );
    expect(health[0]?.n).toBe(0);
    await engine.health.tick();
    expect(logs.join('')).not.toContain('tick failed');
  });

  it('a tick does not wait for Slack: the notice goes out on its own loop', async () => {
    const { engine, store } = await setup();
    await exhaustQuota(store, 'held');
    slack.mode = 'hold';
    const started = Date.now();
    const outcome = await Promise.race([
      engine.health.tick().then(() => 'ticked'),
      new Promise((resolve) => setTimeout(() => resolve('held up'), 3_000)),
    ]);
    expect(outcome).toBe('ticked');
    expect(Date.now() - started).toBeLessThan(3_000);
    await waitFor('Slack to receive the notice', () => slack.held.length === 1);
    expect((await alertRow(store, 'held'))?.delivery_error).toBeNull();

    slack.release();
    await engine.alerts.idle();
    const row = await alertRow(store, 'held');
    expect(row?.notified_firing_at).not.toBeNull();
    expect(row?.delivery_error).toBeNull();
    expect(slack.posts.filter((p) => p.includes('quota "held"'))).toHaveLength(1);
  });

  it('stopping gives up the notice being sent, and says so', async () => {
    const { engine, store, logs } = await setup();
    await exhaustQuota(store, 'stopping');
    slack.mode = 'hold';
    await engine.health.tick();
    await waitFor('Slack to receive the notice', () => slack.held.length === 1);
    const started = Date.now();
    await engine.health.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await alertRow(store, 'stopping'))?.delivery_error).toMatch(
      /^slack: Joinery stopped before the notice was delivered/,
    );
    expect(logs.some((line) => line.includes('alert notice could not be delivered (slack)'))).toBe(
      true,
    );
  });

  it('a refusing Slack URL appears in no error, log line or alert', async () => {
    const { engine, store, logs } = await setup();
    await exhaustQuota(store, 'refused');
    slack.mode = 'fail';
    await engine.health.tick();
    await engine.alerts.idle();
    expect(slack.posts).toHaveLength(3);
    const row = await alertRow(store, 'refused');
    expect(row?.delivery_error).toMatch(
      /^slack: the Slack webhook at 127\.0\.0\.1:\d+ answered 500/,
    );
    const everything = [row?.delivery_error ?? '', ...logs].join('\n');
    expect(everything).toContain('no_service: [secret]');
    expect(everything).not.toContain(slack.path);
    expect(everything).not.toContain(slack.path.split('/').pop());
    const metrics = await engine.metrics.text();
    expect(metrics).toMatch(
      /joinery_alert_notices_total\{[^}]*channel="slack",outcome="failed"\} 1/,
    );
  });

  it('an unreachable Slack URL appears in no error or log line either', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const secretPath = `/services/T1/B1/${randomBytes(12).toString('hex')}`;
    const url = `http://127.0.0.1:${port}${secretPath}`;
    const { engine, store, logs } = await setup(url);
    await exhaustQuota(store, 'unreachable');
    await engine.health.tick();
    await engine.alerts.idle();
    const row = await alertRow(store, 'unreachable');
    expect(row?.delivery_error).toMatch(
      /^slack: the Slack webhook at 127\.0\.0\.1:\d+ could not be reached/,
    );
    const everything = [row?.delivery_error ?? '', ...logs].join('\n');
    expect(everything).not.toContain(secretPath.split('/').pop());
    // The channel itself keeps the URL to itself.
    const channel = slackChannel(new Secret(url));
    expect(inspect(channel, { depth: 5 })).not.toContain(secretPath);
    const error: unknown = await channel
      .send(
        {
          kind: 'firing',
          alert: {
            id: 'alert_1',
            rule: 'quota_low',
            subject: 'plain/x',
            status: 'firing',
            severity: 'warning',
            summary: 'x',
            details: {},
            firstFiredAt: new Date().toISOString(),
            lastFiredAt: new Date().toISOString(),
            resolvedAt: null,
            notifiedFiringAt: null,
            notifiedResolvedAt: null,
            deliveryError: null,
          },
        },
        DEFAULT_ENVIRONMENT,
      )
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(inspect(error, { depth: 5 })).not.toContain(secretPath);
  });

  it('lists a tenant’s alerts in full pages, and pages past the firing ones into the resolved', async () => {
    const { engine } = await setup();
    const condition = (
      rule: 'quota_low' | 'connection_degraded',
      subject: string,
      tenant: string,
    ) => ({
      environmentId: DEFAULT_ENVIRONMENT,
      rule,
      subject,
      dedupeKey: `${rule}:${subject}`,
      severity: 'warning' as const,
      summary: `${rule} ${subject}`,
      details: { tenant },
    });
    // Older: three firing alerts for acme. Newer: three for acme that resolve, then five for globex.
    const firing = ['f1', 'f2', 'f3'].map((s) => condition('quota_low', s, 'acme'));
    await engine.alerts.reconcile(firing, []);
    await engine.alerts.reconcile(
      ['r1', 'r2', 'r3'].map((s) => condition('connection_degraded', s, 'acme')),
      [],
    );
    await engine.alerts.reconcile(firing, ['connection_degraded']);
    await engine.alerts.reconcile(
      ['g1', 'g2', 'g3', 'g4', 'g5'].map((s) => condition('quota_low', s, 'globex')),
      [],
    );

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await engine.alerts.list(DEFAULT_ENVIRONMENT, {
        tenant: 'acme',
        limit: 2,
        ...(cursor === undefined ? {} : { cursor }),
      });
      // Full pages while more match, however many other tenants' alerts sit between them.
      if (result.nextCursor !== null) expect(result.data).toHaveLength(2);
      seen.push(...result.data.map((a) => `${a.status} ${a.subject}`));
      if (result.nextCursor === null) break;
      cursor = result.nextCursor;
    }
    expect(seen).toEqual([
      'firing f3',
      'firing f2',
      'firing f1',
      'resolved r3',
      'resolved r2',
      'resolved r1',
    ]);
    await expect(engine.alerts.list(DEFAULT_ENVIRONMENT, { cursor: '12' })).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });
});
