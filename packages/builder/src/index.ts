// The public surface of @joinery/builder, listed one by one.
export { createBuilderServer } from './builder-server.js';
export type { BuilderServerOptions } from './builder-server.js';
export { ScaffoldError, loadOpenApi, operationsOf, parseOpenApi } from './openapi/document.js';
export type { FoundOperation, OpenApiDocument } from './openapi/document.js';
export { actionName, connectorIdFrom, scaffoldConnector } from './openapi/scaffold-connector.js';
export type {
  ScaffoldOptions,
  ScaffoldedAction,
  ScaffoldedConnector,
} from './openapi/scaffold-connector.js';
export { zodSource } from './openapi/schema-to-zod.js';
export type { ZodSourceOptions } from './openapi/schema-to-zod.js';
export { writeConnectorFile } from './openapi/write-connector.js';
