import { JoineryError } from '../errors.js';

// `connection.created`, `connection.*`, `*`: dot-separated names, a trailing `*` matches a prefix.
const PATTERN = /^(\*|[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?)$/;

/** Checks an endpoint's event type filter; empty means every event. */
export function parseEventFilter(types: readonly string[] | undefined, path: string): string[] {
  const out: string[] = [];
  for (const [index, type] of (types ?? []).entries()) {
    if (!PATTERN.test(type)) {
      throw new JoineryError(
        'invalid_input',
        `${path}[${index}] "${type}" is not an event type: use a name such as "connection.created", or a prefix such as "connection.*" ("*" for all)`,
        { path: `${path}[${index}]` },
      );
    }
    if (!out.includes(type)) out.push(type);
  }
  return out;
}

/** True when an event of `type` goes to an endpoint with this filter. */
export function matchesFilter(filter: readonly string[], type: string): boolean {
  if (filter.length === 0) return true;
  return filter.some((pattern) => {
    if (pattern === '*') return true;
    if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
    return pattern === type;
  });
}
