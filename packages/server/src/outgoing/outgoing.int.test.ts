import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSandbox, type Sandbox } from '@joinery/sandbox';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startTestJoinery, type TestJoinery } from '../test-harness.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** The app's webhook receiver, on loopback; `up` decides between 200 and 500. */
async function startReceiver() {
  const state = { up: true, received: [] as Received[] };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      state.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = state.up ? 200 : 500;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    state,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/joinery-events`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function until<T>(
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  ms = 8_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${ms} ms: ${JSON.stringify(value)}`);
    await sleep(20);
  }
}

describe.each(BACKENDS)('outgoing webhooks and dead letters over HTTP on %s', (backend) => {
  const token = `ghp_${randomBytes(18).toString('hex')}`;
  let sandbox: Sandbox;
  let joinery: TestJoinery;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let endpointId: string;
  let secret: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ github: { tokens: { [token]: 'mona' } } });
    receiver = await startReceiver();
    joinery = await startTestJoinery(backend, {
      outgoing: { retryScheduleMs: [20, 20], jitter: 0, breakerThreshold: 100 },
      outgoingIntervalMs: 20,
    });
    const integration = await joinery.api('PUT', '/v1/integrations/github-sandbox', {
      connector: 'github',
      baseUrl: `${sandbox.url}/github`,
      allowPrivateNetwork: true,
    });
    expect(integration.status).toBe(201);
  });
  afterAll(async () => {
    await joinery?.close();
    await sandbox?.close();
    await receiver?.close();
  });

  it('creates an endpoint, shows its secret once, and refuses bad input naming the field', async () => {
    const missing = await joinery.api('POST', '/v1/webhook-endpoints', {});
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'invalid_input', path: 'body.url' });
    const privateUrl = await joinery.api('POST', '/v1/webhook-endpoints', { url: receiver.url });
    expect(privateUrl.status).toBe(400);
    expect(privateUrl.body.error.message).toContain('allowPrivateNetwork');
    const badFilter = await joinery.api('POST', '/v1/webhook-endpoints', {
      url: receiver.url,
      allowPrivateNetwork: true,
      events: ['connection.*', 'NOT AN EVENT'],
    });
    expect(badFilter.body.error).toMatchObject({ code: 'invalid_input', path: 'body.events[1]' });

    const created = await joinery.api('POST', '/v1/webhook-endpoints', {
      url: receiver.url,
      events: ['connection.*'],
      allowPrivateNetwork: true,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      url: receiver.url,
      events: ['connection.*'],
      enabled: true,
      breaker: { state: 'closed', consecutiveFailures: 0 },
    });
    expect(created.body.secret).toMatch(/^whsec_/);
    endpointId = created.body.id as string;
    secret = created.body.secret as string;
    const list = await joinery.api('GET', '/v1/webhook-endpoints');
    expect(list.body.data.map((e: { id: string }) => e.id)).toContain(endpointId);
    expect(list.text).not.toContain(secret);
  });

  it('tells the app about a new connection with a signed connection.created event', async () => {
    const connection = await joinery.api('POST', '/v1/connections', {
      integration: 'github-sandbox',
      tenant: 'acme',
      credentials: { type: 'api_key', apiKey: token },
    });
    expect(connection.status).toBe(201);
    const [got] = await until(
      () => Promise.resolve(receiver.state.received),
      (r) => r.length >= 1,
    );
    const event = new Webhook(secret).verify(got?.body ?? '', {
      'webhook-id': String(got?.headers['webhook-id']),
      'webhook-timestamp': String(got?.headers['webhook-timestamp']),
      'webhook-signature': String(got?.headers['webhook-signature']),
    });
    expect(event).toMatchObject({
      type: 'connection.created',
      data: { connectionId: connection.body.id, integration: 'github-sandbox', tenant: 'acme' },
    });
    const deliveries = await until(
      () => joinery.api('GET', `/v1/webhook-endpoints/${endpointId}/deliveries`),
      (d) => d.body.data[0]?.status === 'delivered',
    );
    expect(deliveries.body.data[0]).toMatchObject({
      id: got?.headers['webhook-id'],
      type: 'connection.created',
      attempts: 1,
      lastStatus: 200,
    });
  });

  it('dead-letters a delivery the app keeps refusing, and replays it once however often asked', async () => {
    receiver.state.up = false;
    const before = receiver.state.received.length;
    const connection = await joinery.api('POST', '/v1/connections', {
      integration: 'github-sandbox',
      tenant: 'globex',
      credentials: { type: 'api_key', apiKey: token },
    });
    expect(connection.status).toBe(201);
    const letters = await until(
      () => joinery.api('GET', '/v1/dead-letters?kind=delivery'),
      (page) => page.body.data.length >= 1,
    );
    const letter = letters.body.data[0];
    expect(letter).toMatchObject({ kind: 'delivery', replayCount: 0, resolvedAt: null });
    expect(letter.reason).toMatch(/all 3 attempts failed/);
    expect(receiver.state.received.length - before).toBe(3);
    const one = await joinery.api('GET', `/v1/dead-letters/${letter.id}`);
    expect(one.body).toMatchObject({
      id: letter.id,
      refId: letter.refId,
      payload: { type: 'connection.created' },
    });

    receiver.state.up = true;
    const replays = [
      await joinery.api('POST', `/v1/dead-letters/${letter.id}/replay`),
      await joinery.api('POST', `/v1/dead-letters/${letter.id}/replay`),
    ];
    expect(replays.map((r) => r.status)).toEqual([200, 200]);
    expect(replays.map((r) => r.body.replayed)).toEqual([true, false]);
    const resolved = await until(
      () => joinery.api('GET', `/v1/dead-letters/${letter.id}`),
      (r) => r.body.resolvedAt !== null,
    );
    expect(resolved.body.replayCount).toBe(1);
    const again = await joinery.api('POST', `/v1/dead-letters/${letter.id}/replay`);
    expect(again.body).toMatchObject({ replayed: false, status: 'delivered' });
    await sleep(100);
    const sameId = receiver.state.received.filter((r) => r.headers['webhook-id'] === letter.refId);
    // Three failed attempts, then exactly one replayed delivery.
    expect(sameId.map((r) => r.headers['webhook-id'])).toHaveLength(4);

    expect((await joinery.api('GET', '/v1/dead-letters/dlq_nope')).status).toBe(404);
    expect((await joinery.api('POST', '/v1/dead-letters/dlq_nope/replay')).status).toBe(404);
    expect((await joinery.api('GET', '/v1/dead-letters?cursor=x')).status).toBe(400);
  });

  it('removes an endpoint, and never shows, logs or stores its secret in plaintext', async () => {
    const removed = await joinery.api('DELETE', `/v1/webhook-endpoints/${endpointId}`);
    expect(removed.status).toBe(204);
    expect((await joinery.api('DELETE', `/v1/webhook-endpoints/${endpointId}`)).status).toBe(404);
    const list = await joinery.api('GET', '/v1/webhook-endpoints');
    expect(list.body.data.map((e: { id: string }) => e.id)).not.toContain(endpointId);
    const creation = joinery.responses.filter((text) => text.includes(secret));
    expect(creation).toHaveLength(1);
    const key = secret.slice('whsec_'.length);
    expect(joinery.logs.join('\n')).not.toContain(key);
    if (joinery.databaseUrl) {
      const client = new pg.Client({ connectionString: joinery.databaseUrl });
      await client.connect();
      try {
        const rows = await client.query<{ row: string }>(
          'SELECT row_to_json(e)::text AS row FROM webhook_endpoints e',
        );
        expect(rows.rows.length).toBeGreaterThan(0);
        for (const { row } of rows.rows) expect(row).not.toContain(key);
      } finally {
        await client.end();
      }
    }
  });
});
