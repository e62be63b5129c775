/**
 * The benchmark's upstream: plain `node:http` on loopback, keep-alive on, fixed ~1 KB JSON bodies,
 * so what it costs is as small and as steady as a server can be. Prints `{"benchReady":{"port"}}`.
 */
import { createServer } from 'node:http';
import { serveUntilParentGoes } from './child-lifetime.js';
import {
  PAYLOAD_PATH,
  UPSTREAM_TOKEN,
  USER_PATH,
  payloadBody,
  userBody,
} from './upstream-fixture.js';

const bodies = new Map<string, Buffer>([
  [USER_PATH, Buffer.from(userBody)],
  [PAYLOAD_PATH, Buffer.from(payloadBody)],
]);
const unauthorized = Buffer.from(JSON.stringify({ message: 'Bad credentials' }));
const notFound = Buffer.from(JSON.stringify({ message: 'Not Found' }));

const server = createServer((req, res) => {
  // Both paths must present the token, so a proxy that forgot to inject it shows up as 401s.
  const body =
    req.headers.authorization !== `Bearer ${UPSTREAM_TOKEN}`
      ? unauthorized
      : (bodies.get(req.url ?? '') ?? notFound);
  res.statusCode = body === unauthorized ? 401 : body === notFound ? 404 : 200;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', body.length);
  res.end(body);
  // Drain any request body so the socket stays reusable.
  req.resume();
});
// Longer than any pause between rounds, so neither client has to reconnect mid-run.
server.keepAliveTimeout = 60_000;

serveUntilParentGoes(server);
