/**
 * The fault soak's schedule: which call each index makes and which fault (if any) is armed for it,
 * drawn from a seeded PRNG so that the same seed gives the same run.
 */
import type { Fault } from '@joinery/sandbox';

export type CallKind = 'get_repository' | 'list_issues' | 'create_issue_keyed' | 'create_issue';

/** Shares of the calls; reads and writes as a busy integration makes them. */
export const CALL_MIX: readonly { kind: CallKind; share: number }[] = [
  { kind: 'get_repository', share: 0.35 },
  { kind: 'list_issues', share: 0.35 },
  // With a unique `Idempotency-Key` per logical write; the caller retries with the same key.
  { kind: 'create_issue_keyed', share: 0.2 },
  // Without a key: the caller cannot retry safely and does not.
  { kind: 'create_issue', share: 0.1 },
];

export interface FaultChoice {
  /** A short name for tables: `status 502`, `reset_mid_body`… */
  name: string;
  fault: Fault;
  /** Share of the faulted calls. */
  share: number;
}

/**
 * Shares of the faulted calls. Transport failures and broken bodies dominate, as they do in
 * production; `reset_mid_body`, `malformed` and `empty` let the provider's handler run (a write
 * takes effect) and break only the answer.
 */
export const FAULT_MIX: readonly FaultChoice[] = [
  { name: 'status 500', fault: { kind: 'status', status: 500 }, share: 0.1 },
  { name: 'status 502', fault: { kind: 'status', status: 502 }, share: 0.1 },
  { name: 'status 503', fault: { kind: 'status', status: 503 }, share: 0.1 },
  { name: 'reset', fault: { kind: 'reset' }, share: 0.15 },
  { name: 'reset_mid_body', fault: { kind: 'reset_mid_body' }, share: 0.15 },
  { name: 'malformed', fault: { kind: 'malformed' }, share: 0.1 },
  { name: 'empty', fault: { kind: 'empty' }, share: 0.1 },
  { name: 'latency 400 ms', fault: { kind: 'latency', ms: 400 }, share: 0.15 },
  {
    name: 'rate_limit 429, Retry-After 1',
    fault: { kind: 'rate_limit', status: 429, retryAfter: 1 },
    share: 0.05,
  },
];

export interface PlannedCall {
  index: number;
  kind: CallKind;
  fault: FaultChoice | null;
}

/** mulberry32: a small, fast 32-bit PRNG, good enough to spread a schedule (not for secrets). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T extends { share: number }>(choices: readonly T[], r: number): T {
  let cumulative = 0;
  for (const choice of choices) {
    cumulative += choice.share;
    if (r < cumulative) return choice;
  }
  return choices[choices.length - 1]!;
}

/** `count` calls; each gets a fault with probability `faultRate`. */
export function planCalls(count: number, seed: number, faultRate: number): PlannedCall[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, (_, index) => {
    const kind = pick(CALL_MIX, random()).kind;
    const faulted = random() < faultRate;
    const choice = pick(FAULT_MIX, random());
    return { index, kind, fault: faulted ? choice : null };
  });
}
