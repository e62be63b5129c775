/**
 * Field mappings are data: a list of rules between a provider's record and a unified model,
 * readable by people, storable as JSON, and applied by one engine in both directions.
 */
import type { ModelRef } from '../models/types.js';

/** `import`: provider record → unified record. `export`: unified record → provider record. */
export type Direction = 'import' | 'export';

/**
 * How absent values are read. A provider may say "no value" as `null`, `""`, whitespace, or by
 * leaving the field out; in a unified record all of them are `null` (the default, `'null'`).
 * `'keep'` keeps `""` as a value (for fields where an empty string means something).
 */
export type EmptyPolicy = 'null' | 'keep';

/**
 * What a unified `null` becomes on export. HubSpot clears a property with `""` or `null`;
 * Salesforce with `null`. `'omit'` leaves the field out (never clears). Defaults to `'null'`.
 */
export type ExportNullPolicy = 'null' | 'empty_string' | 'omit';

/**
 * Wall-clock times that do not exist (spring-forward gap) or exist twice (fall-back overlap) in
 * the source zone. The names and the default follow TC39 Temporal's `disambiguation` option:
 * `'compatible'` (the default) moves a gap time forward by the gap's length and takes the earlier
 * of two overlapping instants; `'earlier'`/`'later'` pick explicitly; `'reject'` refuses both.
 * https://tc39.es/proposal-temporal/docs/zoneddatetime.html#ambiguity-due-to-dst-or-other-time-zone-offset-changes
 */
export type Disambiguation = 'compatible' | 'earlier' | 'later' | 'reject';

/**
 * A provider's way of writing an instant. Unified instants are always ISO 8601 UTC with
 * milliseconds (`2024-03-10T07:30:00.000Z`).
 * - `iso`: ISO 8601 with `Z` or an offset (`+02:00`, `+0200`); zone-less values use `zone`.
 * - `unix_seconds`, `unix_milliseconds`: numbers or digit strings.
 * - any other string: a luxon format for zone-less text, read in `zone` (`MM/dd/yyyy`,
 *   `yyyy-MM-dd`, `MM/dd/yyyy HH:mm`). https://moment.github.io/luxon/#/parsing?id=table-of-tokens
 */
export type DateFormat = 'iso' | 'unix_seconds' | 'unix_milliseconds' | (string & {});

export interface DateTransform {
  type: 'datetime';
  format: DateFormat;
  /** IANA zone for values that carry no offset, e.g. `America/New_York`. Defaults to `UTC`. */
  zone?: string;
  /** Defaults to `compatible`. */
  disambiguation?: Disambiguation;
  /**
   * How `iso` is written on export. Salesforce writes `+0000` (`2024-01-15T10:30:00.000+0000`),
   * HubSpot `Z`. Defaults to `Z`.
   */
  isoOffset?: 'Z' | '+0000' | '+00:00';
}

/**
 * A calendar date with no time (a birthday, a close date): unified as `YYYY-MM-DD`, never moved
 * through a zone, because shifting a date to UTC changes the day for half the world.
 */
export interface CalendarDateTransform {
  type: 'date';
  /** A luxon format (`MM/dd/yyyy`, `yyyy-MM-dd`) or `iso`. */
  format: string;
}

/** What an enum does with a value it has no entry for. */
export type UnknownEnumPolicy = 'reject' | 'keep' | 'null';

export interface EnumTransform {
  type: 'enum';
  /**
   * Unified value → the provider values that mean it. The first is the one written on export;
   * the others are aliases accepted on import (`active: ['Active', '1', 'enabled']`).
   */
  values: Readonly<Record<string, string | readonly string[]>>;
  /** Match provider values ignoring case and surrounding spaces. Defaults to true. */
  ignoreCase?: boolean;
  /**
   * `reject` (the default): an unknown value is a mapping error naming record and field.
   * `keep`: passed through unchanged both ways. `null`: read as no value (a loss: use knowingly).
   */
  unknown?: UnknownEnumPolicy;
}

export interface BooleanTransform {
  type: 'boolean';
  /** Provider values read as true. Defaults to `true`, `1`, `yes`, `y`, `on` (any case). */
  true?: readonly string[];
  /** Provider values read as false. Defaults to `false`, `0`, `no`, `n`, `off` (any case). */
  false?: readonly string[];
  /** What is written on export. Defaults to JSON `true`/`false`. */
  write?: { true: string | number | boolean; false: string | number | boolean };
}

export interface NumberTransform {
  type: 'number';
  /** Write numbers as strings on export (HubSpot property values are strings). Defaults to false. */
  writeAsString?: boolean;
}

export interface StringTransform {
  type: 'string';
  /** Trim surrounding spaces on import. Defaults to false. */
  trim?: boolean;
  case?: 'lower' | 'upper';
}

export type Transform =
  | DateTransform
  | CalendarDateTransform
  | EnumTransform
  | BooleanTransform
  | NumberTransform
  | StringTransform;

export interface FieldRule {
  /** Dotted path in the unified record: `email`, `custom.tier`. */
  field: string;
  /**
   * Dotted path in the provider record: `properties.firstname`, `Account.Name`, `Tier__c`.
   * Needed unless the rule has expressions for the directions it applies to.
   */
  source?: string;
  /**
   * A JSONata expression over the provider record, for import (instead of `source`), e.g.
   * `$join([properties.firstname, properties.lastname], ' ')`. https://docs.jsonata.org/overview
   */
  importExpression?: string;
  /**
   * A JSONata expression over the unified value being exported (bound as `$value`, with the
   * whole unified record as input), written at `source`.
   */
  exportExpression?: string;
  transform?: Transform;
  /**
   * `true` = required both ways; or only on `import` / `export`. A missing required value is a
   * `MappingError` naming the record and field, never a default.
   */
  required?: boolean | Direction;
  /** Which directions the rule applies to. `import` for read-only provider fields. Defaults to both. */
  direction?: 'both' | Direction;
  /** Defaults to the mapping's `empty`, then `'null'`. */
  empty?: EmptyPolicy;
  /** Defaults to the mapping's `exportNull`, then `'null'`. */
  exportNull?: ExportNullPolicy;
  /** Provider fields the import expression reads, so a fetch can ask for them (SOQL, HubSpot `properties`). */
  reads?: readonly string[];
}

export interface FieldMapping {
  /** Stable name, used to key per-tenant overrides, e.g. `hubspot.contacts`. */
  id: string;
  model: ModelRef;
  /** The provider's name for the object: `contacts` (HubSpot), `Contact` (Salesforce). */
  object: string;
  rules: readonly FieldRule[];
  empty?: EmptyPolicy;
  exportNull?: ExportNullPolicy;
}

/**
 * A tenant's changes to a mapping: extra rules (custom fields such as Salesforce `Loyalty__c`),
 * rules replacing the built-in rule for the same unified `field`, and built-in rules to drop
 * (a field hidden by the tenant's field-level security).
 */
export interface MappingOverride {
  rules?: readonly FieldRule[];
  remove?: readonly string[];
}

/** Overrides keyed by `FieldMapping.id`, as stored on a connection. */
export type MappingOverrides = Readonly<Record<string, MappingOverride>>;

export interface ApplyOptions {
  direction: Direction;
  /** Names the record in errors: a provider id, a row number, `input`. */
  recordRef?: string;
  /** The tenant's overrides, keyed by mapping id; the one for this mapping is applied. */
  overrides?: MappingOverrides;
}
