/** Why a value could not be mapped. Stable strings: match on them, not on the message. */
export type MappingErrorReason =
  | 'missing_required'
  | 'invalid_date'
  | 'nonexistent_local_time'
  | 'ambiguous_local_time'
  | 'unknown_enum_value'
  | 'invalid_boolean'
  | 'invalid_number'
  | 'invalid_type'
  | 'expression_failed'
  | 'unmapped_field'
  | 'invalid_mapping';

/**
 * A record that cannot be mapped without guessing. Carries `code: 'invalid_input'` so callers
 * that match on codes treat it as bad input, the record (`recordRef`) and the unified `field`
 * (with the provider's `source` path where there is one).
 */
export class MappingError extends Error {
  readonly code = 'invalid_input' as const;
  readonly reason: MappingErrorReason;
  readonly recordRef: string;
  readonly field: string;
  readonly source: string | undefined;
  readonly mappingId: string;

  constructor(options: {
    reason: MappingErrorReason;
    recordRef: string;
    field: string;
    source?: string | undefined;
    mappingId: string;
    detail: string;
    cause?: unknown;
  }) {
    const where = options.source === undefined ? '' : ` (${options.source})`;
    super(
      `record ${options.recordRef}, field ${options.field}${where}: ${options.detail} [mapping ${options.mappingId}]`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'MappingError';
    this.reason = options.reason;
    this.recordRef = options.recordRef;
    this.field = options.field;
    this.source = options.source;
    this.mappingId = options.mappingId;
  }
}

/** True for a `MappingError`, also from another copy of this module (match on shape, not class). */
export function isMappingError(error: unknown): error is MappingError {
  return (
    error instanceof Error &&
    error.name === 'MappingError' &&
    typeof (error as { reason?: unknown }).reason === 'string' &&
    typeof (error as { recordRef?: unknown }).recordRef === 'string'
  );
}

/** A failure inside one transform, before the engine knows which record and field it is in. */
export class TransformFailure extends Error {
  constructor(
    readonly reason: MappingErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'TransformFailure';
  }
}
