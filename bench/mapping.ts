/**
 * How fast field mappings run: HubSpot contacts (the connector's own mapping) imported into
 * unified Contacts with `applyMapping`, against a hand-written function doing the same work (the
 * baseline), plus export and a variant with one JSONata rule (`applyMappingAsync`). In-process,
 * CPU only. Prints a table (stderr) and JSON (stdout), writes bench/results/mapping.json; never
 * fails on its figures. See bench/README.md.
 */
import { hubspot } from '@joinery/connectors';
import { applyMapping, applyMappingAsync, type FieldMapping } from '@joinery/data';
import { describeRun, fmt, pad, positiveFlag, runBenchmark } from './harness.js';
import { median, round } from './stats.js';

interface Settings {
  records: number;
  rounds: number;
  maxSecondsPerPhase: number;
}

const help = `mapping: records/s of HubSpot contact → Contact mapping, against a hand-written mapper

  --records <n>      records per phase and round (default 100000)
  --rounds <n>       rounds, each running every phase once (default 3)
  --max-seconds <n>  a phase stops early after this many seconds (default 10)

Output: a table on stderr, one JSON object on stdout, and bench/results/mapping.json.`;

const STAGES = ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'customer'];

function wireContacts(count: number) {
  const start = Date.UTC(2024, 0, 1);
  return Array.from({ length: count }, (_, n) => ({
    id: String(1000 + n),
    properties: {
      company: n % 7 === 0 ? null : `Company ${n % 500}`,
      createdate: new Date(start + n * 61_000).toISOString(),
      email: `contact-${n}@example.com`,
      firstname: `First${n}`,
      hs_lead_status: n % 3 === 0 ? 'IN_PROGRESS' : n % 3 === 1 ? 'NEW' : '',
      hs_object_id: String(1000 + n),
      jobtitle: n % 5 === 0 ? '' : 'Engineer',
      lastmodifieddate: new Date(start + n * 61_000 + 5_000).toISOString(),
      lastname: `Last${n}`,
      lifecyclestage: STAGES[n % STAGES.length] as string,
      phone: n % 2 === 0 ? null : `+1 555 ${String(n % 10_000).padStart(4, '0')}`,
    },
    createdAt: new Date(start + n * 61_000).toISOString(),
    updatedAt: new Date(start + n * 61_000 + 5_000).toISOString(),
    archived: false,
  }));
}

type Wire = ReturnType<typeof wireContacts>[number];

const STAGE_NAMES: Record<string, string> = {
  subscriber: 'subscriber',
  lead: 'lead',
  marketingqualifiedlead: 'marketing_qualified_lead',
  salesqualifiedlead: 'sales_qualified_lead',
  opportunity: 'opportunity',
  customer: 'customer',
  evangelist: 'evangelist',
  other: 'other',
};
const text = (value: string | null | undefined) =>
  value === null || value === undefined || value.trim() === '' ? null : value;
const instant = (value: string | null | undefined) => {
  const t = text(value);
  return t === null ? null : new Date(t).toISOString();
};

/** What a person would write by hand for the same mapping (less its error reporting). */
function handWritten(record: Wire): Record<string, unknown> {
  const p = record.properties;
  const stage = text(p.lifecyclestage);
  const status = text(p.hs_lead_status);
  return {
    custom: {},
    id: record.id,
    firstName: text(p.firstname),
    lastName: text(p.lastname),
    email: text(p.email),
    phone: text(p.phone),
    companyName: text(p.company),
    jobTitle: text(p.jobtitle),
    lifecycleStage: stage === null ? null : (STAGE_NAMES[stage.toLowerCase()] ?? null),
    leadStatus: status === null ? null : status.toLowerCase(),
    createdAt: instant(p.createdate),
    updatedAt: instant(p.lastmodifieddate),
  };
}

function perSecond(count: number, ms: number) {
  return ms === 0 ? 0 : (count / ms) * 1000;
}

async function timed(
  records: readonly unknown[],
  maxMs: number,
  map: (record: unknown) => unknown,
): Promise<{ count: number; ms: number }> {
  const started = performance.now();
  let count = 0;
  for (const record of records) {
    const out = map(record);
    if (out instanceof Promise) await out;
    count += 1;
    if ((count & 1023) === 0 && performance.now() - started > maxMs) break;
  }
  return { count, ms: performance.now() - started };
}

const PHASES = ['hand_written', 'import', 'export', 'import_with_jsonata'] as const;
type Phase = (typeof PHASES)[number];

async function measure(settings: Settings) {
  const run = describeRun('mapping');
  const mapping = hubspot.mappings.contacts?.mapping;
  if (mapping === undefined) throw new Error('the HubSpot connector has no contacts mapping');
  const withExpression: FieldMapping = {
    ...mapping,
    id: 'bench.hubspot.contacts.jsonata',
    rules: mapping.rules.map((rule) =>
      rule.field === 'companyName'
        ? {
            field: 'companyName',
            importExpression: 'properties.company',
            direction: 'import',
          }
        : rule,
    ),
  };
  const wire = wireContacts(settings.records);
  const unified = wire.map((record) => applyMapping(mapping, record, { direction: 'import' }));
  // The engine and the baseline must agree, or the comparison means nothing.
  for (const [index, record] of wire.slice(0, 1000).entries()) {
    const a = JSON.stringify(handWritten(record));
    const b = JSON.stringify(applyMapping(mapping, record, { direction: 'import' }));
    if (a !== b)
      throw new Error(`record ${index}: the hand-written mapper gives ${a}, applyMapping ${b}`);
  }
  const maxMs = settings.maxSecondsPerPhase * 1000;
  const phases: Record<Phase, (record: unknown) => unknown> = {
    hand_written: (record) => handWritten(record as Wire),
    import: (record) => applyMapping(mapping, record, { direction: 'import' }),
    export: (record) => applyMapping(mapping, record, { direction: 'export' }),
    import_with_jsonata: (record) =>
      applyMappingAsync(withExpression, record, { direction: 'import' }),
  };
  const rounds: Record<Phase, number>[] = [];
  for (let round_ = 0; round_ < settings.rounds; round_ += 1) {
    const figures = {} as Record<Phase, number>;
    for (const phase of PHASES) {
      const input = phase === 'export' ? unified : wire;
      const { count, ms } = await timed(input, maxMs, phases[phase]);
      figures[phase] = round(perSecond(count, ms), 0);
    }
    rounds.push(figures);
  }
  const medians = Object.fromEntries(
    PHASES.map((phase) => [phase, median(rounds.map((r) => r[phase]))]),
  ) as Record<Phase, number>;
  const baseline = medians.hand_written;
  return {
    ...run,
    settings,
    recordsPerSecond: { rounds, median: medians },
    ratios: {
      importVsHandWritten: round(medians.import / baseline, 3),
      exportVsHandWritten: round(medians.export / baseline, 3),
      jsonataImportVsHandWritten: round(medians.import_with_jsonata / baseline, 3),
    },
    secondsFor1MillionImports: round(1_000_000 / medians.import, 1),
  };
}

type Report = Awaited<ReturnType<typeof measure>>;

await runBenchmark<Settings, Report>({
  name: 'mapping',
  help,
  parseSettings(argv) {
    const settings: Settings = { records: 100_000, rounds: 3, maxSecondsPerPhase: 10 };
    for (let i = 0; i < argv.length; i += 1) {
      const flag = argv[i];
      const value = argv[i + 1] ?? '';
      if (flag === '--help' || flag === '-h') return null;
      if (flag === '--records')
        settings.records = Math.min(positiveFlag('records', value, true), 2_000_000);
      else if (flag === '--rounds')
        settings.rounds = Math.min(positiveFlag('rounds', value, true), 20);
      else if (flag === '--max-seconds')
        settings.maxSecondsPerPhase = positiveFlag('max-seconds', value, false);
      else throw new Error(`unknown flag ${flag ?? ''}; see --help`);
      i += 1;
    }
    return settings;
  },
  hardCapSeconds: (settings) =>
    60 + settings.rounds * PHASES.length * (settings.maxSecondsPerPhase + 5),
  measure: (settings) => measure(settings),
  table(report) {
    const rows = PHASES.map(
      (phase) =>
        `${phase.padEnd(22)}${pad(fmt(report.recordsPerSecond.median[phase], 0), 14)}${pad(
          fmt(
            report.recordsPerSecond.median[phase] / report.recordsPerSecond.median.hand_written,
            2,
          ),
          10,
        )}`,
    );
    return [
      `mapping: ${report.settings.records} HubSpot contacts, ${report.settings.rounds} rounds, load ${report.loadAverageAtStart.join(' ')}`,
      `${'phase'.padEnd(22)}${pad('records/s', 14)}${pad('ratio', 10)}`,
      ...rows,
      `1,000,000 imports ≈ ${report.secondsFor1MillionImports} s`,
      '',
    ].join('\n');
  },
});
