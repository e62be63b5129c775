import type { SalesforceRoute } from './route.js';

/** `GET /services/data/vXX.X`: the resources of a version. */
export const resources: SalesforceRoute = {
  method: 'GET',
  path: '/',
  handle({ version }) {
    const base = `/services/data/v${version}`;
    return {
      status: 200,
      body: {
        limits: `${base}/limits`,
        query: `${base}/query`,
        sobjects: `${base}/sobjects`,
      },
    };
  },
};

/**
 * `GET /limits`: the org's allocations; the sandbox reports `DailyApiRequests`, the one it
 * enforces. https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_limits.htm
 */
export const limits: SalesforceRoute = {
  method: 'GET',
  path: '/limits',
  handle({ apiUsage }) {
    const { used, max } = apiUsage();
    return {
      status: 200,
      body: { DailyApiRequests: { Max: max, Remaining: Math.max(0, max - used) } },
    };
  },
};
