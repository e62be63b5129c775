import { describe, expect, it } from 'vitest';
import { CALL_MIX, FAULT_MIX, mulberry32, planCalls } from './fault-plan.js';

describe('planCalls', () => {
  it('gives the same plan for the same seed and another for another seed', () => {
    expect(planCalls(500, 7, 0.2)).toEqual(planCalls(500, 7, 0.2));
    expect(planCalls(500, 8, 0.2)).not.toEqual(planCalls(500, 7, 0.2));
  });

  it('faults about the asked share of calls, spread through the run', () => {
    const plan = planCalls(10_000, 42, 0.2);
    const faulted = plan.filter((call) => call.fault !== null);
    expect(faulted.length / plan.length).toBeGreaterThan(0.18);
    expect(faulted.length / plan.length).toBeLessThan(0.22);
    // Every tenth of the run has its share, not one cluster.
    for (let part = 0; part < 10; part += 1) {
      const slice = plan.slice(part * 1000, (part + 1) * 1000);
      expect(slice.filter((call) => call.fault !== null).length).toBeGreaterThan(150);
    }
    for (const choice of FAULT_MIX)
      expect(faulted.some((call) => call.fault?.name === choice.name)).toBe(true);
  });

  it('has no faults at rate 0, and mixes every call kind', () => {
    const plan = planCalls(2_000, 1, 0);
    expect(plan.every((call) => call.fault === null)).toBe(true);
    for (const { kind } of CALL_MIX) expect(plan.some((call) => call.kind === kind)).toBe(true);
  });

  it('keeps the shares summing to one', () => {
    const sum = (xs: readonly { share: number }[]) => xs.reduce((s, x) => s + x.share, 0);
    expect(sum(CALL_MIX)).toBeCloseTo(1, 10);
    expect(sum(FAULT_MIX)).toBeCloseTo(1, 10);
  });
});

describe('mulberry32', () => {
  it('yields numbers in [0, 1)', () => {
    const random = mulberry32(123);
    for (let i = 0; i < 1000; i += 1) {
      const r = random();
      expect(r).toBeGreaterThanOrEqual(0);
      expect(r).toBeLessThan(1);
    }
  });
});
