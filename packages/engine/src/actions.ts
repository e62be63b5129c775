import jsonata from 'jsonata';
import type { Action, ActionContext, HttpAction } from './connector/types.js';
import { JoineryError } from './errors.js';
import { parseLinkHeader } from './outbound/headers.js';
import type { CallPipeline, ConnectionContext } from './outbound/pipeline.js';
import type { ProviderRequest } from './outbound/types.js';
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
  const { method, path, query = [], body } = action.request;
  const used = new Set([...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string));
  const request: ProviderRequest = { method, path: fillPath(path, input) };
  const queryValues: Record<string, string | number | boolean | undefined> = {};
  for (const name of query) {
    used.add(name);
    if (skip.has(name)) continue;
    const value = input[name];
    if (value !== undefined && value !== null)
      queryValues[name] = Array.isArray(value)
        ? value.join(',')
        : (value as string | number | boolean);
  }
  if (Object.keys(queryValues).length > 0) request.query = queryValues;
  if (body !== undefined) {
    const fields =
      body === 'rest'
        ? Object.keys(input).filter((name) => !used.has(name) && !skip.has(name))
        : body;
    const json: Record<string, unknown> = {};
    for (const name of fields) if (input[name] !== undefined) json[name] = input[name];
    request.json = json;
  }
  return request;
}

export class ActionRunner {
  readonly #pipeline: CallPipeline;

  constructor(pipeline: CallPipeline) {
    this.#pipeline = pipeline;
  }

  async run(
    context: ConnectionContext,
    action: Action,
    rawInput: unknown,
    signal?: AbortSignal,
  ): Promise<ActionResult> {
    const input = parseOrThrow(action.input, rawInput ?? {}, 'input') as Record<string, unknown>;
    const meta = { source: 'action' as const, action: action.name, ...(signal ? { signal } : {}) };
    let requestId: string | null = null;
    let result: unknown;
    if (action.kind === 'http') {
      ({ result, requestId } = await this.#runHttp(context, action, input, meta));
    } else {
      const actionContext: ActionContext = {
        connectionId: context.id,
        tenant: context.tenant,
        signal: signal ?? new AbortController().signal,
        request: async (request) => {
          const response = await this.#pipeline.call(context, request, meta);
          requestId = response.requestId;
          return response;
        },
      };
      result = await action.run(actionContext, input);
    }
    // A 2xx whose body does not match the declared output is never returned as data.
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
    meta: { source: 'action'; action: string; signal?: AbortSignal },
  ): Promise<{ result: unknown; requestId: string | null }> {
    const paginate = action.paginate;
    const limitField = paginate?.limitField ?? 'limit';
    const max = paginate?.maxItems ?? 1000;
    const limit = Math.min(Number(input[limitField] ?? paginate?.defaultLimit ?? 100), max);
    const request = buildRequest(action, input, paginate ? new Set([limitField]) : new Set());
    if (paginate?.pageSizeField && input[paginate.pageSizeField] === undefined) {
      request.query = {
        ...request.query,
        [paginate.pageSizeField]: Math.min(limit, paginate.maxPageSize ?? 100),
      };
    }
    let requestId: string | null = null;
    let body: unknown;
    if (!paginate || context.connector.pagination?.type !== 'link') {
      const response = await this.#pipeline.call(context, request, meta);
      requestId = response.requestId;
      body = response.body;
    } else {
      const items: unknown[] = [];
      let next: ProviderRequest | null = request;
      for (let page = 0; next && items.length < limit && page < MAX_PAGES; page++) {
        const response = await this.#pipeline.call(context, next, meta);
        requestId = response.requestId;
        if (!Array.isArray(response.body)) {
          throw new JoineryError(
            'malformed_response',
            `${context.connector.name} answered page ${page + 1} of "${action.name}" without a list`,
            {
              requestId: response.requestId,
              connectionId: context.id,
            },
          );
        }
        items.push(...(response.body as unknown[]));
        const nextUrl = parseLinkHeader(response.headers.link).next;
        next = nextUrl ? { method: request.method, path: nextUrl } : null;
      }
      body = items.slice(0, limit);
    }
    if (action.response?.mapping !== undefined) {
      body = (await jsonata(action.response.mapping).evaluate(body)) as unknown;
    }
    return { result: body, requestId };
  }
}
