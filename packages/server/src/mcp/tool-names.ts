import { createHash } from 'node:crypto';

/**
 * MCP clients differ on what a tool name may hold: the 2025-11-25 spec allows 1–128 characters of
 * `A-Z a-z 0-9 _ - .`, and several model APIs cap names at 64 characters of `[a-zA-Z0-9_-]`.
 * Names here stay inside the narrower rule.
 */
export const MAX_TOOL_NAME = 64;

export interface NamedTarget {
  connectionId: string;
  integration: string;
  action: string;
}

/**
 * The stable name of each (connection, action), in input order:
 *
 * - `<integration>__<action>`, e.g. `hubspot__create_contact`, when the session sees one connection
 *   of that integration (the usual case: one HubSpot account per tenant);
 * - `<integration>__<connection id without "conn_">__<action>` for every connection of an
 *   integration the session sees more than once (a tenant with two GitHub accounts), so no name
 *   silently points at a different account when one of them is deleted;
 * - characters outside `a-z A-Z 0-9 _ -` become `_`; a name over 64 characters keeps its first 55
 *   and ends with `_` and 8 hex digits of its SHA-256; a name that would still repeat gets the same
 *   kind of suffix from its connection and action.
 *
 * A name therefore changes only when the number of connections of its integration in the session
 * crosses one — and the session is then told with `notifications/tools/list_changed`.
 */
export function toolNames(targets: readonly NamedTarget[]): string[] {
  const perIntegration = new Map<string, Set<string>>();
  for (const target of targets) {
    const ids = perIntegration.get(target.integration) ?? new Set<string>();
    ids.add(target.connectionId);
    perIntegration.set(target.integration, ids);
  }
  const used = new Set<string>();
  return targets.map((target) => {
    const shared = (perIntegration.get(target.integration)?.size ?? 0) > 1;
    const parts = shared
      ? [target.integration, target.connectionId.replace(/^conn_/, ''), target.action]
      : [target.integration, target.action];
    let name = fit(parts.map(clean).join('__'));
    if (used.has(name))
      name = fit(`${name.slice(0, 55)}_${digest(`${target.connectionId}/${target.action}`)}`);
    used.add(name);
    return name;
  });
}

function clean(part: string): string {
  return part.replace(/[^A-Za-z0-9_-]/g, '_');
}

function fit(name: string): string {
  return name.length <= MAX_TOOL_NAME ? name : `${name.slice(0, 55)}_${digest(name)}`;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}
