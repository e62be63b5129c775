/**
 * Waits between attempts of an outgoing delivery, after the first: spread over about a day and a
 * half, so an endpoint down for a deploy or an afternoon still gets every event (the schedule
 * Standard Webhooks senders such as Svix use). Attempt n+1 waits `schedule[n-1]`; once the schedule
 * is spent the delivery is dead.
 */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];

/** Each wait is moved by up to ±20 %, so endpoints that failed together are not retried together. */
export const DEFAULT_JITTER = 0.2;

export type RetryDecision =
  { retry: true; delayMs: number; reason: string } | { retry: false; reason: string };

/**
 * What follows a failed attempt. `attempts` counts the attempts made so far, this one included;
 * `random` is in [0, 1).
 */
export function nextAttempt(
  attempts: number,
  schedule: readonly number[],
  jitter: number,
  random: number,
): RetryDecision {
  const base = schedule[attempts - 1];
  if (base === undefined) {
    return { retry: false, reason: `all ${attempts} attempts failed` };
  }
  const delayMs = Math.max(0, Math.round(base * (1 + jitter * (2 * random - 1))));
  return {
    retry: true,
    delayMs,
    reason: `attempt ${attempts} of ${schedule.length + 1} failed; next in ${formatMs(delayMs)}`,
  };
}

export function formatMs(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1_000)} s`;
  if (ms < 2 * 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
