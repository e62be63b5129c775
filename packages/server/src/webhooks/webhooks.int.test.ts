import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { WebhookDefinition } from '@octokit/webhooks-examples';
import { sign as signGitHub } from '@octokit/webhooks-methods';
import { isValidSlackRequest } from '@slack/bolt';
import { startSandbox, type Sandbox } from '@joinery/sandbox';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { recordEvidence } from '@joinery/connectors/testing/evidence';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startTestJoinery, type TestJoinery } from '../test-harness.js';

// Secrets unique to this run, so finding one anywhere can only mean Joinery leaked it.
const githubSecret = `gh-${randomBytes(12).toString('hex')}`;
const slackSecret = randomBytes(16).toString('hex');
const stripeOld = `whsec_${randomBytes(16).toString('hex')}`;
const stripeNew = `whsec_${randomBytes(16).toString('hex')}`;
const standardSecret = `whsec_${randomBytes(24).toString('base64')}`;
// GitHub's own example payloads, one list entry per event (a JSON file the package's types describe).
const examples = createRequire(import.meta.url)(
  '@octokit/webhooks-examples',
) as WebhookDefinition[];
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe.each(BACKENDS)('inbound webhooks on %s', (backend) => {
  const token = `ghp_${randomBytes(18).toString('hex')}`;
  let sandbox: Sandbox;
  let joinery: TestJoinery;
  /** Every signature header sent, valid or not: none may be stored, logged or answered. */
  const signatures: string[] = [];

  /** POSTs raw bytes to the inbound route, with no secret key (a provider has none). */
  async function deliver(
    integration: string,
    body: string,
    headers: Record<string, string>,
    // Tests read deep into JSON answers; `any` keeps them short, and every read is asserted.
  ): Promise<{ status: number; body: any }> {
    for (const [name, value] of Object.entries(headers))
      if (/signature/i.test(name)) signatures.push(value);
    const response = await fetch(`${joinery.url}/v1/webhooks/${integration}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    const text = await response.text();
    joinery.responses.push(text);
    return { status: response.status, body: JSON.parse(text) as unknown };
  }

  async function deliveries(integration: string, headers: Record<string, string> = {}) {
    const page = await joinery.api(
      'GET',
      `/v1/webhook-deliveries?integration=${integration}&limit=1000`,
      undefined,
      headers,
    );
    expect(page.status).toBe(200);
    return page.body.data as {
      id: string;
      deliveryId: string;
      eventType: string | null;
      connectionIds: string[];
      payload: Record<string, unknown>;
    }[];
  }

  beforeAll(async () => {
    sandbox = await startSandbox({ github: { tokens: { [token]: 'mona' } } });
    joinery = await startTestJoinery(backend);
    const put = async (key: string, body: Record<string, unknown>) => {
      const answer = await joinery.api('PUT', `/v1/integrations/${key}`, body);
      expect(answer.status).toBe(201);
      return answer.body as Record<string, unknown>;
    };
    await put('github', {
      connector: 'github',
      baseUrl: `${sandbox.url}/github`,
      allowPrivateNetwork: true,
      webhookSecret: githubSecret,
    });
    await put('slack', { connector: 'slack', webhookSecret: slackSecret });
    const stripe = await put('stripe', {
      connector: 'stripe',
      webhookSecret: [stripeNew, stripeOld],
    });
    expect(stripe).toMatchObject({ hasWebhookSecret: true, webhookScheme: 'stripe' });
    await put('generic', {
      connector: 'oauth2',
      baseUrl: 'https://api.example.com',
      oauth: {
        clientId: 'client',
        clientSecret: 'client-secret',
        authorizationUrl: 'https://example.com/authorize',
        tokenUrl: 'https://example.com/token',
      },
      webhookSecret: standardSecret,
    });
    const selected = await put('github-standard', {
      connector: 'github',
      webhookSecret: standardSecret,
      webhookScheme: 'standard_webhooks',
    });
    expect(selected.webhookScheme).toBe('standard_webhooks');
    await put('hubspot', { connector: 'hubspot', webhookSecret: 'unused' });
    await put('github-unsigned', { connector: 'github' });
  });
  afterAll(async () => {
    await joinery?.close();
    await sandbox?.close();
  });

  describe('GitHub', () => {
    recordEvidence({
      connector: 'github',
      suite: `webhooks.${backend}`,
      kind: 'webhook',
      target: () => ({ kind: 'in_process' }),
    });
    const push = examples.find((event) => event.name === 'push')?.examples[0];

    it("accepts every event of @octokit/webhooks-examples signed by GitHub's signer, and stores it", async () => {
      const sent: { id: string; event: string }[] = [];
      for (const definition of examples) {
        const example = definition.examples[0];
        if (!example) continue;
        const body = JSON.stringify(example);
        const id = randomUUID();
        const answer = await deliver('github', body, {
          'x-hub-signature-256': await signGitHub(githubSecret, body),
          'x-github-delivery': id,
          'x-github-event': definition.name,
        });
        expect(answer.status, definition.name).toBe(200);
        expect(answer.body).toMatchObject({ received: true, deliveryId: id, duplicate: false });
        sent.push({ id, event: definition.name });
      }
      expect(sent.length).toBeGreaterThan(40);
      const stored = await deliveries('github');
      for (const { id, event } of sent)
        expect(stored.find((row) => row.deliveryId === id)?.eventType).toBe(event);
      // The payload is stored as sent (parsed JSON), nothing added.
      const first = stored.find((row) => row.deliveryId === sent[0]?.id);
      expect(first?.payload).toEqual(examples[0]?.examples[0]);
    });

    it('refuses a wrong secret, a tampered body and a missing signature with 401, storing nothing', async () => {
      const before = (await deliveries('github')).length;
      const body = JSON.stringify(push);
      const headers = { 'x-github-delivery': randomUUID(), 'x-github-event': 'push' };
      const wrong = await deliver('github', body, {
        ...headers,
        'x-hub-signature-256': await signGitHub('not-the-secret', body),
      });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error).toMatchObject({ code: 'unauthorized', retryable: false });
      expect(wrong.body.error.message).toMatch(/X-Hub-Signature-256 does not match/);
      const tampered = await deliver('github', body.replace('refs/', 'refz/'), {
        ...headers,
        'x-hub-signature-256': await signGitHub(githubSecret, body),
      });
      expect(tampered.status).toBe(401);
      const missing = await deliver('github', body, headers);
      expect(missing.status).toBe(401);
      expect(missing.body.error.message).toMatch(/no X-Hub-Signature-256/);
      expect((await deliveries('github')).length).toBe(before);
    });

    it('deduplicates a redelivery: one row, and the second answer says duplicate', async () => {
      const body = JSON.stringify(push);
      const headers = {
        'x-hub-signature-256': await signGitHub(githubSecret, body),
        'x-github-delivery': randomUUID(),
        'x-github-event': 'push',
      };
      const first = await deliver('github', body, headers);
      const again = await deliver('github', body, headers);
      expect(first.body.duplicate).toBe(false);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ duplicate: true, id: first.body.id });
      const rows = (await deliveries('github')).filter(
        (row) => row.deliveryId === headers['x-github-delivery'],
      );
      expect(rows).toHaveLength(1);
    });

    it('routes a GitHub App delivery to the connection holding its installation id, and scopes the list by tenant', async () => {
      const created = await joinery.api('POST', '/v1/connections', {
        integration: 'github',
        tenant: 'acme',
        credentials: { type: 'api_key', apiKey: token },
        metadata: { installation_id: 4242 },
      });
      expect(created.status).toBe(201);
      const body = JSON.stringify({ ...push, installation: { id: 4242, node_id: 'x' } });
      const id = randomUUID();
      const answer = await deliver('github', body, {
        'x-hub-signature-256': await signGitHub(githubSecret, body),
        'x-github-delivery': id,
        'x-github-event': 'push',
      });
      expect(answer.status).toBe(200);
      const row = (await deliveries('github')).find((entry) => entry.deliveryId === id);
      expect(row?.connectionIds).toEqual([created.body.id]);
      const forAcme = await deliveries('github', { 'joinery-tenant': 'acme' });
      expect(forAcme.map((entry) => entry.deliveryId)).toEqual([id]);
      expect(await deliveries('github', { 'joinery-tenant': 'globex' })).toEqual([]);
    });

    it('accepts the form-encoded content type, signed over the raw form body', async () => {
      const body = new URLSearchParams({ payload: JSON.stringify(push) }).toString();
      const id = randomUUID();
      const answer = await deliver('github', body, {
        'content-type': 'application/x-www-form-urlencoded',
        'x-hub-signature-256': await signGitHub(githubSecret, body),
        'x-github-delivery': id,
        'x-github-event': 'push',
      });
      expect(answer.status).toBe(200);
      const row = (await deliveries('github')).find((entry) => entry.deliveryId === id);
      expect(row?.payload).toEqual(push);
    });
  });

  describe('Slack', () => {
    recordEvidence({
      connector: 'slack',
      suite: `webhooks.${backend}`,
      kind: 'webhook',
      target: () => ({ kind: 'in_process' }),
    });
    // https://docs.slack.dev/authentication/verifying-requests-from-slack
    const slackHeaders = (body: string, timestamp = nowSeconds(), secret = slackSecret) => ({
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`,
    });
    const boltAccepts = (body: string, headers: Record<string, string>) =>
      isValidSlackRequest({
        signingSecret: slackSecret,
        body,
        headers: {
          'x-slack-signature': headers['x-slack-signature'] as string,
          'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']),
        },
      });
    const event = (eventId: string) =>
      JSON.stringify({
        token: 'legacy-verification-token',
        team_id: 'T0001',
        api_app_id: 'A0001',
        event: { type: 'app_mention', user: 'U1', text: '<@U0> hi', ts: '1.2', channel: 'C1' },
        type: 'event_callback',
        event_id: eventId,
        event_time: nowSeconds(),
      });

    it('answers url_verification with the challenge once the signature checks out, storing nothing', async () => {
      const body = JSON.stringify({ token: 't', challenge: 'c-3ac8c2', type: 'url_verification' });
      const headers = slackHeaders(body);
      expect(boltAccepts(body, headers)).toBe(true);
      const answer = await deliver('slack', body, headers);
      expect(answer).toEqual({ status: 200, body: { challenge: 'c-3ac8c2' } });
      const forged = await deliver('slack', body, slackHeaders(body, nowSeconds(), 'guess'));
      expect(forged.status).toBe(401);
      expect(forged.body.challenge).toBeUndefined();
      expect(await deliveries('slack')).toEqual([]);
    });

    it("accepts an Events API delivery bolt's verifier accepts, and deduplicates Slack's retry", async () => {
      const body = event('Ev0001');
      const headers = slackHeaders(body);
      expect(boltAccepts(body, headers)).toBe(true);
      const first = await deliver('slack', body, headers);
      expect(first.body).toMatchObject({ received: true, deliveryId: 'Ev0001', duplicate: false });
      // Slack retries with a new timestamp and signature, the same event_id, and X-Slack-Retry-Num.
      const retry = await deliver('slack', body, {
        ...slackHeaders(body, nowSeconds() + 1),
        'x-slack-retry-num': '1',
        'x-slack-retry-reason': 'http_timeout',
      });
      expect(retry.body).toMatchObject({ duplicate: true, id: first.body.id });
      const rows = await deliveries('slack');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ deliveryId: 'Ev0001', eventType: 'app_mention' });
    });

    it('refuses a stale timestamp, a wrong secret and a tampered body, as bolt does', async () => {
      const body = event('Ev0002');
      const stale = slackHeaders(body, nowSeconds() - 6 * 60);
      expect(boltAccepts(body, stale)).toBe(false);
      const staleAnswer = await deliver('slack', body, stale);
      expect(staleAnswer.status).toBe(401);
      expect(staleAnswer.body.error.message).toMatch(/more than 300 s from now/);
      const wrong = slackHeaders(body, nowSeconds(), 'not-the-signing-secret');
      expect((await deliver('slack', body, wrong)).status).toBe(401);
      const signed = slackHeaders(body);
      const tampered = body.replace('hi', 'ho');
      expect(boltAccepts(tampered, signed)).toBe(false);
      expect((await deliver('slack', tampered, signed)).status).toBe(401);
      expect((await deliveries('slack')).map((row) => row.deliveryId)).not.toContain('Ev0002');
    });
  });

  describe('Stripe', () => {
    recordEvidence({
      connector: 'stripe',
      suite: `webhooks.${backend}`,
      kind: 'webhook',
      target: () => ({ kind: 'in_process' }),
    });
    const stripe = new Stripe('sk_test_unused');
    const stripeEvent = (id: string) =>
      JSON.stringify({
        id,
        object: 'event',
        type: 'invoice.paid',
        api_version: '2025-01-27.acacia',
        created: nowSeconds(),
        data: { object: { id: 'in_1', object: 'invoice', customer_email: 'jane@example.com' } },
        livemode: false,
      });
    const header = (payload: string, secret: string, timestamp = nowSeconds()) =>
      stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });

    it('accepts deliveries signed with either secret of a rotation (old and new)', async () => {
      for (const [id, secret] of [
        ['evt_old', stripeOld],
        ['evt_new', stripeNew],
      ] as const) {
        const body = stripeEvent(id);
        const answer = await deliver('stripe', body, { 'stripe-signature': header(body, secret) });
        expect(answer.status, id).toBe(200);
        expect(answer.body).toMatchObject({ deliveryId: id, duplicate: false });
      }
      const rows = await deliveries('stripe');
      expect(rows.map((row) => row.deliveryId).sort()).toEqual(['evt_new', 'evt_old']);
      expect(rows.every((row) => row.eventType === 'invoice.paid')).toBe(true);
    });

    it('refuses a wrong secret, a tampered body and a timestamp outside 300 s', async () => {
      const body = stripeEvent('evt_bad');
      const wrong = await deliver('stripe', body, {
        'stripe-signature': header(body, 'whsec_wrong'),
      });
      expect(wrong.status).toBe(401);
      const tampered = await deliver('stripe', body.replace('in_1', 'in_2'), {
        'stripe-signature': header(body, stripeNew),
      });
      expect(tampered.status).toBe(401);
      const stale = await deliver('stripe', body, {
        'stripe-signature': header(body, stripeNew, nowSeconds() - 301),
      });
      expect(stale.status).toBe(401);
      expect(stale.body.error.message).toMatch(/timestamp is more than 300 s/);
      expect((await deliveries('stripe')).map((row) => row.deliveryId)).not.toContain('evt_bad');
    });

    it('deduplicates a replay of the same event id', async () => {
      const body = stripeEvent('evt_replayed');
      const first = await deliver('stripe', body, { 'stripe-signature': header(body, stripeOld) });
      const replay = await deliver('stripe', body, { 'stripe-signature': header(body, stripeNew) });
      expect(first.body.duplicate).toBe(false);
      expect(replay.body).toMatchObject({ duplicate: true, id: first.body.id });
      const rows = (await deliveries('stripe')).filter((row) => row.deliveryId === 'evt_replayed');
      expect(rows).toHaveLength(1);
    });
  });

  describe('Standard Webhooks', () => {
    const signed = (body: string, id: string, at = new Date(), secret = standardSecret) => ({
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, at, body),
    });
    const body = JSON.stringify({ type: 'invoice.created', data: { id: 'inv_1' } });

    it('accepts a signed delivery for the oauth2 connector and deduplicates by webhook-id', async () => {
      const headers = signed(body, 'msg_1');
      const first = await deliver('generic', body, headers);
      expect(first.body).toMatchObject({ deliveryId: 'msg_1', duplicate: false });
      const again = await deliver('generic', body, headers);
      expect(again.body).toMatchObject({ duplicate: true, id: first.body.id });
      const rows = await deliveries('generic');
      expect(rows).toHaveLength(1);
      expect(rows[0]?.eventType).toBe('invoice.created');
    });

    it('refuses a wrong secret, a tampered body and a stale timestamp', async () => {
      const other = `whsec_${randomBytes(24).toString('base64')}`;
      expect(
        (await deliver('generic', body, signed(body, 'msg_2', new Date(), other))).status,
      ).toBe(401);
      expect((await deliver('generic', `${body} `, signed(body, 'msg_3'))).status).toBe(401);
      const stale = signed(body, 'msg_4', new Date(Date.now() - 6 * 60_000));
      expect((await deliver('generic', body, stale)).status).toBe(401);
      expect(await deliveries('generic')).toHaveLength(1);
    });

    it("is selected per integration with webhookScheme, replacing the connector's scheme", async () => {
      const accepted = await deliver('github-standard', body, signed(body, 'msg_9'));
      expect(accepted.status).toBe(200);
      const githubStyle = await deliver('github-standard', body, {
        'x-hub-signature-256': await signGitHub(standardSecret, body),
        'x-github-delivery': randomUUID(),
      });
      expect(githubStyle.status).toBe(401);
    });
  });

  describe('what no delivery gets past', () => {
    const body = JSON.stringify({ ok: true });

    it('answers 404 for an unknown integration or one whose connector takes no webhooks', async () => {
      const unknown = await deliver('nope', body, {});
      expect(unknown.status).toBe(404);
      const hubspot = await deliver('hubspot', body, {});
      expect(hubspot.status).toBe(404);
      expect(hubspot.body.error.message).toMatch(/does not take webhooks/);
    });

    it('refuses every delivery to an integration without a webhookSecret', async () => {
      const answer = await deliver('github-unsigned', body, {
        'x-hub-signature-256': await signGitHub('', body).catch(() => 'sha256=00'),
        'x-github-delivery': randomUUID(),
      });
      expect(answer.status).toBe(401);
      expect(answer.body.error.message).toMatch(/has no webhookSecret/);
    });

    it('refuses a body over 1 MiB before verifying it', async () => {
      const large = JSON.stringify({ pad: 'x'.repeat(1024 * 1024) });
      const answer = await deliver('github', large, {
        'x-hub-signature-256': await signGitHub(githubSecret, large),
        'x-github-delivery': randomUUID(),
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error.message).toMatch(/larger than 1048576 bytes/);
    });

    it('needs the secret key to list deliveries', async () => {
      const response = await fetch(`${joinery.url}/v1/webhook-deliveries`);
      expect(response.status).toBe(401);
    });

    it('pages the list newest first with a cursor', async () => {
      const first = await joinery.api('GET', '/v1/webhook-deliveries?integration=stripe&limit=2');
      expect(first.body.data).toHaveLength(2);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const next = await joinery.api(
        'GET',
        `/v1/webhook-deliveries?integration=stripe&limit=2&cursor=${first.body.nextCursor as string}`,
      );
      const ids = [...first.body.data, ...next.body.data].map((row: { id: string }) => row.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe((await deliveries('stripe')).length);
    });

    it('never answers, logs or stores a secret or a signature header', async () => {
      const secrets = [githubSecret, slackSecret, stripeOld, stripeNew, standardSecret];
      expect(signatures.length).toBeGreaterThan(50);
      const seen = [...joinery.logs, ...joinery.responses].join('\n');
      for (const value of [...secrets, ...signatures]) expect(seen).not.toContain(value);
      if (joinery.databaseUrl) {
        const client = new pg.Client({ connectionString: joinery.databaseUrl });
        await client.connect();
        try {
          const dump = JSON.stringify(
            (await client.query('select * from webhook_deliveries')).rows,
          );
          expect(dump.length).toBeGreaterThan(1000);
          for (const value of [...secrets, ...signatures]) expect(dump).not.toContain(value);
          // The sealed secrets are not the secrets.
          const integrations = JSON.stringify(
            (await client.query('select webhook_secret from integrations')).rows,
          );
          for (const value of secrets) expect(integrations).not.toContain(value);
        } finally {
          await client.end();
        }
      }
    });
  });
});
