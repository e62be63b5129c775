/**
 * Method arguments as Slack reads them: the query string, plus a POST body that is either
 * `application/x-www-form-urlencoded` (token allowed as a field) or `application/json` (token
 * only in the `Authorization` header). https://docs.slack.dev/apis/web-api/#posting_json
 */
import type { ProviderRequest } from '../core/provider.js';

export type Args = Record<string, unknown>;

export type ParsedArgs =
  | {
      kind: 'ok';
      args: Args;
      /** The form's `token` field, Slack's alternative to the header. */
      formToken: string | undefined;
      /** `missing_charset` for JSON without `; charset=utf-8`, answered in `response_metadata.warnings`. */
      warnings: string[];
    }
  | { kind: 'error'; error: string };

export function readArguments(request: ProviderRequest): ParsedArgs {
  const args: Args = {};
  // Tokens in the query string are not accepted from apps created after 24 February 2021.
  for (const [name, value] of request.query) if (name !== 'token') args[name] = value;
  if (request.body.length === 0) return { kind: 'ok', args, formToken: undefined, warnings: [] };

  const rawType = request.headers['content-type'];
  if (rawType === undefined) return { kind: 'error', error: 'missing_post_type' };
  const type = rawType.toLowerCase();
  const charset = /;\s*charset=([^;\s]+)/.exec(type)?.[1];
  if (charset !== undefined && !['utf-8', 'utf8', 'iso-8859-1'].includes(charset))
    return { kind: 'error', error: 'invalid_charset' };

  if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('text/plain')) {
    const form = new URLSearchParams(request.body.toString('utf8'));
    let formToken: string | undefined;
    for (const [name, value] of form) {
      if (name === 'token') formToken = value;
      else args[name] = value;
    }
    return { kind: 'ok', args, formToken, warnings: [] };
  }
  if (type.startsWith('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(request.body.toString('utf8'));
    } catch {
      return { kind: 'error', error: 'invalid_json' };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return { kind: 'error', error: 'invalid_json' };
    Object.assign(args, parsed);
    delete args['token'];
    return {
      kind: 'ok',
      args,
      formToken: undefined,
      warnings: charset === undefined ? ['missing_charset'] : [],
    };
  }
  if (type.startsWith('multipart/form-data')) return { kind: 'error', error: 'invalid_form_data' };
  return { kind: 'error', error: 'invalid_post_type' };
}

/** A string argument; JSON numbers and booleans count as their text, as Slack coerces them. */
export function argString(args: Args, name: string): string | undefined {
  const value = args[name];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function argBoolean(args: Args, name: string): boolean {
  const value = args[name];
  return value === true || value === 1 || value === 'true' || value === '1';
}

/**
 * `blocks` and `attachments`: a JSON array in a JSON body, or the same array as a JSON string in
 * a form ("A JSON-based array of structured blocks, presented as a URL-encoded string").
 * `undefined` if absent, `'invalid'` if present but not an array.
 */
export function argArray(args: Args, name: string): unknown[] | 'invalid' | undefined {
  const value = args[name];
  if (value === undefined || value === '') return undefined;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return 'invalid';
    }
  }
  return Array.isArray(parsed) ? parsed : 'invalid';
}
