export { Engine } from './engine.js';
export type { EngineOptions, EventQuery, EventView, LogQuery, ProxyRequest } from './engine.js';
export { ERROR_CODES, JoineryError, isJoineryError, httpStatusFor } from './errors.js';
export type { ErrorCode, JoineryErrorOptions, ProviderDetails } from './errors.js';
export { Secret } from './secret.js';
export { CredentialCipher, keyIdOf } from './credential-cipher.js';
export type { Sealed } from './credential-cipher.js';
export { newId } from './ids.js';
export { defineConnector, defineAction, defineHttpAction } from './connector/define.js';
export {
  ConnectorRegistry,
  ConnectorDefinitionError,
  validateConnector,
  authTypesOf,
  findAction,
} from './connector/registry.js';
export { AUTH_TYPES } from './connector/types.js';
export type {
  Action,
  ActionContext,
  AuthScheme,
  AuthType,
  CodeAction,
  ConnectorDefinition,
  HealthCheck,
  HttpAction,
  HttpMethod,
  Pagination,
  RateLimitHeaders,
  RateLimitPolicy,
} from './connector/types.js';
export type { ProviderRequest, ProviderResponse } from './outbound/types.js';
export type { Credentials, OAuthTokens } from './outbound/auth.js';
export { parseRetryAfter, parseLinkHeader, readRateLimit } from './outbound/headers.js';
export { classifyStatus } from './outbound/classify.js';
export { blockedReason } from './outbound/ssrf.js';
export { sanitizeUrl } from './outbound/sanitize-url.js';
export { relayableHeaders } from './outbound/pipeline.js';
export type { StreamedResponse } from './outbound/pipeline.js';
export { CONNECTION_STATES } from './connections.js';
export type { ConnectionState, ConnectionView, Scope } from './connections.js';
export type { IntegrationInput, IntegrationView, OAuthClientView } from './integrations.js';
export type { LogEntry, LogSource } from './request-log.js';
export { SecretKeys, DEFAULT_ENVIRONMENT, generateSecretKey } from './secret-keys.js';
export type { ActionResult } from './actions.js';
export { describeConnector, summarizeConnector } from './connector/describe.js';
export type { ConnectorDetailView, ConnectorSummaryView } from './connector/describe.js';
export type { OAuthProviderSpec } from './oauth/provider-spec.js';
export { EVENT_TYPES } from './oauth/events.js';
export type { EventType } from './oauth/events.js';
export { BINDING_COOKIE_PREFIX } from './oauth/connect-sessions.js';
export type {
  ConnectFailure,
  ConnectFailureReason,
  ConnectPageView,
  ConnectSessionView,
  ConnectSuccess,
} from './oauth/connect-sessions.js';
export type { RefreshOutcome, SweepReport, TokenManagerOptions } from './oauth/token-manager.js';
export { refreshMarginMs } from './oauth/token-set.js';
export type { DriftKind, DriftView } from './schema-drift.js';
export type { QuotaView } from './quotas.js';
export type { RunActionOptions } from './engine.js';
export type { DeclaredLimit, ErrorDialect, ErrorRule } from './connector/types.js';
export { decideRetry, RetryBudget } from './outbound/policies/retry.js';
export type { RetryDecision, RetryOptions } from './outbound/policies/retry.js';
export { CircuitBreaker } from './outbound/policies/circuit-breaker.js';
export type { BreakerOptions } from './outbound/policies/circuit-breaker.js';
export { canonicalJson } from './idempotency.js';
export { connectorKit } from './scaffold/connector-kit.js';
export type { ConnectorKit, ConnectorModuleExport } from './scaffold/connector-kit.js';
export {
  ConnectorFileError,
  loadConnectorFile,
  loadConnectorsDir,
} from './scaffold/connectors-dir.js';
export type { LoadedConnectors } from './scaffold/connectors-dir.js';
export { WEBHOOK_SCHEMES } from './webhooks/types.js';
export type {
  SignedRequest,
  Verification,
  VerifyFailure,
  VerifyOptions,
  WebhookRoute,
  WebhookSchemeName,
  WebhookSpec,
} from './webhooks/types.js';
export { WEBHOOK_SCHEME_SPECS } from './webhooks/schemes.js';
export type { ValueSource, WebhookScheme } from './webhooks/schemes.js';
export { DEFAULT_TOLERANCE_SECONDS } from './webhooks/inbound.js';
export type {
  DeliveryQuery,
  InboundRequest,
  InboundResult,
  InboundWebhooks,
  WebhookDeliveryView,
} from './webhooks/inbound.js';
