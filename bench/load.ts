/**
 * The load generators: `runPhase`, a fixed number of requests in flight on an undici Pool, every
 * latency recorded with hrtime from send to the last body byte, every body read in full; and
 * `runCalls`, a burst of distinct calls with bounded concurrency.
 */
import type { Pool } from 'undici';
import { percentile, round } from './stats.js';

export interface PhaseLimits {
  /** Requests kept in flight; the pool should have at least this many connections. */
  concurrency: number;
  /** Stop issuing after this many requests… */
  requests: number;
  /** …or once this much time has passed, whichever comes first. */
  seconds: number;
}

export interface PhaseResult {
  /** Requests that completed, whatever their status (errors excluded). */
  responses: number;
  ok: number;
  non2xx: number;
  /** Requests that got no response at all (reset, timeout…). */
  errors: number;
  /** The first non-2xx status or error, to say what went wrong without a log dive. */
  firstProblem: string | null;
  seconds: number;
  /** 2xx responses per second of the phase. */
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Body bytes read, to show both targets answered the same thing. */
  bodyBytes: number;
}

export interface RequestSpec {
  path: string;
  headers: Record<string, string>;
}

/** Cap on how long one request may take, so a stuck target cannot stall the run. */
export const REQUEST_TIMEOUT_MS = 10_000;

export async function runPhase(
  pool: Pool,
  spec: RequestSpec,
  limits: PhaseLimits,
): Promise<PhaseResult> {
  const latencies = new Float64Array(limits.requests);
  let issued = 0;
  let responses = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let bodyBytes = 0;
  let firstProblem: string | null = null;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(limits.seconds * 1e9));

  const worker = async () => {
    while (issued < limits.requests && process.hrtime.bigint() < deadline) {
      issued += 1;
      const sent = process.hrtime.bigint();
      try {
        const response = await pool.request({
          method: 'GET',
          path: spec.path,
          headers: spec.headers,
          headersTimeout: REQUEST_TIMEOUT_MS,
          bodyTimeout: REQUEST_TIMEOUT_MS,
        });
        // Read the body as a client would; a proxy that streams slowly must show in latency.
        const body = await response.body.text();
        latencies[responses] = Number(process.hrtime.bigint() - sent) / 1e6;
        responses += 1;
        bodyBytes += Buffer.byteLength(body);
        if (response.statusCode >= 200 && response.statusCode < 300) ok += 1;
        else {
          non2xx += 1;
          firstProblem ??= `HTTP ${response.statusCode}: ${body.slice(0, 200)}`;
        }
      } catch (error) {
        errors += 1;
        firstProblem ??= `${(error as Error).name}: ${(error as Error).message}`;
      }
    }
  };
  await Promise.all(Array.from({ length: limits.concurrency }, worker));

  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const measured = latencies.subarray(0, responses).sort();
  let sum = 0;
  for (const value of measured) sum += value;
  return {
    responses,
    ok,
    non2xx,
    errors,
    firstProblem,
    seconds: round(seconds),
    requestsPerSecond: round(ok / seconds, 1),
    latencyMs: {
      p50: round(percentile(measured, 50)),
      p90: round(percentile(measured, 90)),
      p99: round(percentile(measured, 99)),
      max: round(percentile(measured, 100)),
      mean: round(responses ? sum / responses : Number.NaN),
    },
    bodyBytes,
  };
}

/**
 * Runs `call(0)` … `call(count - 1)` with at most `concurrency` in flight, in order of index.
 * Past `deadline` (ms since epoch) no new call starts; the calls in flight finish. Returns how many
 * calls were started. `call` records its own outcome and must not throw.
 */
export async function runCalls(
  count: number,
  concurrency: number,
  call: (index: number) => Promise<void>,
  deadline = Number.POSITIVE_INFINITY,
): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < count && Date.now() < deadline) {
      const index = next;
      next += 1;
      await call(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return next;
}
