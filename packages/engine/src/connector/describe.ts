import { z } from 'zod';
import { authTypesOf } from './registry.js';
import type { AuthType, ConnectorDefinition } from './types.js';

export interface ConnectorSummaryView {
  id: string;
  name: string;
  description: string;
  docsUrl: string;
  authTypes: AuthType[];
  baseUrl: string;
  actions: { name: string; description: string }[];
}

export interface ConnectorDetailView extends Omit<ConnectorSummaryView, 'actions'> {
  actions: {
    name: string;
    description: string;
    readOnly: boolean;
    /** Declared by the action (see `ActionBase.idempotent`); absent when not. */
    idempotent?: boolean;
    method?: string;
    path?: string;
    input: Record<string, unknown>;
    output: Record<string, unknown>;
  }[];
  healthCheck: { method: string; path: string } | null;
  pagination: { type: string };
  rateLimit: { headers: Record<string, string> } | null;
}

export function summarizeConnector(connector: ConnectorDefinition): ConnectorSummaryView {
  return {
    id: connector.id,
    name: connector.name,
    description: connector.description,
    docsUrl: connector.docsUrl,
    authTypes: authTypesOf(connector),
    baseUrl: connector.baseUrl,
    actions: connector.actions.map((action) => ({
      name: action.name,
      description: action.description,
    })),
  };
}

/** The connector as the API shows it: action schemas as JSON Schema (draft 2020-12). */
export function describeConnector(connector: ConnectorDefinition): ConnectorDetailView {
  return {
    ...summarizeConnector(connector),
    actions: connector.actions.map((action) => ({
      name: action.name,
      description: action.description,
      readOnly: action.readOnly ?? false,
      ...(action.idempotent === undefined ? {} : { idempotent: action.idempotent }),
      ...(action.kind === 'http'
        ? { method: action.request.method, path: action.request.path }
        : {}),
      input: z.toJSONSchema(action.input, { io: 'input', unrepresentable: 'any' }),
      output: z.toJSONSchema(action.output, { io: 'output', unrepresentable: 'any' }),
    })),
    healthCheck: connector.healthCheck ?? null,
    pagination: { type: connector.pagination?.type ?? 'none' },
    rateLimit: connector.rateLimit ? { headers: { ...connector.rateLimit.headers } } : null,
  };
}
