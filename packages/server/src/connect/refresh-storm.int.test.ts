import { describe, expect, it } from 'vitest';
import { runRefreshStorm } from './testing/refresh-storm.js';

describe('refresh storm across processes on PostgreSQL', () => {
  it('fires hundreds of concurrent calls at each expiry through 3 processes: one refresh grant per expiry, no failed call, the grant never revoked', async () => {
    const lines: string[] = [];
    const result = await runRefreshStorm({
      processes: 3,
      callsPerExpiry: 300,
      expiries: 3,
      // 10 s: a 300-call burst takes ~3 s on a 2-core machine, well inside the 5 s renewal margin.
      accessTokenTtlSeconds: 10,
      log: (line) => lines.push(line),
    });
    expect(result.refreshGrantsPerExpiry, lines.join('\n')).toEqual([1, 1, 1]);
    expect(result.calls).toBeGreaterThanOrEqual(300 * 7);
    expect(result.failures).toEqual({});
    expect(result.failedCalls).toBe(0);
    // Rotation with reuse detection is on: a second refresh with a rotated token would revoke it.
    expect(result.revokedGrants).toBe(0);
    expect(result.grantErrors).toEqual([]);
  }, 180_000);
});
