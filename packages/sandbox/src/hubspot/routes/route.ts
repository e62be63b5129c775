import type { ProviderRequest } from '../../core/provider.js';
import { HubSpotError, validationError } from '../errors.js';
import type { ObjectType } from '../object-types.js';
import type { CrmRecord, HubSpotState } from '../state.js';

export interface RouteContext {
  request: ProviderRequest;
  params: Record<string, string>;
  /** The object type named by `{objectType}` (or `{fromObjectType}`). */
  type: ObjectType;
  state: HubSpotState;
  now: number;
  /** `http://<host>/hubspot`, for `paging.next.link`. */
  api: string;
}

export interface RouteResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface HubSpotRoute {
  method: string;
  /** Path pattern with `{name}` segments, after the `/hubspot` prefix. */
  path: string;
  /** Which of the object type's scopes the token needs. */
  access: 'read' | 'write';
  /** A CRM search endpoint: its own per-second limit, and no rate-limit headers. */
  search?: boolean;
  handle(context: RouteContext): RouteResult | HubSpotError;
}

/** A JSON object body, or HubSpot's 400 for anything else (an empty body counts as `{}`). */
export function readJsonObject(request: ProviderRequest): Record<string, unknown> | HubSpotError {
  const text = request.body.toString('utf8');
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return validationError(
      `Invalid input JSON on line 1, column 1: ${error instanceof Error ? error.message : 'unparsable'}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return validationError('Invalid input JSON on line 1, column 1: expected an object');
  return parsed as Record<string, unknown>;
}

/** The record `{objectId}` names, by id or, with `idProperty=email`, by email. */
export function recordFromParams(context: RouteContext): CrmRecord | undefined {
  const id = context.params['objectId'] ?? '';
  const idProperty = context.request.query.get('idProperty');
  const records = context.state.records[context.type.name];
  if (idProperty !== null && idProperty !== 'hs_object_id') {
    const wanted = id.toLowerCase();
    return records.find((record) => record.properties[idProperty]?.toLowerCase() === wanted);
  }
  return records.find((record) => record.id === id);
}

export function isHubSpotError(value: unknown): value is HubSpotError {
  return value instanceof HubSpotError;
}
