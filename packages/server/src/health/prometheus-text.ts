/**
 * A strict parser of the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/), for tests: every line must be a
 * HELP, a TYPE, or a sample of a family declared by a TYPE line before it; anything else throws.
 */

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  help: string | null;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  samples: PromSample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
const HELP_LINE = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE_LINE = new RegExp(`^(${NAME})(\\{(.*)\\})? (\\S+)( -?\\d+)?$`);
const LABEL_PAIR = new RegExp(`^(${LABEL})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`);

function parseValue(raw: string, line: number): number {
  if (raw === '+Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  if (raw === 'NaN') return NaN;
  if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw))
    throw new Error(`line ${line}: "${raw}" is not a sample value`);
  return Number(raw);
}

function parseLabels(raw: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = raw;
  while (rest.length > 0) {
    const match = LABEL_PAIR.exec(rest);
    if (!match) throw new Error(`line ${line}: bad label syntax at "${rest}"`);
    const [whole, name, escaped] = match as unknown as [string, string, string];
    if (name in labels) throw new Error(`line ${line}: label "${name}" repeated`);
    labels[name] = escaped.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(whole.length);
    if (rest.startsWith(',')) rest = rest.slice(1);
    else if (rest.length > 0) throw new Error(`line ${line}: expected "," at "${rest}"`);
  }
  return labels;
}

/** The family a sample belongs to: histogram and summary samples carry a suffix. */
function familyOf(name: string, families: Map<string, PromFamily>): PromFamily | undefined {
  const direct = families.get(name);
  if (direct) return direct;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const family = families.get(name.slice(0, -suffix.length));
    if (
      family &&
      (family.type === 'histogram' || (family.type === 'summary' && suffix !== '_bucket'))
    )
      return family;
  }
  return undefined;
}

export function parsePrometheusText(text: string): Map<string, PromFamily> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, PromFamily>();
  const typed = new Set<string>();
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, index) => {
    const n = index + 1;
    if (line === '') return;
    const help = HELP_LINE.exec(line);
    if (help) {
      const [, name, doc] = help as unknown as [string, string, string];
      const family = families.get(name);
      if (family?.help != null) throw new Error(`line ${n}: second HELP for ${name}`);
      if (family) family.help = doc;
      else families.set(name, { name, help: doc, type: 'untyped', samples: [] });
      return;
    }
    const type = TYPE_LINE.exec(line);
    if (type) {
      const [, name, kind] = type as unknown as [string, string, PromFamily['type']];
      const family = families.get(name);
      if (family && family.samples.length > 0)
        throw new Error(`line ${n}: TYPE for ${name} after its samples`);
      if (typed.has(name)) throw new Error(`line ${n}: second TYPE for ${name}`);
      typed.add(name);
      if (family) family.type = kind;
      else families.set(name, { name, help: null, type: kind, samples: [] });
      return;
    }
    if (line.startsWith('#')) return; // a comment
    const sample = SAMPLE_LINE.exec(line);
    if (!sample) throw new Error(`line ${n}: not a HELP, TYPE or sample line: "${line}"`);
    const [, name, , labels, value] = sample as unknown as [
      string,
      string,
      string | undefined,
      string | undefined,
      string,
    ];
    const family = familyOf(name, families);
    if (!family || !typed.has(family.name))
      throw new Error(`line ${n}: sample ${name} has no TYPE line before it`);
    const parsed = parseValue(value, n);
    if (family.type === 'counter' && !(parsed >= 0))
      throw new Error(`line ${n}: counter ${name} is ${value}`);
    const sampleLabels = labels === undefined ? {} : parseLabels(labels, n);
    if (name.endsWith('_bucket') && sampleLabels.le === undefined)
      throw new Error(`line ${n}: histogram bucket without "le"`);
    family.samples.push({ name, labels: sampleLabels, value: parsed });
  });
  for (const family of families.values())
    if (family.help === null) throw new Error(`${family.name} has no HELP line`);
  return families;
}
