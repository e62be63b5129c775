import { describe, expect, it } from 'vitest';
import { cli, scriptedJoinery } from '../test-io.js';

const serveScript = scriptedJoinery();

const signals = {
  windowMs: 900_000,
  calls: 0,
  failures: 0,
  errorRate: 0,
  malformed: 0,
  rateLimited: 0,
  latencyP50Ms: null,
  latencyP95Ms: null,
  consecutiveFailures: 0,
  lastFailureCode: null,
  lastSuccessAt: null,
  tokenExpiresAt: null,
  refreshFailures: 0,
  lastSyncAt: null,
  quotaHeadroom: null,
};
const since = new Date(Date.now() - 5 * 60_000).toISOString();
const healthy = {
  connectionId: 'conn_ok',
  integration: 'github',
  tenant: 'acme',
  state: 'healthy',
  reason: 'first seen by the health monitor',
  since,
  lastCheck: null,
  nextCheckAt: null,
  signals,
  findings: [],
  action: 'Nothing to do',
};
const reauth = {
  ...healthy,
  connectionId: 'conn_revoked',
  integration: 'slack',
  tenant: 'globex',
  state: 'needs_reauth',
  reason: 'auth_revoked: Slack says token_revoked',
  reconnectUrl: 'http://127.0.0.1:3003/connect/cs_abc?token=t',
  action: 'Send the tenant this link to reconnect: http://127.0.0.1:3003/connect/cs_abc?token=t',
};
const alert = {
  id: 'alert_1',
  rule: 'connection_needs_reauth',
  subject: 'conn_revoked',
  status: 'firing',
  severity: 'critical',
  summary: 'Connection conn_revoked (slack, tenant "globex") needs re-authorisation',
  details: {},
  firstFiredAt: since,
  lastFiredAt: since,
  resolvedAt: null,
  notifiedFiringAt: since,
  notifiedResolvedAt: null,
  deliveryError: null,
};

function serve(connections: unknown[], alerts: unknown[]) {
  return serveScript((request) =>
    request.path.startsWith('/v1/health/connections')
      ? { json: { data: connections } }
      : { json: { data: alerts, nextCursor: null } },
  );
}

describe('joinery status', () => {
  it('puts the connection needing attention first, with the reconnect link, and exits 1', async () => {
    const { env, server } = await serve([healthy, reauth], [alert]);
    const { code, stdout } = await cli(['status'], { env });
    expect(code).toBe(1);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('2 connections: 1 needs_reauth, 1 healthy; 1 alert firing');
    expect(lines[2]).toMatch(
      /^STATE\s+CONNECTION\s+INTEGRATION\s+TENANT\s+SINCE\s+REASON\s+WHAT TO DO$/,
    );
    expect(lines[3]).toMatch(
      /^needs_reauth\s+conn_revoked\s+slack\s+globex\s+5m ago\s+auth_revoked: Slack says token_revoked\s+Send the tenant this link to reconnect: http:\/\/127\.0\.0\.1:3003\/connect\/cs_abc\?token=t$/,
    );
    expect(lines[4]).toMatch(
      /^healthy\s+conn_ok\s+github\s+acme\s+5m ago\s+first seen .*Nothing to do$/,
    );
    expect(stdout).toContain(
      'ALERTS FIRING\n[critical] connection_needs_reauth conn_revoked (5m ago): Connection conn_revoked',
    );
    expect(server.requests.map((r) => r.path)).toEqual(['/v1/health/connections', '/v1/alerts']);
  });

  it('exits 0 when everything is healthy, and prints JSON with --json', async () => {
    const { env } = await serve([healthy], []);
    const plain = await cli(['status'], { env });
    expect(plain.code).toBe(0);
    expect(plain.stdout.split('\n')[0]).toBe('1 connection: 1 healthy; 0 alerts firing');
    const json = await cli(['status', '--json'], { env });
    expect(JSON.parse(json.stdout)).toEqual({ connections: [healthy], alerts: [] });
  });

  it('keeps a provider-controlled reason from moving the cursor', async () => {
    const { env } = await serve([{ ...healthy, reason: 'bad\u001b[2Jreason' }], []);
    const { stdout } = await cli(['status'], { env });
    expect(stdout).not.toContain('\u001b');
    expect(stdout).toContain('bad?[2Jreason');
  });
});
