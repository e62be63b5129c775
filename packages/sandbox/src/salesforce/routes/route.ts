import type { ProviderRequest } from '../../core/provider.js';
import type { SalesforceError } from '../errors.js';
import type { ResolvedSalesforceOptions } from '../options.js';
import type { LocatorStore } from '../query-locators.js';
import type { FieldDefinition } from '../schema.js';
import type { Session } from '../sessions.js';
import type { SalesforceState, SfRecord } from '../state.js';

export interface RouteContext {
  request: ProviderRequest;
  params: Record<string, string>;
  /** `64.0`, from the `/services/data/v64.0/…` path. */
  version: string;
  state: SalesforceState;
  session: Session;
  options: ResolvedSalesforceOptions;
  locators: LocatorStore;
  now: number;
  /** The parent record a reference field (`AccountId`) points at. */
  parentOf: (reference: FieldDefinition, record: SfRecord) => SfRecord | undefined;
  /** API usage so far in the rolling 24 hours, this request included. */
  apiUsage: () => { used: number; max: number };
}

export interface RouteResult {
  status: number;
  /** `undefined` for 204. */
  body: unknown;
}

export interface SalesforceRoute {
  method: string;
  /** Pattern after `/services/data/vXX.X`, with `{name}` segments. */
  path: string;
  handle(context: RouteContext): RouteResult | SalesforceError;
}
