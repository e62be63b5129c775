import { describe, expect, it } from 'vitest';
import { boundedCheckpoint } from './syncs.js';

describe('boundedCheckpoint', () => {
  const started = new Date('2026-11-21T10:00:00.000Z');

  it('keeps the newest modification seen when it is well before the run started', () => {
    expect(boundedCheckpoint('2026-11-20T08:00:00.000Z', started)).toBe('2026-11-20T08:00:00.000Z');
  });

  it('never passes a minute before the run started, so changes made while it paged are read again', () => {
    expect(boundedCheckpoint('2026-11-21T10:00:30.000Z', started)).toBe('2026-11-21T09:59:00.000Z');
  });

  it('leaves no checkpoint when the run saw no modification time', () => {
    expect(boundedCheckpoint(null, started)).toBeNull();
  });
});
