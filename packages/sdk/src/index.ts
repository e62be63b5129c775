// The public surface of @joinery/sdk. Listed one by one: what is not here is not promised.
export { createClient } from './client.js';
export type { ClientOptions, JoineryClient } from './client.js';
export type {
  CreatedWebhookEndpoint,
  DeadLetter,
  DeadLetterKind,
  DeadLettersApi,
  ListDeadLettersParams,
  OutgoingDelivery,
  OutgoingDeliveryStatus,
  PageParams,
  ReplayResult,
  WebhookEndpoint,
  WebhookEndpointInput,
  WebhookEndpointsApi,
} from './outgoing.js';
export type {
  Scorecard,
  ScorecardAnswer,
  ScorecardQuestionId,
  ScorecardsApi,
  TrustLevel,
} from './scorecards.js';
export type {
  ChangesPage,
  ChangesParams,
  RecordChange,
  RecordsApi,
  Sync,
  SyncInput,
  SyncRun,
  SyncRunStatus,
  SyncsApi,
} from './syncs.js';
export type {
  Alert,
  AlertsApi,
  ConnectionHealth,
  ConnectionTransition,
  HealthApi,
  ListAlertsParams,
} from './health.js';
export { ERROR_CODES, JoineryError, isErrorCode, isJoineryError } from './errors.js';
export type { ErrorCode, JoineryErrorInit, UnknownErrorCode } from './errors.js';
export type {
  ActionResult,
  ActionSummary,
  ApiKeyCredentials,
  AuthType,
  BasicCredentials,
  BearerCredentials,
  CallOptions,
  ConnectSession,
  ConnectSessionInput,
  Connection,
  ConnectionInput,
  ConnectionState,
  Connector,
  ConnectorAction,
  ConnectorSummary,
  Credentials,
  DriftEntry,
  Health,
  Integration,
  IntegrationInput,
  IntegrationOAuthInput,
  JsonSchema,
  ListConnectionsParams,
  ListLogsParams,
  LogEntry,
  LogSource,
  OAuth2ClientCredentials,
  Page,
  ProxyOptions,
  QueryValue,
  RunActionOptions,
} from './types.js';
export type {
  Flow,
  FlowsApi,
  ListRunsParams,
  Run,
  RunAccepted,
  RunStatus,
  RunStep,
  RunsApi,
} from './runs.js';
