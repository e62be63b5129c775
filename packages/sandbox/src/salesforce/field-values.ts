/**
 * Checking a create or update body the way the REST API does, first problem first: unknown
 * fields (`INVALID_FIELD`), read-only ones (`INVALID_FIELD_FOR_INSERT_UPDATE`), values of the
 * wrong JSON type (`JSON_PARSER_ERROR`), bad emails, over-long text, restricted picklists,
 * malformed or dangling references, and missing required fields (`REQUIRED_FIELD_MISSING`).
 */
import { sfError, type SalesforceError } from './errors.js';
import { id15Of } from './ids.js';
import { fieldNamed, requiredFields, sobjectNamed, type SObjectDefinition } from './schema.js';
import { findRecord, type FieldValue, type SalesforceState } from './state.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function checkFieldValues(
  sobject: SObjectDefinition,
  body: unknown,
  mode: 'create' | 'update',
  state: SalesforceState,
): Record<string, FieldValue> | SalesforceError {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return sfError(
      400,
      'JSON_PARSER_ERROR',
      'Cannot deserialize instance of sObject from a non-object value',
    );
  const values: Record<string, FieldValue> = {};
  for (const [key, raw] of Object.entries(body)) {
    if (key === 'attributes') continue;
    const field = fieldNamed(sobject, key);
    if (field === undefined)
      return sfError(
        400,
        'INVALID_FIELD',
        `No such column '${key}' on sobject of type ${sobject.name}`,
      );
    if (mode === 'create' ? !field.createable : !field.updateable)
      return sfError(
        400,
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to create/update fields: ${field.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        [field.name],
      );
    if (raw === null || raw === '') {
      values[field.name] = null;
      continue;
    }
    if (field.type === 'int') {
      if (typeof raw !== 'number' || !Number.isInteger(raw))
        return sfError(
          400,
          'JSON_PARSER_ERROR',
          `Cannot deserialize instance of int from VALUE_STRING value ${JSON.stringify(raw)} or request may be missing a required field`,
        );
      values[field.name] = raw;
      continue;
    }
    if (field.type === 'boolean') {
      if (typeof raw !== 'boolean')
        return sfError(
          400,
          'JSON_PARSER_ERROR',
          `Cannot deserialize instance of boolean from value ${JSON.stringify(raw)}`,
        );
      values[field.name] = raw;
      continue;
    }
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean')
      return sfError(
        400,
        'JSON_PARSER_ERROR',
        `Cannot deserialize instance of string from START_OBJECT value for ${field.name}`,
      );
    const value = String(raw);
    if (field.type === 'email' && !EMAIL.test(value))
      return sfError(
        400,
        'INVALID_EMAIL_ADDRESS',
        `${field.label}: invalid email address: ${value}`,
        [field.name],
      );
    if (field.length > 0 && value.length > field.length)
      return sfError(
        400,
        'STRING_TOO_LONG',
        `${field.label}: data value too large: ${value} (max length=${field.length})`,
        [field.name],
      );
    if (field.restrictedPicklist === true && !(field.picklistValues ?? []).includes(value))
      return sfError(
        400,
        'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        `${field.label}: bad value for restricted picklist field: ${value}`,
        [field.name],
      );
    if (field.type === 'reference') {
      const target = field.referenceTo === undefined ? undefined : sobjectNamed(field.referenceTo);
      const id15 = id15Of(value);
      const prefix = field.referenceTo === 'User' ? '005' : target?.keyPrefix;
      if (id15 === undefined || !id15.startsWith(prefix ?? '???'))
        return sfError(
          400,
          'MALFORMED_ID',
          `${field.label}: id value of incorrect type: ${value}`,
          [field.name],
        );
      if (target !== undefined && findRecord(state, target, value) === undefined)
        return sfError(
          400,
          'FIELD_INTEGRITY_EXCEPTION',
          `${field.label}: id value of incorrect type: ${value}`,
          [field.name],
        );
      values[field.name] =
        target === undefined ? value : (findRecord(state, target, value)?.id ?? value);
      continue;
    }
    values[field.name] = value;
  }

  const missing = requiredFields(sobject)
    .filter((field) =>
      mode === 'create'
        ? (values[field.name] ?? null) === null
        : field.name in values && values[field.name] === null,
    )
    .map((field) => field.name);
  if (missing.length > 0)
    return sfError(
      400,
      'REQUIRED_FIELD_MISSING',
      `Required fields are missing: [${missing.join(', ')}]`,
      missing,
    );
  return values;
}
