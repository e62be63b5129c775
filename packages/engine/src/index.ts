export { Engine } from './engine.js';
export type { EngineOptions, EventQuery, EventView, LogQuery, ProxyRequest } from './engine.js';
export {
  ERROR_CODES,
  JoineryError,
  isJoineryError,
  httpStatusFor,
  withoutReconnectLink,
} from './errors.js';
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
export { OutgoingWebhooks } from './outgoing/outgoing-webhooks.js';
export type { OutgoingDeliveryView, OutgoingOptions } from './outgoing/outgoing-webhooks.js';
export type { DispatchReport, DispatcherOptions } from './outgoing/dispatcher.js';
export { DEFAULT_RETRY_SCHEDULE_MS } from './outgoing/backoff.js';
export type { CreatedWebhookEndpoint, WebhookEndpointView } from './outgoing/endpoints.js';
export { DeadLetters, isDeadLetterKind } from './outgoing/dead-letters.js';
export type {
  DeadLetterQuery,
  DeadLetterView,
  NewDeadLetter,
  ReplayHandler,
  ReplayOutcome,
  ReplayResult,
} from './outgoing/dead-letters.js';
export { DEAD_LETTER_KINDS, DELIVERY_STATUSES } from './outgoing/types.js';
export type {
  DeadLetterKind,
  DeliveryStatus,
  EmitOptions,
  OutgoingEvent,
  Writer as OutgoingWriter,
} from './outgoing/types.js';
export {
  ANSWER_STATUSES,
  SCORECARD_QUESTIONS,
  TRUST_LEVELS,
  computeScorecard,
} from './scorecard/scorecard.js';
export type {
  AnswerStatus,
  EvidenceRef,
  QuestionId,
  Scorecard,
  ScorecardAnswer,
  ScorecardOptions,
  TrustLevel,
} from './scorecard/scorecard.js';
export {
  EVIDENCE_FACETS,
  EVIDENCE_FORMAT_VERSION,
  EVIDENCE_KINDS,
  EVIDENCE_TARGETS,
  EvidenceFileError,
  evidenceFileName,
  parseSuiteEvidence,
  serializeEvidence,
} from './scorecard/evidence.js';
export type {
  EvidenceFacet,
  EvidenceKind,
  EvidenceTarget,
  SuiteEvidence,
  TestState,
} from './scorecard/evidence.js';
export { readConnectorEvidence } from './scorecard/evidence-files.js';
export type { ConnectorEvidence } from './scorecard/evidence-files.js';
export { evidenceDirFor, recordConnectorFiles, recordedOrigin } from './scorecard/origin.js';
export type { ConnectorOrigin } from './scorecard/origin.js';
export type { ConnectorMappings, ContactSearch, UnifiedObjectBinding } from './unified/types.js';
export { Runs, DEFAULT_MAX_ATTEMPTS, MAX_ATTEMPTS_LIMIT, RUN_STATUSES } from './runs/runs.js';
export type { RunView, StepView, FlowView, RunQuery, RunStatus } from './runs/runs.js';
export { RunExecutor } from './runs/executor.js';
export type { RunExecutorOptions } from './runs/executor.js';
export { JobQueue, RUN_QUEUE } from './runs/job-queue.js';
export { parseFlow } from './runs/flow-definition.js';
export type { FlowDefinition, FlowStep, FlowTrigger } from './runs/flow-definition.js';
export { Syncs, SYNC_RUN_STATUSES, parseFrequency } from './sync/syncs.js';
export { readConflictPage, matchKeySql } from './sync/conflicts.js';
export type { ConflictPage, ConflictQuery, ConflictCursor } from './sync/conflicts.js';
export type {
  ChangeView,
  SyncEvent,
  SyncRunStatus,
  SyncRunView,
  SyncView,
  SyncsOptions,
} from './sync/syncs.js';
export type {
  CursorFormat,
  DeletionsTemplate,
  IncrementalTemplate,
  SyncDefinition,
  SyncRequestTemplate,
} from './sync/types.js';
export { Metrics } from './metrics/metrics.js';
export type { CollectorSpec, Sample } from './metrics/metrics.js';
export { HealthMonitor } from './health/monitor.js';
export type { ConnectionHealthView, HealthOptions, TransitionView } from './health/monitor.js';
export { Alerts, slackMessage } from './health/alerts.js';
export type { AlertChannel, AlertNotice, AlertStatus, AlertView } from './health/alerts.js';
export { ALERT_RULE_IDS, defaultAlertRules } from './health/alert-rules.js';
export type { AlertRuleId, AlertRules } from './health/alert-rules.js';
export { UNIFIED_ACTIONS, isUnifiedAction } from './unified/unified-actions.js';
export type { MappingView } from './unified/unified-actions.js';
export { findConflicts } from '@joinery/data';
export type { Finding } from '@joinery/data';
export { pageLimit, parseCursor } from './paging.js';
