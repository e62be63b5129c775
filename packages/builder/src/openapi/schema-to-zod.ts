import { deref, type JsonObject, type OpenApiDocument } from './document.js';

export interface ZodSourceOptions {
  /**
   * `input`: objects are strict (`z.object`) and keep the document's `required`. `output`: objects
   * are loose (`z.looseObject`: providers add fields over time) and, unless `strictRequired`, every
   * field is optional — documents promise fields their APIs omit, and a required field that is
   * missing turns a good answer into `malformed_response`. Type mismatches still fail either way.
   */
  mode: 'input' | 'output';
  /** Objects nested deeper than this become `z.unknown()`. Defaults to 2 for output, 4 for input. */
  maxDepth?: number;
  /** Output only: keep the document's `required` lists. Defaults to false. */
  strictRequired?: boolean;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property key as TypeScript source: bare when it can be, quoted otherwise. */
export function propertyKey(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/** The first sentence of a description, without Markdown links, at most 200 characters. */
export function shortDescription(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const plain = text
    .replace(/\[([^\]]+)\]\([^)]+\)/g, '$1')
    .replace(/[`*_]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (plain === '') return undefined;
  const sentence = /^(.+?[.!?])(\s|$)/.exec(plain)?.[1] ?? plain;
  return sentence.length > 200 ? `${sentence.slice(0, 197)}…` : sentence;
}

/**
 * Zod source for an OpenAPI (3.0 or 3.1) schema: types, enums, nullability, arrays, objects,
 * `allOf` of objects (merged), `oneOf`/`anyOf` (unions). Anything else — and anything past
 * `maxDepth`, which is also what stops recursive schemas — is `z.unknown()`.
 */
export function zodSource(
  doc: OpenApiDocument,
  schema: unknown,
  options: ZodSourceOptions,
  depth = 0,
  indent = '',
): string {
  const maxDepth = options.maxDepth ?? (options.mode === 'output' ? 2 : 4);
  const node = deref(doc, schema);
  if (typeof node !== 'object' || node === null) return 'z.unknown()';
  const { base, nullable } = baseSource(doc, node, options, depth, maxDepth, indent);
  return nullable && base !== 'z.unknown()' ? `${base}.nullable()` : base;
}

function typesOf(node: JsonObject): { types: string[]; nullable: boolean } {
  const raw = node.type;
  const list = Array.isArray(raw)
    ? raw.filter((t): t is string => typeof t === 'string')
    : typeof raw === 'string'
      ? [raw]
      : [];
  const nullable = node.nullable === true || list.includes('null');
  return { types: list.filter((t) => t !== 'null'), nullable };
}

function baseSource(
  doc: OpenApiDocument,
  node: JsonObject,
  options: ZodSourceOptions,
  depth: number,
  maxDepth: number,
  indent: string,
): { base: string; nullable: boolean } {
  const { types, nullable } = typesOf(node);

  if (Array.isArray(node.enum) && node.enum.length > 0) {
    const values = node.enum.filter((v) => v !== null);
    const withNull = nullable || values.length < node.enum.length;
    if (values.length > 0 && values.every((v) => typeof v === 'string'))
      return { base: `z.enum(${JSON.stringify(values)})`, nullable: withNull };
    if (values.length === 1)
      return { base: `z.literal(${JSON.stringify(values[0])})`, nullable: withNull };
    if (values.length > 1)
      return {
        base: `z.union([${values.map((v) => `z.literal(${JSON.stringify(v)})`).join(', ')}])`,
        nullable: withNull,
      };
  }
  if ('const' in node) return { base: `z.literal(${JSON.stringify(node.const)})`, nullable };

  const variants = Array.isArray(node.oneOf)
    ? node.oneOf
    : Array.isArray(node.anyOf)
      ? node.anyOf
      : null;
  if (variants) {
    const members = variants.map((v) => deref(doc, v));
    const nonNull = members.filter(
      (m) => !(typeof m === 'object' && m !== null && m.type === 'null'),
    );
    const withNull = nullable || nonNull.length < members.length;
    const sources = [...new Set(nonNull.map((m) => zodSource(doc, m, options, depth, indent)))];
    if (sources.length === 0) return { base: 'z.null()', nullable: false };
    if (sources.includes('z.unknown()')) return { base: 'z.unknown()', nullable: false };
    return {
      base: sources.length === 1 ? (sources[0] as string) : `z.union([${sources.join(', ')}])`,
      nullable: withNull,
    };
  }

  if (Array.isArray(node.allOf)) {
    const members = node.allOf.map((m) => deref(doc, m));
    if (members.length === 1)
      return { base: zodSource(doc, members[0], options, depth, indent), nullable };
    if (
      members.every(
        (m) => typeof m === 'object' && m !== null && (m.type === 'object' || 'properties' in m),
      )
    ) {
      const merged: JsonObject = { type: 'object', properties: {}, required: [] };
      for (const member of members) {
        Object.assign(merged.properties as JsonObject, member.properties ?? {});
        if (Array.isArray(member.required))
          (merged.required as unknown[]).push(...(member.required as unknown[]));
      }
      return baseSource(doc, merged, options, depth, maxDepth, indent);
    }
    return { base: 'z.unknown()', nullable: false };
  }

  const type =
    types.length === 1
      ? types[0]
      : 'properties' in node
        ? 'object'
        : types.length === 0
          ? undefined
          : 'mixed';
  switch (type) {
    case 'string':
      return { base: 'z.string()', nullable };
    case 'integer':
      return { base: 'z.number().int()', nullable };
    case 'number':
      return { base: 'z.number()', nullable };
    case 'boolean':
      return { base: 'z.boolean()', nullable };
    case 'array': {
      const items =
        node.items === undefined
          ? 'z.unknown()'
          : zodSource(doc, node.items, options, depth, indent);
      return { base: `z.array(${items})`, nullable };
    }
    case 'object': {
      if (depth >= maxDepth) return { base: 'z.unknown()', nullable: false };
      const properties = (
        typeof node.properties === 'object' && node.properties !== null ? node.properties : {}
      ) as JsonObject;
      const names = Object.keys(properties);
      if (names.length === 0) {
        const extra = node.additionalProperties;
        const values =
          typeof extra === 'object' && extra !== null
            ? zodSource(doc, extra, options, depth + 1, indent)
            : 'z.unknown()';
        return { base: `z.record(z.string(), ${values})`, nullable };
      }
      const required = new Set(Array.isArray(node.required) ? (node.required as string[]) : []);
      const keep = options.mode === 'input' || options.strictRequired === true;
      const inner = `${indent}  `;
      const fields = names.map((name) => {
        const value = zodSource(doc, properties[name], options, depth + 1, inner);
        const optional = !(keep && required.has(name));
        return `${inner}${propertyKey(name)}: ${value}${optional ? '.optional()' : ''},`;
      });
      const factory = options.mode === 'output' ? 'z.looseObject' : 'z.object';
      return { base: `${factory}({\n${fields.join('\n')}\n${indent}})`, nullable };
    }
    default:
      return { base: 'z.unknown()', nullable: false };
  }
}
