import type { z } from 'zod';
import type { ErrorCode } from '../errors.js';
import type { OAuthProviderSpec } from '../oauth/provider-spec.js';
import type { ProviderRequest, ProviderResponse } from '../outbound/types.js';
import type { WebhookSpec } from '../webhooks/types.js';
import type { SyncDefinition } from '../sync/types.js';
import type { ConnectorMappings } from '../unified/types.js';

export const AUTH_TYPES = [
  'api_key',
  'basic',
  'bearer',
  'oauth2',
  'oauth2_client_credentials',
] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

/** Where a credential goes on the wire. One connector may accept several. */
export type AuthScheme =
  /** `name: prefix + apiKey`, e.g. GitHub: `Authorization: Bearer <token>`. */
  | { type: 'api_key'; in: 'header'; name: string; prefix?: string }
  | { type: 'api_key'; in: 'query'; name: string }
  /** `Authorization: Bearer <token>`. */
  | { type: 'bearer' }
  /** `Authorization: Basic base64(username:password)`. */
  | { type: 'basic' }
  /** OAuth 2.0 authorization code (Connect page): `Authorization: Bearer <access token>`, renewed by Joinery. */
  | { type: 'oauth2' }
  /** OAuth 2.0 client credentials with the integration's client: `Authorization: Bearer <access token>`. */
  | { type: 'oauth2_client_credentials' };

export type Pagination =
  | { type: 'none' }
  /** RFC 8288 `Link: <…>; rel="next"` (GitHub). Pages are JSON arrays. */
  | { type: 'link' }
  /**
   * An opaque cursor in the body (`response_metadata.next_cursor` for Slack, `paging.next.after`
   * for HubSpot) sent back as a parameter (`cursor`, `after`) in the query, or in the JSON body
   * for POST searches. Empty or missing means the last page.
   */
  | { type: 'cursor'; cursorParam: string; nextCursorPath: string }
  /** A next-page URL or path in the body (Salesforce's `nextRecordsUrl`), fetched with GET. */
  | { type: 'next_url'; nextUrlPath: string };

export interface RateLimitHeaders {
  limit?: string;
  remaining?: string;
  /** When the window resets; `resetUnit` says how to read it. */
  reset?: string;
  /** RFC 9110 `Retry-After`, seconds or an HTTP date. */
  retryAfter?: string;
}

/**
 * A limit the provider enforces, declared from its documentation. Joinery waits for capacity
 * before sending, so the provider does not have to say 429.
 */
export interface DeclaredLimit {
  /** Names the bucket in logs and metrics, e.g. `ten_secondly`. */
  name: string;
  requests: number;
  perSeconds: number;
  /**
   * Whose allowance this is: one bucket for the whole integration (per app), one per tenant
   * (per workspace/org), or one per connection (per token). Defaults to `connection`.
   */
  scope?: 'integration' | 'tenant' | 'connection';
  /** Only requests with these methods count (e.g. a write tier). */
  methods?: HttpMethod[];
  /** Only requests whose path (below the base URL) matches this regular expression count. */
  path?: string;
}

export interface RateLimitPolicy {
  headers: RateLimitHeaders;
  limits?: DeclaredLimit[];
  /**
   * A header that reports a longer quota, e.g. Salesforce's `Sforce-Limit-Info: api-usage=25/15000`.
   * `pattern` has two capture groups: used and limit.
   */
  quota?: { name: string; header: string; pattern: string };
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

/**
 * How a provider says something went wrong beyond the HTTP status, read from its error body.
 * Rules are tried in order; the first match decides the code. Without a match the status decides.
 */
export interface ErrorRule {
  /** Match these statuses (any when absent). */
  status?: number[];
  /** Match when the provider's error code (see `errors.codePath`) is one of these. */
  codes?: string[];
  /** Match when the value at this body path is one of `equals`. */
  path?: string;
  equals?: string[];
  code: ErrorCode;
  /** Override whether the error is worth retrying (e.g. a daily quota is not). */
  retryable?: boolean;
}

export interface ErrorDialect {
  /** Body path of the provider's message (dotted, array indexes allowed: `0.message`). Defaults to `message`. */
  messagePath?: string;
  /** Body path of the provider's machine-readable error code (`error`, `category`, `0.errorCode`). */
  codePath?: string;
  /**
   * A 2xx whose body has this field `false` is an error, never data (Slack's `{"ok": false}`).
   */
  okField?: string;
  rules?: ErrorRule[];
}

/** What is available to a code action: requests go through the same pipeline as everything else. */
export interface ActionContext {
  connectionId: string;
  tenant: string;
  signal: AbortSignal;
  /** Set when the caller sent an Idempotency-Key; pass it to providers that accept one. */
  idempotencyKey?: string;
  request(request: ProviderRequest): Promise<ProviderResponse>;
}

interface ActionBase<I extends z.ZodType, O extends z.ZodType> {
  name: string;
  description: string;
  input: I;
  output: O;
  /** Reads only: safe to retry and to offer to agents without confirmation. Defaults to false. */
  readOnly?: boolean;
  /**
   * Sending it twice with the same input has the effect of sending it once (an update that sets
   * fields to given values, whatever its HTTP method). A run re-sends such an action after a
   * worker died mid-call instead of dead-lettering it as "may have taken effect". Defaults to
   * false; GET, HEAD, OPTIONS, PUT and DELETE actions are idempotent by their method.
   */
  idempotent?: boolean;
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
    /** Wire names for input fields whose name differs at the provider (`{ page_size: 'limit' }`). */
    rename?: Readonly<Record<string, string>>;
    /**
     * The JSON body: `'rest'` sends every input field not used in the path or query; a list sends
     * those fields; `{ field }` sends the value of one input field as the whole body (a record's
     * fields, say).
     */
    body?: 'rest' | readonly string[] | { field: string };
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
    /** Where a page's items are (`channels`, `results`, `records`); the page itself when absent. */
    itemsPath?: string;
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
  /** Empty only when `integrationRequires` lists `baseUrl`. */
  baseUrl: string;
  auth: readonly AuthScheme[];
  /** The provider's OAuth 2.0 server and its quirks, for the `oauth2*` auth schemes. */
  oauth?: OAuthProviderSpec;
  /**
   * Settings every integration of this connector must give, because the connector cannot know
   * them (the generic `oauth2` connector: `baseUrl`, and the OAuth endpoints).
   */
  integrationRequires?: readonly ('baseUrl' | 'authorizationUrl' | 'tokenUrl')[];
  /** Sent on every request, e.g. GitHub's `X-GitHub-Api-Version`. */
  defaultHeaders?: Readonly<Record<string, string>>;
  /** A cheap authenticated read used to check credentials when a connection is created. */
  healthCheck?: HealthCheck;
  pagination?: Pagination;
  rateLimit?: RateLimitPolicy;
  /** Where a provider's error body keeps its message, e.g. `message`. Prefer `errors.messagePath`. */
  errorMessage?: string;
  errors?: ErrorDialect;
  /**
   * The header that carries an idempotency key to the provider (e.g. Stripe's `Idempotency-Key`).
   * Requests that carry one may be retried even when their method is not idempotent.
   */
  idempotencyHeader?: string;
  /** How the provider signs inbound webhooks, and how a delivery finds its connection(s). */
  webhooks?: WebhookSpec;
  /** Record syncs the connector offers (see docs/syncs.md). */
  syncs?: readonly SyncDefinition[];
  /** Unified models the connector speaks (`contacts.*` actions), with their field mappings (docs/data.md). */
  mappings?: ConnectorMappings;
  actions: readonly Action[];
}
