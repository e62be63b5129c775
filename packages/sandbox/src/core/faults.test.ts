import { describe, expect, it } from 'vitest';
import {
  createFaultSchedule,
  InvalidFaultRuleError,
  MAX_LATENCY_MS,
  validateFaultRule,
} from './faults.js';

const request = (method: string, path: string, provider = 'github') => ({ method, path, provider });

describe('fault schedule', () => {
  it('fires a rule once by default, then lets requests through', () => {
    const faults = createFaultSchedule();
    faults.add({ path: '/user', fault: { kind: 'reset' } });
    expect(faults.pending()).toBe(1);
    expect(faults.take(request('GET', '/user'))).toEqual({ kind: 'reset' });
    expect(faults.pending()).toBe(0);
    expect(faults.take(request('GET', '/user'))).toBeUndefined();
  });

  it('counts down `times` and never runs out with Infinity', () => {
    const faults = createFaultSchedule();
    faults.add({ fault: { kind: 'empty' }, times: 2 });
    expect(faults.take(request('GET', '/a'))?.kind).toBe('empty');
    expect(faults.take(request('GET', '/b'))?.kind).toBe('empty');
    expect(faults.take(request('GET', '/c'))).toBeUndefined();

    faults.add({ fault: { kind: 'hang' }, times: Infinity });
    for (let i = 0; i < 50; i += 1) expect(faults.take(request('GET', '/x'))?.kind).toBe('hang');
    expect(faults.pending()).toBe(1);
  });

  it('matches method case-insensitively, string paths exactly, regexes by test, and the provider', () => {
    const faults = createFaultSchedule();
    faults.add({
      method: 'post',
      path: '/repos/o/r/issues',
      fault: { kind: 'status', status: 502 },
    });
    faults.add({ path: /^\/repositories\/\d+\/issues$/g, fault: { kind: 'malformed' }, times: 3 });
    faults.add({ provider: 'slack', fault: { kind: 'empty' } });

    expect(faults.take(request('GET', '/repos/o/r/issues'))).toBeUndefined();
    expect(faults.take(request('POST', '/repos/o/r/issues/1'))).toBeUndefined();
    expect(faults.take(request('POST', '/repos/o/r/issues'))?.kind).toBe('status');
    // A /g regex keeps lastIndex between calls; the schedule must not let that skip a match.
    expect(faults.take(request('GET', '/repositories/7/issues'))?.kind).toBe('malformed');
    expect(faults.take(request('GET', '/repositories/7/issues'))?.kind).toBe('malformed');
    expect(faults.take(request('GET', '/github/user', 'github'))).toBeUndefined();
    expect(faults.take(request('GET', '/api/chat.postMessage', 'slack'))?.kind).toBe('empty');
  });

  it('tries rules in the order they were added', () => {
    const faults = createFaultSchedule();
    faults.add({ fault: { kind: 'latency', ms: 1 } });
    faults.add({ fault: { kind: 'reset' } });
    expect(faults.take(request('GET', '/'))?.kind).toBe('latency');
    expect(faults.take(request('GET', '/'))?.kind).toBe('reset');
  });

  it('clear() disarms everything', () => {
    const faults = createFaultSchedule();
    faults.add({ fault: { kind: 'reset' }, times: Infinity });
    faults.clear();
    expect(faults.pending()).toBe(0);
    expect(faults.take(request('GET', '/'))).toBeUndefined();
  });
});

describe('validateFaultRule', () => {
  it('reads the JSON forms of a regex path and of Infinity', () => {
    const rule = validateFaultRule({
      path: { regex: '^/USER', flags: 'i' },
      fault: { kind: 'hang' },
      times: 'Infinity',
    });
    expect(rule.path).toBeInstanceOf(RegExp);
    expect((rule.path as RegExp).test('/user/repos')).toBe(true);
    expect(rule.times).toBe(Infinity);
  });

  it.each([
    [{}, /`fault`/],
    [{ fault: { kind: 'explode' } }, /Unknown fault kind "explode"/],
    [{ fault: { kind: 'latency', ms: MAX_LATENCY_MS + 1 } }, /hang/],
    [{ fault: { kind: 'status', status: 99 } }, /200 to 599/],
    [{ fault: { kind: 'rate_limit', status: 500 } }, /403 or 429/],
    [{ fault: { kind: 'rate_limit', retryAfter: 'soon' } }, /http-date/],
    [{ fault: { kind: 'reset' }, times: 0 }, /`times`/],
    [{ fault: { kind: 'reset' }, path: 'user' }, /start with "\/"/],
    [{ fault: { kind: 'reset' }, path: { regex: '(' } }, /not a valid regular expression/],
  ])('refuses %j with a message naming the field', (input, message) => {
    expect(() => validateFaultRule(input)).toThrow(InvalidFaultRuleError);
    expect(() => validateFaultRule(input)).toThrow(message);
  });

  it('is what add() runs, so a bad in-process rule throws too', () => {
    const faults = createFaultSchedule();
    expect(() => faults.add({ fault: { kind: 'latency', ms: -1 } })).toThrow(InvalidFaultRuleError);
    expect(faults.pending()).toBe(0);
  });
});
