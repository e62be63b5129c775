import { expirySkewMs } from './token-set.js';

/**
 * What asked for a refresh:
 * - `due`: a call or the scheduler found the token due (within its margin, expired, or idle);
 *   `horizonMs` looks ahead (the scheduler renews what falls due before its next sweep).
 * - `rejected`: the provider answered 401 to `accessToken`.
 * - `retry`: an earlier attempt failed to reach the provider; renew unless `accessToken` was
 *   replaced meanwhile.
 */
export type RefreshTrigger =
  | { kind: 'due'; horizonMs: number; source: 'call' | 'scheduler' }
  | { kind: 'rejected'; accessToken: string }
  | { kind: 'retry'; accessToken: string };

export interface StoredTiming {
  now: number;
  issuedAt: number | null;
  expiresAt: number | null;
  refreshDueAt: number | null;
  /** The access token stored now (after acquiring the lock, when there is one). */
  accessToken: string;
}

export interface RefreshDecision {
  refresh: boolean;
  /** The 401 is not a refresh signal for this provider (`refreshOn401: false`). */
  declined?: boolean;
  reason: string;
}

export function isExpired(timing: Pick<StoredTiming, 'now' | 'issuedAt' | 'expiresAt'>): boolean {
  if (timing.expiresAt === null) return false;
  const lifetime = timing.issuedAt === null ? 0 : timing.expiresAt - timing.issuedAt;
  return timing.now >= timing.expiresAt - expirySkewMs(Math.max(lifetime, 0));
}

/**
 * Whether to call the token endpoint now, decided on the stored token (re-read under the lock
 * on PostgreSQL): a token another process or call already renewed is used, not renewed again.
 */
export function refreshDecision(
  timing: StoredTiming,
  trigger: RefreshTrigger,
  options: { refreshOn401: boolean },
): RefreshDecision {
  const expired = isExpired(timing);
  switch (trigger.kind) {
    case 'rejected':
      if (timing.accessToken !== trigger.accessToken)
        return expired
          ? {
              refresh: true,
              reason: 'the rejected token was replaced, but the replacement has expired too',
            }
          : { refresh: false, reason: 'the rejected token was already replaced' };
      if (!options.refreshOn401 && !expired)
        return {
          refresh: false,
          declined: true,
          reason:
            "the provider's 401 is not an expiry signal for this connector, and the token has not expired",
        };
      return { refresh: true, reason: 'the provider answered 401 to the current access token' };
    case 'retry':
      return timing.accessToken === trigger.accessToken
        ? { refresh: true, reason: 'retrying after the token endpoint failed' }
        : { refresh: false, reason: 'the token was renewed meanwhile' };
    case 'due':
      if (expired) return { refresh: true, reason: 'the access token has expired' };
      if (timing.refreshDueAt !== null && timing.now + trigger.horizonMs >= timing.refreshDueAt)
        return {
          refresh: true,
          reason:
            trigger.source === 'scheduler'
              ? 'renewal falls due before the next sweep'
              : 'the access token is within its renewal margin',
        };
      return { refresh: false, reason: 'the stored token is not due' };
  }
}
