import type { ConnectionState } from '../connections.js';
import type { ConnectionSignals } from './signals.js';

/** When the health monitor calls a connection degraded or healthy again. */
export interface StateRules {
  /** Failed exchanges in a row (checks or calls) that make a healthy connection degraded. Defaults to 3. */
  failureThreshold: number;
  /** Share of failed exchanges in the window that makes a connection degraded (while it is still failing). Defaults to 0.5. */
  errorRateThreshold: number;
  /** Fewest exchanges in the window before the error rate counts. Defaults to 10. */
  minSamples: number;
}

export const defaultStateRules: StateRules = {
  failureThreshold: 3,
  errorRateThreshold: 0.5,
  minSamples: 10,
};

export interface Transition {
  to: ConnectionState;
  reason: string;
}

/**
 * The monitor's part of the state machine: healthy ⇄ degraded from the signals. The other edges
 * belong elsewhere and are only recorded by the monitor: → needs_reauth when the provider refuses
 * the credentials (the pipeline and the token manager), needs_reauth → healthy on reconnect, and
 * → disabled / disabled → healthy by the user.
 *
 * A connection becomes degraded after `failureThreshold` failures in a row, or when at least
 * `minSamples` exchanges in the window failed at `errorRateThreshold` or more and the newest one
 * failed too (a success returns a connection to healthy at once, so without that condition the
 * two rules would flap). It is healthy again once the newest exchange succeeded and no token
 * renewal is failing.
 */
export function nextState(
  current: ConnectionState,
  signals: ConnectionSignals,
  rules: StateRules = defaultStateRules,
): Transition | null {
  if (current === 'disabled' || current === 'needs_reauth') return null;
  const failing = signals.consecutiveFailures > 0;
  if (current === 'healthy') {
    if (signals.consecutiveFailures >= rules.failureThreshold) {
      return {
        to: 'degraded',
        reason: `${signals.consecutiveFailures} calls in a row failed (last: ${signals.lastFailureCode ?? 'unknown'})`,
      };
    }
    if (
      failing &&
      signals.calls >= rules.minSamples &&
      signals.errorRate >= rules.errorRateThreshold
    ) {
      return {
        to: 'degraded',
        reason: `${Math.round(signals.errorRate * 100)} % of ${signals.calls} calls in the last ${minutes(signals.windowMs)} failed (last: ${signals.lastFailureCode ?? 'unknown'})`,
      };
    }
    return null;
  }
  // degraded
  if (!failing && signals.refreshFailures === 0 && signals.lastSuccessAt !== null)
    return { to: 'healthy', reason: 'the provider answers again' };
  return null;
}

/** Why a state changed when someone other than the monitor changed it (read from the connection). */
export function observedReason(
  from: string,
  to: string,
  lastError: { code: string; message: string } | null,
): string {
  if (to === 'needs_reauth')
    return lastError
      ? `${lastError.code}: ${lastError.message}`
      : 'the provider refused the credentials';
  if (to === 'healthy' && from === 'needs_reauth') return 're-authorised';
  if (to === 'healthy' && from === 'disabled') return 'enabled';
  if (to === 'healthy') return 'a call succeeded again';
  if (to === 'degraded')
    return lastError ? `${lastError.code}: ${lastError.message}` : 'calls are failing';
  if (to === 'disabled') return 'disabled';
  return `changed from ${from}`;
}

export function minutes(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}
