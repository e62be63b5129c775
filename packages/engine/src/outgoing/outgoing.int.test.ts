import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createTestDatabase,
  openStore,
  outgoingDeliveries,
  webhookEndpoints,
  type Store,
  type TestDatabase,
} from '@joinery/store';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CredentialCipher } from '../credential-cipher.js';
import { Secret } from '../secret.js';
import { Events } from '../oauth/events.js';
import { DeadLetters } from './dead-letters.js';
import type { DispatcherOptions } from './dispatcher.js';
import { OutgoingWebhooks } from './outgoing-webhooks.js';

// Each test in its own environment, so one test's endpoints never receive another's events.
let ENV = 'env_default';
const logger = pino({ level: 'silent' });
const cipher = new CredentialCipher([new Secret(randomBytes(32))]);
beforeEach(() => {
  ENV = `env_${randomBytes(4).toString('hex')}`;
});

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A loopback receiver whose answers are scripted by call count. */
async function startReceiver(
  respond: (call: number) => { status: number; delayMs?: number } = () => ({ status: 204 }),
): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  let calls = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answer = respond(++calls);
      const finish = () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.statusCode = answer.status;
        res.end(answer.status >= 300 ? `receiver says ${answer.status}` : '');
      };
      if (answer.delayMs) setTimeout(finish, answer.delayMs);
      else finish();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

async function until<T>(
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  ms = 5_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${ms} ms: ${JSON.stringify(value)}`);
    await sleep(10);
  }
}

const FAST: DispatcherOptions = {
  retryScheduleMs: [20, 40, 60],
  jitter: 0,
  timeoutMs: 2_000,
  breakerThreshold: 100,
};

type Kind = 'pglite' | 'postgres';

describe.each<Kind>(['pglite', 'postgres'])('outgoing webhooks on %s', (kind) => {
  let database: TestDatabase | null = null;
  let store: Store;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    if (kind === 'postgres') {
      database = await createTestDatabase();
      store = await openStore({ kind: 'postgres', url: database.url, poolSize: 5 });
    } else {
      store = await openStore({ kind: 'pglite', dataDir: null });
    }
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });
  afterAll(async () => {
    await store.close();
    await database?.drop();
  });

  function setup(options: DispatcherOptions = FAST, db = store.db) {
    const deadLetters = new DeadLetters(db);
    const outgoing = new OutgoingWebhooks({ db, cipher, deadLetters, logger }, options);
    closers.push(() => outgoing.close());
    return { outgoing, deadLetters };
  }

  async function receiver(respond?: Parameters<typeof startReceiver>[0]) {
    const r = await startReceiver(respond);
    closers.push(() => r.close());
    return r;
  }

  it('signs each delivery so the receiver verifies it with standardwebhooks, and keeps the secret sealed', async () => {
    const { outgoing } = setup();
    const r = await receiver();
    const endpoint = await outgoing.endpoints.create(ENV, {
      url: r.url,
      events: ['connection.*'],
      allowPrivateNetwork: true,
    });
    expect(endpoint.secret).toMatch(/^whsec_/);
    await outgoing.emit(ENV, { type: 'connection.created', data: { connectionId: 'conn_1' } });
    await outgoing.emit(ENV, { type: 'run.failed', data: { runId: 'run_1' } }); // filtered out
    await until(
      () => outgoing.dispatchOnce(),
      () => r.received.length >= 1,
    );
    expect(r.received).toHaveLength(1);
    const [got] = r.received as [Received];
    const verified = new Webhook(endpoint.secret).verify(got.body, {
      'webhook-id': String(got.headers['webhook-id']),
      'webhook-timestamp': String(got.headers['webhook-timestamp']),
      'webhook-signature': String(got.headers['webhook-signature']),
    });
    expect(verified).toMatchObject({
      type: 'connection.created',
      data: { connectionId: 'conn_1' },
    });
    // A wrong secret fails verification: the signature is not decorative.
    const other = `whsec_${randomBytes(32).toString('base64')}`;
    expect(() =>
      new Webhook(other).verify(got.body, got.headers as Record<string, string>),
    ).toThrow();

    const page = await outgoing.deliveries(ENV, endpoint.id, { limit: 10 });
    expect(page.data).toHaveLength(1);
    expect(page.data[0]).toMatchObject({
      id: got.headers['webhook-id'],
      status: 'delivered',
      attempts: 1,
      lastStatus: 204,
    });
    expect(JSON.stringify(await outgoing.endpoints.list(ENV))).not.toContain(endpoint.secret);
    const key = endpoint.secret.slice('whsec_'.length);
    // Every column of every stored endpoint, as the database holds it.
    const text = JSON.stringify(await store.db.select().from(webhookEndpoints));
    expect(text).toContain(endpoint.id);
    expect(text).not.toContain(key);
  });

  it('retries a receiver that is down until it is up, recording each attempt', async () => {
    const { outgoing } = setup();
    const r = await receiver((call) => ({ status: call <= 2 ? 503 : 200 }));
    const endpoint = await outgoing.endpoints.create(ENV, {
      url: r.url,
      allowPrivateNetwork: true,
    });
    await outgoing.emit(ENV, { type: 'sync.completed', data: { n: 1 } });
    const delivery = await until(
      async () => {
        await outgoing.dispatchOnce();
        return (await outgoing.deliveries(ENV, endpoint.id, { limit: 1 })).data[0];
      },
      (d) => d?.status === 'delivered',
    );
    expect(delivery).toMatchObject({ attempts: 3, lastStatus: 200, lastError: null });
    expect(r.received).toHaveLength(3);
    // Every attempt carries the same webhook-id, so a receiver deduplicating by it sees one event.
    expect(new Set(r.received.map((x) => x.headers['webhook-id'])).size).toBe(1);
  });

  it('turns an exhausted delivery into a dead letter; a replay delivers it once, however often repeated', async () => {
    const { outgoing, deadLetters } = setup();
    let up = false;
    const r = await receiver(() => ({ status: up ? 200 : 500 }));
    const endpoint = await outgoing.endpoints.create(ENV, {
      url: r.url,
      allowPrivateNetwork: true,
    });
    await outgoing.emit(ENV, { type: 'run.failed', data: { runId: 'run_9' } });
    const dead = await until(
      async () => {
        await outgoing.dispatchOnce();
        return (await outgoing.deliveries(ENV, endpoint.id, { limit: 1 })).data[0];
      },
      (d) => d?.status === 'dead',
    );
    expect(dead?.attempts).toBe(4); // the first try and the schedule's three retries
    expect(r.received).toHaveLength(4);
    const letters = await deadLetters.list({ environmentId: ENV, kind: 'delivery', limit: 10 });
    const letter = letters.data.find((l) => l.refId === dead?.id);
    expect(letter).toMatchObject({
      kind: 'delivery',
      replayCount: 0,
      resolvedAt: null,
      lastError: { status: 500 },
    });
    expect(letter?.reason).toMatch(/all 4 attempts failed; the last: the endpoint answered 500/);

    up = true;
    const first = await deadLetters.replay(ENV, letter?.id ?? '');
    expect(first).toMatchObject({ replayed: true, status: 'pending' });
    // Repeated while pending: nothing new.
    const second = await deadLetters.replay(ENV, letter?.id ?? '');
    expect(second).toMatchObject({ replayed: false, status: 'pending' });
    await until(
      async () => {
        await outgoing.dispatchOnce();
        return outgoing.delivery(ENV, dead?.id ?? '');
      },
      (d) => d.status === 'delivered',
    );
    const third = await deadLetters.replay(ENV, letter?.id ?? '');
    expect(third).toMatchObject({ replayed: false, status: 'delivered' });
    await outgoing.dispatchOnce();
    expect(r.received).toHaveLength(5);
    expect(r.received[4]?.headers['webhook-id']).toBe(dead?.id);
    const after = await deadLetters.get(ENV, letter?.id ?? '');
    expect(after.replayCount).toBe(1);
    expect(after.resolvedAt).not.toBeNull();
    expect(after.lastReplayedAt).not.toBeNull();
  });

  it('answers a clear error for a kind nobody registered a replay for', async () => {
    const { deadLetters } = setup();
    const letter = await deadLetters.add({
      environmentId: ENV,
      kind: 'run',
      refId: `run_${randomBytes(4).toString('hex')}`,
      reason: 'all 5 attempts failed',
      lastError: { code: 'provider_unavailable' },
    });
    await expect(deadLetters.replay(ENV, letter.id)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/nothing registered to replay runs/) as unknown,
    });
    deadLetters.onReplay('run', () =>
      Promise.resolve({ replayed: true, status: 'queued', message: 'run queued again' }),
    );
    expect(await deadLetters.replay(ENV, letter.id)).toMatchObject({
      replayed: true,
      deadLetter: { replayCount: 1 },
    });
  });

  it('opens the breaker after consecutive failures: deliveries are postponed, not spent, then drained', async () => {
    const { outgoing } = setup({
      ...FAST,
      retryScheduleMs: [10, 10, 10, 10, 10],
      breakerThreshold: 2,
      breakerCooldownMs: 1_500,
    });
    let up = false;
    const r = await receiver(() => ({ status: up ? 200 : 500 }));
    const endpoint = await outgoing.endpoints.create(ENV, {
      url: r.url,
      allowPrivateNetwork: true,
    });
    await outgoing.emit(ENV, { type: 'sync.completed', data: { n: 1 } });
    await until(
      async () => {
        await outgoing.dispatchOnce();
        return outgoing.endpoints.get(ENV, endpoint.id);
      },
      (e) => e.breaker.state === 'open',
    );
    const sentWhenOpened = r.received.length;
    expect(sentWhenOpened).toBe(2);
    await outgoing.emit(ENV, { type: 'sync.completed', data: { n: 2 } });
    const report = await outgoing.dispatchOnce();
    expect(report.postponed).toBeGreaterThanOrEqual(1);
    expect(r.received).toHaveLength(sentWhenOpened);
    const waiting = (await outgoing.deliveries(ENV, endpoint.id, { limit: 10 })).data;
    expect(waiting.find((d) => (d.payload.data as { n: number }).n === 2)?.attempts).toBe(0);

    up = true;
    const delivered = await until(
      async () => {
        await outgoing.dispatchOnce();
        return (await outgoing.deliveries(ENV, endpoint.id, { limit: 10 })).data;
      },
      (ds) => ds.every((d) => d.status === 'delivered'),
    );
    expect(delivered).toHaveLength(2);
    expect((await outgoing.endpoints.get(ENV, endpoint.id)).breaker).toMatchObject({
      state: 'closed',
      consecutiveFailures: 0,
    });
  });

  it('disables an endpoint that answers 410 Gone and dead-letters what waited for it', async () => {
    const { outgoing, deadLetters } = setup();
    const r = await receiver(() => ({ status: 410 }));
    const endpoint = await outgoing.endpoints.create(ENV, {
      url: r.url,
      allowPrivateNetwork: true,
    });
    await outgoing.emit(ENV, { type: 'sync.completed', data: { n: 1 } });
    await outgoing.emit(ENV, { type: 'sync.completed', data: { n: 2 } });
    await until(
      async () => {
        await outgoing.dispatchOnce();
        return (await outgoing.deliveries(ENV, endpoint.id, { limit: 10 })).data;
      },
      (ds) => ds.every((d) => d.status === 'dead'),
    );
    expect(r.received.length).toBeGreaterThanOrEqual(1);
    const view = await outgoing.endpoints.get(ENV, endpoint.id);
    expect(view).toMatchObject({
      enabled: false,
      disabledReason: expect.stringMatching(/410 Gone/) as unknown,
    });
    const letters = (await deadLetters.list({ environmentId: ENV, limit: 100 })).data;
    const deliveries = (await outgoing.deliveries(ENV, endpoint.id, { limit: 10 })).data;
    for (const d of deliveries) expect(letters.some((l) => l.refId === d.id)).toBe(true);
    // Replaying to a disabled endpoint is refused with the reason, and the letter is kept.
    const letter = letters.find((l) => l.refId === deliveries[0]?.id);
    await expect(deadLetters.replay(ENV, letter?.id ?? '')).rejects.toMatchObject({
      code: 'conflict',
    });
    // New events skip it.
    const sent = r.received.length;
    await outgoing.emit(ENV, { type: 'sync.completed', data: { n: 3 } });
    await outgoing.dispatchOnce();
    expect(r.received).toHaveLength(sent);
  });

  it('refuses private destinations unless the endpoint allows them', async () => {
    const { outgoing, deadLetters } = setup();
    await expect(
      outgoing.endpoints.create(ENV, { url: 'http://127.0.0.1:9/hooks' }),
    ).rejects.toMatchObject({ code: 'invalid_input', path: 'body.url' });
    await expect(
      outgoing.endpoints.create(ENV, { url: 'ftp://example.com/' }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
    });
    const r = await receiver();
    // A name that resolves to loopback passes creation; the guard refuses it at connect time.
    const endpoint = await outgoing.endpoints.create(ENV, {
      url: r.url.replace('127.0.0.1', 'localhost'),
      events: ['probe.ssrf'],
    });
    await outgoing.emit(ENV, { type: 'probe.ssrf', data: {} });
    const [dead] = await until(
      async () => {
        await outgoing.dispatchOnce();
        return (await outgoing.deliveries(ENV, endpoint.id, { limit: 1 })).data;
      },
      (ds) => ds[0]?.status === 'dead',
    );
    expect(r.received).toHaveLength(0);
    const letter = await deadLetters.findByRef(ENV, 'delivery', dead?.id ?? '');
    expect(letter?.reason).toMatch(/refused to call localhost.*allowPrivateNetwork/);
  });

  it('takes over a delivery whose dispatcher died after its lease ran out', async () => {
    const { outgoing } = setup({ ...FAST, leaseMs: 50 });
    const r = await receiver();
    const endpoint = await outgoing.endpoints.create(ENV, {
      url: r.url,
      allowPrivateNetwork: true,
      events: ['lease.test'],
    });
    await outgoing.emit(ENV, { type: 'lease.test', data: {} });
    // A dispatcher claimed it and died: status delivering, lease in the past.
    await store.db
      .update(outgoingDeliveries)
      .set({ status: 'delivering', leaseUntil: new Date(Date.now() - 1_000) })
      .where(eq(outgoingDeliveries.endpointId, endpoint.id));
    await until(
      async () => {
        await outgoing.dispatchOnce();
        return (await outgoing.deliveries(ENV, endpoint.id, { limit: 1 })).data[0];
      },
      (d) => d?.status === 'delivered',
    );
    expect(r.received).toHaveLength(1);
  });

  it("queues events in the caller's transaction: a rollback leaves no delivery", async () => {
    const { outgoing } = setup();
    const r = await receiver();
    const endpoint = await outgoing.endpoints.create(ENV, {
      url: r.url,
      allowPrivateNetwork: true,
    });
    const events = new Events(store.db, outgoing);
    const event = {
      type: 'connection.created' as const,
      environmentId: ENV,
      connectionId: 'conn_rolled_back',
      integrationKey: 'github',
      tenant: 'acme',
    };
    await expect(
      store.db.transaction(async (tx) => {
        await events.record(event, tx);
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');
    expect((await outgoing.deliveries(ENV, endpoint.id, { limit: 10 })).data).toEqual([]);
    await store.db.transaction(async (tx) => {
      await events.record(
        { ...event, connectionId: 'conn_kept', data: { authType: 'api_key' } },
        tx,
      );
    });
    const [queued] = (await outgoing.deliveries(ENV, endpoint.id, { limit: 10 })).data;
    expect(queued?.payload).toMatchObject({
      type: 'connection.created',
      data: {
        connectionId: 'conn_kept',
        integration: 'github',
        tenant: 'acme',
        authType: 'api_key',
      },
    });
    const listed = await events.list({ environmentId: ENV, limit: 10 });
    expect(listed.events.map((e) => e.id)).toEqual([queued?.eventId]);
  });

  it('sends on its own once started, and stops', async () => {
    const { outgoing } = setup();
    const r = await receiver();
    await outgoing.endpoints.create(ENV, {
      url: r.url,
      allowPrivateNetwork: true,
      events: ['timer.test'],
    });
    outgoing.start(10);
    await outgoing.emit(ENV, { type: 'timer.test', data: {} });
    await until(
      () => Promise.resolve(r.received.length),
      (n) => n === 1,
    );
    await outgoing.stop();
  });
});

describe('two dispatchers sharing PostgreSQL', () => {
  let database: TestDatabase;
  const stores: Store[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    for (let i = 0; i < 2; i++)
      stores.push(await openStore({ kind: 'postgres', url: database.url, poolSize: 5 }));
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await database?.drop();
  });

  it('never send the same attempt twice', async () => {
    const r = await startReceiver(() => ({ status: 200, delayMs: 5 }));
    const [a, b] = stores.map(
      (store) =>
        new OutgoingWebhooks(
          { db: store.db, cipher, deadLetters: new DeadLetters(store.db), logger },
          { ...FAST, batchSize: 5 },
        ),
    ) as [OutgoingWebhooks, OutgoingWebhooks];
    try {
      await a.endpoints.create(ENV, { url: r.url, allowPrivateNetwork: true });
      for (let i = 0; i < 60; i++) await a.emit(ENV, { type: 'load.test', data: { i } });
      const claimed: [number, number] = [0, 0];
      const loop = async (dispatcher: OutgoingWebhooks, index: 0 | 1) => {
        const deadline = Date.now() + 15_000;
        while (r.received.length < 60 && Date.now() < deadline) {
          claimed[index] += (await dispatcher.dispatchOnce()).claimed;
        }
      };
      await Promise.all([loop(a, 0), loop(b, 1)]);
      await sleep(100);
      // Both took part, and between them claimed each delivery once.
      expect(claimed[0]).toBeGreaterThan(0);
      expect(claimed[1]).toBeGreaterThan(0);
      expect(claimed[0] + claimed[1]).toBe(60);
      const ids = r.received.map((x) => String(x.headers['webhook-id']));
      expect(ids).toHaveLength(60);
      expect(new Set(ids).size).toBe(60);
    } finally {
      await a.close();
      await b.close();
      await r.close();
    }
  });
});
