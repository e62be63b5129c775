import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { respond } from './apply-fault.js';
import { CONTROL_PREFIX, handleControl } from './control-api.js';
import { createFaultSchedule, type FaultSchedule } from './faults.js';
import type { Provider } from './provider.js';
import { BodyTooLargeError, readBody } from './read-body.js';
import { createRequestLog, type RecordedRequest } from './request-log.js';
import { sendJson } from './send.js';

export interface Sandbox {
  /** e.g. `http://127.0.0.1:54321`; GitHub's base URL is `${url}/github`. */
  url: string;
  /** Stops listening and destroys every open socket, hung ones included. Safe to call twice. */
  close(): Promise<void>;
  faults: FaultSchedule;
  /** Every request received outside `/_sandbox`, in order (the oldest dropped past 10 000). */
  requests: RecordedRequest[];
  /** How many `method path` requests arrived, path as sent (`/github/repos/o/r/issues`), no query. */
  count(method: string, path: string): number;
  /** Back to the seeded state: data, rate-limit windows, faults, recorded requests and counts. */
  reset(): void;
}

/** `0.0.0.0` and `::` accept connections but are not addresses to connect to. */
function connectableHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * The provider-neutral HTTP core: mounts each provider under its prefix, records every request,
 * applies the fault schedule, and serves the control API under `/_sandbox`.
 */
export async function startServer(options: {
  host: string;
  port: number;
  providers: readonly Provider[];
}): Promise<Sandbox> {
  const { host, port, providers } = options;
  const faults = createFaultSchedule();
  const log = createRequestLog();
  const closing = new AbortController();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const reset = () => {
    faults.clear();
    log.clear();
    for (const provider of providers) provider.reset();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const path = url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    if (path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)) {
      return handleControl(req, res, path, { faults, log, reset, providers });
    }

    const hostHeader = req.headers.host ?? new URL(sandboxUrl).host;
    const provider = providers.find(
      (candidate) => path === candidate.prefix || path.startsWith(`${candidate.prefix}/`),
    );
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLargeError)
        return sendJson(res, 413, { error: error.code, message: error.message });
      throw error;
    }
    const recorded = log.record({
      method,
      path,
      provider: provider?.name ?? null,
      query: url.searchParams,
      headers: req.headers,
      tokenLogin: provider?.identify(req.headers, body) ?? null,
      body,
    });

    if (provider === undefined) {
      if (method === 'GET' && path === '/') {
        recorded.status = 200;
        return sendJson(res, 200, {
          providers: Object.fromEntries(
            providers.map((p) => [p.name, `http://${hostHeader}${p.prefix}`]),
          ),
          control: `http://${hostHeader}${CONTROL_PREFIX}`,
        });
      }
      recorded.status = 404;
      return sendJson(res, 404, {
        error: 'not_found',
        message: `No provider at ${path}. Providers live under ${providers.map((p) => p.prefix).join(', ')}; the control API under ${CONTROL_PREFIX}.`,
      });
    }

    const providerPath = path.slice(provider.prefix.length) || '/';
    const fault = faults.take({ method, path: providerPath, provider: provider.name });
    recorded.fault = fault?.kind ?? null;
    recorded.status = await respond(fault, {
      provider,
      request: {
        method,
        path: providerPath,
        query: url.searchParams,
        headers: req.headers,
        body,
        baseUrl: `http://${hostHeader}${provider.prefix}`,
        remoteAddress: req.socket.remoteAddress ?? 'unknown',
      },
      res,
      signal: closing.signal,
      track(timer) {
        timers.add(timer);
        return () => timers.delete(timer);
      },
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A bug in the sandbox must show as one, not as a provider's answer.
      if (res.headersSent) res.destroy();
      else
        sendJson(res, 500, {
          error: 'sandbox_error',
          message: error instanceof Error ? error.message : String(error),
        });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const sandboxUrl = `http://${connectableHost(host)}:${address.port}`;

  let closed: Promise<void> | undefined;
  return {
    url: sandboxUrl,
    faults,
    requests: log.requests,
    count: (method, path) => log.count(method, path),
    reset,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
