import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { JoineryError } from '../errors.js';

// NAT64 well-known prefix (RFC 6052): 64:ff9b::a.b.c.d reaches IPv4 a.b.c.d.
const NAT64 = ipaddr.parseCIDR('64:ff9b::/96');

/**
 * Why an address may not be reached, or null when it is public unicast. Covers IPv4, IPv6,
 * IPv4-mapped IPv6 (`::ffff:127.0.0.1`) and NAT64 forms, so no spelling of loopback, private ranges
 * or the cloud metadata address (169.254.169.254, link-local) slips through.
 */
export function blockedReason(address: string): string | null {
  if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
  let parsed = ipaddr.process(address); // unwraps IPv4-mapped IPv6
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).match(NAT64)) {
    const bytes = (parsed as ipaddr.IPv6).toByteArray().slice(12);
    parsed = ipaddr.fromByteArray(bytes);
  }
  const range = parsed.range();
  return range === 'unicast' ? null : `${parsed.toString()} is in the ${range} range`;
}

export function blockedError(host: string, reason: string): JoineryError {
  return new JoineryError(
    'blocked_destination',
    `refused to call ${host}: ${reason}. Calls to loopback, private and link-local addresses are blocked; ` +
      `set "allowPrivateNetwork": true on the integration if this destination is intended (e.g. a sandbox).`,
  );
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for sockets that checks every address a name resolves to and connects to a checked
 * one. Checking and connecting in one step leaves no window for DNS rebinding.
 */
export function guardedLookup(hostname: string, options: object, callback: LookupCallback): void {
  dnsLookup(hostname, { all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    for (const entry of addresses) {
      const reason = blockedReason(entry.address);
      if (reason) {
        const blocked = blockedError(
          hostname,
          `it resolves to ${reason}`,
        ) as unknown as NodeJS.ErrnoException;
        return callback(blocked, []);
      }
    }
    const wantsAll = (options as { all?: boolean }).all === true;
    if (wantsAll) return callback(null, addresses);
    const first = addresses[0];
    if (!first)
      return callback(
        Object.assign(new Error(`${hostname} resolved to no address`), { code: 'ENOTFOUND' }),
        [],
      );
    callback(null, first.address, first.family);
  });
}

/** IP literals never reach `lookup`, so they are checked before the request. */
export function checkLiteralHost(hostname: string): void {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (!ipaddr.isValid(bare)) return;
  const reason = blockedReason(bare);
  if (reason) throw blockedError(hostname, reason);
}
