import { describe, expect, it } from 'vitest';
import * as sandbox from './index.js';

describe('public surface', () => {
  it('exports exactly these values (types are checked by tsc)', () => {
    expect(Object.keys(sandbox).sort()).toEqual([
      'DEMO_LOGIN',
      'DEMO_TOKEN',
      'InvalidFaultRuleError',
      'MAX_HANG_MS',
      'MAX_LATENCY_MS',
      'startSandbox',
    ]);
  });

  it('refuses a port that cannot exist before binding anything', async () => {
    await expect(sandbox.startSandbox({ port: 70_000 })).rejects.toThrow(/0 to 65535/);
  });
});
