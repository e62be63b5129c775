/**
 * JSON Schema for mapping rules and overrides, so rules a tenant sends over the API are checked
 * before they are stored (the TypeScript types in `types.ts` say the same for code).
 */
const path = { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^.]+(\\.[^.]+)*$' };
const values = { type: 'array', items: { type: 'string' }, maxItems: 100 };
const scalar = { type: ['string', 'number', 'boolean'] };

const transform = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'format'],
      properties: {
        type: { const: 'datetime' },
        format: { type: 'string', minLength: 1, maxLength: 100 },
        zone: { type: 'string', minLength: 1, maxLength: 64 },
        disambiguation: { enum: ['compatible', 'earlier', 'later', 'reject'] },
        isoOffset: { enum: ['Z', '+0000', '+00:00'] },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'format'],
      properties: {
        type: { const: 'date' },
        format: { type: 'string', minLength: 1, maxLength: 100 },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'values'],
      properties: {
        type: { const: 'enum' },
        values: {
          type: 'object',
          maxProperties: 500,
          additionalProperties: { anyOf: [{ type: 'string' }, { ...values, minItems: 1 }] },
        },
        ignoreCase: { type: 'boolean' },
        unknown: { enum: ['reject', 'keep', 'null'] },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: {
        type: { const: 'boolean' },
        true: values,
        false: values,
        write: {
          type: 'object',
          additionalProperties: false,
          required: ['true', 'false'],
          properties: { true: scalar, false: scalar },
        },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: { type: { const: 'number' }, writeAsString: { type: 'boolean' } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: {
        type: { const: 'string' },
        trim: { type: 'boolean' },
        case: { enum: ['lower', 'upper'] },
      },
    },
  ],
};

export const fieldRuleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['field'],
  properties: {
    field: path,
    source: path,
    importExpression: { type: 'string', minLength: 1, maxLength: 2000 },
    exportExpression: { type: 'string', minLength: 1, maxLength: 2000 },
    transform,
    required: { enum: [true, false, 'import', 'export'] },
    direction: { enum: ['both', 'import', 'export'] },
    empty: { enum: ['null', 'keep'] },
    exportNull: { enum: ['null', 'empty_string', 'omit'] },
    reads: { type: 'array', items: path, maxItems: 50 },
  },
} as const;

export const mappingOverrideSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    rules: { type: 'array', items: fieldRuleSchema, maxItems: 200 },
    remove: { type: 'array', items: path, maxItems: 200 },
  },
} as const;

/** `{ [mappingId]: MappingOverride }`, as stored on a connection's settings. */
export const mappingOverridesSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  maxProperties: 50,
  propertyNames: { pattern: '^[a-z0-9_.-]{1,100}$' },
  additionalProperties: mappingOverrideSchema,
} as const;
