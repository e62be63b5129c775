/**
 * Dotted paths (`properties.firstname`, `Account.Name`, `custom.tier`). Keys are split once, when
 * a mapping is compiled, so mapping a million records does no string work per field.
 */
export type Path = readonly string[];

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

export function parsePath(path: string): Path {
  const parts = path.split('.');
  if (parts.some((part) => part === '')) throw new Error(`"${path}" is not a dotted path`);
  // Paths come from tenants' overrides: never let one reach an object's prototype.
  if (parts.some((part) => FORBIDDEN.has(part)))
    throw new Error(`"${path}" uses a reserved key (__proto__, constructor, prototype)`);
  return parts;
}

/** `undefined` when any step is missing; `null` when a parent is `null` (Salesforce `Account: null`). */
export function getPath(record: unknown, path: Path): unknown {
  let current: unknown = record;
  for (const key of path) {
    if (current === null) return null;
    if (typeof current !== 'object' || current === undefined) return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function setPath(record: Record<string, unknown>, path: Path, value: unknown): void {
  let current = record;
  for (let index = 0; index < path.length - 1; index += 1) {
    const key = path[index] as string;
    const next = current[key];
    if (typeof next === 'object' && next !== null && !Array.isArray(next)) {
      current = next as Record<string, unknown>;
    } else {
      const created: Record<string, unknown> = {};
      current[key] = created;
      current = created;
    }
  }
  current[path[path.length - 1] as string] = value;
}
