import jsonata from 'jsonata';
import { z } from 'zod';
import { JoineryError } from '../errors.js';
import { WEBHOOK_SCHEMES } from '../webhooks/types.js';
import { AUTH_TYPES, type Action, type AuthType, type ConnectorDefinition } from './types.js';

export class ConnectorDefinitionError extends Error {
  constructor(connectorId: string, field: string, problem: string) {
    super(`connector "${connectorId}": ${field}: ${problem}`);
    this.name = 'ConnectorDefinitionError';
  }
}

const ID = /^[a-z][a-z0-9-]*$/;
const ACTION_NAME = /^[a-z][a-z0-9_]*$/;

const definitionShape = z.object({
  id: z.string().regex(ID, 'lower-case letters, digits and dashes, starting with a letter'),
  name: z.string().min(1),
  description: z.string().min(1),
  docsUrl: z.url(),
  baseUrl: z.union([z.url({ protocol: /^https?$/ }), z.literal('')]),
  auth: z
    .array(z.object({ type: z.enum(AUTH_TYPES) }).loose())
    .min(1, 'declare at least one auth scheme'),
  defaultHeaders: z.record(z.string(), z.string()).optional(),
  healthCheck: z
    .object({ method: z.enum(['GET', 'HEAD', 'POST']), path: z.string().startsWith('/') })
    .optional(),
  pagination: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('none') }),
      z.object({ type: z.literal('link') }),
      z.object({
        type: z.literal('cursor'),
        cursorParam: z.string().min(1),
        nextCursorPath: z.string().min(1),
      }),
      z.object({ type: z.literal('next_url'), nextUrlPath: z.string().min(1) }),
    ])
    .optional(),
  oauth: z
    .object({
      authorizationUrl: z.url({ protocol: /^https?$/ }).optional(),
      tokenUrl: z.url({ protocol: /^https?$/ }).optional(),
      tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post']).optional(),
      authorizationParams: z.record(z.string(), z.string()).optional(),
      defaultScopes: z.array(z.string()).optional(),
      scopeSeparator: z.string().min(1).optional(),
      keepRefreshTokenIfAbsent: z.boolean().optional(),
      tokenResponseSettings: z.record(z.string(), z.literal('baseUrl')).optional(),
      redirectUriOnRefresh: z.boolean().optional(),
      refreshOn401: z.boolean().optional(),
      idleRefreshTokenDays: z.number().positive().optional(),
    })
    .optional(),
  integrationRequires: z.array(z.enum(['baseUrl', 'authorizationUrl', 'tokenUrl'])).optional(),
  errorMessage: z.string().optional(),
  webhooks: z
    .strictObject({
      scheme: z.enum(WEBHOOK_SCHEMES),
      toleranceSeconds: z.number().int().min(1).max(3600).optional(),
      routes: z
        .array(
          z.object({
            payloadPath: z.string().regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/, 'a dotted path'),
            connectionField: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'letters, digits, "_"'),
          }),
        )
        .max(10)
        .optional(),
    })
    .optional(),
  actions: z.array(z.object({ name: z.string().regex(ACTION_NAME, 'snake_case') }).loose()),
});

function placeholders(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
}

function inputFields(action: Action): Set<string> | null {
  const shape = (action.input as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? new Set(Object.keys(shape)) : null;
}

/** Checks a connector's data at load, so a mistake is found at start-up with its place named. */
export function validateConnector(connector: ConnectorDefinition): void {
  const parsed = definitionShape.safeParse(connector);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    throw new ConnectorDefinitionError(
      typeof (connector as { id?: unknown }).id === 'string' ? connector.id : '(no id)',
      issue.path.join('.') || '(root)',
      issue.message,
    );
  }
  validateOAuthData(connector);
  const seen = new Set<string>();
  connector.actions.forEach((action, index) => {
    const field = `actions[${index}] (${action.name})`;
    if (seen.has(action.name))
      throw new ConnectorDefinitionError(connector.id, field, 'duplicate action name');
    seen.add(action.name);
    if (action.kind !== 'http') return;
    const fields = inputFields(action);
    if (!fields)
      throw new ConnectorDefinitionError(
        connector.id,
        `${field}.input`,
        'an HTTP action needs an object input schema',
      );
    const used = [...placeholders(action.request.path), ...(action.request.query ?? [])];
    const body = action.request.body;
    if (Array.isArray(body)) used.push(...(body as string[]));
    else if (typeof body === 'object') used.push((body as { field: string }).field);
    for (const name of used) {
      if (!fields.has(name)) {
        throw new ConnectorDefinitionError(
          connector.id,
          `${field}.request`,
          `uses "${name}", which the input schema does not declare`,
        );
      }
    }
    if (action.response?.mapping !== undefined) {
      try {
        jsonata(action.response.mapping);
      } catch (error) {
        throw new ConnectorDefinitionError(
          connector.id,
          `${field}.response.mapping`,
          `not a valid JSONata expression: ${(error as Error).message}`,
        );
      }
    }
  });
}

/** An OAuth scheme needs endpoints from somewhere: the connector's data or every integration. */
function validateOAuthData(connector: ConnectorDefinition): void {
  const requires = new Set(connector.integrationRequires ?? []);
  if (connector.baseUrl === '' && !requires.has('baseUrl'))
    throw new ConnectorDefinitionError(
      connector.id,
      'baseUrl',
      'empty, but integrationRequires does not list baseUrl',
    );
  const types = new Set(connector.auth.map((scheme) => scheme.type));
  const needs: ('authorizationUrl' | 'tokenUrl')[] = [];
  if (types.has('oauth2')) needs.push('authorizationUrl', 'tokenUrl');
  else if (types.has('oauth2_client_credentials')) needs.push('tokenUrl');
  for (const field of needs) {
    if (connector.oauth?.[field] === undefined && !requires.has(field))
      throw new ConnectorDefinitionError(
        connector.id,
        `oauth.${field}`,
        'an OAuth scheme needs it: declare it, or list it in integrationRequires',
      );
  }
}

/** The connectors this process knows, validated once at start-up. */
export class ConnectorRegistry {
  readonly #connectors = new Map<string, ConnectorDefinition>();

  constructor(connectors: readonly ConnectorDefinition[]) {
    for (const connector of connectors) {
      validateConnector(connector);
      if (this.#connectors.has(connector.id)) {
        throw new ConnectorDefinitionError(connector.id, 'id', 'registered twice');
      }
      this.#connectors.set(connector.id, connector);
    }
  }

  list(): ConnectorDefinition[] {
    return [...this.#connectors.values()];
  }

  find(id: string): ConnectorDefinition | undefined {
    return this.#connectors.get(id);
  }

  get(id: string): ConnectorDefinition {
    const connector = this.#connectors.get(id);
    if (!connector) {
      throw new JoineryError(
        'not_found',
        `no connector "${id}". Known connectors: ${[...this.#connectors.keys()].join(', ')}`,
      );
    }
    return connector;
  }
}

export function authTypesOf(connector: ConnectorDefinition): AuthType[] {
  return [...new Set(connector.auth.map((scheme) => scheme.type))];
}

export function findAction(connector: ConnectorDefinition, name: string): Action {
  const action = connector.actions.find((candidate) => candidate.name === name);
  if (!action) {
    throw new JoineryError(
      'not_found',
      `connector "${connector.id}" has no action "${name}". Its actions: ${connector.actions.map((a) => a.name).join(', ')}`,
    );
  }
  return action;
}
