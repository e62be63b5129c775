// The MCP toolset without the server around it: what `joinery mcp` (stdio) shares with `/mcp`.
export { createToolServer, RUN_TOOL, SEARCH_TOOL } from './tool-server.js';
export type { ToolServerOptions } from './tool-server.js';
export { ConnectionWatcher, onScopeChange, scopeFingerprint } from './connection-watch.js';
export type { ConnectionWatcherOptions } from './connection-watch.js';
export { buildCatalog, inScope } from './catalog.js';
export type { CatalogEntry } from './catalog.js';
export { toolNames } from './tool-names.js';
export type {
  McpActionCall,
  McpActionDescription,
  McpBackend,
  McpConnection,
  McpConnectorDescription,
  McpScope,
} from './backend.js';
