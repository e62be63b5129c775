import { describe, expect, it } from 'vitest';
import { pageLimit, parseCursor } from './paging.js';

describe('parseCursor', () => {
  it('reads a cursor this API gave out', () => {
    expect(parseCursor('42')).toBe(42);
    expect(parseCursor('0')).toBe(0);
  });

  it('takes an absent or empty cursor as the first page', () => {
    expect(parseCursor(undefined)).toBeUndefined();
    expect(parseCursor('')).toBeUndefined();
  });

  it.each(['abc', '-1', '1.5', '1e3', '0x10', ' '])('refuses %j, saying what to pass', (cursor) => {
    expect(() => parseCursor(cursor)).toThrow(/nextCursor of a previous answer/);
  });
});

describe('pageLimit', () => {
  it('defaults, and keeps a limit between 1 and the maximum', () => {
    expect(pageLimit(undefined)).toBe(100);
    expect(pageLimit(0)).toBe(1);
    expect(pageLimit(5000)).toBe(1000);
    expect(pageLimit(undefined, 5000, 5000)).toBe(5000);
  });
});
