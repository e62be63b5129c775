import type { ConnectionSignals } from './signals.js';
import { minutes } from './state-machine.js';

/** Thresholds of the silent-failure detectors. */
export interface DetectorOptions {
  /**
   * A connection with no successful exchange for this long is "silent", even when nothing failed
   * loudly (a provider that stopped answering a check nobody looks at). Defaults to 24 h.
   */
  expectSuccessWithinMs: number;
  /** Empty or malformed 200s in the window that count as a spike: at least this many… Defaults to 3. */
  malformedMin: number;
  /** …and at least this share of the window's exchanges. Defaults to 0.2. */
  malformedRate: number;
}

export const defaultDetectorOptions: DetectorOptions = {
  expectSuccessWithinMs: 24 * 3_600_000,
  malformedMin: 3,
  malformedRate: 0.2,
};

export type DetectorName = 'no_success' | 'malformed_spike';

/**
 * The per-connection silent-failure findings (detector → what it saw). Schema drift appearing and
 * dead letters growing are per integration or environment; the alert rules find those.
 */
export function detect(
  signals: ConnectionSignals,
  connection: { createdAt: Date },
  options: DetectorOptions = defaultDetectorOptions,
  now = Date.now(),
): Partial<Record<DetectorName, string>> {
  const findings: Partial<Record<DetectorName, string>> = {};
  const silentSince = signals.lastSuccessAt?.getTime() ?? connection.createdAt.getTime();
  if (now - silentSince >= options.expectSuccessWithinMs) {
    findings.no_success = signals.lastSuccessAt
      ? `no successful call or check for ${minutes(now - silentSince)} (expected one within ${minutes(options.expectSuccessWithinMs)})`
      : `no successful call or check since the connection was created ${minutes(now - silentSince)} ago`;
  }
  if (
    signals.malformed >= options.malformedMin &&
    signals.calls > 0 &&
    signals.malformed / signals.calls >= options.malformedRate
  ) {
    findings.malformed_spike = `${signals.malformed} of ${signals.calls} answers in the last ${minutes(signals.windowMs)} were empty or malformed 200s`;
  }
  return findings;
}
