/**
 * Reading and checking property values the way HubSpot's CRM v3 does: every value is stored as
 * a string; unknown or read-only properties, malformed emails and unknown enumeration options
 * are refused together in one `VALIDATION_ERROR`.
 */
import type { HubSpotError } from './errors.js';
import { invalidProperties, type PropertyProblem } from './errors.js';
import type { ObjectType } from './object-types.js';

/** `properties=a,b&properties=c` → `[a, b, c]`; `undefined` when none are named. */
export function requestedProperties(query: URLSearchParams): string[] | undefined {
  const names = query
    .getAll('properties')
    .flatMap((value) => value.split(','))
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return names.length === 0 ? undefined : names;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The values to store, or the 400 HubSpot answers. Numbers and booleans are taken as their
 * text; `null` and `""` clear a property.
 */
export function checkProperties(
  type: ObjectType,
  input: unknown,
  portalId: number,
): Record<string, string | null> | HubSpotError {
  const values: Record<string, string | null> = {};
  const problems: PropertyProblem[] = [];
  const problem = (name: string, error: PropertyProblem['error'], message: string) =>
    problems.push({
      isValid: false,
      message,
      error,
      name,
      localizedErrorMessage: message,
      portalId,
    });

  const entries =
    typeof input === 'object' && input !== null && !Array.isArray(input)
      ? Object.entries(input)
      : [];
  for (const [name, raw] of entries) {
    const definition = type.properties.get(name);
    if (definition === undefined) {
      problem(name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`);
      continue;
    }
    if (definition.readOnly) {
      problem(
        name,
        'READ_ONLY_VALUE',
        `"${name}" is a read only property; its value cannot be set.`,
      );
      continue;
    }
    const value =
      raw === null || raw === ''
        ? null
        : typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean'
          ? String(raw)
          : undefined;
    if (value === undefined) {
      problem(name, 'INVALID_OPTION', `${JSON.stringify(raw)} is not a valid value for ${name}`);
      continue;
    }
    if (value !== null && name === 'email' && !EMAIL.test(value)) {
      problem(name, 'INVALID_EMAIL', `Email address ${value} is invalid`);
      continue;
    }
    if (value !== null && definition.options !== undefined && !definition.options.includes(value)) {
      problem(
        name,
        'INVALID_OPTION',
        `${value} was not one of the allowed options: [${definition.options.join(', ')}]`,
      );
      continue;
    }
    if (value !== null && definition.type === 'number' && !/^-?\d+(\.\d+)?$/.test(value)) {
      problem(name, 'INVALID_INTEGER', `${value} is not a valid number`);
      continue;
    }
    values[name] = value;
  }
  return problems.length > 0 ? invalidProperties(problems) : values;
}
