import { describe, expect, it } from 'vitest';
import { blockedReason, checkLiteralHost } from './ssrf.js';

describe('blockedReason', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'], // cloud metadata
    ['0.0.0.0', 'unspecified'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['::1', 'loopback'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['::ffff:127.0.0.1', 'loopback'], // IPv4-mapped
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['64:ff9b::7f00:1', 'loopback'], // NAT64 of 127.0.0.1
    ['64:ff9b::a9fe:a9fe', 'linkLocal'], // NAT64 of 169.254.169.254
  ])('blocks %s (%s)', (address, range) => {
    expect(blockedReason(address)).toContain(range);
  });

  it.each(['140.82.112.5', '2606:4700:4700::1111', '64:ff9b::8c52:7005'])(
    'allows public %s',
    (address) => {
      expect(blockedReason(address)).toBeNull();
    },
  );

  it('checks bracketed IPv6 literals in URLs', () => {
    expect(() => checkLiteralHost('[::1]')).toThrow(/blocked|refused/);
    expect(() => checkLiteralHost('api.github.com')).not.toThrow();
  });
});
