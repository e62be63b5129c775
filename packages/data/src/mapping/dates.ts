/**
 * Dates and times between providers' formats and the unified ones: instants as ISO 8601 UTC with
 * milliseconds, calendar dates as `YYYY-MM-DD`.
 *
 * ISO text with an offset is parsed here rather than by `Date.parse`, which V8 lets roll over
 * (`2024-02-30` becomes 1 March): a wrong date must be an error, never a different date.
 */
import { DateTime, IANAZone } from 'luxon';
import { TransformFailure } from './errors.js';
import type { CalendarDateTransform, DateTransform, Disambiguation } from './types.js';

export interface ValueCodec {
  read(raw: unknown): unknown;
  write(value: unknown): unknown;
}

const MINUTE = 60_000;
const GREGORIAN_CYCLE_MS = 146_097 * 86_400_000;
const DAY = 86_400_000;
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** `2024-01-15T10:30:00.000Z`: the unified form of an instant. */
const CANONICAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const daysIn = (year: number, month: number) =>
  month === 2 && isLeap(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);

interface Parts {
  /** Wall-clock time as if it were UTC, in ms. */
  local: number;
  /** Minutes east of UTC when the text carries an offset. */
  offset: number | undefined;
}

function parseIso(text: string): Parts {
  const match = ISO.exec(text.trim());
  if (match === null) throw new TransformFailure('invalid_date', `"${text}" is not ISO 8601`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysIn(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    throw new TransformFailure('invalid_date', `"${text}" is not a valid date and time`);
  // Milliseconds are the unified precision; finer digits are dropped (truncated, not rounded,
  // so a value never moves into the next second).
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  // Date.UTC reads years 0–99 as 1900–1999; a 400-year Gregorian cycle later and back is exact.
  const local =
    year < 100
      ? Date.UTC(year + 400, month - 1, day, hour, minute, second, millis) - GREGORIAN_CYCLE_MS
      : Date.UTC(year, month - 1, day, hour, minute, second, millis);
  return { local, offset: zone === undefined ? undefined : offsetMinutes(zone, text) };
}

function offsetMinutes(zone: string, text: string): number {
  if (zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 18 || minutes > 59)
    throw new TransformFailure('invalid_date', `"${text}" has an impossible offset`);
  return sign * (hours * 60 + minutes);
}

/**
 * The instant a wall-clock time in `zone` names. Around a DST change a wall time can name none
 * (spring-forward gap) or two (fall-back overlap); `disambiguation` decides, as in Temporal.
 */
export function resolveLocalTime(
  local: number,
  zone: IANAZone,
  disambiguation: Disambiguation,
  text: string,
): number {
  const before = zone.offset(local - DAY);
  const after = zone.offset(local + DAY);
  const valid = [...new Set([before, after])]
    .filter((offset) => zone.offset(local - offset * MINUTE) === offset)
    .map((offset) => local - offset * MINUTE)
    .sort((x, y) => x - y);
  if (valid.length === 1) return valid[0] as number;
  if (valid.length === 2) {
    if (disambiguation === 'reject')
      throw new TransformFailure(
        'ambiguous_local_time',
        `"${text}" happens twice in ${zone.name} (clocks go back); the mapping's disambiguation is 'reject'`,
      );
    return (disambiguation === 'later' ? valid[1] : valid[0]) as number;
  }
  if (disambiguation === 'reject')
    throw new TransformFailure(
      'nonexistent_local_time',
      `"${text}" does not exist in ${zone.name} (clocks go forward); the mapping's disambiguation is 'reject'`,
    );
  // In the gap: read with the offset in force before it ("compatible"/"later": the wall time
  // moves forward by the gap's length) or after it ("earlier": moves back).
  return local - (disambiguation === 'earlier' ? after : before) * MINUTE;
}

function checkedInstant(ms: number, text: string): string {
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  if (!Number.isFinite(ms) || year < 1 || year > 9999)
    throw new TransformFailure('invalid_date', `"${text}" is outside the years 0001 to 9999`);
  return date.toISOString();
}

function unixNumber(raw: unknown): number {
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
  if (typeof raw === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(raw)) return Number(raw);
  throw new TransformFailure('invalid_date', `${JSON.stringify(raw)} is not a Unix timestamp`);
}

function zoneNamed(name: string | undefined): IANAZone | undefined {
  if (name === undefined || name === 'UTC' || name === 'utc') return undefined;
  const zone = IANAZone.create(name);
  if (!zone.isValid) throw new Error(`"${name}" is not an IANA time zone (e.g. America/New_York)`);
  return zone;
}

/** A codec for `{ type: 'datetime' }`. Throws `Error` for a transform that cannot work. */
export function datetimeCodec(transform: DateTransform): ValueCodec {
  const zone = zoneNamed(transform.zone);
  const disambiguation = transform.disambiguation ?? 'compatible';
  const inZone = (local: number, text: string) =>
    zone === undefined ? local : resolveLocalTime(local, zone, disambiguation, text);
  const isoSuffix = transform.isoOffset ?? 'Z';
  const { format } = transform;

  const readInstant = (raw: unknown): number => {
    if (format === 'unix_seconds') {
      const seconds = unixNumber(raw);
      // 1e11 s is the year 5138: a value this large is milliseconds in a seconds field, the
      // classic silent corruption.
      if (Math.abs(seconds) >= 1e11)
        throw new TransformFailure(
          'invalid_date',
          `${String(raw)} is too large for Unix seconds (is it milliseconds?)`,
        );
      return Math.round(seconds * 1000);
    }
    if (format === 'unix_milliseconds') return Math.trunc(unixNumber(raw));
    if (typeof raw !== 'string')
      throw new TransformFailure('invalid_date', `${JSON.stringify(raw)} is not date text`);
    if (format === 'iso') {
      const parts = parseIso(raw);
      return parts.offset === undefined
        ? inZone(parts.local, raw)
        : parts.local - parts.offset * MINUTE;
    }
    const wall = DateTime.fromFormat(raw.trim(), format, { zone: 'utc' });
    if (!wall.isValid)
      throw new TransformFailure(
        'invalid_date',
        `"${raw}" does not match the format ${format} (${wall.invalidReason ?? 'invalid'})`,
      );
    return inZone(wall.toMillis(), raw);
  };

  return {
    read(raw) {
      // Already the unified form (HubSpot's): validated by parsing, then returned as it is,
      // which saves building a Date per value in a sync of millions.
      if (format === 'iso' && typeof raw === 'string' && CANONICAL.test(raw)) {
        parseIso(raw);
        if (!raw.startsWith('0000')) return raw;
      }
      return checkedInstant(readInstant(raw), String(raw));
    },
    write(value) {
      if (typeof value !== 'string')
        throw new TransformFailure(
          'invalid_date',
          `${JSON.stringify(value)} is not an ISO instant`,
        );
      const parts = parseIso(value);
      const ms = parts.offset === undefined ? parts.local : parts.local - parts.offset * MINUTE;
      if (format === 'unix_seconds') return Math.floor(ms / 1000);
      if (format === 'unix_milliseconds') return ms;
      const utc = new Date(ms).toISOString();
      if (format === 'iso') {
        if (zone !== undefined)
          return DateTime.fromMillis(ms, { zone }).toISO({ includeOffset: false });
        return isoSuffix === 'Z' ? utc : `${utc.slice(0, -1)}${isoSuffix}`;
      }
      return DateTime.fromMillis(ms, { zone: zone ?? 'utc' }).toFormat(format);
    },
  };
}

/** A codec for `{ type: 'date' }`: calendar dates stay calendar dates. */
export function calendarDateCodec(transform: CalendarDateTransform): ValueCodec {
  const format = transform.format === 'iso' ? 'yyyy-MM-dd' : transform.format;
  const parse = (text: string, as: string) => {
    const day = DateTime.fromFormat(text.trim(), as, { zone: 'utc' });
    if (!day.isValid)
      throw new TransformFailure(
        'invalid_date',
        `"${text}" does not match the format ${as} (${day.invalidReason ?? 'invalid'})`,
      );
    return day;
  };
  return {
    read(raw) {
      if (typeof raw !== 'string')
        throw new TransformFailure('invalid_date', `${JSON.stringify(raw)} is not date text`);
      return parse(raw, format).toISODate();
    },
    write(value) {
      if (typeof value !== 'string')
        throw new TransformFailure('invalid_date', `${JSON.stringify(value)} is not a date`);
      return parse(value, 'yyyy-MM-dd').toFormat(format);
    },
  };
}
