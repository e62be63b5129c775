/** The unified models Joinery has, by name. */
export const MODEL_NAMES = ['Contact', 'Company', 'Deal', 'Ticket', 'Message', 'User'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** A model and the version of its schema a mapping or a stored record was written for. */
export interface ModelRef {
  name: ModelName;
  version: number;
}

/** A JSON Schema (draft 2020-12) object, as plain data. */
export type JsonSchema = Readonly<Record<string, unknown>>;

export interface ModelDefinition {
  name: ModelName;
  version: number;
  description: string;
  schema: JsonSchema;
}

/**
 * What every unified record has. Fields a connector does not map are absent; fields it maps but
 * the provider has no value for are `null`.
 */
export interface UnifiedRecord {
  /** The provider's id of the record. */
  id: string;
  /** ISO 8601 UTC with milliseconds (`2024-01-15T10:30:00.000Z`). */
  createdAt?: string | null;
  updatedAt?: string | null;
  /** The tenant's custom fields, by the names their overrides give them. */
  custom?: Record<string, unknown>;
}
