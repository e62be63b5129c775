// Every route the app serves is in GET /openapi.json, and everything documented is served.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { McpEndpoint } from './mcp/http-endpoint.js';
import { startTestJoinery, type TestJoinery } from './test-harness.js';

/** Routes not in the document, each with its reason. */
const UNDOCUMENTED: Record<string, string> = {
  'GET /openapi.json': 'the OpenAPI document itself',
};

/** `/v1/connectors/:id` → `/v1/connectors/{id}`; a trailing `*` is the proxy's `{path}`. */
function openApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\/\*$/, '/{path}');
}

describe('OpenAPI coverage', () => {
  let joinery: TestJoinery;
  let served: { method: string; path: string }[];
  let documented: Map<string, Set<string>>;

  beforeAll(async () => {
    joinery = await startTestJoinery('pglite');
    const logger = pino({ level: 'silent' });
    // The app exactly as startJoinery builds it, over the running engine, to read its route table.
    const mcp = new McpEndpoint({
      engine: joinery.running.engine,
      version: 'test',
      logger,
      allowedHosts: () => [],
    });
    const app = createApp({
      engine: joinery.running.engine,
      store: 'pglite',
      version: 'test',
      logger,
      mcp,
    });
    await mcp.close();
    // Hono lists middleware — `(c, next)`: authentication, body limits, validators — next to the
    // handlers that answer, which take the context only.
    served = app.routes
      .filter((route) => route.handler.length < 2)
      .map((route) => ({ method: route.method, path: route.path }));
    const response = await fetch(`${joinery.url}/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    documented = new Map(
      Object.entries(doc.paths).map(([path, item]) => [path, new Set(Object.keys(item))]),
    );
  }, 60_000);
  afterAll(async () => {
    await joinery?.close();
  });

  it('documents every route the app serves', () => {
    expect(served.length).toBeGreaterThan(20);
    const missing: string[] = [];
    for (const { method, path } of served) {
      const key = `${method} ${path}`;
      if (UNDOCUMENTED[key]) continue;
      const methods = documented.get(openApiPath(path));
      // `ALL` (the proxy) is one route for any method; its entry says so.
      const ok =
        methods !== undefined &&
        (method === 'ALL' ? methods.size > 0 : methods.has(method.toLowerCase()));
      if (!ok) missing.push(key);
    }
    expect(missing).toEqual([]);
  });

  it('serves everything it documents', () => {
    const routes = new Set(
      served.map(({ method, path }) => `${method.toLowerCase()} ${openApiPath(path)}`),
    );
    const all = new Set(served.filter((r) => r.method === 'ALL').map((r) => openApiPath(r.path)));
    const stale: string[] = [];
    for (const [path, methods] of documented)
      for (const method of methods)
        if (!routes.has(`${method} ${path}`) && !all.has(path))
          stale.push(`${method.toUpperCase()} ${path}`);
    expect(stale).toEqual([]);
    expect(documented.get('/mcp')).toEqual(new Set(['post', 'get', 'delete']));
  });
});
