/**
 * Validation of unified records against their model's JSON Schema, and of mapping overrides a
 * tenant sends, with ajv (draft 2020-12, formats `date-time`, `date`, `email`).
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { createRequire } from 'node:module';
import type { FormatsPlugin } from 'ajv-formats';
import { mappingOverridesSchema } from './mapping/schema.js';
import { models } from './models/models.js';
import type { ModelName, ModelRef } from './models/types.js';

// ajv-formats is CommonJS (`module.exports = plugin`); required as such, its type is unambiguous.
const addFormats = createRequire(import.meta.url)('ajv-formats') as FormatsPlugin;

export interface ValidationIssue {
  /** JSON Pointer of the faulty value, `''` for the record itself. */
  path: string;
  message: string;
}

export type ValidationResult = { valid: true } | { valid: false; issues: ValidationIssue[] };

let ajv: Ajv2020 | undefined;
const validators = new Map<string, ValidateFunction>();

function validator(key: string, schema: object): ValidateFunction {
  let validate = validators.get(key);
  if (validate === undefined) {
    ajv ??= addFormats(new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }), [
      'date-time',
      'date',
      'email',
    ]);
    validate = ajv.compile(schema);
    validators.set(key, validate);
  }
  return validate;
}

function issues(errors: ErrorObject[] | null | undefined): ValidationIssue[] {
  return (errors ?? []).map((error) => ({
    path:
      error.keyword === 'additionalProperties'
        ? `${error.instancePath}/${String((error.params as { additionalProperty?: unknown }).additionalProperty)}`
        : error.instancePath,
    message:
      error.keyword === 'additionalProperties'
        ? 'is not a field of this model (custom fields go under `custom`)'
        : (error.message ?? 'is invalid'),
  }));
}

/** Check a unified record against its model (the only version so far is 1). */
export function validateRecord(model: ModelName | ModelRef, record: unknown): ValidationResult {
  const ref = typeof model === 'string' ? { name: model, version: 1 } : model;
  const definition = models[ref.name];
  if (definition.version !== ref.version)
    return {
      valid: false,
      issues: [{ path: '', message: `${ref.name} has no version ${ref.version}` }],
    };
  const validate = validator(`${ref.name}@${ref.version}`, definition.schema);
  return validate(record) ? { valid: true } : { valid: false, issues: issues(validate.errors) };
}

/** Check mapping overrides as a tenant sends them (`{ [mappingId]: { rules, remove } }`). */
export function validateMappingOverrides(value: unknown): ValidationResult {
  const validate = validator('MappingOverrides', mappingOverridesSchema);
  return validate(value) ? { valid: true } : { valid: false, issues: issues(validate.errors) };
}
