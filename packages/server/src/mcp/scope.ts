import { JoineryError } from '@joinery/engine';
import type { McpScope } from './backend.js';

/** Most connection ids or action names one session may list. */
const MAX_LIST = 100;

/**
 * The session's scope from `/mcp`'s query or headers (query wins when both are given and agree):
 * `tenant` / `Joinery-Tenant` (required), `connections` / `Joinery-Mcp-Connections` and
 * `actions` / `Joinery-Mcp-Actions` (comma-separated), `mode` / `Joinery-Mcp-Mode`
 * (`tools`, the default, or `dynamic`).
 */
export function scopeFromRequest(url: URL, headers: Headers): McpScope {
  const tenant = pick(url, headers, 'tenant', 'joinery-tenant');
  if (tenant === undefined || tenant === '')
    throw new JoineryError(
      'invalid_input',
      'an MCP session works for one tenant: add ?tenant=<tenant> to the /mcp URL, or send Joinery-Tenant',
      { path: 'query.tenant' },
    );
  if (tenant.length > 200)
    throw new JoineryError('invalid_input', 'tenant is longer than 200 characters', {
      path: 'query.tenant',
    });
  const mode = pick(url, headers, 'mode', 'joinery-mcp-mode') ?? 'tools';
  if (mode !== 'tools' && mode !== 'dynamic')
    throw new JoineryError(
      'invalid_input',
      `mode must be "tools" (one tool per action) or "dynamic" (search_actions + run_action), not ${JSON.stringify(mode)}`,
      { path: 'query.mode' },
    );
  const connections = list(url, headers, 'connections', 'joinery-mcp-connections');
  const actions = list(url, headers, 'actions', 'joinery-mcp-actions');
  return {
    tenant,
    mode,
    ...(connections ? { connections } : {}),
    ...(actions ? { actions } : {}),
  };
}

/** A stable key for sessions that share a scope. */
export function scopeKey(environmentId: string, scope: McpScope): string {
  return JSON.stringify([
    environmentId,
    scope.tenant,
    scope.mode,
    scope.connections ? [...scope.connections].sort() : null,
    scope.actions ? [...scope.actions].sort() : null,
  ]);
}

function pick(url: URL, headers: Headers, query: string, header: string): string | undefined {
  const fromQuery = url.searchParams.get(query) ?? undefined;
  const fromHeader = headers.get(header) ?? undefined;
  if (fromQuery !== undefined && fromHeader !== undefined && fromQuery !== fromHeader)
    throw new JoineryError(
      'invalid_input',
      `?${query}= and the ${header} header disagree; send one of them`,
      { path: `query.${query}` },
    );
  return (fromQuery ?? fromHeader)?.trim();
}

function list(url: URL, headers: Headers, query: string, header: string): string[] | undefined {
  const raw = pick(url, headers, query, header);
  if (raw === undefined) return undefined;
  const items = [...new Set(raw.split(',').map((item) => item.trim()))].filter((item) => item);
  if (items.length === 0)
    throw new JoineryError('invalid_input', `${query} is empty; leave it out to allow all`, {
      path: `query.${query}`,
    });
  if (items.length > MAX_LIST)
    throw new JoineryError('invalid_input', `${query} lists more than ${MAX_LIST} items`, {
      path: `query.${query}`,
    });
  return items;
}
