// `@joinery/sdk/testing`: a stand-in Joinery that answers what a test scripts, on a real socket.
// Kept out of the main entry, which needs only `fetch` and runs wherever that does.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, as received. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ScriptedReply {
  /** Defaults to 200. */
  status?: number;
  headers?: Record<string, string>;
  /** Sent as JSON, with `Content-Type: application/json`. */
  json?: unknown;
  /** Sent as is when `json` is not given. */
  body?: string;
  /** Drops the connection without answering. */
  reset?: boolean;
  /** Waits this long before answering. */
  delayMs?: number;
}

/** Called for each request, with its 0-based position among all requests received. */
export type Script = (
  request: RecordedRequest,
  index: number,
) => ScriptedReply | Promise<ScriptedReply>;

export interface ScriptedJoinery {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Starts a scripted server on 127.0.0.1, on a free port. */
export async function startScriptedJoinery(script: Script): Promise<ScriptedJoinery> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://scripted');
      const request: RecordedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const index = requests.push(request) - 1;
      void (async () => {
        let reply: ScriptedReply;
        try {
          reply = await script(request, index);
        } catch (error) {
          reply = { status: 599, body: `script failed: ${String(error)}` };
        }
        if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
        if (reply.reset) {
          req.socket.destroy();
          return;
        }
        const headers: Record<string, string> = { ...reply.headers };
        let body = reply.body ?? '';
        if (reply.json !== undefined) {
          body = JSON.stringify(reply.json);
          headers['content-type'] ??= 'application/json';
        }
        res.writeHead(reply.status ?? 200, headers);
        res.end(body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
