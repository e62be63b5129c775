import type { HttpMethod } from '../connector/types.js';

export interface ProviderRequest {
  method: HttpMethod;
  /** A path below the base URL (`/user/repos`), or an absolute URL on the same origin (a `next` link). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Serialised as JSON. */
  json?: unknown;
  headers?: Record<string, string>;
}

export interface ProviderResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON body (`undefined` when empty). */
  body: unknown;
  requestId: string;
}
