import type { IncomingHttpHeaders } from 'node:http';
import type { Fault } from './faults.js';

/** One request as a provider sees it: already read, with the provider prefix removed. */
export interface ProviderRequest {
  method: string;
  /** Path after the provider prefix, e.g. `/user/repos`; `/` for the prefix itself. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** `http://<Host header the client used><prefix>`, for URLs the provider puts in responses. */
  baseUrl: string;
  remoteAddress: string;
}

/** A provider's answer as a value, so faults can delay, cut or corrupt it before it is sent. */
export interface ProviderResponse {
  status: number;
  headers: Record<string, string>;
  /** Bytes to send; `content-length` is set by the server. */
  body: string;
}

/** A fake provider mounted under a path prefix. */
export interface Provider {
  /** Name used in fault rules and recorded requests, e.g. `github`. */
  name: string;
  /** Path prefix, e.g. `/github`. */
  prefix: string;
  /** One line for `GET /_sandbox`: what is simulated and how to authenticate. */
  description: string;
  handle(request: ProviderRequest): ProviderResponse;
  /** An error response with this status, in the provider's wire format. */
  statusFault(
    request: ProviderRequest,
    fault: Extract<Fault, { kind: 'status' }>,
  ): ProviderResponse;
  /** A rate-limit response in the provider's wire format. */
  rateLimitFault(
    request: ProviderRequest,
    fault: Extract<Fault, { kind: 'rate_limit' }>,
  ): ProviderResponse;
  /**
   * Who the request authenticates as, for the request log; `null` if nobody. `body` is there for
   * providers that take credentials in the form (Slack's `token`).
   */
  identify(headers: IncomingHttpHeaders, body: Buffer): string | null;
  /** Back to the seeded state: data, rate-limit windows. */
  reset(): void;
}
