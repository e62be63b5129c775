/**
 * HubSpot's limits (https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details):
 * a rolling ten-second limit per app (`TEN_SECONDLY_ROLLING`); for private apps a daily limit
 * per account that "resets at midnight based on your time zone setting" (`DAILY`; the sandbox's
 * account is on UTC); and the CRM search endpoints' own per-second limit per account. OAuth
 * calls carry no daily headers "because there is no daily limit for these calls".
 */
import { createSlidingWindow } from '../core/sliding-window.js';
import type { RatePolicy } from './errors.js';
import type { ResolvedHubSpotOptions } from './options.js';

export const INTERVAL_MS = 10_000;
const DAY_MS = 86_400_000;

/** Who pays for a request: a private app (daily limit too) or an OAuth app. */
export interface Payer {
  kind: 'private' | 'oauth';
  /** The private-app token or the OAuth client id. */
  app: string;
}

export type Charge =
  | { allowed: true; headers: Record<string, string> }
  | { allowed: false; policy: RatePolicy; headers: Record<string, string> };

export interface HubSpotLimiter {
  /** Counts one request; search requests have their own limit and no headers. */
  charge(payer: Payer, now: number, search: boolean): Charge;
  /** Headers as things stand, for answers that were not counted (injected faults). */
  headers(payer: Payer, now: number, exhausted?: boolean): Record<string, string>;
  clear(): void;
}

export function createHubSpotLimiter(options: ResolvedHubSpotOptions): HubSpotLimiter {
  const windows = createSlidingWindow();
  let daily = { day: -1, used: 0 };
  const today = (now: number) => {
    const day = Math.floor(now / DAY_MS);
    if (daily.day !== day) daily = { day, used: 0 };
    return daily;
  };
  const limitOf = (payer: Payer) =>
    payer.kind === 'private' ? options.tenSecondlyLimit : options.oauthTenSecondlyLimit;

  const headers = (payer: Payer, now: number, exhausted = false): Record<string, string> => {
    const limit = limitOf(payer);
    const window = windows.peek(`app:${payer.app}`, limit, INTERVAL_MS, now);
    const out: Record<string, string> = {
      'x-hubspot-ratelimit-interval-milliseconds': String(INTERVAL_MS),
      'x-hubspot-ratelimit-max': String(limit),
      'x-hubspot-ratelimit-remaining': String(exhausted ? 0 : window.remaining),
    };
    if (payer.kind === 'private') {
      out['x-hubspot-ratelimit-daily'] = String(options.dailyLimit);
      out['x-hubspot-ratelimit-daily-remaining'] = String(
        Math.max(0, options.dailyLimit - today(now).used),
      );
    }
    return out;
  };

  return {
    charge(payer, now, search) {
      const day = today(now);
      if (payer.kind === 'private' && day.used >= options.dailyLimit)
        return { allowed: false, policy: 'DAILY', headers: search ? {} : headers(payer, now) };
      if (search) {
        const hit = windows.hit('search', options.searchPerSecond, 1000, now);
        if (!hit.allowed) return { allowed: false, policy: 'SECONDLY', headers: {} };
      } else {
        const hit = windows.hit(`app:${payer.app}`, limitOf(payer), INTERVAL_MS, now);
        if (!hit.allowed)
          return { allowed: false, policy: 'TEN_SECONDLY_ROLLING', headers: headers(payer, now) };
      }
      if (payer.kind === 'private') day.used += 1;
      return { allowed: true, headers: search ? {} : headers(payer, now) };
    },
    headers,
    clear() {
      windows.clear();
      daily = { day: -1, used: 0 };
    },
  };
}
