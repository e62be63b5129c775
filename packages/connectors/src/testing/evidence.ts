import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  EVIDENCE_FACETS,
  EVIDENCE_FORMAT_VERSION,
  evidenceFileName,
  parseSuiteEvidence,
  serializeEvidence,
  type EvidenceFacet,
  type EvidenceKind,
  type EvidenceTarget,
  type SuiteEvidence,
} from '@joinery/engine';
import { afterAll, type RunnerTask, type RunnerTestSuite } from 'vitest';

/*
 * Evidence from the suites themselves: `recordEvidence` registers an `afterAll` in the describe
 * block it is called from, and when the block is done writes one file per connector with every
 * test's final state. A failed test is written as failed, a skipped one as skipped; a block whose
 * setup failed is written as a failure. Nothing is written when the run was filtered (`-t`, a
 * file:line, tags), since a filtered run proves less than it would appear to; nor when
 * JOINERY_EVIDENCE=off. See docs/scorecards.md.
 */

declare module 'vitest' {
  interface TaskMeta {
    /** What a passing test proves beyond "the action works" (docs/scorecards.md). */
    proves?: EvidenceFacet[];
  }
}

const here = dirname(fileURLToPath(import.meta.url));
/** `packages/connectors/evidence`, from `src/testing` and from `dist/testing` alike. */
export const EVIDENCE_DIR = resolve(here, '../../evidence');
const REPO_ROOT = resolve(here, '../../../..');
const VERSION = (
  JSON.parse(readFileSync(resolve(here, '../../package.json'), 'utf8')) as { version: string }
).version;

/** Facets every test of a suite kind proves by being in it. */
const KIND_FACETS: Record<EvidenceKind, EvidenceFacet[]> = {
  contract: [],
  replay: [],
  dialect: ['errors'],
  auth: [],
  webhook: [],
};

export interface EvidenceOptions {
  /**
   * The connector the block's tests speak for; a function when one block covers several (it
   * gets each test's name and answers the connector id, or null for a test that is none's).
   */
  connector: string | ((testName: string) => string | null);
  /** Stable name, e.g. `slack.contract`. */
  suite: string;
  kind: EvidenceKind;
  /**
   * Where the requests went, read when the block ends (a sandbox's URL is only known once it is
   * up). Only the host is kept: never a credential, never the port of a sandbox.
   */
  target: () => { kind: EvidenceTarget; baseUrl?: string | undefined };
}

/** Call inside a `describe` block: its tests' outcomes become evidence when the block ends. */
export function recordEvidence(options: EvidenceOptions): void {
  // vitest reads the first parameter's destructuring for fixtures; the block is the second.
  // eslint-disable-next-line no-empty-pattern
  afterAll(({}, suite) => {
    if (process.env.JOINERY_EVIDENCE === 'off') return;
    const filter = runFilter(suite.file.filepath);
    if (filter !== null) {
      // Visible, not silent: someone running a filtered suite should know why no file changed.
      console.warn(`evidence for ${options.suite} not written: the run was filtered (${filter})`);
      return;
    }
    for (const evidence of collect(suite, options)) writeEvidence(evidence);
  });
}

/** The evidence of one finished block, per connector. Exported for the helper's own test. */
export function collect(
  suite: Readonly<RunnerTestSuite | RunnerTask>,
  options: EvidenceOptions,
  finishedAt = new Date(),
): SuiteEvidence[] {
  const target = options.target();
  const host = target.baseUrl ? new URL(target.baseUrl).hostname : undefined;
  const byConnector = new Map<string, SuiteEvidence['tests']>();
  const connectorOf = (name: string) =>
    typeof options.connector === 'string' ? options.connector : options.connector(name);
  const add = (connector: string | null, test: SuiteEvidence['tests'][number]) => {
    if (connector === null) return;
    const tests = byConnector.get(connector) ?? [];
    tests.push(test);
    byConnector.set(connector, tests);
  };
  for (const test of testsOf(suite)) {
    const proves = (test.meta.proves ?? []).filter((f) => EVIDENCE_FACETS.includes(f));
    const facets = [...new Set([...KIND_FACETS[options.kind], ...proves])].sort();
    add(connectorOf(test.name), { name: test.name, state: stateOf(test), facets });
  }
  const setupErrors = suite.result?.errors ?? [];
  if (setupErrors.length > 0) {
    // beforeAll failed: vitest marks every test skipped. That is a failure of the suite, not a skip.
    const connectors =
      typeof options.connector === 'string' ? [options.connector] : [...byConnector.keys()];
    for (const connector of connectors)
      add(connector, { name: '(suite setup)', state: 'failed', facets: [] });
  }
  const joinery = gitState();
  return [...byConnector.entries()].map(([connector, tests]) =>
    parseSuiteEvidence(
      {
        format: EVIDENCE_FORMAT_VERSION,
        connector,
        suite: options.suite,
        kind: options.kind,
        file: relative(REPO_ROOT, suite.file.filepath).split('\\').join('/'),
        target: { kind: target.kind, ...(host ? { host } : {}) },
        totals: {
          passed: tests.filter((t) => t.state === 'passed').length,
          failed: tests.filter((t) => t.state === 'failed').length,
          skipped: tests.filter((t) => t.state === 'skipped').length,
        },
        tests,
        finishedAt: finishedAt.toISOString(),
        joinery: { version: VERSION, ...joinery },
      },
      `${options.suite} (${connector})`,
    ),
  );
}

function testsOf(task: Readonly<RunnerTask>): Extract<RunnerTask, { type: 'test' }>[] {
  if (task.type === 'test') return [task];
  return 'tasks' in task ? task.tasks.flatMap((child) => testsOf(child)) : [];
}

function stateOf(test: Readonly<RunnerTask>): SuiteEvidence['tests'][number]['state'] {
  const state = test.result?.state;
  if (state === 'pass') return 'passed';
  if (state === 'skip' || state === 'todo') return 'skipped';
  if (state === undefined && (test.mode === 'skip' || test.mode === 'todo')) return 'skipped';
  // 'fail', and a test that never finished ('run', 'queued', no result): not a pass.
  return 'failed';
}

/** Writes `<EVIDENCE_DIR>/<connector>/<suite>.<target>.json` through a temporary file. */
export function writeEvidence(evidence: SuiteEvidence, dir = EVIDENCE_DIR): string {
  const folder = join(dir, evidence.connector);
  mkdirSync(folder, { recursive: true });
  const file = join(folder, evidenceFileName(evidence));
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, serializeEvidence(evidence));
  renameSync(temporary, file);
  return file;
}

interface WorkerState {
  config?: { testNamePattern?: RegExp | string; tagsFilter?: unknown };
  ctx?: {
    files?: {
      filepath: string;
      testLocations?: unknown[];
      testNamePattern?: RegExp | string;
      testIds?: unknown[];
      testTagsFilter?: unknown[];
    }[];
  };
}

/**
 * How the run was narrowed, or null when every test of the file was asked for. Read from vitest's
 * worker state, which is not a public API: when it cannot be read, that is said and treated as
 * filtered, so evidence is never written from a run Joinery cannot vouch for. `.only` cannot be
 * seen from here (CI refuses it: vitest sets allowOnly false under CI).
 */
export function runFilter(filepath: string): string | null {
  const state = (globalThis as { __vitest_worker__?: WorkerState }).__vitest_worker__;
  if (!state?.config || !state.ctx?.files)
    return "vitest's worker state cannot be read, so a filter cannot be ruled out";
  if (state.config.testNamePattern) return `-t ${String(state.config.testNamePattern)}`;
  if (Array.isArray(state.config.tagsFilter) && state.config.tagsFilter.length > 0)
    return '--tags-filter';
  const spec = state.ctx.files.find((file) => file.filepath === filepath);
  if (spec?.testNamePattern) return `-t ${String(spec.testNamePattern)}`;
  if (spec?.testLocations?.length) return `line ${spec.testLocations.join(', ')}`;
  if (spec?.testIds?.length) return 'test ids';
  if (spec?.testTagsFilter?.length) return 'tags';
  return null;
}

/** The commit checked out, and whether the tree differs from it outside the evidence files. */
function gitState(): { commit: string | null; dirty: boolean | null } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
    const changes = execFileSync(
      'git',
      ['status', '--porcelain', '--', '.', `:(exclude)${relative(REPO_ROOT, EVIDENCE_DIR)}`],
      { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return { commit, dirty: changes.trim().length > 0 };
  } catch (error) {
    // No git on the machine, or not a checkout (a package tarball): no commit to name.
    const { code, status } = error as { code?: string; status?: number };
    if (code === 'ENOENT' || status === 128) return { commit: null, dirty: null };
    throw error;
  }
}
