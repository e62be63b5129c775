/**
 * The rate-limit benchmark's provider: plain `node:http` on loopback that enforces a strict limit
 * on `GET /repos/bench/limited` (default 50 requests per rolling 1 s, counted on arrival; see
 * `rolling-window.ts`). Over the limit it answers `429` with `Retry-After: 1`, as GitHub's
 * secondary limits do; within it, `200` with a small repository JSON after a short service time.
 * `GET /user` (the GitHub connector's health check, called once when a connection is created) is
 * answered but neither limited nor counted against the limit.
 *
 * `GET /_stats` reports what it served and refused, with every arrival on the limited path
 * (`?arrivals=1`); `POST /_stats/reset` starts a new count and an empty window.
 *
 * Usage: `node rate-limited-upstream.js [--limit 50] [--window-ms 1000] [--service-ms 2]`.
 * Prints `{"benchReady":{"port"}}`.
 */
import { createServer, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { serveUntilParentGoes } from './child-lifetime.js';
import { RollingWindow } from './rolling-window.js';
import {
  LIMITED_PATH,
  UPSTREAM_TOKEN,
  USER_PATH,
  limitedRepositoryBody,
  userBody,
  type LimitedUpstreamArrival,
  type LimitedUpstreamStats,
} from './upstream-fixture.js';

const { values } = parseArgs({
  options: {
    limit: { type: 'string', default: '50' },
    'window-ms': { type: 'string', default: '1000' },
    'service-ms': { type: 'string', default: '2' },
  },
});
const window = new RollingWindow(Number(values.limit), Number(values['window-ms']));
const serviceMs = Number(values['service-ms']);

/** Bounds memory over a long run; the parent reads arrivals once per variant. */
const MAX_ARRIVALS = 100_000;
let stats: LimitedUpstreamStats;
let arrivalLog: LimitedUpstreamArrival[] = [];
const resetStats = () => {
  window.reset();
  arrivalLog = [];
  stats = {
    limit: window.limit,
    windowMs: window.windowMs,
    serviceMs,
    arrivals: 0,
    served: 0,
    rejected: 0,
    healthChecks: 0,
    refused: 0,
    firstArrivalAt: null,
    lastServedAt: null,
  };
};
resetStats();

const user = Buffer.from(userBody);
const repository = Buffer.from(limitedRepositoryBody);
const tooMany = Buffer.from(
  JSON.stringify({
    message:
      'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
    documentation_url:
      'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
  }),
);

function send(
  res: ServerResponse,
  status: number,
  body: Buffer,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(body.length),
    ...headers,
  });
  res.end(body);
}

const server = createServer((req, res) => {
  // Counted on arrival: before the body is read or anything is awaited.
  const arrivedAt = performance.now();
  req.resume();
  const [path, query] = (req.url ?? '/').split('?');
  if (path === '/_stats') {
    if (req.method === 'POST') resetStats();
    const body = query === 'arrivals=1' ? { ...stats, arrivalLog } : stats;
    return send(res, 200, Buffer.from(JSON.stringify(body)));
  }
  if (req.headers.authorization !== `Bearer ${UPSTREAM_TOKEN}`) {
    stats.refused += 1;
    return send(res, 401, Buffer.from('{"message":"Bad credentials"}'));
  }
  if (req.method === 'GET' && path === USER_PATH) {
    stats.healthChecks += 1;
    return send(res, 200, user);
  }
  if (req.method !== 'GET' || path !== LIMITED_PATH) {
    stats.refused += 1;
    return send(res, 404, Buffer.from('{"message":"Not Found"}'));
  }
  stats.arrivals += 1;
  stats.firstArrivalAt ??= Date.now();
  const admitted = window.admit(arrivedAt);
  if (arrivalLog.length < MAX_ARRIVALS)
    arrivalLog.push({ at: performance.timeOrigin + arrivedAt, status: admitted ? 200 : 429 });
  if (!admitted) {
    stats.rejected += 1;
    return send(res, 429, tooMany, { 'retry-after': '1' });
  }
  void sleep(serviceMs).then(() => {
    stats.served += 1;
    stats.lastServedAt = Date.now();
    send(res, 200, repository);
  });
});
server.keepAliveTimeout = 60_000;

serveUntilParentGoes(server);
