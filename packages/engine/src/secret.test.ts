import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret } from './secret.js';

describe('Secret', () => {
  const secret = new Secret('ghp_very_secret');

  it('does not print, serialise or inspect', () => {
    expect(String(secret)).not.toContain('ghp_');
    // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- interpolation is the case under test
    expect(`${secret}`).toBe('[secret]');
    expect(JSON.stringify({ secret })).toBe('{"secret":"[secret]"}');
    expect(inspect({ nested: { secret } })).not.toContain('ghp_');
  });

  it('gives the value only through reveal()', () => {
    expect(secret.reveal()).toBe('ghp_very_secret');
  });
});
