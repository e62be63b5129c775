import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_ENVIRONMENT } from '@joinery/engine';
import {
  HUBSPOT_DEMO_TOKEN,
  SALESFORCE_DEMO_TOKEN,
  SLACK_DEMO_CLIENT_ID,
  SLACK_DEMO_CLIENT_SECRET,
  startSandbox,
  type Sandbox,
} from '@joinery/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser, runConnectFlow } from '../connect/testing/browser.js';
import { startTestJoinery, type TestJoinery } from '../test-harness.js';
import { parsePrometheusText } from './prometheus-text.js';

/*
 * Breaks things for real against the sandbox — a revoked token, a provider that stops, malformed
 * answers — and checks that the right state, the right alert and the recovery notice each appear
 * exactly once (in Slack, through a loopback incoming-webhook server that checks each body).
 */

interface SlackPost {
  text: string;
  blocks: { type: string }[];
}

const INTERVAL_MS = 200;

interface OutgoingEvent {
  id: string;
  type: string;
  data: { rule: string; subject: string; status: string };
}

/** A Slack incoming webhook at `/services/…`, and the app's outgoing-webhook endpoint at `/events`. */
async function startSlackReceiver(): Promise<{
  url: string;
  events: string;
  posts: SlackPost[];
  received: OutgoingEvent[];
  close(): Promise<void>;
}> {
  const posts: SlackPost[] = [];
  const received: OutgoingEvent[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === '/events') {
        const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Omit<
          OutgoingEvent,
          'id'
        >;
        // A retried delivery keeps its webhook-id: count each once.
        const id = String(req.headers['webhook-id']);
        if (!received.some((e) => e.id === id)) received.push({ ...event, id });
        res.writeHead(204).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SlackPost;
      // What a Slack incoming webhook insists on: POST, JSON, a text, blocks if any are well-formed.
      if (
        req.method !== 'POST' ||
        !req.headers['content-type']?.startsWith('application/json') ||
        typeof body.text !== 'string' ||
        !Array.isArray(body.blocks) ||
        !body.blocks.every((b) => typeof b.type === 'string')
      ) {
        res.writeHead(400).end('invalid_payload');
        return;
      }
      posts.push(body);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/T000/B000/secret`,
    events: `http://127.0.0.1:${port}/events`,
    posts,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function waitFor<T>(
  what: string,
  probe: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('health, alerts and metrics against the sandbox', { timeout: 60_000 }, () => {
  const token = `ghp_${randomBytes(16).toString('hex')}`;
  let sandbox: Sandbox;
  let sandboxPort: number;
  let slack: Awaited<ReturnType<typeof startSlackReceiver>>;
  let joinery: TestJoinery;
  let seq = 0;
  // A small Salesforce daily allowance, so a test can use most of it.
  const sandboxOptions = {
    github: { tokens: { [token]: 'mona' } },
    salesforce: { apiRequestLimit: 40 },
  };

  beforeAll(async () => {
    sandbox = await startSandbox(sandboxOptions);
    sandboxPort = Number(new URL(sandbox.url).port);
    slack = await startSlackReceiver();
    joinery = await startTestJoinery(
      'pglite',
      {
        resilience: {
          breaker: { failureThreshold: 5, openMs: 200, maxOpenMs: 400 },
          retry: { maxAttempts: 2, baseDelayMs: 10 },
        },
        health: {
          state: { failureThreshold: 3 },
          detectors: { malformedMin: 3, malformedRate: 0.2 },
          alerts: {
            connection_degraded: { forMs: 400 },
            dead_letters_growing: { windowMs: 2_000 },
          },
          checkTimeoutMs: 2_000,
          // Short, so a test sees the malformed answers leave the window.
          windowMs: 2_000,
        },
        // One failed attempt makes an outgoing delivery a dead letter.
        outgoing: { retryScheduleMs: [] },
        seedIntegrations: [
          {
            key: 'slack',
            connector: 'slack',
            baseUrl: `${sandbox.url}/slack/api`,
            allowPrivateNetwork: true,
            oauth: {
              clientId: SLACK_DEMO_CLIENT_ID,
              clientSecret: SLACK_DEMO_CLIENT_SECRET,
              authorizationUrl: `${sandbox.url}/slack/oauth/v2/authorize`,
              tokenUrl: `${sandbox.url}/slack/api/oauth.v2.access`,
            },
          },
        ],
      },
      {
        JOINERY_HEALTH_CHECK_INTERVAL_MS: String(INTERVAL_MS),
        JOINERY_ALERT_SLACK_URL: slack.url,
      },
    );
  });
  beforeAll(async () => {
    const endpoint = await joinery.api('POST', '/v1/webhook-endpoints', {
      url: slack.events,
      events: ['alert.*'],
      allowPrivateNetwork: true,
    });
    expect(endpoint.status).toBe(201);
  });
  afterAll(async () => {
    await joinery?.close();
    await sandbox?.close();
    await slack?.close();
  });

  async function connectGitHub(): Promise<{ id: string; key: string }> {
    const key = `gh-${++seq}`;
    const put = await joinery.api('PUT', `/v1/integrations/${key}`, {
      connector: 'github',
      baseUrl: `${sandbox.url}/github`,
      allowPrivateNetwork: true,
    });
    expect(put.status).toBe(201);
    const created = await joinery.api('POST', '/v1/connections', {
      integration: key,
      tenant: 'acme',
      credentials: { type: 'api_key', apiKey: token },
    });
    expect(created.status).toBe(201);
    return { id: created.body.id as string, key };
  }

  const healthOf = async (id: string) => {
    const answer = await joinery.api('GET', `/v1/health/connections?connection=${id}`);
    expect(answer.status).toBe(200);
    return answer.body.data[0];
  };
  const alertsFor = async (subject: string) =>
    (await joinery.api('GET', '/v1/alerts?limit=1000')).body.data.filter(
      (a: { subject: string }) => a.subject === subject || a.subject.startsWith(`${subject}/`),
    );
  const postsAbout = (needle: string, kind: 'firing' | 'resolved', rule = '') =>
    slack.posts.filter((p) => p.text.includes(needle) && p.text.includes(`${rule} ${kind}`));

  it('a revoked token: needs_reauth with the reason, one alert, and one recovery notice after reconnecting', async () => {
    const session = await joinery.api('POST', '/v1/connect-sessions', {
      integration: 'slack',
      tenant: 'globex',
    });
    expect(session.status).toBe(201);
    const flow = await runConnectFlow(new TestBrowser(), session.body.url as string);
    expect(flow.result.status).toBe(200);
    const list = await joinery.api('GET', '/v1/connections?tenant=globex&integration=slack');
    const id = list.body.data[0].id as string;
    await waitFor('a passing check', async () => (await healthOf(id)).lastCheck?.ok === true);

    // Revoke the token at the provider (Slack's auth.revoke, sent through the proxy with the token).
    const revoked = await joinery.api('POST', `/v1/proxy/${id}/auth.revoke`);
    expect(revoked.body).toEqual({ ok: true, revoked: true });

    const health = await waitFor('needs_reauth', async () => {
      const h = await healthOf(id);
      return h.state === 'needs_reauth' ? h : null;
    });
    expect(health.reason).toMatch(/auth_revoked/);
    expect(health.reconnectUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/connect\//);
    expect(health.action).toContain(health.reconnectUrl);
    const alert = await waitFor('the needs_reauth notice', async () => {
      const firing = (await alertsFor(id)).find(
        (a: { rule: string; status: string; notifiedFiringAt: string | null }) =>
          a.rule === 'connection_needs_reauth' && a.notifiedFiringAt !== null,
      );
      return firing ?? null;
    });
    expect(alert.severity).toBe('critical');
    expect(alert.summary).toContain('needs re-authorisation');

    // Reconnect through the link the health view gave.
    const reconnect = await runConnectFlow(new TestBrowser(), health.reconnectUrl as string);
    expect(reconnect.result.status).toBe(200);
    await waitFor('the recovery notice', async () => {
      const resolved = (await alertsFor(id)).find(
        (a: { rule: string; status: string; notifiedResolvedAt: string | null }) =>
          a.rule === 'connection_needs_reauth' && a.notifiedResolvedAt !== null,
      );
      return resolved ?? null;
    });
    expect((await healthOf(id)).state).toBe('healthy');
    await pause(INTERVAL_MS * 4);
    // Once each: one alert row, one firing and one recovery message in Slack.
    const rows = (await alertsFor(id)).filter(
      (a: { rule: string }) => a.rule === 'connection_needs_reauth',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].status).toBe('resolved');
    expect(postsAbout(id, 'firing', 'connection_needs_reauth')).toHaveLength(1);
    expect(postsAbout(id, 'resolved', 'connection_needs_reauth')).toHaveLength(1);
    // The same two notices as outgoing webhook events, once each.
    await waitFor('the outgoing alert.resolved event', () =>
      slack.received.some((e) => e.type === 'alert.resolved' && e.data.subject === id),
    );
    const events = slack.received.filter((e) => e.data.subject === id);
    // Webhooks promise no order between deliveries: sorted, once each.
    expect(events.map((e) => `${e.type} ${e.data.rule}`).sort()).toEqual([
      'alert.firing connection_needs_reauth',
      'alert.resolved connection_needs_reauth',
    ]);
    const transitions = (await joinery.api('GET', `/v1/health/connections/${id}/transitions`)).body
      .data;
    expect(transitions.map((t: { from: string; to: string }) => `${t.from}>${t.to}`)).toEqual([
      'needs_reauth>healthy',
      'healthy>needs_reauth',
    ]);
    expect(transitions[0].reason).toBe('re-authorised');
    expect(transitions[1].reason).toMatch(/auth_revoked/);
  });

  it('a provider that stops: degraded after 3 failures, one degraded alert, one recovery once it is back', async () => {
    const { id, key } = await connectGitHub();
    await waitFor('a passing check', async () => (await healthOf(id)).lastCheck?.ok === true);
    await sandbox.close();
    const degraded = await waitFor('degraded', async () => {
      const h = await healthOf(id);
      return h.state === 'degraded' ? h : null;
    });
    expect(degraded.reason).toMatch(
      /calls in a row failed \(last: (network|provider_unavailable)\)/,
    );
    expect(degraded.signals.consecutiveFailures).toBeGreaterThanOrEqual(3);
    expect(degraded.action).toMatch(/failing or unreachable/);
    await waitFor('the degraded alert notice', async () =>
      (await alertsFor(id)).some(
        (a: { rule: string; notifiedFiringAt: string | null }) =>
          a.rule === 'connection_degraded' && a.notifiedFiringAt !== null,
      ),
    );
    // The breaker opened too: its alert is about the integration.
    await waitFor('the circuit alert', async () =>
      (await alertsFor(key)).some((a: { rule: string }) => a.rule === 'circuit_open'),
    );

    sandbox = await startSandbox({ ...sandboxOptions, port: sandboxPort });
    await waitFor('healthy again', async () => (await healthOf(id)).state === 'healthy');
    await waitFor('the degraded recovery notice', async () =>
      (await alertsFor(id)).some(
        (a: { rule: string; notifiedResolvedAt: string | null }) =>
          a.rule === 'connection_degraded' && a.notifiedResolvedAt !== null,
      ),
    );
    await waitFor('the circuit recovery', async () =>
      (await alertsFor(key)).every(
        (a: { status: string; notifiedResolvedAt: string | null }) =>
          a.status === 'resolved' && a.notifiedResolvedAt !== null,
      ),
    );
    await pause(INTERVAL_MS * 4);
    const rows = (await alertsFor(id)).filter(
      (a: { rule: string }) => a.rule === 'connection_degraded',
    );
    expect(rows).toHaveLength(1);
    expect(postsAbout(id, 'firing', 'connection_degraded')).toHaveLength(1);
    expect(postsAbout(id, 'resolved', 'connection_degraded')).toHaveLength(1);
    expect(postsAbout(`integration ${key})`, 'firing', 'circuit_open')).toHaveLength(1);
    expect(postsAbout(`integration ${key})`, 'resolved', 'circuit_open')).toHaveLength(1);
    const transitions = (await joinery.api('GET', `/v1/health/connections/${id}/transitions`)).body
      .data;
    expect(transitions.map((t: { from: string; to: string }) => `${t.from}>${t.to}`)).toEqual([
      'degraded>healthy',
      'healthy>degraded',
    ]);
  });

  it('malformed 200s: the detector fires a silent-failure alert, and it resolves once answers are sound', async () => {
    const { id } = await connectGitHub();
    await waitFor('a passing check', async () => (await healthOf(id)).lastCheck?.ok === true);
    sandbox.faults.add({ path: '/user', fault: { kind: 'malformed' }, times: Infinity });
    const finding = await waitFor('the malformed-spike finding', async () => {
      const h = await healthOf(id);
      return h.findings.find((f: { detector: string }) => f.detector === 'malformed_spike') ?? null;
    });
    expect(finding.message).toMatch(/empty or malformed 200s/);
    await waitFor('the silent-failure notice', async () =>
      (await alertsFor(id)).some(
        (a: { rule: string; subject: string; notifiedFiringAt: string | null }) =>
          a.rule === 'silent_failure' &&
          a.subject === `${id}/malformed_spike` &&
          a.notifiedFiringAt !== null,
      ),
    );
    expect((await healthOf(id)).state).toBe('degraded');
    sandbox.faults.clear();
    await waitFor('healthy again', async () => (await healthOf(id)).state === 'healthy');
    await waitFor('the silent-failure recovery notice', async () =>
      (await alertsFor(id)).some(
        (a: { rule: string; notifiedResolvedAt: string | null }) =>
          a.rule === 'silent_failure' && a.notifiedResolvedAt !== null,
      ),
    );
    expect((await healthOf(id)).findings).toEqual([]);
    await pause(INTERVAL_MS * 4);
    const rows = (await alertsFor(id)).filter(
      (a: { rule: string; subject: string }) =>
        a.rule === 'silent_failure' && a.subject === `${id}/malformed_spike`,
    );
    expect(rows).toHaveLength(1);
    expect(postsAbout(id, 'firing', 'silent_failure')).toHaveLength(1);
    expect(postsAbout(id, 'resolved', 'silent_failure')).toHaveLength(1);
  });

  it('a sync that keeps succeeding with zero progress: one alert, and one recovery once records come back', async () => {
    expect(
      (
        await joinery.api('PUT', '/v1/integrations/hs', {
          connector: 'hubspot',
          baseUrl: `${sandbox.url}/hubspot`,
          allowPrivateNetwork: true,
        })
      ).status,
    ).toBe(201);
    const created = await joinery.api('POST', '/v1/connections', {
      integration: 'hs',
      tenant: 'acme',
      credentials: { type: 'bearer', token: HUBSPOT_DEMO_TOKEN },
    });
    expect(created.status).toBe(201);
    const engine = joinery.running.engine;
    const scope = { environmentId: DEFAULT_ENVIRONMENT };
    const sync = await engine.syncs.create(scope, {
      connectionId: created.body.id,
      sync: 'contacts',
    });
    // The scheduler starts the first run at once; wait for it so runs do not overlap.
    await waitFor('the first run', async () => {
      await engine.syncs.settled(sync.id);
      const runs = await engine.syncs.runs(scope, sync.id);
      return runs.length > 0 && runs.every((r) => r.status !== 'running');
    });
    const first = await engine.syncs.runNow(scope, sync.id, { full: true });
    expect(first.status).toBe('succeeded');
    expect(first.records.seen).toBeGreaterThan(0);
    expect((await healthOf(created.body.id as string)).signals.lastSyncAt).toBe(first.finishedAt);

    // The provider starts answering its list with nothing: each run "succeeds".
    sandbox.faults.add({
      provider: 'hubspot',
      path: '/crm/v3/objects/contacts',
      fault: { kind: 'status', status: 200, body: { results: [] } },
      // The connector's health check reads the same list, and gets nothing too.
      times: Infinity,
    });
    for (let i = 0; i < 3; i++) {
      const run = await engine.syncs.runNow(scope, sync.id, { full: true });
      expect(run).toMatchObject({ status: 'succeeded', records: { seen: 0 } });
    }
    const subject = `${sync.id}/zero_progress`;
    const alertFor = async () =>
      (await joinery.api('GET', '/v1/alerts?limit=1000')).body.data.filter(
        (a: { subject: string }) => a.subject === subject,
      );
    await waitFor('the zero-progress notice', async () =>
      (await alertFor()).some(
        (a: { notifiedFiringAt: string | null }) => a.notifiedFiringAt !== null,
      ),
    );
    expect((await alertFor())[0].summary).toMatch(/last 3 full runs found no record/);

    sandbox.faults.clear();
    const back = await engine.syncs.runNow(scope, sync.id, { full: true });
    expect(back.records.seen).toBeGreaterThan(0);
    await waitFor('the recovery notice', async () =>
      (await alertFor()).some(
        (a: { notifiedResolvedAt: string | null }) => a.notifiedResolvedAt !== null,
      ),
    );
    await pause(INTERVAL_MS * 4);
    expect(await alertFor()).toHaveLength(1);
    expect(postsAbout(`Sync ${sync.id}`, 'firing', 'sync_stalled')).toHaveLength(1);
    expect(postsAbout(`Sync ${sync.id}`, 'resolved', 'sync_stalled')).toHaveLength(1);
  });

  it('a provider quota nearly used up: one quota_low alert, and one recovery when it resets', async () => {
    expect(
      (
        await joinery.api('PUT', '/v1/integrations/sf', {
          connector: 'salesforce',
          baseUrl: `${sandbox.url}/salesforce`,
          allowPrivateNetwork: true,
        })
      ).status,
    ).toBe(201);
    const created = await joinery.api('POST', '/v1/connections', {
      integration: 'sf',
      tenant: 'acme',
      credentials: { type: 'bearer', token: SALESFORCE_DEMO_TOKEN },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    // Use the allowance up to more than 90 % (health checks count too): Salesforce says how much
    // is used in every answer's Sforce-Limit-Info.
    const query = `/v1/proxy/${id}/services/data/v62.0/query?q=SELECT+Id+FROM+Account+LIMIT+1`;
    for (;;) {
      const answer = await joinery.api('GET', query);
      const [used, limit] = (
        /api-usage=(\d+)\/(\d+)/.exec(answer.headers.get('sforce-limit-info') ?? '') ?? []
      )
        .slice(1)
        .map(Number);
      if (used !== undefined && limit !== undefined && used / limit > 0.9) break;
      expect(answer.status).toBe(200);
    }
    await joinery.running.engine.quotas.flush();
    const quotaAlert = async () =>
      (await joinery.api('GET', '/v1/alerts?limit=1000')).body.data.filter(
        (a: { subject: string }) => a.subject === 'sf/daily_api_requests',
      );
    await waitFor('the quota notice', async () =>
      (await quotaAlert()).some(
        (a: { notifiedFiringAt: string | null }) => a.notifiedFiringAt !== null,
      ),
    );
    expect((await quotaAlert())[0].summary).toMatch(/quota "daily_api_requests" is nearly used up/);
    expect((await healthOf(id)).signals.quotaHeadroom).toBeLessThan(0.1);

    // The rolling allowance frees up (the sandbox forgets its usage): the next answer says so.
    sandbox.reset();
    expect((await joinery.api('GET', query)).status).toBe(200);
    await joinery.running.engine.quotas.flush();
    await waitFor('the quota recovery notice', async () =>
      (await quotaAlert()).some(
        (a: { notifiedResolvedAt: string | null }) => a.notifiedResolvedAt !== null,
      ),
    );
    await pause(INTERVAL_MS * 4);
    expect(await quotaAlert()).toHaveLength(1);
    expect(postsAbout("Integration sf's quota", 'firing', 'quota_low')).toHaveLength(1);
    expect(postsAbout("Integration sf's quota", 'resolved', 'quota_low')).toHaveLength(1);
  });

  it('dead letters growing: one alert, resolved once no new ones arrive', async () => {
    // An endpoint nobody listens on (a port just closed) for connection.created events.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const endpoint = await joinery.api('POST', '/v1/webhook-endpoints', {
      url: `http://127.0.0.1:${deadPort}/events`,
      events: ['connection.created'],
      allowPrivateNetwork: true,
    });
    expect(endpoint.status).toBe(201);
    await connectGitHub();
    const alertOf = async () =>
      (await joinery.api('GET', '/v1/alerts?limit=1000')).body.data.filter(
        (a: { rule: string }) => a.rule === 'dead_letters_growing',
      );
    await waitFor('the dead-letter notice', async () =>
      (await alertOf()).some(
        (a: { notifiedFiringAt: string | null }) => a.notifiedFiringAt !== null,
      ),
    );
    expect((await alertOf())[0].summary).toMatch(/^1 new dead letter in the last 2 s/);
    expect(
      (await joinery.api('DELETE', `/v1/webhook-endpoints/${endpoint.body.id as string}`)).status,
    ).toBe(204);
    await waitFor('the recovery notice', async () =>
      (await alertOf()).some(
        (a: { notifiedResolvedAt: string | null }) => a.notifiedResolvedAt !== null,
      ),
    );
    expect(await alertOf()).toHaveLength(1);
    expect(postsAbout('new dead letter', 'firing', 'dead_letters_growing')).toHaveLength(1);
    expect(postsAbout('new dead letter', 'resolved', 'dead_letters_growing')).toHaveLength(1);
  });

  it('a disabled connection is not checked or called until it is enabled', async () => {
    const { id } = await connectGitHub();
    const disabled = await joinery.api('POST', `/v1/connections/${id}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ state: 'disabled', reason: 'disabled by the user' });
    const checks = async () =>
      (await joinery.api('GET', `/v1/logs?connection=${id}&limit=1000`)).body.data.filter(
        (e: { source: string }) => e.source === 'health_check',
      ).length;
    const before = await checks();
    await pause(INTERVAL_MS * 4);
    expect(await checks()).toBe(before);
    const refused = await joinery.api('GET', `/v1/proxy/${id}/user`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'conflict', connectionId: id });
    expect(refused.body.error.message).toContain(`/v1/connections/${id}/enable`);
    const enabled = await joinery.api('POST', `/v1/connections/${id}/enable`);
    expect(enabled.body).toMatchObject({ state: 'healthy', reason: 'enabled by the user' });
    await waitFor('a check after enabling', async () => (await checks()) > before);
    expect((await joinery.api('GET', `/v1/proxy/${id}/user`)).status).toBe(200);
  });

  it('/metrics: Prometheus text that parses line by line, with the calls just made', async () => {
    const unauthorised = await fetch(`${joinery.url}/metrics`);
    expect(unauthorised.status).toBe(401);
    await joinery.running.engine.health.stop();
    const { id, key } = await connectGitHub();
    // Through the proxy (the action route is another area's, mid-change).
    const get = () => joinery.api('GET', `/v1/proxy/${id}/repos/mona/hello-world`);
    for (let i = 0; i < 3; i++) expect((await get()).status).toBe(200);
    sandbox.faults.add({ path: '/repos/mona/hello-world', fault: { kind: 'status', status: 503 } });
    expect((await get()).status).toBe(200);
    const answer = await fetch(`${joinery.url}/metrics`, {
      headers: { authorization: `Bearer ${joinery.secretKey}` },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(await answer.text());
    const value = (name: string, labels: Record<string, string>) =>
      [...families.values()]
        .flatMap((family) => family.samples)
        .find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        ?.value;
    expect(families.get('joinery_requests_total')?.type).toBe('counter');
    // 4 calls: 3 plain, then one answered 503 once and 200 on its retry; plus the creation check.
    expect(
      value('joinery_requests_total', {
        integration: key,
        source: 'proxy',
        status: '200',
        code: 'none',
      }),
    ).toBe(4);
    expect(
      value('joinery_requests_total', {
        integration: key,
        source: 'proxy',
        status: '503',
        code: 'provider_unavailable',
      }),
    ).toBe(1);
    expect(
      value('joinery_requests_total', { integration: key, source: 'health_check', status: '200' }),
    ).toBe(1);
    expect(value('joinery_retries_total', { integration: key, code: 'provider_unavailable' })).toBe(
      1,
    );
    expect(families.get('joinery_request_duration_seconds')?.type).toBe('histogram');
    expect(
      value('joinery_request_duration_seconds_count', { integration: key, source: 'proxy' }),
    ).toBe(5);
    expect(
      value('joinery_request_duration_seconds_bucket', {
        integration: key,
        source: 'proxy',
        le: '+Inf',
      }),
    ).toBe(5);
    expect(value('joinery_connections', { integration: key, state: 'healthy' })).toBe(1);
    expect(value('joinery_circuit_breaker_state', { integration: key, state: 'closed' })).toBe(1);
    expect(families.get('joinery_alerts_firing')?.type).toBe('gauge');
    expect(
      value('joinery_alert_notices_total', { channel: 'slack', outcome: 'sent' }),
    ).toBeGreaterThan(0);
    // No secret in the exposition.
    expect(JSON.stringify([...families.values()])).not.toContain(token);
    expect(JSON.stringify([...families.values()])).not.toContain('T000/B000');
    // Nor is the Slack URL in any log line, from start-up to here.
    expect(joinery.logs.join('')).not.toContain('T000/B000');
    joinery.running.engine.health.start(INTERVAL_MS);
  });
});
