import {
  applyMappingAsync,
  effectiveRules,
  isMappingError,
  validateRecord,
  type FieldMapping,
  type MappingOverrides,
  type ValidationIssue,
} from '@joinery/data';
import type { ConnectorDefinition } from '../connector/types.js';
import { JoineryError } from '../errors.js';
import { mappedFields, mappingErrorDetails } from '../unified/unified-actions.js';
import type { UnifiedObjectBinding } from '../unified/types.js';
import { fillFields } from './paging.js';
import type { SyncDefinition } from './types.js';

/** Turns one provider record into the payload a sync stores (and hashes). */
export type PayloadMapper = (record: unknown, id: string) => Promise<unknown>;

/** A sync as one connection runs it: its requests and how its records are stored. */
export interface SyncMapping {
  /** The definition with `{{fields}}` written as the provider fields this connection's mapping reads. */
  definition: SyncDefinition;
  /**
   * The provider field names written for `{{fields}}`, or null when the definition names its
   * fields itself. A stopped run resumes only while they stay the same.
   */
  fields: readonly string[] | null;
  /** Provider record → stored payload (the unified model when the connector maps it). */
  toPayload: PayloadMapper;
}

const IN_OVERRIDES =
  "the connection's mapping overrides (PUT /v1/connections/{id}/mapping-overrides, docs/data.md); the sync resumes from its last stored batch.";

/**
 * How one connection runs a sync. With a connector mapping for the sync's model (`mapping` names
 * the connector's binding, e.g. `contacts`), the requests ask for the provider fields the mapping
 * reads with the connection's overrides (the fields the unified actions ask for), and records are
 * stored as the unified model, mapped through those overrides and checked against the model.
 * Without one, the provider's record is stored as it came.
 *
 * A record the mapping cannot read, or that maps to a record the model refuses, stops the run
 * with `invalid_input` naming the record and field: nothing is dropped silently, and once an
 * override maps it the run resumes from its last stored batch.
 */
export function syncMapping(
  definition: SyncDefinition,
  connector: ConnectorDefinition,
  overrides: MappingOverrides,
): SyncMapping {
  const binding = definition.mapping ? connector.mappings?.[definition.mapping] : undefined;
  if (!binding) {
    if (definition.fieldNames)
      throw new JoineryError(
        'internal',
        `sync "${definition.name}" of ${connector.name} requests the fields of mapping "${definition.mapping ?? '(none)'}", which the connector does not declare`,
      );
    return { definition, fields: null, toPayload: (record) => Promise.resolve(record) };
  }
  if (binding.mapping.model.name !== definition.model)
    throw new JoineryError(
      'internal',
      `sync "${definition.name}" of ${connector.name} stores ${definition.model} records, but mapping ${binding.mapping.id} produces ${binding.mapping.model.name}`,
    );
  return {
    ...withFields(definition, binding, overrides),
    toPayload: payloadMapper(definition, connector, binding.mapping, overrides),
  };
}

/**
 * The definition asking for what the mapping reads (overrides included), plus the record's id and
 * cursor fields, which a run needs whatever the tenant removed.
 */
function withFields(
  definition: SyncDefinition,
  binding: Pick<UnifiedObjectBinding<unknown>, 'mapping'>,
  overrides: MappingOverrides,
): Pick<SyncMapping, 'definition' | 'fields'> {
  if (!definition.fieldNames) return { definition, fields: null };
  const sources = new Set(mappedFields(binding, overrides));
  sources.add(definition.idPath);
  sources.add(definition.cursorPath);
  const names = definition.fieldNames([...sources]);
  for (const name of names)
    if (name.includes(',') || name.includes('{{'))
      throw new JoineryError(
        'invalid_input',
        `"${name}" cannot be requested by sync "${definition.name}" (a field name holds no "," or "{{"); fix the connection's mapping overrides`,
        { path: 'mappingOverrides' },
      );
  return {
    definition: {
      ...definition,
      full: fillFields(definition.full, names),
      ...(definition.incremental ? { incremental: fillFields(definition.incremental, names) } : {}),
    },
    fields: names,
  };
}

function payloadMapper(
  definition: SyncDefinition,
  connector: ConnectorDefinition,
  mapping: FieldMapping,
  overrides: MappingOverrides,
): PayloadMapper {
  const model = mapping.model;
  return async (record, id) => {
    const recordRef = `${connector.name} ${definition.name} record ${id}`;
    let mapped: Record<string, unknown>;
    try {
      mapped = await applyMappingAsync(mapping, record, {
        direction: 'import',
        recordRef,
        overrides,
      });
    } catch (error) {
      if (!isMappingError(error)) throw error;
      throw new JoineryError(
        'invalid_input',
        `${error.message}. ${connector.name} holds a value this connection's mapping cannot read: map it in ${IN_OVERRIDES}`,
        {
          path: `record.${error.field}`,
          details: mappingErrorDetails(error),
          cause: error,
        },
      );
    }
    // The model's validator is compiled once and cached by `@joinery/data`; a call only checks.
    const checked = validateRecord(model, mapped);
    if (!checked.valid) throw invalidRecord(checked.issues, recordRef, mapping, overrides);
    return mapped;
  };
}

/** `/custom/tier` → `custom.tier`. */
const pointerToField = (pointer: string) => pointer.split('/').slice(1).join('.');

function invalidRecord(
  issues: readonly ValidationIssue[],
  recordRef: string,
  mapping: FieldMapping,
  overrides: MappingOverrides,
): JoineryError {
  const [first] = issues;
  const field = pointerToField(first?.path ?? '');
  // The provider field the faulty value came from, when a rule reads one.
  const source = effectiveRules(mapping, overrides[mapping.id]).find(
    (rule) => rule.field === field,
  )?.source;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  const model = `${mapping.model.name} v${mapping.model.version}`;
  return new JoineryError(
    'invalid_input',
    `record ${recordRef}, field ${field || '(record)'}${source === undefined ? '' : ` (${source})`}: ${first?.message ?? 'is invalid'} in ${model}${more} [mapping ${mapping.id}]. The mapped record does not fit the model: map the field differently in ${IN_OVERRIDES}`,
    {
      path: field === '' ? 'record' : `record.${field}`,
      details: {
        reason: 'invalid_record',
        recordRef,
        field,
        mapping: mapping.id,
        ...(source === undefined ? {} : { source }),
        issues: issues.slice(0, 10),
      },
    },
  );
}
