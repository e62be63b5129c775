import type { LogEntry } from '@joinery/sdk';
import { describe, expect, it } from 'vitest';
import { cli, scriptedJoinery } from '../test-io.js';
import { parseSince } from './logs.js';

const serve = scriptedJoinery();

function entry(n: number, overrides: Partial<LogEntry> = {}): LogEntry {
  return {
    id: `log_${n}`,
    at: `2025-01-01T00:00:0${n}.000Z`,
    connectionId: 'conn_1',
    integration: 'github-sandbox',
    tenant: 'acme',
    source: 'action',
    action: 'list_repositories',
    method: 'GET',
    url: `http://127.0.0.1:3004/github/user/repos?page=${n}`,
    status: 200,
    durationMs: 10 + n,
    errorCode: null,
    requestId: `req_${n}`,
    ...overrides,
  };
}

/** The server's order: newest first. */
function page(entries: LogEntry[], nextCursor: string | null = null) {
  return { json: { data: entries, nextCursor } };
}

describe('parseSince', () => {
  const now = Date.parse('2025-01-31T12:00:00Z');
  it.each([
    ['15m', '2025-01-31T11:45:00.000Z'],
    ['90s', '2025-01-31T11:58:30.000Z'],
    ['2h', '2025-01-31T10:00:00.000Z'],
    ['7d', '2025-01-24T12:00:00.000Z'],
    ['2025-01-30T08:00:00+01:00', '2025-01-30T07:00:00.000Z'],
    ['2025-01-30', '2025-01-30T00:00:00.000Z'],
  ])('%s is %s', (value, expected) => {
    expect(parseSince(value, now)).toBe(expected);
  });

  it.each(['yesterday', '15', '15 m', '-5m', '2025-13-45'])('refuses %s', (value) => {
    expect(() => parseSince(value, now)).toThrow(/--since takes an ISO 8601 time/);
  });
});

describe('joinery logs', () => {
  it('prints a table, oldest first, with every column', async () => {
    const { env } = await serve(() =>
      page([
        entry(2, { status: 429, errorCode: 'rate_limited' }),
        entry(1, { connectionId: null, source: 'health_check' }),
      ]),
    );
    const { code, stdout } = await cli(['logs'], { env });

    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^TIME\s+CONNECTION\s+SOURCE\s+METHOD\s+URL\s+STATUS\s+DURATION\s+ERROR$/,
    );
    expect(lines[1]).toMatch(
      /^2025-01-01T00:00:01\.000Z\s+-\s+health_check\s+GET\s+http:\/\/127\.0\.0\.1:3004\/github\/user\/repos\?page=1\s+200\s+11 ms\s+-$/,
    );
    expect(lines[2]).toMatch(
      /^2025-01-01T00:00:02\.000Z\s+conn_1\s+action\s+GET\s+\S+\s+429\s+12 ms\s+rate_limited$/,
    );
  });

  it('sends the filters, with --since as a time', async () => {
    const { server, env } = await serve(() => page([]));
    const before = Date.now();
    const { code, stdout } = await cli(
      ['logs', '--connection', 'conn_1', '--since', '15m', '--limit', '5'],
      { env },
    );

    expect(code).toBe(0);
    expect(stdout).toBe('No log entries.\n');
    const query = server.requests[0]?.query;
    expect(query?.get('connection')).toBe('conn_1');
    expect(query?.get('limit')).toBe('5');
    const since = Date.parse(query?.get('since') ?? '');
    expect(since).toBeGreaterThanOrEqual(before - 15 * 60_000 - 1000);
    expect(since).toBeLessThanOrEqual(Date.now() - 15 * 60_000);
  });

  it('walks pages up to --limit and says when there are more', async () => {
    const { server, env } = await serve((req) =>
      req.query.get('cursor') === null
        ? page([entry(4), entry(3)], 'c2')
        : page([entry(2), entry(1)], null),
    );
    const table = await cli(['logs', '--limit', '3'], { env });
    const json = await cli(['logs', '--limit', '3', '--json'], { env });

    expect(table.code).toBe(0);
    expect(table.stdout.match(/page=\d/g)).toEqual(['page=2', 'page=3', 'page=4']);
    expect(table.stderr).toBe('(showing 3; there are more: raise --limit or narrow --since)\n');
    expect((JSON.parse(json.stdout) as LogEntry[]).map((e) => e.id)).toEqual([
      'log_2',
      'log_3',
      'log_4',
    ]);
    expect(json.stderr).toBe('');
    expect(server.requests.map((r) => r.query.get('cursor'))).toEqual([null, 'c2', null, 'c2']);
  });

  it('--follow prints each new entry once and stops cleanly on the signal', async () => {
    const controller = new AbortController();
    const { server, env } = await serve((_req, index) =>
      index === 0 ? page([entry(2), entry(1)]) : page([entry(3), entry(2), entry(1)]),
    );
    const { code, stdout } = await cli(['logs', '--follow'], {
      env,
      signal: controller.signal,
      onStdout: (chunk) => {
        if (chunk.includes('log_3') || chunk.includes('page=3')) controller.abort();
      },
    });

    expect(code).toBe(0);
    const rows = stdout.trimEnd().split('\n');
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatch(/^TIME/);
    expect(rows.slice(1).map((row) => /page=(\d)/.exec(row)?.[1])).toEqual(['1', '2', '3']);
    // It looks again from a little before the newest entry it has seen.
    expect(server.requests[1]?.query.get('since')).toBe('2024-12-31T23:59:32.000Z');
  });

  it('--follow does not show entries that --limit left out as new ones', async () => {
    // A log endpoint that pages and filters like the server's: newest first, since inclusive.
    const log = [entry(3), entry(2), entry(1)];
    const controller = new AbortController();
    let polls = 0;
    const { env } = await serve((req) => {
      // First look-back poll: a new entry has arrived since the listing.
      if (req.query.get('since') !== null && req.query.get('cursor') === null && ++polls === 2) {
        log.unshift(entry(4));
      }
      const since = Date.parse(req.query.get('since') ?? '1970-01-01T00:00:00Z');
      const limit = Number(req.query.get('limit') ?? 50);
      const offset = Number(req.query.get('cursor') ?? 0);
      const matching = log.filter((e) => Date.parse(e.at) >= since);
      const next = offset + limit < matching.length ? String(offset + limit) : null;
      return page(matching.slice(offset, offset + limit), next);
    });
    const { code, stdout } = await cli(['logs', '--follow', '--limit', '1'], {
      env,
      signal: controller.signal,
      onStdout: (chunk) => {
        if (chunk.includes('page=4')) controller.abort();
      },
    });

    expect(code).toBe(0);
    expect(stdout.match(/page=\d/g)).toEqual(['page=3', 'page=4']);
  });

  it('--follow rides out a retryable failure and prints JSON lines', async () => {
    const controller = new AbortController();
    const { env } = await serve((_req, index) => {
      if (index === 0) return page([entry(1)]);
      if (index === 1) {
        return {
          status: 502,
          json: { error: { code: 'provider_unavailable', message: 'busy', retryable: true } },
        };
      }
      return page([entry(2), entry(1)]);
    });
    const { code, stdout, stderr } = await cli(['logs', '--follow', '--json'], {
      env,
      signal: controller.signal,
      onStdout: (chunk) => {
        if (chunk.includes('log_2')) controller.abort();
      },
    });

    expect(code).toBe(0);
    expect(
      stdout
        .trimEnd()
        .split('\n')
        .map((line) => (JSON.parse(line) as LogEntry).id),
    ).toEqual(['log_1', 'log_2']);
    expect(stderr).toContain('(still following; last poll failed: provider_unavailable)');
  });
});
