import type { z } from 'zod';
import { JoineryError, type ErrorCode } from './errors.js';

/** `input.labels[0]` from a zod issue path. */
export function jsonPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  return out;
}

/** Parses with a schema, turning the first issue into an error that names the JSON path of the fault. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  root: string,
  code: ErrorCode = 'invalid_input',
  context = '',
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0] as z.core.$ZodIssue;
  const path = jsonPath(root, issue.path);
  // Zod words a missing field as a type mismatch with undefined; say what a person would.
  const said = /received undefined$/.test(issue.message) ? 'required' : issue.message;
  const prefix = context ? `${context}: ` : '';
  return failWith(code, `${prefix}${path}: ${said}`, path, result.error.issues.length);
}

function failWith(code: ErrorCode, message: string, path: string, issues: number): never {
  const more = issues > 1 ? ` (and ${issues - 1} more problem${issues > 2 ? 's' : ''})` : '';
  throw new JoineryError(code, `${message}${more}`, { path });
}
