/**
 * A refresh storm: several Joinery processes on one PostgreSQL, one OAuth connection to a real
 * oidc-provider (refresh-token rotation with reuse detection on), and hundreds of concurrent calls
 * fired at each moment of token expiry. Reports refresh grants per expiry at the provider, failed
 * calls, and the latency the expiry adds over the same burst on a fresh token.
 *
 * Prints a table on stderr and one JSON object on stdout, and writes the JSON to
 * bench/results/refresh-storm.json. Never fails on the figures; see bench/README.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runRefreshStorm } from '@joinery/server/testing';

const HELP = `Usage: npm run bench:refresh-storm -- [options]

Runs several Joinery processes on a fresh PostgreSQL database (the machine's test server), connects
one tenant to oidc-provider through the Connect page, then fires a burst of concurrent calls at
each moment the access token expires, and the same burst again on the renewed token.

Options:
  --processes <n>   Joinery processes sharing the database (default 3, at most 8)
  --calls <n>       calls per burst, spread over the processes (default 300, at most 2000)
  --expiries <n>    expiries stormed (default 3, at most 10)
  --ttl <s>         access token lifetime in seconds (default 20, from 5 to 120); a burst
                    should fit inside half of it, or the baseline burst meets renewals too
  --help            this text

Output: a table on stderr, one JSON object on stdout, and bench/results/refresh-storm.json.`;

function bounded(raw: string, name: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`--${name} must be a whole number from ${min} to ${max}`);
  return value;
}

const { values } = parseArgs({
  options: {
    processes: { type: 'string', default: '3' },
    calls: { type: 'string', default: '300' },
    expiries: { type: 'string', default: '3' },
    ttl: { type: 'string', default: '20' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}

const settings = {
  processes: bounded(values.processes, 'processes', 1, 8),
  callsPerExpiry: bounded(values.calls, 'calls', 1, 2000),
  expiries: bounded(values.expiries, 'expiries', 1, 10),
  accessTokenTtlSeconds: bounded(values.ttl, 'ttl', 5, 120),
};
const log = (line: string) => process.stderr.write(`${line}\n`);
const loadAverageAtStart = loadavg()[0] ?? 0;
const result = await runRefreshStorm({ ...settings, log });

const rows: [string, string][] = [
  ['processes × calls per burst', `${result.processes} × ${result.callsPerExpiry}`],
  ['token lifetime', `${result.accessTokenTtlSeconds} s`],
  ['refresh grants per expiry', result.refreshGrantsPerExpiry.join(', ')],
  ['refresh grants during baselines', String(result.refreshGrantsDuringBaseline)],
  ['failed calls', `${result.failedCalls} of ${result.calls}`],
  ['grants revoked by the provider', String(result.revokedGrants)],
  [
    'baseline p50 / p95 / max',
    `${result.baseline.medianMs} / ${result.baseline.p95Ms} / ${result.baseline.maxMs} ms`,
  ],
  [
    'at expiry p50 / p95 / max',
    `${result.atExpiry.medianMs} / ${result.atExpiry.p95Ms} / ${result.atExpiry.maxMs} ms`,
  ],
  ['added at expiry p50 / p95', `${result.addedMedianMs} / ${result.addedP95Ms} ms`],
];
const width = Math.max(...rows.map(([label]) => label.length));
log('');
for (const [label, value] of rows) log(`${label.padEnd(width)}  ${value}`);
if (result.failedCalls > 0) log(`!!! failures: ${JSON.stringify(result.failures)}`);
if (result.grantErrors.length > 0)
  log(`!!! refused token requests: ${result.grantErrors.join('; ')}`);

const output = {
  benchmark: 'refresh-storm',
  at: new Date().toISOString(),
  cores: availableParallelism(),
  loadAverageAtStart,
  ...result,
};
const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
await mkdir(resultsDir, { recursive: true });
await writeFile(join(resultsDir, 'refresh-storm.json'), `${JSON.stringify(output, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(output)}\n`);
