import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Engine } from '@joinery/engine';
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';

/** The proxy's route pattern: spans never carry the concrete path (ids, provider paths). */
export const PROXY_ROUTE = '/v1/proxy/:connectionId/*';

/**
 * One SERVER span per API request when tracing is on (an OTLP endpoint is configured), named
 * `<METHOD> <route pattern>`; the provider exchanges it makes are its children. Without tracing it
 * is a single null check.
 */
export function tracingMiddleware(engine: Engine): MiddlewareHandler {
  return async (c, next) => {
    const tracing = engine.tracing;
    if (!tracing) return next();
    const headers = {
      traceparent: c.req.header('traceparent'),
      tracestate: c.req.header('tracestate'),
    };
    await tracing.serverSpan(c.req.method, headers, async (span) => {
      try {
        await next();
      } finally {
        // The route that answers (or would have, had a middleware not refused first): the last
        // matched handler. Middlewares take `next`, handlers do not. None matched: a 404.
        const route = matchedRoutes(c).findLast((r) => r.handler.length < 2)?.path ?? null;
        span.end(route, c.res.status);
      }
    });
  };
}

type ProxyHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  target: { connectionId: string; path: string },
  url: URL,
) => Promise<void>;

/** The Node-level proxy fast path (proxy.ts) under a SERVER span, when tracing is on. */
export function traceProxy(engine: Engine, handle: ProxyHandler): ProxyHandler {
  const tracing = engine.tracing;
  if (!tracing) return handle;
  return (req, res, target, url) =>
    tracing.serverSpan(req.method ?? 'GET', traceHeaders(req), async (span) => {
      try {
        await handle(req, res, target, url);
      } finally {
        span.end(PROXY_ROUTE, res.statusCode);
      }
    });
}

function traceHeaders(req: IncomingMessage): { traceparent?: string; tracestate?: string } {
  const { traceparent, tracestate } = req.headers;
  return {
    ...(typeof traceparent === 'string' ? { traceparent } : {}),
    ...(typeof tracestate === 'string' ? { tracestate } : {}),
  };
}
