import type { RateLimitPolicy } from '../connector/types.js';

/** RFC 9110 §10.2.3: `Retry-After` is delay-seconds or an HTTP-date. Returns milliseconds, or undefined. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export interface RateLimitReading {
  limit?: number;
  remaining?: number;
  /** Milliseconds until the window resets. */
  resetInMs?: number;
  retryAfterMs?: number;
}

function numberHeader(
  headers: Record<string, string>,
  name: string | undefined,
): number | undefined {
  if (!name) return undefined;
  const raw = headers[name.toLowerCase()];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

/** Reads the rate-limit headers a connector declares. */
export function readRateLimit(
  policy: RateLimitPolicy | undefined,
  headers: Record<string, string>,
  now = Date.now(),
): RateLimitReading {
  const names = policy?.headers ?? {};
  const reading: RateLimitReading = {};
  const limit = numberHeader(headers, names.limit);
  const remaining = numberHeader(headers, names.remaining);
  const reset = numberHeader(headers, names.reset);
  if (limit !== undefined) reading.limit = limit;
  if (remaining !== undefined) reading.remaining = remaining;
  if (reset !== undefined) {
    reading.resetInMs =
      (policy?.resetUnit ?? 'epoch_seconds') === 'epoch_seconds'
        ? Math.max(0, reset * 1000 - now)
        : reset * 1000;
  }
  const retryAfter = parseRetryAfter(
    headers[(names.retryAfter ?? 'retry-after').toLowerCase()],
    now,
  );
  if (retryAfter !== undefined) reading.retryAfterMs = retryAfter;
  return reading;
}

/** RFC 8288 Link header → `{ next: url, last: url, … }`. */
export function parseLinkHeader(value: string | undefined): Record<string, string> {
  const links: Record<string, string> = {};
  if (!value) return links;
  for (const part of value.split(/,(?=\s*<)/)) {
    const match = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (!match) continue;
    const rel = /rel="?([^";]+)"?/.exec(match[2] as string);
    if (!rel) continue;
    for (const name of (rel[1] as string).split(/\s+/)) links[name] = match[1] as string;
  }
  return links;
}
