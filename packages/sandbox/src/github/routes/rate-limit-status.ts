import type { GitHubRoute } from './route.js';

/**
 * https://docs.github.com/rest/rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user
 * — free: asking does not count. Only `core` is simulated; the other resources are shown unused.
 */
export const getRateLimitStatus: GitHubRoute = {
  method: 'GET',
  path: '/rate_limit',
  docs: 'https://docs.github.com/rest/rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user',
  acceptedScopes: '',
  free: true,
  handle({ rate, now }) {
    const core = rate();
    const nowSeconds = Math.floor(now / 1000);
    const unused = (limit: number, seconds: number) => ({
      limit,
      used: 0,
      remaining: limit,
      reset: nowSeconds + seconds,
    });
    return {
      status: 200,
      body: {
        resources: {
          core,
          search: unused(30, 60),
          graphql: unused(5000, 3600),
          code_search: unused(10, 60),
        },
        rate: core,
      },
    };
  },
};
