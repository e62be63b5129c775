#!/usr/bin/env node
import { CliUsageError, HELP, parseCliArgs } from './cli-args.js';
import { DEMO_LOGIN, DEMO_TOKEN } from './github/options.js';
import { HUBSPOT_DEMO_CLIENT_ID, HUBSPOT_DEMO_TOKEN } from './hubspot/options.js';
import { SALESFORCE_DEMO_CLIENT_ID, SALESFORCE_DEMO_TOKEN } from './salesforce/options.js';
import { SLACK_DEMO_CLIENT_ID, SLACK_DEMO_TOKEN } from './slack/options.js';
import { startSandbox } from './sandbox.js';

/** The usual exit code for a wrong command line (bash builtins, getopt-based tools). */
const USAGE_EXIT = 2;
/** Past this a stop that hangs is cut short: every wait has a cap. */
const STOP_TIMEOUT_MS = 5_000;

async function main(): Promise<void> {
  let command;
  try {
    command = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CliUsageError) {
      process.stderr.write(
        `joinery-sandbox: ${error.message}\nRun joinery-sandbox --help for the flags.\n`,
      );
      process.exitCode = USAGE_EXIT;
      return;
    }
    throw error;
  }
  if (command.kind === 'help') {
    process.stdout.write(HELP);
    return;
  }

  const sandbox = await startSandbox({ port: command.port, host: command.host });
  // Listen for signals before announcing the URL: whoever reads the banner may stop us at once.
  const stop = (signal: NodeJS.Signals) => {
    process.stdout.write(`Received ${signal}, stopping.\n`);
    setTimeout(() => process.exit(1), STOP_TIMEOUT_MS).unref();
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`joinery-sandbox: could not stop cleanly: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.write(
    [
      `Joinery sandbox listening on ${sandbox.url}`,
      `  GitHub API:  ${sandbox.url}/github`,
      `  Demo token:  ${DEMO_TOKEN} (user ${DEMO_LOGIN})`,
      `  Try:         curl -H "Authorization: Bearer ${DEMO_TOKEN}" ${sandbox.url}/github/user`,
      `  Slack API:   ${sandbox.url}/slack/api/<method>`,
      `  Demo token:  ${SLACK_DEMO_TOKEN} (OAuth client_id ${SLACK_DEMO_CLIENT_ID})`,
      `  HubSpot API: ${sandbox.url}/hubspot/crm/v3/objects/contacts`,
      `  Demo token:  ${HUBSPOT_DEMO_TOKEN} (OAuth client_id ${HUBSPOT_DEMO_CLIENT_ID})`,
      `  Salesforce:  ${sandbox.url}/salesforce (instance URL)`,
      `  Demo token:  ${SALESFORCE_DEMO_TOKEN} (OAuth client_id ${SALESFORCE_DEMO_CLIENT_ID})`,
      '  Client secrets and every route: joinery-sandbox --help',
      `  Control API: ${sandbox.url}/_sandbox (faults, recorded requests, reset)`,
      'Stop with Ctrl-C.',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  const code = (error as { code?: unknown }).code;
  const hint =
    code === 'EADDRINUSE'
      ? ' The port is taken: pick another with --port, or --port 0 for any free one.'
      : code === 'EADDRNOTAVAIL'
        ? ' That address is not on this machine: check --host.'
        : '';
  process.stderr.write(
    `joinery-sandbox: could not start: ${error instanceof Error ? error.message : String(error)}.${hint}\n`,
  );
  process.exitCode = 1;
});
