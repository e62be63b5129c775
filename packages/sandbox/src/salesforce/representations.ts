/**
 * Wire JSON for records: an `attributes` object (`type` and the record's relative `url`), then
 * the fields under their canonical names; parent fields selected through a relationship
 * (`Account.Name`) nest under the relationship name, or are `null` without a parent.
 */
import type { SObjectDefinition } from './schema.js';
import type { FieldPath } from './soql.js';
import type { FieldValue, SfRecord } from './state.js';

export const attributes = (sobject: SObjectDefinition, id: string, version: string) => ({
  type: sobject.name,
  url: `/services/data/v${version}/sobjects/${sobject.name}/${id}`,
});

/** `GET …/sobjects/{name}/{id}`: every field, or those `?fields=` names, in schema order. */
export function recordJson(
  sobject: SObjectDefinition,
  record: SfRecord,
  version: string,
  only?: ReadonlySet<string>,
) {
  const body: Record<string, unknown> = { attributes: attributes(sobject, record.id, version) };
  for (const field of sobject.fields)
    if (only === undefined || only.has(field.name))
      body[field.name] = record.fields[field.name] ?? null;
  return body;
}

/** A query row: the selected fields in `SELECT` order. */
export function queryRow(
  sobject: SObjectDefinition,
  record: SfRecord,
  select: readonly FieldPath[],
  version: string,
  parentOf: (path: FieldPath, record: SfRecord) => SfRecord | undefined,
) {
  const body: Record<string, unknown> = { attributes: attributes(sobject, record.id, version) };
  for (const path of select) {
    if (path.via === undefined) {
      body[path.field.name] = record.fields[path.field.name] ?? null;
      continue;
    }
    const name = path.via.reference.relationshipName ?? path.via.parent.name;
    const parent = parentOf(path, record);
    if (parent === undefined) {
      body[name] = null;
      continue;
    }
    const nested = (body[name] as Record<string, FieldValue | object> | null | undefined) ?? {
      attributes: attributes(path.via.parent, parent.id, version),
    };
    nested[path.field.name] = parent.fields[path.field.name] ?? null;
    body[name] = nested;
  }
  return body;
}
