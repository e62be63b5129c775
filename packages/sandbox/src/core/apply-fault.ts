import type { ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { MAX_HANG_MS, type Fault } from './faults.js';
import type { Provider, ProviderRequest, ProviderResponse } from './provider.js';
import { send } from './send.js';

export interface FaultContext {
  provider: Provider;
  request: ProviderRequest;
  res: ServerResponse;
  /** Aborted when the sandbox closes: ends latency waits. */
  signal: AbortSignal;
  /** Registers a timer that `close()` must clear (hang caps); returns the way to forget it. */
  track(timer: NodeJS.Timeout): () => void;
}

/**
 * The first half of a JSON text. A strict prefix of an object or array never parses, and every
 * provider's bodies are one of those (Salesforce's errors are arrays); an empty body becomes `{"`.
 */
export function truncateJson(body: string): string {
  if (body.length < 2) return '{"';
  return body.slice(0, Math.floor(body.length / 2));
}

/**
 * Answers `request`, through `fault` if there is one. Returns the status sent, or `null` if
 * none was (reset, hang, or the sandbox closed first).
 */
export async function respond(
  fault: Fault | undefined,
  context: FaultContext,
): Promise<number | null> {
  const { provider, request, res } = context;
  const handle = (): ProviderResponse => provider.handle(request);

  switch (fault?.kind) {
    case undefined:
      return sent(res, handle());
    case 'latency':
      try {
        await delay(fault.ms, undefined, { signal: context.signal });
      } catch {
        return null; // the sandbox is closing
      }
      if (res.destroyed) return null;
      return sent(res, handle());
    case 'status':
      return sent(res, provider.statusFault(request, fault));
    case 'rate_limit':
      return sent(res, provider.rateLimitFault(request, fault));
    case 'reset':
      // RST rather than FIN, so the client sees ECONNRESET, as when a proxy drops the connection.
      res.socket?.resetAndDestroy();
      return null;
    case 'reset_mid_body': {
      const response = handle();
      const body = Buffer.from(response.body, 'utf8');
      // Announce the whole body, deliver half: the client has a status and headers, then loses
      // the connection while reading the body.
      res.writeHead(response.status, {
        ...response.headers,
        'content-length': String(Math.max(body.length, 2)),
      });
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
      return response.status;
    }
    case 'hang': {
      const timer = setTimeout(() => res.socket?.destroy(), MAX_HANG_MS);
      timer.unref();
      const untrack = context.track(timer);
      res.once('close', () => {
        clearTimeout(timer);
        untrack();
      });
      return null;
    }
    case 'malformed': {
      const response = handle();
      return sent(res, {
        status: 200,
        headers: response.headers,
        body: truncateJson(response.body),
      });
    }
    case 'empty': {
      const response = handle();
      return sent(res, { status: 200, headers: response.headers, body: '' });
    }
  }
}

function sent(res: ServerResponse, response: ProviderResponse): number {
  send(res, response);
  return response.status;
}
