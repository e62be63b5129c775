import { randomBytes } from 'node:crypto';
import type { RateLimitStatus } from './rate-limit.js';

/** The only REST API version the sandbox's shapes follow. https://docs.github.com/rest/about-the-rest-api/api-versions */
export const API_VERSION = '2022-11-28';

/** Like GitHub's `x-github-request-id`: five colon-separated upper-case hex groups. */
export function requestId(): string {
  const hex = (bytes: number) => randomBytes(bytes).toString('hex').toUpperCase();
  return [hex(2), hex(3), hex(4), hex(4), hex(4)].join(':');
}

/** Headers api.github.com sends on every JSON answer (recorded in @octokit/fixtures). */
export function githubHeaders(options: {
  requestId: string;
  rate: RateLimitStatus;
  /** `x-oauth-scopes`, sent for classic tokens only. */
  scopes: string | undefined;
  acceptedScopes: string;
}): Record<string, string> {
  const headers: Record<string, string> = {
    server: 'github.com',
    'content-type': 'application/json; charset=utf-8',
    'x-github-media-type': 'github.v3; format=json',
    'x-github-api-version-selected': API_VERSION,
    'x-github-request-id': options.requestId,
    'x-ratelimit-limit': String(options.rate.limit),
    'x-ratelimit-remaining': String(options.rate.remaining),
    'x-ratelimit-reset': String(options.rate.reset),
    'x-ratelimit-used': String(options.rate.used),
    'x-ratelimit-resource': 'core',
    'x-accepted-oauth-scopes': options.acceptedScopes,
    'access-control-allow-origin': '*',
    'access-control-expose-headers':
      'ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, X-Poll-Interval, X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset',
    'content-security-policy': "default-src 'none'",
    'referrer-policy': 'origin-when-cross-origin, strict-origin-when-cross-origin',
    'strict-transport-security': 'max-age=31536000; includeSubdomains; preload',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'deny',
    'x-xss-protection': '0',
    vary: 'Accept, Authorization, Cookie, X-GitHub-OTP,Accept-Encoding, Accept, X-Requested-With',
  };
  if (options.scopes !== undefined) headers['x-oauth-scopes'] = options.scopes;
  return headers;
}
