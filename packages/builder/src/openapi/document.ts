import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

/** A problem with the OpenAPI document or the operations asked for; the message says which. */
export class ScaffoldError extends Error {
  constructor(
    message: string,
    /** The argument at fault, e.g. `openapi` or `operations[1]`. */
    readonly path?: string,
  ) {
    super(message);
    this.name = 'ScaffoldError';
  }
}

export type JsonObject = Record<string, unknown>;

export interface OpenApiDocument {
  /** `3.0.x` or `3.1.x`. */
  openapi: string;
  info: { title: string; version: string; description?: string };
  servers?: { url: string; description?: string }[];
  externalDocs?: { url: string; description?: string };
  paths: Record<string, JsonObject>;
  components?: JsonObject;
}

/** The largest document read (GitHub's, ~13 MB, fits with room to spare). */
export const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

/**
 * Reads an OpenAPI 3.0 or 3.1 document, JSON or YAML, from a path, a `file:` URL or an `http(s):`
 * URL. Only the document itself is read: `$ref`s to other files are not followed (see `resolveRef`).
 */
export async function loadOpenApi(source: string, signal?: AbortSignal): Promise<OpenApiDocument> {
  let text: string;
  if (/^https?:\/\//i.test(source)) {
    const response = await fetch(source, signal ? { signal } : {});
    if (!response.ok)
      throw new ScaffoldError(
        `${source} answered ${response.status}, not an OpenAPI document`,
        'openapi',
      );
    const length = Number(response.headers.get('content-length') ?? 0);
    if (length > MAX_DOCUMENT_BYTES)
      throw new ScaffoldError(`${source} is larger than ${MAX_DOCUMENT_BYTES} bytes`, 'openapi');
    text = await response.text();
  } else {
    const path = source.startsWith('file:') ? fileURLToPath(source) : source;
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      throw new ScaffoldError(`cannot read ${path}: no such file`, 'openapi');
    }
    if (size > MAX_DOCUMENT_BYTES)
      throw new ScaffoldError(`${path} is larger than ${MAX_DOCUMENT_BYTES} bytes`, 'openapi');
    text = await readFile(path, 'utf8');
  }
  return parseOpenApi(text, source);
}

export function parseOpenApi(text: string, source = 'the document'): OpenApiDocument {
  let parsed: unknown;
  try {
    parsed = /^\s*[{[]/.test(text) ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 1000 });
  } catch (error) {
    throw new ScaffoldError(
      `${source} is neither JSON nor YAML: ${(error as Error).message}`,
      'openapi',
    );
  }
  const doc = parsed as Partial<OpenApiDocument> & { swagger?: unknown };
  if (typeof doc !== 'object' || doc === null)
    throw new ScaffoldError(`${source} is not an OpenAPI document`, 'openapi');
  if (doc.swagger !== undefined)
    throw new ScaffoldError(
      `${source} is Swagger 2.0; convert it to OpenAPI 3 first (e.g. with swagger2openapi)`,
      'openapi',
    );
  if (typeof doc.openapi !== 'string' || !/^3\.[01]\./.test(doc.openapi))
    throw new ScaffoldError(
      `${source} is not OpenAPI 3.0 or 3.1 (no "openapi": "3.x.y")`,
      'openapi',
    );
  if (typeof doc.paths !== 'object' || doc.paths === null)
    throw new ScaffoldError(`${source} has no paths`, 'openapi');
  if (typeof doc.info?.title !== 'string')
    throw new ScaffoldError(`${source} has no info.title`, 'openapi');
  return doc as OpenApiDocument;
}

/** Follows a local `$ref` (`#/components/schemas/repository`); other documents are not read. */
export function resolveRef(doc: OpenApiDocument, ref: string): unknown {
  if (!ref.startsWith('#/'))
    throw new ScaffoldError(
      `$ref "${ref}" points outside this document; bundle it into one file first (e.g. redocly bundle)`,
      'openapi',
    );
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !(key in node))
      throw new ScaffoldError(`$ref "${ref}" does not resolve`, 'openapi');
    node = (node as JsonObject)[key];
  }
  return node;
}

/** The object itself, or what its `$ref` points at (following chains, up to 20). */
export function deref<T = JsonObject>(doc: OpenApiDocument, value: unknown): T {
  let node = value;
  for (let hops = 0; hops < 20; hops++) {
    if (typeof node !== 'object' || node === null || typeof (node as JsonObject).$ref !== 'string')
      return node as T;
    node = resolveRef(doc, (node as JsonObject).$ref as string);
  }
  throw new ScaffoldError('a $ref chain is longer than 20 hops', 'openapi');
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head'] as const;

export interface FoundOperation {
  operationId: string;
  method: (typeof HTTP_METHODS)[number];
  path: string;
  operation: JsonObject;
  /** Parameters declared on the path item, which every operation under it shares. */
  pathParameters: unknown[];
}

/** Every operation of the document by operationId. */
export function operationsOf(doc: OpenApiDocument): Map<string, FoundOperation> {
  const found = new Map<string, FoundOperation>();
  for (const [path, rawItem] of Object.entries(doc.paths)) {
    const item = deref(doc, rawItem);
    const pathParameters = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (typeof operation !== 'object' || operation === null) continue;
      const operationId = (operation as JsonObject).operationId;
      if (typeof operationId === 'string')
        found.set(operationId, {
          operationId,
          method,
          path,
          operation: operation as JsonObject,
          pathParameters,
        });
    }
  }
  return found;
}
