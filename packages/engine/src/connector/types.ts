import type { z } from 'zod';
import type { ProviderRequest, ProviderResponse } from '../outbound/types.js';

export const AUTH_TYPES = ['api_key', 'basic', 'bearer'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

/** Where a credential goes on the wire. One connector may accept several. */
export type AuthScheme =
  /** `name: prefix + apiKey`, e.g. GitHub: `Authorization: Bearer <token>`. */
  | { type: 'api_key'; in: 'header'; name: string; prefix?: string }
  | { type: 'api_key'; in: 'query'; name: string }
  /** `Authorization: Bearer <token>`. */
  | { type: 'bearer' }
  /** `Authorization: Basic base64(username:password)`. */
  | { type: 'basic' };

export type Pagination =
  | { type: 'none' }
  /** RFC 8288 `Link: <…>; rel="next"` (GitHub). */
  | { type: 'link' };

export interface RateLimitHeaders {
  limit?: string;
  remaining?: string;
  /** When the window resets; `resetUnit` says how to read it. */
  reset?: string;
  /** RFC 9110 `Retry-After`, seconds or an HTTP date. */
  retryAfter?: string;
}

export interface RateLimitPolicy {
  headers: RateLimitHeaders;
  /** Defaults to `epoch_seconds` (GitHub's `x-ratelimit-reset`). */
  resetUnit?: 'epoch_seconds' | 'seconds';
  /**
   * Statuses the provider uses for "rate limited" besides 429, recognised only when the remaining
   * count is 0 or a retry-after is present (GitHub answers 403 for both limits).
   */
  alsoStatuses?: number[];
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

export interface HealthCheck {
  method: 'GET' | 'HEAD' | 'POST';
  path: string;
}

/** What is available to a code action: requests go through the same pipeline as everything else. */
export interface ActionContext {
  connectionId: string;
  tenant: string;
  signal: AbortSignal;
  request(request: ProviderRequest): Promise<ProviderResponse>;
}

interface ActionBase<I extends z.ZodType, O extends z.ZodType> {
  name: string;
  description: string;
  input: I;
  output: O;
  /** Reads only: safe to retry and to offer to agents without confirmation. Defaults to false. */
  readOnly?: boolean;
}

/** A request template plus a response mapping: most actions need no code. */
export interface HttpAction<
  I extends z.ZodType = z.ZodType,
  O extends z.ZodType = z.ZodType,
> extends ActionBase<I, O> {
  kind: 'http';
  request: {
    method: HttpMethod;
    /** `{field}` placeholders are filled from the input, URL-encoded. */
    path: string;
    /** Input fields sent as query parameters. */
    query?: readonly string[];
    /** Input fields sent as the JSON body; `'rest'` sends every field not used in the path or query. */
    body?: 'rest' | readonly string[];
  };
  response?: {
    /** JSONata expression over the (collected) response body. */
    mapping?: string;
  };
  /**
   * Follow the connector's pagination and concatenate array bodies, up to `limit` items
   * (input field `limitField`, default `limit`; default 100, capped at `maxItems`, default 1000).
   * When the caller gives no page size, `pageSizeField` is set to the smaller of the limit and
   * `maxPageSize`, so a limit of 250 costs 3 requests, not 9.
   */
  paginate?: {
    limitField?: string;
    defaultLimit?: number;
    maxItems?: number;
    pageSizeField?: string;
    maxPageSize?: number;
  };
}

export interface CodeAction<
  I extends z.ZodType = z.ZodType,
  O extends z.ZodType = z.ZodType,
> extends ActionBase<I, O> {
  kind: 'code';
  run(context: ActionContext, input: z.output<I>): Promise<z.input<O>>;
}

export type Action = HttpAction | CodeAction;

export interface ConnectorDefinition {
  /** Lower-case id, e.g. `github`. */
  id: string;
  name: string;
  description: string;
  /** The provider's API reference this connector follows. */
  docsUrl: string;
  baseUrl: string;
  auth: readonly AuthScheme[];
  /** Sent on every request, e.g. GitHub's `X-GitHub-Api-Version`. */
  defaultHeaders?: Readonly<Record<string, string>>;
  /** A cheap authenticated read used to check credentials when a connection is created. */
  healthCheck?: HealthCheck;
  pagination?: Pagination;
  rateLimit?: RateLimitPolicy;
  /** Where a provider's error body keeps its message (JSONata), e.g. `message`. */
  errorMessage?: string;
  actions: readonly Action[];
}
