import jsonata from 'jsonata';
import type { Action, ActionContext, HttpAction } from './connector/types.js';
import { readPath } from './outbound/classify.js';
import { JoineryError } from './errors.js';
import type { CallMeta, CallPipeline, ConnectionContext } from './outbound/pipeline.js';
import type { ProviderRequest } from './outbound/types.js';
import { findingsFromIssues, unknownFields, type SchemaDriftRecorder } from './schema-drift.js';
import { nextPageRequest } from './sync/paging.js';
import { parseOrThrow } from './validation.js';

/** Most pages an HTTP action follows, whatever its limit: a safety cap, not a tuning knob. */
const MAX_PAGES = 100;

export interface ActionResult {
  output: unknown;
  /** The id of the last provider request, to find the exchange in the request log. */
  requestId: string | null;
}

function fillPath(template: string, input: Record<string, unknown>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeURIComponent(String(input[name])),
  );
}

function buildRequest(
  action: HttpAction,
  input: Record<string, unknown>,
  skip: ReadonlySet<string>,
): ProviderRequest {
  const { method, path, query = [], body, rename = {} } = action.request;
  const used = new Set([...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string));
  const request: ProviderRequest = { method, path: fillPath(path, input) };
  const queryValues: Record<string, string | number | boolean | undefined> = {};
  for (const name of query) {
    used.add(name);
    if (skip.has(name)) continue;
    const value = input[name];
    if (value !== undefined && value !== null)
      queryValues[rename[name] ?? name] = Array.isArray(value)
        ? value.join(',')
        : (value as string | number | boolean);
  }
  if (Object.keys(queryValues).length > 0) request.query = queryValues;
  if (body !== undefined && !Array.isArray(body) && typeof body === 'object' && 'field' in body) {
    used.add(body.field);
    request.json = input[body.field] ?? {};
  } else if (body !== undefined) {
    const fields: readonly string[] =
      body === 'rest'
        ? Object.keys(input).filter((name) => !used.has(name) && !skip.has(name))
        : (body as readonly string[]);
    const json: Record<string, unknown> = {};
    for (const name of fields)
      if (input[name] !== undefined) json[rename[name] ?? name] = input[name];
    request.json = json;
  }
  return request;
}

export class ActionRunner {
  readonly #pipeline: CallPipeline;

  readonly #drift: SchemaDriftRecorder | undefined;

  constructor(pipeline: CallPipeline, drift?: SchemaDriftRecorder) {
    this.#pipeline = pipeline;
    this.#drift = drift;
  }

  async run(
    context: ConnectionContext,
    action: Action,
    rawInput: unknown,
    options: { signal?: AbortSignal; timeoutMs?: number; idempotencyKey?: string } = {},
  ): Promise<ActionResult> {
    const input = parseOrThrow(action.input, rawInput ?? {}, 'input') as Record<string, unknown>;
    const { signal } = options;
    const meta: CallMeta = {
      source: 'action',
      action: action.name,
      ...(signal ? { signal } : {}),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    };
    const header = context.connector.idempotencyHeader;
    const idempotencyHeaders: Record<string, string> =
      header && options.idempotencyKey ? { [header]: options.idempotencyKey } : {};
    let requestId: string | null = null;
    let result: unknown;
    if (action.kind === 'http') {
      ({ result, requestId } = await this.#runHttp(
        context,
        action,
        input,
        meta,
        idempotencyHeaders,
      ));
    } else {
      const actionContext: ActionContext = {
        connectionId: context.id,
        tenant: context.tenant,
        signal: signal ?? new AbortController().signal,
        ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
        request: async (request) => {
          const response = await this.#pipeline.call(
            context,
            { ...request, headers: { ...idempotencyHeaders, ...request.headers } },
            meta,
          );
          requestId = response.requestId;
          return response;
        },
      };
      result = await action.run(actionContext, input);
    }
    // A 2xx whose body does not match the declared output is never returned as data.
    const checked = action.output.safeParse(result);
    this.#drift?.record(
      context.environmentId,
      context.integrationKey,
      action.name,
      checked.success
        ? unknownFields(action.output, result)
        : findingsFromIssues(checked.error.issues, result),
    );
    if (checked.success) return { output: checked.data, requestId };
    // Throws: a 2xx whose body does not match the declared output is never returned as data.
    const output = parseOrThrow(
      action.output,
      result,
      'output',
      'malformed_response',
      `${context.connector.name} answered in a shape "${action.name}" does not expect`,
    );
    return { output, requestId };
  }

  async #runHttp(
    context: ConnectionContext,
    action: HttpAction,
    input: Record<string, unknown>,
    meta: CallMeta,
    idempotencyHeaders: Record<string, string>,
  ): Promise<{ result: unknown; requestId: string | null }> {
    const paginate = action.paginate;
    const limitField = paginate?.limitField ?? 'limit';
    const max = paginate?.maxItems ?? 1000;
    const limit = Math.min(Number(input[limitField] ?? paginate?.defaultLimit ?? 100), max);
    const request = buildRequest(action, input, paginate ? new Set([limitField]) : new Set());
    if (Object.keys(idempotencyHeaders).length > 0) request.headers = { ...idempotencyHeaders };
    if (paginate?.pageSizeField && input[paginate.pageSizeField] === undefined) {
      const wireName = action.request.rename?.[paginate.pageSizeField] ?? paginate.pageSizeField;
      const size = Math.min(limit, paginate.maxPageSize ?? 100);
      // A search sends its page size in the JSON body, a list in the query.
      if (request.json !== undefined && typeof request.json === 'object' && request.json !== null) {
        request.json = { ...(request.json as Record<string, unknown>), [wireName]: size };
      } else {
        request.query = { ...request.query, [wireName]: size };
      }
    }
    let requestId: string | null = null;
    let body: unknown;
    const pagination = context.connector.pagination ?? { type: 'none' };
    if (!paginate || pagination.type === 'none') {
      const response = await this.#pipeline.call(context, request, meta);
      requestId = response.requestId;
      body = response.body;
    } else {
      const items: unknown[] = [];
      let next: ProviderRequest | null = request;
      for (let page = 0; next && items.length < limit && page < MAX_PAGES; page++) {
        const response = await this.#pipeline.call(context, next, meta);
        requestId = response.requestId;
        const pageItems =
          paginate.itemsPath === undefined
            ? response.body
            : readPath(response.body, paginate.itemsPath);
        if (!Array.isArray(pageItems)) {
          throw new JoineryError(
            'malformed_response',
            `${context.connector.name} answered page ${page + 1} of "${action.name}" without a list${paginate.itemsPath ? ` at "${paginate.itemsPath}"` : ''}`,
            { requestId: response.requestId, connectionId: context.id },
          );
        }
        items.push(...(pageItems as unknown[]));
        next = nextPageRequest(pagination, request, response);
      }
      body = items.slice(0, limit);
    }
    if (action.response?.mapping !== undefined) {
      body = (await jsonata(action.response.mapping).evaluate(body)) as unknown;
    }
    return { result: body, requestId };
  }
}
