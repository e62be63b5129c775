/**
 * The mapping engine. A mapping (plus a tenant's override) is compiled once — paths split,
 * codecs built, JSONata parsed — and cached, so a sync mapping a million records pays per record
 * only for reading and writing values.
 */
import jsonata from 'jsonata';
import type { ValueCodec } from './dates.js';
import { MappingError, TransformFailure, isMappingError } from './errors.js';
import { getPath, parsePath, setPath, type Path } from './paths.js';
import type {
  ApplyOptions,
  Direction,
  EmptyPolicy,
  ExportNullPolicy,
  FieldMapping,
  FieldRule,
  MappingOverride,
} from './types.js';
import { codecFor } from './values.js';

type Expression = ReturnType<typeof jsonata>;

interface CompiledRule {
  rule: FieldRule;
  field: Path;
  source: Path | undefined;
  importExpression: Expression | undefined;
  exportExpression: Expression | undefined;
  codec: ValueCodec;
  imports: boolean;
  exports: boolean;
  requiredOnImport: boolean;
  requiredOnExport: boolean;
  empty: EmptyPolicy;
  exportNull: ExportNullPolicy;
}

export interface CompiledMapping {
  mapping: FieldMapping;
  rules: readonly CompiledRule[];
  /** True when a rule uses JSONata: only `applyMappingAsync` can apply it. */
  async: boolean;
  /** Top-level unified fields some rule covers (either direction). */
  covered: ReadonlySet<string>;
  /** Custom field names some rule covers. */
  coveredCustom: ReadonlySet<string>;
}

/** Fields every unified record has that are never sent to a provider as data. */
const READ_ONLY_FIELDS = new Set(['id', 'createdAt', 'updatedAt']);

const EXPRESSIONS = new Map<string, Expression>();
const EXPRESSION_CACHE_LIMIT = 1_000;

function expression(text: string): Expression {
  let compiled = EXPRESSIONS.get(text);
  if (compiled === undefined) {
    compiled = jsonata(text);
    if (EXPRESSIONS.size >= EXPRESSION_CACHE_LIMIT) {
      const oldest = EXPRESSIONS.keys().next().value;
      if (oldest !== undefined) EXPRESSIONS.delete(oldest);
    }
    EXPRESSIONS.set(text, compiled);
  }
  return compiled;
}

/** The mapping's rules with a tenant's override applied: replaced by `field`, removed, added. */
export function effectiveRules(
  mapping: FieldMapping,
  override: MappingOverride | undefined,
): FieldRule[] {
  if (override === undefined) return [...mapping.rules];
  const removed = new Set(override.remove ?? []);
  const replacing = new Map((override.rules ?? []).map((rule) => [rule.field, rule]));
  const rules: FieldRule[] = [];
  for (const rule of mapping.rules) {
    if (removed.has(rule.field)) continue;
    const replacement = replacing.get(rule.field);
    rules.push(replacement ?? rule);
    replacing.delete(rule.field);
  }
  return [...rules, ...replacing.values()];
}

function compileRule(mapping: FieldMapping, rule: FieldRule): CompiledRule {
  const direction = rule.direction ?? 'both';
  const imports = direction !== 'export';
  const exports = direction !== 'import';
  if (imports && rule.source === undefined && rule.importExpression === undefined)
    throw new Error('an import rule needs `source` or `importExpression`');
  if (exports && rule.source === undefined)
    throw new Error('an export rule needs `source` (where the value is written)');
  return {
    rule,
    field: parsePath(rule.field),
    source: rule.source === undefined ? undefined : parsePath(rule.source),
    importExpression:
      rule.importExpression === undefined ? undefined : expression(rule.importExpression),
    exportExpression:
      rule.exportExpression === undefined ? undefined : expression(rule.exportExpression),
    codec: codecFor(rule.transform),
    imports,
    exports,
    requiredOnImport: rule.required === true || rule.required === 'import',
    requiredOnExport: rule.required === true || rule.required === 'export',
    empty: rule.empty ?? mapping.empty ?? 'null',
    exportNull: rule.exportNull ?? mapping.exportNull ?? 'null',
  };
}

const compiled = new WeakMap<FieldMapping, WeakMap<MappingOverride, CompiledMapping>>();
const NO_OVERRIDE: MappingOverride = {};

/**
 * Compile a mapping with a tenant's override. Cached per (mapping, override) object pair.
 * A rule that cannot work (a bad zone, path or expression) is a `MappingError` with reason
 * `invalid_mapping` naming the rule's field.
 */
export function compileMapping(
  mapping: FieldMapping,
  override: MappingOverride | undefined,
): CompiledMapping {
  let byOverride = compiled.get(mapping);
  if (byOverride === undefined) {
    byOverride = new WeakMap();
    compiled.set(mapping, byOverride);
  }
  const cached = byOverride.get(override ?? NO_OVERRIDE);
  if (cached !== undefined) return cached;

  const rules = effectiveRules(mapping, override).map((rule) => {
    try {
      return compileRule(mapping, rule);
    } catch (error) {
      throw new MappingError({
        reason: 'invalid_mapping',
        recordRef: '(mapping)',
        field: rule.field,
        source: rule.source,
        mappingId: mapping.id,
        detail: `the rule cannot be used: ${error instanceof Error ? error.message : String(error)}`,
        cause: error,
      });
    }
  });
  const result: CompiledMapping = {
    mapping,
    rules,
    async: rules.some((r) => r.importExpression !== undefined || r.exportExpression !== undefined),
    covered: new Set(rules.map((r) => r.field[0] as string)),
    coveredCustom: new Set(
      rules
        .filter((r) => r.field[0] === 'custom' && r.field.length > 1)
        .map((r) => r.field[1] as string),
    ),
  };
  byOverride.set(override ?? NO_OVERRIDE, result);
  return result;
}

const isEmpty = (value: unknown, policy: EmptyPolicy) =>
  value === undefined ||
  value === null ||
  (policy === 'null' && typeof value === 'string' && value.trim() === '');

function failure(
  mapping: CompiledMapping,
  rule: CompiledRule,
  recordRef: string,
  error: unknown,
): MappingError {
  if (isMappingError(error)) return error;
  if (error instanceof TransformFailure)
    return new MappingError({
      reason: error.reason,
      recordRef,
      field: rule.rule.field,
      source: rule.rule.source,
      mappingId: mapping.mapping.id,
      detail: error.message,
    });
  // jsonata errors are objects with `message` and `code` (e.g. T2001), not always Errors.
  const message =
    typeof error === 'object' && error !== null && 'message' in error
      ? String(error.message)
      : String(error);
  return new MappingError({
    reason: 'expression_failed',
    recordRef,
    field: rule.rule.field,
    source: rule.rule.source,
    mappingId: mapping.mapping.id,
    detail: `the JSONata expression failed: ${message}`,
    cause: error,
  });
}

function missing(
  mapping: CompiledMapping,
  rule: CompiledRule,
  recordRef: string,
  direction: Direction,
) {
  return new MappingError({
    reason: 'missing_required',
    recordRef,
    field: rule.rule.field,
    source: rule.rule.source,
    mappingId: mapping.mapping.id,
    detail:
      direction === 'import'
        ? `the provider record has no value for required ${rule.rule.source ?? 'field'}`
        : `a value is required (the provider needs ${rule.rule.source ?? 'it'})`,
  });
}

/** Plain values from JSONata (its arrays carry a `sequence` flag; `undefined` means no match). */
const plain = (value: unknown): unknown =>
  Array.isArray(value) ? Array.from(value as unknown[]) : value;

function importValue(
  mapping: CompiledMapping,
  rule: CompiledRule,
  raw: unknown,
  out: Record<string, unknown>,
  recordRef: string,
) {
  if (isEmpty(raw, rule.empty)) {
    if (rule.requiredOnImport) throw missing(mapping, rule, recordRef, 'import');
    setPath(out, rule.field, null);
    return;
  }
  try {
    setPath(out, rule.field, rule.codec.read(raw));
  } catch (error) {
    throw failure(mapping, rule, recordRef, error);
  }
}

function unmappedExportFields(
  mapping: CompiledMapping,
  record: Record<string, unknown>,
  recordRef: string,
) {
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined || value === null || READ_ONLY_FIELDS.has(key)) continue;
    if (key === 'custom' && typeof value === 'object' && !Array.isArray(value)) {
      for (const [name, customValue] of Object.entries(value as Record<string, unknown>))
        if (customValue !== undefined && customValue !== null && !mapping.coveredCustom.has(name))
          throw unmapped(mapping, `custom.${name}`, recordRef);
      continue;
    }
    if (!mapping.covered.has(key)) throw unmapped(mapping, key, recordRef);
  }
}

function unmapped(mapping: CompiledMapping, field: string, recordRef: string) {
  return new MappingError({
    reason: 'unmapped_field',
    recordRef,
    field,
    mappingId: mapping.mapping.id,
    detail: `${mapping.mapping.object} has no field for it in this mapping, so it would be lost; leave it out, or add a rule for it in the connection's mapping overrides`,
  });
}

/** What to write for one export rule, or `undefined` to write nothing. */
function exportValue(
  mapping: CompiledMapping,
  rule: CompiledRule,
  value: unknown,
  recordRef: string,
): { write: unknown } | undefined {
  if (value === undefined) {
    if (rule.requiredOnExport) throw missing(mapping, rule, recordRef, 'export');
    return undefined;
  }
  if (isEmpty(value, rule.empty)) {
    if (rule.requiredOnExport) throw missing(mapping, rule, recordRef, 'export');
    if (rule.exportNull === 'omit') return undefined;
    return { write: rule.exportNull === 'empty_string' ? '' : null };
  }
  try {
    return { write: rule.codec.write(value) };
  } catch (error) {
    throw failure(mapping, rule, recordRef, error);
  }
}

function start(mapping: FieldMapping, options: ApplyOptions) {
  const compiledMapping = compileMapping(mapping, options.overrides?.[mapping.id]);
  const recordRef = options.recordRef ?? '(unnamed)';
  return { compiledMapping, recordRef };
}

function asObject(record: unknown, mapping: CompiledMapping, recordRef: string) {
  if (typeof record !== 'object' || record === null || Array.isArray(record))
    throw new MappingError({
      reason: 'invalid_type',
      recordRef,
      field: '(record)',
      mappingId: mapping.mapping.id,
      detail: `expected an object, got ${record === null ? 'null' : Array.isArray(record) ? 'an array' : typeof record}`,
    });
  return record as Record<string, unknown>;
}

/**
 * Map one record synchronously. Throws `MappingError` (code `invalid_input`) naming the record
 * and field when a value cannot be mapped without guessing. Mappings with JSONata expressions
 * need `applyMappingAsync` (JSONata evaluates asynchronously); this throws a plain `Error` for them.
 *
 * Import returns the unified record: every imported field present (`null` when the provider has
 * no value) and `custom` always an object. Export returns the provider's record: absent unified
 * fields are not written, `null` ones are written as the rule's `exportNull` says.
 */
export function applyMapping(
  mapping: FieldMapping,
  record: unknown,
  options: ApplyOptions,
): Record<string, unknown> {
  const { compiledMapping, recordRef } = start(mapping, options);
  if (compiledMapping.async)
    throw new Error(
      `mapping ${mapping.id} uses JSONata expressions, which evaluate asynchronously: use applyMappingAsync`,
    );
  const input = asObject(record, compiledMapping, recordRef);
  const out: Record<string, unknown> = options.direction === 'import' ? { custom: {} } : {};
  if (options.direction === 'import') {
    for (const rule of compiledMapping.rules)
      if (rule.imports)
        importValue(compiledMapping, rule, getPath(input, rule.source as Path), out, recordRef);
    return out;
  }
  unmappedExportFields(compiledMapping, input, recordRef);
  for (const rule of compiledMapping.rules) {
    if (!rule.exports) continue;
    const value = exportValue(compiledMapping, rule, getPath(input, rule.field), recordRef);
    if (value !== undefined) setPath(out, rule.source as Path, value.write);
  }
  return out;
}

/** `applyMapping` for any mapping, JSONata expressions included. */
export async function applyMappingAsync(
  mapping: FieldMapping,
  record: unknown,
  options: ApplyOptions,
): Promise<Record<string, unknown>> {
  const { compiledMapping, recordRef } = start(mapping, options);
  if (!compiledMapping.async) return applyMapping(mapping, record, options);
  const input = asObject(record, compiledMapping, recordRef);
  const out: Record<string, unknown> = options.direction === 'import' ? { custom: {} } : {};
  if (options.direction === 'import') {
    for (const rule of compiledMapping.rules) {
      if (!rule.imports) continue;
      let raw: unknown;
      if (rule.importExpression === undefined) raw = getPath(input, rule.source as Path);
      else {
        try {
          raw = plain(await rule.importExpression.evaluate(input));
        } catch (error) {
          throw failure(compiledMapping, rule, recordRef, error);
        }
      }
      importValue(compiledMapping, rule, raw, out, recordRef);
    }
    return out;
  }
  unmappedExportFields(compiledMapping, input, recordRef);
  for (const rule of compiledMapping.rules) {
    if (!rule.exports) continue;
    const fieldValue = getPath(input, rule.field);
    if (rule.exportExpression === undefined) {
      const value = exportValue(compiledMapping, rule, fieldValue, recordRef);
      if (value !== undefined) setPath(out, rule.source as Path, value.write);
      continue;
    }
    if (fieldValue === undefined && !rule.requiredOnExport) continue;
    let written: unknown;
    try {
      written = plain(await rule.exportExpression.evaluate(input, { value: fieldValue }));
    } catch (error) {
      throw failure(compiledMapping, rule, recordRef, error);
    }
    if (isEmpty(written, rule.empty) && rule.requiredOnExport)
      throw missing(compiledMapping, rule, recordRef, 'export');
    if (written !== undefined) setPath(out, rule.source as Path, written);
  }
  return out;
}

/**
 * The provider fields an import reads, as dotted paths (`properties.email`, `Account.Name`,
 * `Tier__c`): rule sources and expressions' declared `reads`. Connectors turn them into what the
 * provider's read takes (HubSpot `properties`, a SOQL field list).
 */
export function sourceFields(mapping: FieldMapping, override?: MappingOverride): string[] {
  const fields = new Set<string>();
  for (const rule of effectiveRules(mapping, override)) {
    if (rule.direction === 'export') continue;
    if (rule.source !== undefined && rule.importExpression === undefined) fields.add(rule.source);
    for (const read of rule.reads ?? []) fields.add(read);
  }
  return [...fields];
}
