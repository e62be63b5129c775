/** Enums, booleans, numbers and strings between providers' spellings and the unified ones. */
import { calendarDateCodec, datetimeCodec, type ValueCodec } from './dates.js';
import { TransformFailure } from './errors.js';
import type {
  BooleanTransform,
  EnumTransform,
  NumberTransform,
  StringTransform,
  Transform,
} from './types.js';

const scalarText = (raw: unknown): string | undefined =>
  typeof raw === 'string'
    ? raw
    : typeof raw === 'number' || typeof raw === 'boolean'
      ? String(raw)
      : undefined;

export function enumCodec(transform: EnumTransform): ValueCodec {
  const ignoreCase = transform.ignoreCase ?? true;
  const unknown = transform.unknown ?? 'reject';
  const key = (text: string) => (ignoreCase ? text.trim().toLowerCase() : text);
  const toUnified = new Map<string, string>();
  const toProvider = new Map<string, string>();
  for (const [unified, spelling] of Object.entries(transform.values)) {
    const spellings = typeof spelling === 'string' ? [spelling] : spelling;
    const first = spellings[0];
    if (first === undefined) throw new Error(`enum value "${unified}" has no provider value`);
    toProvider.set(unified, first);
    for (const value of spellings) {
      const existing = toUnified.get(key(value));
      if (existing !== undefined && existing !== unified)
        throw new Error(
          `provider value "${value}" is listed for both "${existing}" and "${unified}"`,
        );
      toUnified.set(key(value), unified);
    }
  }
  const known = () => [...toUnified.keys()].join(', ');
  return {
    read(raw) {
      const text = scalarText(raw);
      if (text === undefined)
        throw new TransformFailure('invalid_type', `${JSON.stringify(raw)} is not an enum value`);
      const unified = toUnified.get(key(text));
      if (unified !== undefined) return unified;
      if (unknown === 'keep') return text;
      if (unknown === 'null') return null;
      throw new TransformFailure(
        'unknown_enum_value',
        `"${text}" is not a known value (known: ${known()}); add it to the mapping's enum values or set unknown to 'keep' or 'null'`,
      );
    },
    write(value) {
      const text = scalarText(value);
      const provider = text === undefined ? undefined : toProvider.get(text);
      if (provider !== undefined) return provider;
      if (unknown === 'keep' && text !== undefined) return text;
      throw new TransformFailure(
        'unknown_enum_value',
        `${JSON.stringify(value)} is not one of ${[...toProvider.keys()].join(', ')}`,
      );
    },
  };
}

const DEFAULT_TRUE = ['true', '1', 'yes', 'y', 'on'];
const DEFAULT_FALSE = ['false', '0', 'no', 'n', 'off'];

export function booleanCodec(transform: BooleanTransform): ValueCodec {
  const truthy = new Set((transform.true ?? DEFAULT_TRUE).map((v) => v.toLowerCase()));
  const falsy = new Set((transform.false ?? DEFAULT_FALSE).map((v) => v.toLowerCase()));
  return {
    read(raw) {
      if (typeof raw === 'boolean') return raw;
      const text = scalarText(raw)?.trim().toLowerCase();
      if (text !== undefined && truthy.has(text)) return true;
      if (text !== undefined && falsy.has(text)) return false;
      throw new TransformFailure(
        'invalid_boolean',
        `${JSON.stringify(raw)} is neither true (${[...truthy].join(', ')}) nor false (${[...falsy].join(', ')})`,
      );
    },
    write(value) {
      if (typeof value !== 'boolean')
        throw new TransformFailure('invalid_boolean', `${JSON.stringify(value)} is not a boolean`);
      return transform.write === undefined ? value : transform.write[value ? 'true' : 'false'];
    },
  };
}

const NUMBER = /^\s*-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

export function numberCodec(transform: NumberTransform): ValueCodec {
  return {
    read(raw) {
      if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
      if (typeof raw === 'string' && NUMBER.test(raw)) return Number(raw);
      throw new TransformFailure('invalid_number', `${JSON.stringify(raw)} is not a number`);
    },
    write(value) {
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw new TransformFailure('invalid_number', `${JSON.stringify(value)} is not a number`);
      return transform.writeAsString === true ? String(value) : value;
    },
  };
}

export function stringCodec(transform: StringTransform | undefined): ValueCodec {
  const trim = transform?.trim === true;
  const letterCase = transform?.case;
  return {
    read(raw) {
      let text = scalarText(raw);
      if (text === undefined)
        throw new TransformFailure(
          'invalid_type',
          `expected text, got ${Array.isArray(raw) ? 'an array' : typeof raw}`,
        );
      if (trim) text = text.trim();
      if (letterCase === 'lower') text = text.toLowerCase();
      if (letterCase === 'upper') text = text.toUpperCase();
      return text;
    },
    write: (value) => value,
  };
}

/** Values passed as they are (a rule with no transform whose value is not text: arrays, objects). */
const passThrough: ValueCodec = { read: (raw) => raw, write: (value) => value };

export function codecFor(transform: Transform | undefined): ValueCodec {
  switch (transform?.type) {
    case undefined:
      return passThrough;
    case 'datetime':
      return datetimeCodec(transform);
    case 'date':
      return calendarDateCodec(transform);
    case 'enum':
      return enumCodec(transform);
    case 'boolean':
      return booleanCodec(transform);
    case 'number':
      return numberCodec(transform);
    case 'string':
      return stringCodec(transform);
  }
}
