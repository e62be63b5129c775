import { describe, expect, it } from 'vitest';
import { areaOf, summariseCpuProfile, type CpuProfile } from './cpu-profile.js';

const frame = (functionName: string, url = '') => ({
  functionName,
  url,
  lineNumber: 0,
  columnNumber: 0,
});

describe('summariseCpuProfile', () => {
  // Root → idle, root → query (pglite) → wasm, root → handler (engine).
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)') },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('query', 'file:///r/node_modules/@electric-sql/pglite/dist/a.js') },
      { id: 4, callFrame: frame('context', 'file:///r/packages/engine/dist/connections.js') },
    ],
    startTime: 0,
    endTime: 10_000,
    samples: [2, 3, 3, 4, 2],
    // Each sample stands for the time until the next: idle 1 ms, query 3+3 ms, context 2 ms.
    timeDeltas: [0, 1000, 3000, 3000, 2000],
  };

  it('ranks self time and leaves idle out of the busy total', () => {
    const summary = summariseCpuProfile(profile);
    expect(summary.wallMs).toBe(10);
    expect(summary.busyMs).toBe(8);
    expect(summary.topFunctions[0]).toEqual({
      name: 'query (@electric-sql/pglite/dist/a.js:1)',
      selfMs: 6,
      percent: 75,
    });
    expect(summary.byArea.map((a) => a.name)).toEqual(['@electric-sql/pglite', '@joinery/engine']);
  });
});

describe('areaOf', () => {
  it('names packages, node modules and V8 pseudo-frames', () => {
    expect(areaOf(frame('x', 'file:///a/node_modules/undici/lib/x.js'))).toBe('undici');
    expect(areaOf(frame('x', 'node:internal/streams/readable'))).toBe('node:internal/streams');
    expect(areaOf(frame('x', 'node:net'))).toBe('node:net');
    expect(areaOf(frame('(garbage collector)'))).toBe('(garbage collector)');
    expect(areaOf(frame('writev'))).toBe('(native)');
  });
});
