import { describe, expect, it } from 'vitest';
import { calendarDateCodec, datetimeCodec } from './dates.js';
import { TransformFailure } from './errors.js';
import type { DateTransform } from './types.js';

const NY = 'America/New_York';

// Real formats: a CRM's MM/DD/YYYY, an ERP's YYYY-MM-DD, a ticketing system's Unix seconds,
// JavaScript milliseconds, an email platform's ISO with offsets, Salesforce's +0000.
const reads: [name: string, transform: DateTransform, raw: unknown, expected: string][] = [
  [
    'HubSpot ISO Z',
    { type: 'datetime', format: 'iso' },
    '2024-01-15T10:30:00.000Z',
    '2024-01-15T10:30:00.000Z',
  ],
  [
    'Salesforce +0000',
    { type: 'datetime', format: 'iso' },
    '2024-01-15T10:30:00.000+0000',
    '2024-01-15T10:30:00.000Z',
  ],
  [
    'offset with colon',
    { type: 'datetime', format: 'iso' },
    '2024-01-15T12:30:00+02:00',
    '2024-01-15T10:30:00.000Z',
  ],
  [
    'negative offset, next UTC day',
    { type: 'datetime', format: 'iso' },
    '2024-12-31T20:00:00-05:00',
    '2025-01-01T01:00:00.000Z',
  ],
  [
    'offset +05:45 (Nepal)',
    { type: 'datetime', format: 'iso' },
    '2024-01-15T16:15:00+05:45',
    '2024-01-15T10:30:00.000Z',
  ],
  [
    'microseconds truncated',
    { type: 'datetime', format: 'iso' },
    '2024-01-15T10:30:00.123999Z',
    '2024-01-15T10:30:00.123Z',
  ],
  [
    'no seconds',
    { type: 'datetime', format: 'iso' },
    '2024-01-15T10:30Z',
    '2024-01-15T10:30:00.000Z',
  ],
  [
    'zone-less ISO read in New York (winter, -05:00)',
    { type: 'datetime', format: 'iso', zone: NY },
    '2024-01-15T10:30:00',
    '2024-01-15T15:30:00.000Z',
  ],
  [
    'zone-less ISO read in New York (summer, -04:00)',
    { type: 'datetime', format: 'iso', zone: NY },
    '2024-07-15T10:30:00',
    '2024-07-15T14:30:00.000Z',
  ],
  [
    'ISO date only, UTC midnight',
    { type: 'datetime', format: 'iso' },
    '2024-03-10',
    '2024-03-10T00:00:00.000Z',
  ],
  [
    'unix seconds (number)',
    { type: 'datetime', format: 'unix_seconds' },
    1705314600,
    '2024-01-15T10:30:00.000Z',
  ],
  [
    'unix seconds (string)',
    { type: 'datetime', format: 'unix_seconds' },
    '1705314600',
    '2024-01-15T10:30:00.000Z',
  ],
  [
    'unix seconds with fraction',
    { type: 'datetime', format: 'unix_seconds' },
    1705314600.25,
    '2024-01-15T10:30:00.250Z',
  ],
  [
    'unix milliseconds',
    { type: 'datetime', format: 'unix_milliseconds' },
    1705314600123,
    '2024-01-15T10:30:00.123Z',
  ],
  [
    'unix milliseconds (string, HubSpot v1)',
    { type: 'datetime', format: 'unix_milliseconds' },
    '1705314600123',
    '2024-01-15T10:30:00.123Z',
  ],
  ['before 1970', { type: 'datetime', format: 'unix_seconds' }, -86400, '1969-12-31T00:00:00.000Z'],
  [
    'MM/DD/YYYY in UTC',
    { type: 'datetime', format: 'MM/dd/yyyy' },
    '03/10/2024',
    '2024-03-10T00:00:00.000Z',
  ],
  [
    'MM/DD/YYYY in New York',
    { type: 'datetime', format: 'MM/dd/yyyy', zone: NY },
    '01/15/2024',
    '2024-01-15T05:00:00.000Z',
  ],
  [
    'M/d/yyyy short',
    { type: 'datetime', format: 'M/d/yyyy', zone: NY },
    '7/4/2024',
    '2024-07-04T04:00:00.000Z',
  ],
  [
    'YYYY-MM-DD in Tokyo (previous UTC day)',
    { type: 'datetime', format: 'yyyy-MM-dd', zone: 'Asia/Tokyo' },
    '2024-01-15',
    '2024-01-14T15:00:00.000Z',
  ],
  [
    'leap day',
    { type: 'datetime', format: 'MM/dd/yyyy' },
    '02/29/2024',
    '2024-02-29T00:00:00.000Z',
  ],
  // DST, America/New_York 2024: clocks go 02:00 → 03:00 on 10 March, 02:00 → 01:00 on 3 November.
  [
    'gap, compatible: 02:30 moves to 03:30 EDT',
    { type: 'datetime', format: 'MM/dd/yyyy HH:mm', zone: NY },
    '03/10/2024 02:30',
    '2024-03-10T07:30:00.000Z',
  ],
  [
    'gap, later: same as compatible',
    { type: 'datetime', format: 'MM/dd/yyyy HH:mm', zone: NY, disambiguation: 'later' },
    '03/10/2024 02:30',
    '2024-03-10T07:30:00.000Z',
  ],
  [
    'gap, earlier: 02:30 moves to 01:30 EST',
    { type: 'datetime', format: 'MM/dd/yyyy HH:mm', zone: NY, disambiguation: 'earlier' },
    '03/10/2024 02:30',
    '2024-03-10T06:30:00.000Z',
  ],
  [
    'just before the gap',
    { type: 'datetime', format: 'MM/dd/yyyy HH:mm', zone: NY },
    '03/10/2024 01:59',
    '2024-03-10T06:59:00.000Z',
  ],
  [
    'first minute after the gap',
    { type: 'datetime', format: 'MM/dd/yyyy HH:mm', zone: NY },
    '03/10/2024 03:00',
    '2024-03-10T07:00:00.000Z',
  ],
  [
    'overlap, compatible: the earlier 01:30 (EDT)',
    { type: 'datetime', format: 'MM/dd/yyyy HH:mm', zone: NY },
    '11/03/2024 01:30',
    '2024-11-03T05:30:00.000Z',
  ],
  [
    'overlap, earlier: EDT',
    { type: 'datetime', format: 'MM/dd/yyyy HH:mm', zone: NY, disambiguation: 'earlier' },
    '11/03/2024 01:30',
    '2024-11-03T05:30:00.000Z',
  ],
  [
    'overlap, later: EST',
    { type: 'datetime', format: 'MM/dd/yyyy HH:mm', zone: NY, disambiguation: 'later' },
    '11/03/2024 01:30',
    '2024-11-03T06:30:00.000Z',
  ],
  [
    'after the overlap',
    { type: 'datetime', format: 'MM/dd/yyyy HH:mm', zone: NY },
    '11/03/2024 02:00',
    '2024-11-03T07:00:00.000Z',
  ],
  [
    'zone-less ISO in the overlap (Europe/Berlin)',
    { type: 'datetime', format: 'iso', zone: 'Europe/Berlin' },
    '2024-10-27T02:30:00',
    '2024-10-27T00:30:00.000Z',
  ],
  [
    'southern hemisphere gap (Sydney, 6 Oct 2024 02:30)',
    { type: 'datetime', format: 'iso', zone: 'Australia/Sydney' },
    '2024-10-06T02:30:00',
    '2024-10-05T16:30:00.000Z',
  ],
  [
    'an offset in the text wins over the zone',
    { type: 'datetime', format: 'iso', zone: NY },
    '2024-03-10T02:30:00Z',
    '2024-03-10T02:30:00.000Z',
  ],
];

const failures: [name: string, transform: DateTransform, raw: unknown, reason: string][] = [
  [
    '30 February (Date.parse would roll over)',
    { type: 'datetime', format: 'iso' },
    '2024-02-30T00:00:00Z',
    'invalid_date',
  ],
  [
    '30 February in the unified form itself',
    { type: 'datetime', format: 'iso' },
    '2024-02-30T00:00:00.000Z',
    'invalid_date',
  ],
  ['year 0000', { type: 'datetime', format: 'iso' }, '0000-01-01T00:00:00.000Z', 'invalid_date'],
  ['month 13', { type: 'datetime', format: 'iso' }, '2024-13-01T00:00:00Z', 'invalid_date'],
  ['hour 24', { type: 'datetime', format: 'iso' }, '2024-01-01T24:00:00Z', 'invalid_date'],
  [
    'offset +25:00',
    { type: 'datetime', format: 'iso' },
    '2024-01-01T10:00:00+25:00',
    'invalid_date',
  ],
  ['not ISO', { type: 'datetime', format: 'iso' }, 'Jan 15 2024', 'invalid_date'],
  [
    'MM/DD given to a DD/MM field',
    { type: 'datetime', format: 'dd/MM/yyyy' },
    '03/15/2024',
    'invalid_date',
  ],
  [
    '29 February in a non-leap year',
    { type: 'datetime', format: 'MM/dd/yyyy' },
    '02/29/2023',
    'invalid_date',
  ],
  [
    'milliseconds in a seconds field',
    { type: 'datetime', format: 'unix_seconds' },
    1705314600123,
    'invalid_date',
  ],
  [
    'text in a unix field',
    { type: 'datetime', format: 'unix_seconds' },
    'yesterday',
    'invalid_date',
  ],
  ['a number in a text format', { type: 'datetime', format: 'iso' }, 20240115, 'invalid_date'],
  [
    'gap, reject',
    { type: 'datetime', format: 'MM/dd/yyyy HH:mm', zone: NY, disambiguation: 'reject' },
    '03/10/2024 02:30',
    'nonexistent_local_time',
  ],
  [
    'overlap, reject',
    { type: 'datetime', format: 'MM/dd/yyyy HH:mm', zone: NY, disambiguation: 'reject' },
    '11/03/2024 01:30',
    'ambiguous_local_time',
  ],
];

const writes: [name: string, transform: DateTransform, value: string, expected: unknown][] = [
  [
    'ISO Z',
    { type: 'datetime', format: 'iso' },
    '2024-01-15T10:30:00.000Z',
    '2024-01-15T10:30:00.000Z',
  ],
  [
    'Salesforce +0000',
    { type: 'datetime', format: 'iso', isoOffset: '+0000' },
    '2024-01-15T10:30:00.000Z',
    '2024-01-15T10:30:00.000+0000',
  ],
  [
    'unix seconds',
    { type: 'datetime', format: 'unix_seconds' },
    '2024-01-15T10:30:00.900Z',
    1705314600,
  ],
  [
    'unix milliseconds',
    { type: 'datetime', format: 'unix_milliseconds' },
    '2024-01-15T10:30:00.123Z',
    1705314600123,
  ],
  [
    'MM/dd/yyyy in New York (evening UTC is the same local day)',
    { type: 'datetime', format: 'MM/dd/yyyy', zone: NY },
    '2024-01-16T03:00:00.000Z',
    '01/15/2024',
  ],
  [
    'local time in New York after fall-back',
    { type: 'datetime', format: 'MM/dd/yyyy HH:mm', zone: NY },
    '2024-11-03T06:30:00.000Z',
    '11/03/2024 01:30',
  ],
  [
    'zone-less ISO in New York',
    { type: 'datetime', format: 'iso', zone: NY },
    '2024-07-15T14:30:00.000Z',
    '2024-07-15T10:30:00.000',
  ],
];

describe('datetime transform', () => {
  it.each(reads)('reads %s', (_name, transform, raw, expected) => {
    expect(datetimeCodec(transform).read(raw)).toBe(expected);
  });

  it.each(failures)('refuses %s', (_name, transform, raw, reason) => {
    const read = () => datetimeCodec(transform).read(raw);
    expect(read).toThrow(TransformFailure);
    expect(read).toThrow(expect.objectContaining({ reason }) as Error);
  });

  it.each(writes)('writes %s', (_name, transform, value, expected) => {
    expect(datetimeCodec(transform).write(value)).toBe(expected);
  });

  it('writes every value it read so that reading it again gives the same instant', () => {
    // Whole Unix seconds cannot hold milliseconds: a fractional second is the one loss.
    const holdable = reads.filter(
      ([, t, , expected]) => t.format !== 'unix_seconds' || expected.endsWith('.000Z'),
    );
    expect(holdable.length).toBe(reads.length - 1);
    for (const [name, transform, , expected] of holdable) {
      const codec = datetimeCodec(transform);
      expect(codec.read(codec.write(expected)), name).toBe(expected);
    }
  });

  it('refuses an unknown zone when the mapping is compiled, not per record', () => {
    expect(() => datetimeCodec({ type: 'datetime', format: 'iso', zone: 'Mars/Olympus' })).toThrow(
      /not an IANA time zone/,
    );
  });
});

describe('calendar date transform', () => {
  const cases: [format: string, raw: string, unified: string][] = [
    ['MM/dd/yyyy', '03/10/2024', '2024-03-10'],
    ['iso', '2024-03-10', '2024-03-10'],
    ['dd.MM.yyyy', '10.03.2024', '2024-03-10'],
  ];
  it.each(cases)('%s: %s ↔ %s, never shifted through a zone', (format, raw, unified) => {
    const codec = calendarDateCodec({ type: 'date', format });
    expect(codec.read(raw)).toBe(unified);
    expect(codec.write(unified)).toBe(raw);
  });

  it('refuses an impossible date', () => {
    expect(() =>
      calendarDateCodec({ type: 'date', format: 'MM/dd/yyyy' }).read('02/30/2024'),
    ).toThrow(/does not match the format/);
  });
});
