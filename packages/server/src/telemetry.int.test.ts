import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox, type Sandbox } from '@joinery/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { startTestJoinery, type TestJoinery } from './test-harness.js';

/** One span as OTLP/HTTP JSON carries it, attributes flattened. */
interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  status: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, string | number | boolean>;
  service: string | undefined;
}

const SERVER = 2;
const CLIENT = 3;
const INTERNAL = 1;
const STATUS_ERROR = 2;

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        startTimeUnixNano: string | number;
        endTimeUnixNano: string | number;
        attributes?: OtlpAttribute[];
        status?: { code?: number };
      }[];
    }[];
  }[];
}

function flatten(attributes: OtlpAttribute[] = []): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of attributes) {
    if (value.stringValue !== undefined) out[key] = value.stringValue;
    else if (value.intValue !== undefined) out[key] = Number(value.intValue);
    else if (value.boolValue !== undefined) out[key] = value.boolValue;
    else if (value.doubleValue !== undefined) out[key] = value.doubleValue;
  }
  return out;
}

/** A loopback OTLP/HTTP receiver: keeps every raw body posted to /v1/traces. */
async function startReceiver(
  status = 200,
): Promise<{ url: string; bodies: string[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        bodies.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      } else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function spansOf(bodies: string[]): ExportedSpan[] {
  const spans: ExportedSpan[] = [];
  for (const body of bodies) {
    const request = JSON.parse(body) as OtlpRequest;
    for (const resourceSpans of request.resourceSpans ?? []) {
      const service = flatten(resourceSpans.resource?.attributes)['service.name'];
      for (const scope of resourceSpans.scopeSpans ?? [])
        for (const span of scope.spans ?? [])
          spans.push({
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId || undefined,
            name: span.name,
            kind: span.kind,
            status: span.status?.code ?? 0,
            startNs: BigInt(span.startTimeUnixNano),
            endNs: BigInt(span.endTimeUnixNano),
            attributes: flatten(span.attributes),
            service: typeof service === 'string' ? service : undefined,
          });
    }
  }
  return spans;
}

describe('OpenTelemetry traces (OTLP/HTTP)', () => {
  const token = `ghp_${randomBytes(16).toString('hex')}`;
  const querySecret = `qs_${randomBytes(12).toString('hex')}`;
  let sandbox: Sandbox;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let joinery: TestJoinery;
  let connectionId: string;
  let spans: ExportedSpan[];
  let payload: string;
  let runId: string;
  // The caller's W3C trace context, sent with some requests.
  const callerTrace = randomBytes(16).toString('hex');
  const callerSpan = randomBytes(8).toString('hex');

  beforeAll(async () => {
    sandbox = await startSandbox({ github: { tokens: { [token]: 'mona' } } });
    receiver = await startReceiver();
    joinery = await startTestJoinery(
      'pglite',
      { resilience: { retry: { baseDelayMs: 20 } } },
      {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
        OTEL_SERVICE_NAME: 'joinery-under-test',
      },
    );
    const put = await joinery.api('PUT', '/v1/integrations/gh', {
      connector: 'github',
      baseUrl: `${sandbox.url}/github`,
      allowPrivateNetwork: true,
    });
    expect(put.status).toBe(201);
    const created = await joinery.api('POST', '/v1/connections', {
      integration: 'gh',
      tenant: 'acme',
      credentials: { type: 'api_key', apiKey: token },
    });
    expect(created.status).toBe(201);
    connectionId = created.body.id as string;
    // One 503, then the real answer: two provider attempts under one API request.
    sandbox.faults.add({
      path: '/repos/mona/hello-world',
      fault: { kind: 'status', status: 503 },
    });
    const result = await joinery.api(
      'POST',
      `/v1/connections/${connectionId}/actions/get_repository`,
      { input: { owner: 'mona', repo: 'hello-world' } },
    );
    expect(result.status).toBe(200);
    // The proxy fast path, with a secret in the query string.
    const proxied = await joinery.api(
      'GET',
      `/v1/proxy/${connectionId}/repos/mona/hello-world?access_token=${querySecret}`,
      undefined,
      { traceparent: `00-${callerTrace}-${callerSpan}-01` },
    );
    expect(proxied.status).toBe(200);
    // An unknown URL, and a known route refused by authentication.
    expect((await joinery.api('GET', `/v1/nothing-here/${connectionId}`)).status).toBe(404);
    expect(
      (
        await joinery.api('GET', `/v1/connections/${connectionId}`, undefined, {
          authorization: 'Bearer wrong',
          traceparent: `00-${callerTrace}-${callerSpan}-01`,
        })
      ).status,
    ).toBe(401);
    // A background run: its step is a span, the provider exchange its child.
    const submitted = await joinery.api(
      'POST',
      `/v1/connections/${connectionId}/actions/get_repository`,
      { input: { owner: 'mona', repo: 'hello-world' }, async: true },
    );
    expect(submitted.status).toBe(202);
    runId = submitted.body.runId as string;
    for (let i = 0; i < 200; i++) {
      const run = await joinery.api('GET', `/v1/runs/${runId}`);
      if (run.body.status === 'succeeded') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await joinery.api('GET', `/v1/runs/${runId}`)).body.status).toBe('succeeded');
    expect(joinery.running.engine.tracing).not.toBeNull();
    // close() flushes every span still waiting for its batch.
    await joinery.close();
    payload = receiver.bodies.join('\n');
    spans = spansOf(receiver.bodies);
  });
  afterAll(async () => {
    await receiver?.close();
    await sandbox?.close();
  });

  it('exports a SERVER span named after the action route, not the concrete path', () => {
    const server = spans.filter(
      (s) => s.kind === SERVER && s.name === 'POST /v1/connections/:id/actions/:action',
    );
    // The call made here (200) and the background run submitted (202).
    expect(server.map((s) => s.attributes['http.response.status_code']).sort()).toEqual([200, 202]);
    expect(server[0]?.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/connections/:id/actions/:action',
    });
    expect(server[0]?.service).toBe('joinery-under-test');
    expect(spans.some((s) => s.name.includes(connectionId))).toBe(false);
  });

  it('exports one CLIENT span per provider attempt, children of the API request span', () => {
    const server = spans.find(
      (s) =>
        s.name === 'POST /v1/connections/:id/actions/:action' &&
        s.attributes['http.response.status_code'] === 200,
    );
    const attempts = spans
      .filter((s) => s.kind === CLIENT && s.traceId === server?.traceId)
      .sort(
        (a, b) => Number(a.attributes['joinery.attempt']) - Number(b.attributes['joinery.attempt']),
      );
    expect(attempts).toHaveLength(2);
    const [first, second] = attempts;
    expect(first?.name).toBe('GET gh');
    expect(first?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.response.status_code': 503,
      'joinery.integration': 'gh',
      'joinery.connection_id': connectionId,
      'joinery.action': 'get_repository',
      'joinery.attempt': 1,
      'error.type': 'provider_unavailable',
      'url.full': `${sandbox.url}/github/repos/mona/hello-world`,
    });
    expect(first?.attributes['joinery.decision']).toMatch(/provider_unavailable: retry 2 in/);
    expect(first?.status).toBe(STATUS_ERROR);
    expect(second?.attributes).toMatchObject({
      'http.response.status_code': 200,
      'joinery.attempt': 2,
    });
    expect(second?.attributes['error.type']).toBeUndefined();
    expect(second?.status).not.toBe(STATUS_ERROR);
    for (const attempt of attempts) {
      expect(attempt.traceId).toBe(server?.traceId);
      expect(attempt.parentSpanId).toBe(server?.spanId);
      // Timed from the request log: inside the request span, start before end.
      expect(attempt.startNs).toBeLessThanOrEqual(attempt.endNs);
      expect(attempt.startNs).toBeGreaterThanOrEqual((server?.startNs ?? 0n) - 2_000_000n);
      expect(attempt.endNs).toBeLessThanOrEqual((server?.endNs ?? 0n) + 2_000_000n);
    }
    expect((first?.endNs ?? 0n) <= (second?.startNs ?? 0n) + 2_000_000n).toBe(true);
  });

  it('traces the health check made on connect, under the connection request', () => {
    const create = spans.find((s) => s.kind === SERVER && s.name === 'POST /v1/connections');
    expect(create).toBeDefined();
    const check = spans.find(
      (s) => s.kind === CLIENT && s.attributes['joinery.source'] === 'health_check',
    );
    expect(check?.parentSpanId).toBe(create?.spanId);
  });

  it('traces the proxy fast path under its route pattern, the query secret redacted', () => {
    const proxy = spans.find(
      (s) => s.kind === SERVER && s.name === 'GET /v1/proxy/:connectionId/*',
    );
    expect(proxy?.attributes['http.response.status_code']).toBe(200);
    const exchange = spans.find(
      (s) => s.kind === CLIENT && s.attributes['joinery.source'] === 'proxy',
    );
    expect(exchange?.parentSpanId).toBe(proxy?.spanId);
    // The caller's traceparent: the request joins the caller's trace.
    expect(proxy?.traceId).toBe(callerTrace);
    expect(proxy?.parentSpanId).toBe(callerSpan);
    expect(exchange?.traceId).toBe(callerTrace);
    expect(exchange?.attributes['url.full']).toBe(
      `${sandbox.url}/github/repos/mona/hello-world?access_token=REDACTED`,
    );
  });

  it('names a request with no route by its method alone, and a refused one by its route', () => {
    const unknown = spans.find(
      (s) => s.kind === SERVER && s.attributes['http.response.status_code'] === 404,
    );
    expect(unknown?.name).toBe('GET');
    expect(unknown?.attributes['http.route']).toBeUndefined();
    const refused = spans.find(
      (s) => s.kind === SERVER && s.attributes['http.response.status_code'] === 401,
    );
    expect(refused?.name).toBe('GET /v1/connections/:id');
    expect(refused?.traceId).toBe(callerTrace);
    expect(refused?.parentSpanId).toBe(callerSpan);
  });

  it('exports a span per run execution and per step, with the exchanges of the step as children', () => {
    const run = spans.find((s) => s.kind === INTERNAL && s.name === 'run action');
    expect(run?.attributes).toMatchObject({ 'joinery.run_id': runId, 'joinery.attempt': 1 });
    // Executed by the worker, not within the request that submitted it: a trace of its own.
    expect(run?.parentSpanId).toBeUndefined();
    const step = spans.find((s) => s.kind === INTERNAL && s.name === 'run.step get_repository');
    expect(step?.attributes).toMatchObject({
      'joinery.connection_id': connectionId,
      'joinery.step_key': `${runId}:action`,
    });
    expect(step?.parentSpanId).toBe(run?.spanId);
    const exchange = spans.find((s) => s.kind === CLIENT && s.parentSpanId === step?.spanId);
    expect(exchange?.attributes['joinery.source']).toBe('action');
    expect(exchange?.attributes['http.response.status_code']).toBe(200);
  });

  it('exports no secret: not the provider token, not the secret key, not the query secret', () => {
    expect(payload.length).toBeGreaterThan(0);
    expect(payload).not.toContain(token);
    expect(payload).not.toContain(joinery.secretKey);
    expect(payload).not.toContain(querySecret);
    expect(spans.every((s) => s.kind !== INTERNAL || s.name.startsWith('run'))).toBe(true);
  });
});

describe('a collector that refuses spans', () => {
  it('is logged, and the request it traced is unaffected', async () => {
    const receiver = await startReceiver(400);
    const joinery = await startTestJoinery(
      'pglite',
      {},
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    );
    try {
      expect((await joinery.api('GET', '/v1/connections')).status).toBe(200);
    } finally {
      await joinery.close();
      await receiver.close();
    }
    expect(receiver.bodies.length).toBeGreaterThan(0);
    expect(joinery.logs.join('')).toContain('the OTLP endpoint did not accept a batch of spans');
  });
});

describe('tracing off by default', () => {
  it('creates no tracer when no OTLP endpoint is configured', async () => {
    const joinery = await startTestJoinery('pglite');
    try {
      expect(joinery.running.engine.tracing).toBeNull();
      expect((await joinery.api('GET', '/v1/connections')).status).toBe(200);
    } finally {
      await joinery.close();
    }
  });

  it('reads the endpoint from the standard variables', () => {
    expect(loadConfig({}).otlpTracesEndpoint).toBeNull();
    expect(loadConfig({}).otelServiceName).toBe('joinery');
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).otlpTracesEndpoint,
    ).toBe('http://collector:4318/v1/traces');
    expect(
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/custom',
      }).otlpTracesEndpoint,
    ).toBe('https://traces.example/custom');
  });

  it.each([
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'not a url'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'grpc://collector:4317'],
  ])('refuses a bad %s, naming the variable', (name, value) => {
    let caught: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).setting).toBe(name);
    expect((caught as ConfigError).message).toMatch(/http\(s\)/);
  });
});
