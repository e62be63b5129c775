import { DEFAULT_ENVIRONMENT } from '@joinery/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestJoinery, type TestJoinery } from '../test-harness.js';

/* `GET /v1/alerts` for a tenant-restricted request: the tenant's alerts, a full page at a time. */
describe('GET /v1/alerts', { timeout: 60_000 }, () => {
  let joinery: TestJoinery;

  beforeAll(async () => {
    // No health ticks: the alerts below are the only ones, and nothing resolves them.
    joinery = await startTestJoinery('pglite', {}, { JOINERY_HEALTH_CHECK_INTERVAL_MS: '0' });
    const condition = (subject: string, tenant: string) => ({
      environmentId: DEFAULT_ENVIRONMENT,
      rule: 'connection_degraded' as const,
      subject,
      dedupeKey: `connection_degraded:${subject}`,
      severity: 'warning' as const,
      summary: `connection ${subject} is degraded`,
      details: { connectionId: subject, tenant },
    });
    // Two of acme's, older than six of globex's.
    await joinery.running.engine.alerts.reconcile(
      [
        ...['conn_a1', 'conn_a2'].map((s) => condition(s, 'acme')),
        ...['g1', 'g2', 'g3', 'g4', 'g5', 'g6'].map((s) => condition(`conn_${s}`, 'globex')),
      ],
      [],
    );
  });
  afterAll(async () => {
    await joinery?.close();
  });

  it('gives a tenant a full page of its own alerts, however many others are newer', async () => {
    const first = await joinery.api('GET', '/v1/alerts?limit=1', undefined, {
      'joinery-tenant': 'acme',
    });
    expect(first.status).toBe(200);
    expect(first.body.data.map((a: { subject: string }) => a.subject)).toEqual(['conn_a2']);
    expect(first.body.nextCursor).toMatch(/^f\d+$/);
    const second = await joinery.api(
      'GET',
      `/v1/alerts?limit=1&cursor=${first.body.nextCursor as string}`,
      undefined,
      { 'joinery-tenant': 'acme' },
    );
    expect(second.body.data.map((a: { subject: string }) => a.subject)).toEqual(['conn_a1']);
    expect(second.body.nextCursor).toBeNull();
    // Without a tenant, every alert.
    const all = await joinery.api('GET', '/v1/alerts?limit=1000');
    expect(all.body.data).toHaveLength(8);
  });

  it('refuses a cursor it did not hand out', async () => {
    const answer = await joinery.api('GET', '/v1/alerts?cursor=12');
    expect(answer.status).toBe(400);
  });
});
