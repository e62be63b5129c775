import type { Sync, SyncRun } from '@joinery/sdk';
import { describe, expect, it } from 'vitest';
import { cli, scriptedJoinery } from '../test-io.js';
import { progress } from './syncs.js';

const serve = scriptedJoinery();

const run = (over: Partial<SyncRun> = {}): SyncRun => ({
  id: 'srun_1',
  syncId: 'sync_1',
  kind: 'incremental',
  status: 'running',
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: null,
  attempts: 1,
  records: { seen: 4200, added: 10, updated: 20, deleted: 0, total: 10_000 },
  pages: 21,
  recordsPerSecond: 1500,
  changes: null,
  error: null,
  ...over,
});

const sync = (latestRun: SyncRun | null): Sync => ({
  id: 'sync_1',
  connectionId: 'conn_1',
  name: 'contacts',
  model: 'Contact',
  frequencySeconds: 900,
  fullFrequencySeconds: null,
  lastFullRunAt: null,
  fullRunDueAt: null,
  enabled: true,
  checkpoint: null,
  nextRunAt: '2026-01-01T00:15:00.000Z',
  state: latestRun?.status === 'running' ? 'running' : 'idle',
  createdAt: '2026-01-01T00:00:00.000Z',
  latestRun,
});

describe('joinery syncs', () => {
  it('draws a bar on a terminal when the total is known, a plain line otherwise', () => {
    expect(progress(run(), true)).toBe(
      '[##########..............]  42%  4,200 of 10,000 records · 21 pages · 1,500/s',
    );
    expect(progress(run(), false)).toBe(
      'incremental run srun_1: 4,200 of 10,000 records · 21 pages · 1,500/s',
    );
    const unknownTotal = run({
      records: { seen: 300, added: 0, updated: 0, deleted: 0, total: null },
    });
    expect(progress(unknownTotal, true)).toBe(
      'incremental run srun_1: 300 records · 21 pages · 1,500/s',
    );
  });

  it('lists syncs with the running run’s progress and says why a run failed', async () => {
    const failed = {
      ...sync(
        run({
          status: 'failed',
          error: { code: 'provider_unavailable', message: 'HubSpot answered 503', retryable: true },
        }),
      ),
      id: 'sync_2',
      fullFrequencySeconds: 86_400,
      lastFullRunAt: '2026-01-01T00:00:00.000Z',
      fullRunDueAt: '2026-01-02T00:00:00.000Z',
    };
    const { env } = await serve(() => ({ json: { data: [sync(run()), failed] } }));
    const { code, stdout } = await cli(['syncs'], { env });
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(
      /^ID\s+CONNECTION\s+SYNC\s+MODEL\s+EVERY\s+FULL RUN\s+LAST RUN/,
    );
    expect(stdout).toMatch(
      /^sync_1\s+conn_1\s+contacts\s+Contact\s+15m\s+-\s+incremental running/m,
    );
    // Its scheduled run is full once a day: from when the next is due.
    expect(stdout).toMatch(
      /^sync_2\s+conn_1\s+contacts\s+Contact\s+15m\s+1d, due 2026-01-02T00:00:00\.000Z\s+incremental failed/m,
    );
    expect(stdout).toContain('sync_1  incremental run srun_1: 4,200 of 10,000 records');
    expect(stdout).toContain('sync_2  failed: provider_unavailable: HubSpot answered 503');
  });

  it('--run starts a run, --full asks for a full one', async () => {
    const { env, server } = await serve(() => ({ status: 202, json: run({ kind: 'full' }) }));
    const { code, stdout } = await cli(['syncs', '--run', 'sync_1', '--full'], { env });
    expect(code).toBe(0);
    expect(stdout).toContain('Started full run srun_1 of sync_1');
    expect(server.requests[0]).toMatchObject({ method: 'POST', path: '/v1/syncs/sync_1/runs' });
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({ full: true });
    const misuse = await cli(['syncs', '--full'], { env });
    expect(misuse.code).toBe(2);
  });
});
