export { ConfigError, loadConfig } from './config.js';
export type { JoineryConfig } from './config.js';
export { createApp } from './app.js';
export type { AppDeps, AppEnv } from './app.js';
export { startJoinery, startWorker, rotateSecretKey, createLogger } from './start.js';
export type { RunningJoinery, RunningWorker, SeedIntegration, StartOptions } from './start.js';
export { ENCRYPTION_KEY_FILE } from './encryption-key-file.js';
export { VERSION } from './version.js';
export { McpEndpoint } from './mcp/http-endpoint.js';
export type { McpEndpointOptions } from './mcp/http-endpoint.js';
export { createToolServer, RUN_TOOL, SEARCH_TOOL } from './mcp/tool-server.js';
export type { ToolServerOptions } from './mcp/tool-server.js';
export { ConnectionWatcher, onScopeChange, scopeFingerprint } from './mcp/connection-watch.js';
export { toolNames } from './mcp/tool-names.js';
export type {
  McpActionCall,
  McpActionDescription,
  McpBackend,
  McpConnection,
  McpConnectorDescription,
  McpScope,
} from './mcp/backend.js';
