import { applyMappingAsync, isMappingError, type MappingOverrides } from '@joinery/data';
import type { ConnectorDefinition } from '../connector/types.js';
import { JoineryError } from '../errors.js';
import type { SyncDefinition } from './types.js';

/** Turns one provider record into the payload a sync stores (and hashes). */
export type PayloadMapper = (record: unknown, id: string) => Promise<unknown>;

/**
 * The payload mapper of one run. With a connector mapping for the sync's model (`mapping` names
 * the connector's binding, e.g. `contacts`), records are stored as the unified model, through the
 * connection's mapping overrides (`@joinery/data`'s `applyMapping`). Without one, the provider's
 * record is stored as it came. A record the mapping cannot read stops the run with
 * `invalid_input` naming the record and field: nothing is dropped silently, and once an override
 * maps it the run resumes from its last stored batch.
 */
export function payloadMapper(
  definition: SyncDefinition,
  connector: ConnectorDefinition,
  overrides: MappingOverrides,
): PayloadMapper {
  const binding = definition.mapping ? connector.mappings?.[definition.mapping] : undefined;
  if (!binding) return (record) => Promise.resolve(record);
  if (binding.mapping.model.name !== definition.model)
    throw new JoineryError(
      'internal',
      `sync "${definition.name}" of ${connector.name} stores ${definition.model} records, but mapping ${binding.mapping.id} produces ${binding.mapping.model.name}`,
    );
  const mapping = binding.mapping;
  return async (record, id) => {
    try {
      return await applyMappingAsync(mapping, record, {
        direction: 'import',
        recordRef: `${connector.name} ${definition.name} record ${id}`,
        overrides,
      });
    } catch (error) {
      if (!isMappingError(error)) throw error;
      throw new JoineryError(
        'invalid_input',
        `${error.message}. ${connector.name} holds a value this connection's mapping cannot read: map it in the connection's mapping overrides (PUT /v1/connections/{id}/mapping-overrides, docs/data.md); the sync resumes from its last stored batch.`,
        {
          path: `record.${error.field}`,
          details: { reason: error.reason, recordRef: error.recordRef, mapping: error.mappingId },
          cause: error,
        },
      );
    }
  };
}
