// OpenAPI 3 document + chosen operations → one connector file: TypeScript written against
// `ConnectorKit` (defineConnector, defineHttpAction, z), one HTTP action per operation, zod
// schemas from the document's schemas. The file is the user's to read, edit and commit; Joinery
// loads it from JOINERY_CONNECTORS_DIR.
import {
  ScaffoldError,
  deref,
  operationsOf,
  type FoundOperation,
  type JsonObject,
  type OpenApiDocument,
} from './document.js';
import { propertyKey, shortDescription, zodSource } from './schema-to-zod.js';

export interface ScaffoldOptions {
  /** operationIds to turn into actions, e.g. `repos/get`, `issues/list-for-repo`. */
  operations: readonly string[];
  /** Connector id (lower-case letters, digits, dashes). Defaults to one made from `info.title`. */
  id?: string | undefined;
  /** Display name. Defaults to `info.title`. */
  name?: string | undefined;
  /** Base URL. Defaults to the document's first server. */
  baseUrl?: string | undefined;
  /** Where the document came from, for the file's header comment. */
  source?: string | undefined;
  /** Keep the document's `required` in output schemas (see `ZodSourceOptions`). Defaults to false. */
  strictOutput?: boolean | undefined;
}

export interface ScaffoldedAction {
  name: string;
  operationId: string;
  method: string;
  path: string;
  readOnly: boolean;
}

export interface ScaffoldedConnector {
  id: string;
  /** `<id>.ts` */
  fileName: string;
  /** The TypeScript source. */
  source: string;
  actions: ScaffoldedAction[];
  /** Things the document did not say and the scaffold had to assume; worth a look. */
  notes: string[];
}

const MAX_OPERATIONS = 100;
const CONNECTOR_ID = /^[a-z][a-z0-9-]*$/;

/** snake_case action name from an operationId: `issues/list-for-repo` → `issues_list_for_repo`. */
export function actionName(operationId: string): string {
  const snake = operationId
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return /^[a-z]/.test(snake) ? snake : `op_${snake}`;
}

export function connectorIdFrom(title: string): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return /^[a-z]/.test(slug) ? slug : `api-${slug || 'connector'}`;
}

export function scaffoldConnector(
  doc: OpenApiDocument,
  options: ScaffoldOptions,
): ScaffoldedConnector {
  if (options.operations.length === 0)
    throw new ScaffoldError('choose at least one operation (its operationId)', 'operations');
  if (options.operations.length > MAX_OPERATIONS)
    throw new ScaffoldError(
      `choose at most ${MAX_OPERATIONS} operations per connector`,
      'operations',
    );
  const id = options.id ?? connectorIdFrom(doc.info.title);
  if (!CONNECTOR_ID.test(id))
    throw new ScaffoldError(
      `id "${id}" must be lower-case letters, digits and dashes, starting with a letter`,
      'id',
    );
  const all = operationsOf(doc);
  const notes: string[] = [];
  const chosen: FoundOperation[] = options.operations.map((operationId, index) => {
    const found = all.get(operationId);
    if (!found) {
      const wanted = (operationId.split('/').pop() ?? operationId).toLowerCase();
      const near = [...all.keys()]
        .filter((candidate) => {
          const name = (candidate.split('/').pop() ?? candidate).toLowerCase();
          return name.includes(wanted) || wanted.includes(name);
        })
        .slice(0, 5);
      throw new ScaffoldError(
        `the document has no operation "${operationId}"${near.length ? `; similar: ${near.join(', ')}` : ''}`,
        `operations[${index}]`,
      );
    }
    return found;
  });

  const names = new Set<string>();
  const actions: { code: string; variable: string; summary: ScaffoldedAction }[] = [];
  for (const found of chosen) {
    const name = actionName(found.operationId);
    if (names.has(name))
      throw new ScaffoldError(`two operations make the action name "${name}"`, 'operations');
    names.add(name);
    actions.push(actionSource(doc, found, name, options, notes));
  }

  const server = serverUrl(doc, notes);
  const baseUrl = options.baseUrl ?? server;
  const auth = authSource(doc, notes);
  const docsUrl =
    doc.externalDocs?.url ?? (baseUrl.startsWith('http') ? baseUrl : 'https://example.com');
  const description =
    shortDescription(doc.info.description) ??
    `${doc.info.title} ${doc.info.version}, scaffolded from its OpenAPI document.`;

  const lines = [
    `// Scaffolded by Joinery (scaffold_connector) from ${JSON.stringify(doc.info.title)} ${doc.info.version}` +
      (options.source ? `, ${options.source}` : '') +
      '.',
    `// Operations: ${chosen.map((op) => op.operationId).join(', ')}.`,
    '// This file is yours: edit it, commit it. Joinery loads it from JOINERY_CONNECTORS_DIR at start',
    '// (TypeScript is compiled in memory; it may only `import type`, so the kit arrives as an argument).',
    ...notes.map((note) => `// Note: ${note}`),
    "import type { ConnectorKit } from '@joinery/engine';",
    '',
    'export default ({ defineConnector, defineHttpAction, z }: ConnectorKit) => {',
    ...actions.map((action) => action.code),
    '  return defineConnector({',
    `    id: ${JSON.stringify(id)},`,
    `    name: ${JSON.stringify(options.name ?? doc.info.title)},`,
    `    description: ${JSON.stringify(description)},`,
    `    docsUrl: ${JSON.stringify(docsUrl)},`,
    `    baseUrl: ${JSON.stringify(baseUrl)},`,
    ...(baseUrl === '' ? ["    integrationRequires: ['baseUrl'],"] : []),
    ...auth.map((line) => `    ${line}`),
    `    actions: [${actions.map((action) => action.variable).join(', ')}],`,
    '  });',
    '};',
    '',
  ];
  return {
    id,
    fileName: `${id}.ts`,
    source: lines.join('\n'),
    actions: actions.map((a) => a.summary),
    notes,
  };
}

interface Field {
  name: string;
  source: string;
}

function actionSource(
  doc: OpenApiDocument,
  found: FoundOperation,
  name: string,
  options: ScaffoldOptions,
  notes: string[],
): { code: string; variable: string; summary: ScaffoldedAction } {
  const { operation, method, path } = found;
  const parameters = new Map<string, JsonObject>();
  for (const raw of [
    ...found.pathParameters,
    ...(Array.isArray(operation.parameters) ? (operation.parameters as unknown[]) : []),
  ]) {
    const parameter = deref(doc, raw);
    if (typeof parameter.name === 'string' && typeof parameter.in === 'string')
      parameters.set(`${parameter.in}:${parameter.name}`, parameter);
  }
  const fields: Field[] = [];
  const query: string[] = [];
  const skipped: string[] = [];
  for (const parameter of parameters.values()) {
    const where = parameter.in as string;
    const paramName = parameter.name as string;
    if (where !== 'path' && where !== 'query') {
      skipped.push(`${where} ${paramName}`);
      continue;
    }
    const required = where === 'path' || parameter.required === true;
    let value = zodSource(
      doc,
      parameter.schema ?? { type: 'string' },
      { mode: 'input' },
      1,
      '      ',
    );
    const said = shortDescription(parameter.description);
    if (!required) value += '.optional()';
    if (said) value += `.describe(${JSON.stringify(said)})`;
    fields.push({ name: paramName, source: value });
    if (where === 'query') query.push(paramName);
  }
  for (const placeholder of path.matchAll(/\{([^}]+)\}/g)) {
    const paramName = placeholder[1] as string;
    if (fields.some((f) => f.name === paramName)) continue;
    fields.push({ name: paramName, source: 'z.string()' });
    notes.push(
      `${found.operationId}: the path uses {${paramName}}, which no parameter declares; it is a string input.`,
    );
  }
  if (skipped.length > 0)
    notes.push(
      `${found.operationId}: ${skipped.join(', ')} parameter(s) are not part of the input; set them in defaultHeaders if the provider needs them.`,
    );

  let body: string | undefined;
  const requestBody =
    operation.requestBody === undefined ? undefined : deref(doc, operation.requestBody);
  const bodySchema = jsonContent(requestBody?.content)?.schema;
  if (bodySchema !== undefined) {
    const schema = deref(doc, bodySchema);
    const properties = (schema.properties ?? null) as JsonObject | null;
    const clash =
      properties && Object.keys(properties).some((key) => fields.some((f) => f.name === key));
    if (properties && Object.keys(properties).length > 0 && !clash) {
      const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
      const bodyFields: string[] = [];
      for (const [key, property] of Object.entries(properties)) {
        let value = zodSource(doc, property, { mode: 'input' }, 1, '      ');
        if (!required.has(key)) value += '.optional()';
        const said = shortDescription(deref(doc, property).description);
        if (said) value += `.describe(${JSON.stringify(said)})`;
        fields.push({ name: key, source: value });
        bodyFields.push(key);
      }
      body = JSON.stringify(bodyFields);
    } else {
      const required = requestBody?.required === true;
      fields.push({
        name: 'body',
        source: `${zodSource(doc, schema, { mode: 'input' }, 0, '      ')}${required ? '' : '.optional()'}.describe("The request's JSON body")`,
      });
      body = "{ field: 'body' }";
    }
  }

  const output = successSchema(doc, operation);
  const outputSource =
    output === undefined
      ? 'z.unknown()'
      : zodSource(
          doc,
          output,
          { mode: 'output', strictRequired: options.strictOutput ?? false },
          0,
          '    ',
        );
  const readOnly = method === 'get' || method === 'head';
  const summary = shortDescription(operation.summary) ?? `${method.toUpperCase()} ${path}`;
  const detail = shortDescription(operation.description);
  const description =
    detail && detail !== summary
      ? `${/[.!?]$/.test(summary) ? summary : `${summary}.`} ${detail}`
      : summary;
  const docs = (operation.externalDocs as { url?: unknown } | undefined)?.url;
  const variable = camel(name);
  const code = [
    `  // ${method.toUpperCase()} ${path}${typeof docs === 'string' ? ` — ${docs}` : ''}`,
    `  const ${variable} = defineHttpAction({`,
    `    name: ${JSON.stringify(name)},`,
    `    description: ${JSON.stringify(description)},`,
    ...(readOnly ? ['    readOnly: true,'] : []),
    fields.length === 0
      ? '    input: z.object({}),'
      : `    input: z.object({\n${fields.map((f) => `      ${propertyKey(f.name)}: ${f.source},`).join('\n')}\n    }),`,
    `    output: ${outputSource},`,
    '    request: {',
    `      method: ${JSON.stringify(method.toUpperCase())},`,
    `      path: ${JSON.stringify(path)},`,
    ...(query.length > 0 ? [`      query: ${JSON.stringify(query)},`] : []),
    ...(body ? [`      body: ${body},`] : []),
    '    },',
    '  });',
    '',
  ].join('\n');
  return {
    code,
    variable,
    summary: { name, operationId: found.operationId, method: method.toUpperCase(), path, readOnly },
  };
}

function jsonContent(content: unknown): JsonObject | undefined {
  if (typeof content !== 'object' || content === null) return undefined;
  for (const [type, value] of Object.entries(content as JsonObject))
    if (
      /^application\/([\w.+-]*\+)?json\b/i.test(type) &&
      typeof value === 'object' &&
      value !== null
    )
      return value as JsonObject;
  return undefined;
}

/** The schema of the first 2xx answer with a JSON body (200 before 201 before 2XX, then default). */
function successSchema(doc: OpenApiDocument, operation: JsonObject): unknown {
  const responses = (operation.responses ?? {}) as JsonObject;
  const codes = Object.keys(responses)
    .filter((code) => /^2(\d\d|XX)$/i.test(code))
    .sort();
  for (const code of [...codes, 'default']) {
    if (!(code in responses)) continue;
    const schema = jsonContent(deref(doc, responses[code]).content)?.schema;
    if (schema !== undefined) return schema;
  }
  return undefined;
}

function serverUrl(doc: OpenApiDocument, notes: string[]): string {
  const server = doc.servers?.[0];
  if (!server) {
    notes.push('the document names no server: integrations must set baseUrl.');
    return '';
  }
  const variables =
    (server as { variables?: Record<string, { default?: string }> }).variables ?? {};
  const url = server.url.replace(
    /\{([^}]+)\}/g,
    (_, name: string) => variables[name]?.default ?? `{${name}}`,
  );
  if (!/^https?:\/\//.test(url)) {
    notes.push(
      `the document's server "${server.url}" is not an absolute URL: integrations must set baseUrl.`,
    );
    return '';
  }
  return url.replace(/\/+$/, '');
}

/** `auth: [...]` (and `oauth: {...}`) lines from the document's security schemes. */
function authSource(doc: OpenApiDocument, notes: string[]): string[] {
  const schemes = Object.values((doc.components?.securitySchemes ?? {}) as JsonObject).map((s) =>
    deref(doc, s),
  );
  const auth: string[] = [];
  let oauth: string | undefined;
  for (const scheme of schemes) {
    if (scheme.type === 'http' && String(scheme.scheme).toLowerCase() === 'bearer')
      auth.push("{ type: 'bearer' }");
    else if (scheme.type === 'http' && String(scheme.scheme).toLowerCase() === 'basic')
      auth.push("{ type: 'basic' }");
    else if (scheme.type === 'apiKey' && scheme.in === 'header' && typeof scheme.name === 'string')
      auth.push(`{ type: 'api_key', in: 'header', name: ${JSON.stringify(scheme.name)} }`);
    else if (scheme.type === 'apiKey' && scheme.in === 'query' && typeof scheme.name === 'string')
      auth.push(`{ type: 'api_key', in: 'query', name: ${JSON.stringify(scheme.name)} }`);
    else if (
      scheme.type === 'oauth2' &&
      typeof scheme.flows === 'object' &&
      scheme.flows !== null
    ) {
      const flows = scheme.flows as Record<
        string,
        { authorizationUrl?: string; tokenUrl?: string; scopes?: JsonObject }
      >;
      const code = flows.authorizationCode;
      const client = flows.clientCredentials;
      if (code?.authorizationUrl && code.tokenUrl) {
        auth.push("{ type: 'oauth2' }");
        oauth = `oauth: { authorizationUrl: ${JSON.stringify(code.authorizationUrl)}, tokenUrl: ${JSON.stringify(code.tokenUrl)} },`;
      }
      if (client?.tokenUrl) {
        auth.push("{ type: 'oauth2_client_credentials' }");
        oauth ??= `oauth: { tokenUrl: ${JSON.stringify(client.tokenUrl)} },`;
      }
    }
  }
  const unique = [...new Set(auth)];
  if (unique.length === 0) {
    notes.push(
      "the document declares no security scheme: `Authorization: Bearer <token>` is assumed (an API key or a bearer token); check the provider's docs.",
    );
    unique.push(
      "{ type: 'api_key', in: 'header', name: 'Authorization', prefix: 'Bearer ' }",
      "{ type: 'bearer' }",
    );
  }
  return [`auth: [${unique.join(', ')}],`, ...(oauth ? [oauth] : [])];
}

/** A variable that cannot shadow the kit's names (`z`, `defineConnector`). */
function camel(name: string): string {
  return `${name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())}Action`;
}
