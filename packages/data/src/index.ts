// Joinery's unified data: models (JSON Schema + TypeScript types), field mappings between a
// provider's records and the models, and data-quality findings between connections.
export { MODEL_NAMES } from './models/types.js';
export type {
  JsonSchema,
  ModelDefinition,
  ModelName,
  ModelRef,
  UnifiedRecord,
} from './models/types.js';
export { LIFECYCLE_STAGES, TICKET_PRIORITIES, TICKET_STATUSES, models } from './models/models.js';
export type {
  Company,
  Contact,
  Deal,
  LifecycleStage,
  Message,
  ModelTypes,
  Ticket,
  User,
} from './models/models.js';
export { validateMappingOverrides, validateRecord } from './validate.js';
export type { ValidationIssue, ValidationResult } from './validate.js';

export type {
  ApplyOptions,
  BooleanTransform,
  CalendarDateTransform,
  DateFormat,
  DateTransform,
  Direction,
  Disambiguation,
  EmptyPolicy,
  EnumTransform,
  ExportNullPolicy,
  FieldMapping,
  FieldRule,
  MappingOverride,
  MappingOverrides,
  NumberTransform,
  StringTransform,
  Transform,
  UnknownEnumPolicy,
} from './mapping/types.js';
export {
  applyMapping,
  applyMappingAsync,
  compileMapping,
  effectiveRules,
  sourceFields,
} from './mapping/apply.js';
export type { CompiledMapping } from './mapping/apply.js';
export { MappingError, isMappingError } from './mapping/errors.js';
export type { MappingErrorReason } from './mapping/errors.js';
export { fieldRuleSchema, mappingOverridesSchema } from './mapping/schema.js';

export { findConflicts, matchKey } from './conflicts.js';
export type { FindConflictsOptions, Finding } from './conflicts.js';
