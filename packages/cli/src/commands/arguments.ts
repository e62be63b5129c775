// Arguments several commands take the same way: a page size (`--limit`) and a required id.
import { UsageError, type OptionSpec } from '../command.js';

export interface LimitBounds {
  /** The largest page a command asks for. */
  max: number;
  /** The page size when `--limit` is absent. */
  fallback: number;
}

/** What the list routes (runs, dead letters, deliveries, logs) accept. */
export const LIST_LIMITS: LimitBounds = { max: 1000, fallback: 50 };

/** `--limit N`, with the default bounds in its help. */
export const limitOption = {
  type: 'string',
  value: 'N',
  description: `show at most N (1 to ${LIST_LIMITS.max}; default ${LIST_LIMITS.fallback})`,
} as const satisfies OptionSpec;

/** `--limit`: a whole number from 1 to `bounds.max`; `bounds.fallback` when absent. */
export function parseLimit(
  value: string | undefined,
  command: string,
  bounds: LimitBounds = LIST_LIMITS,
): number {
  if (value === undefined) return bounds.fallback;
  const limit = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > bounds.max) {
    throw new UsageError(
      `--limit takes a whole number from 1 to ${bounds.max}, not ${JSON.stringify(value)}.`,
      command,
    );
  }
  return limit;
}

/** The first positional, or a usage error saying what `command` needs (`what`). */
export function requireId(positionals: readonly string[], command: string, what: string): string {
  const id = positionals[0];
  if (!id) throw new UsageError(`${command} needs ${what}.`, command);
  return id;
}
