#!/usr/bin/env node
import { run } from './run.js';

const code = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdin: process.stdin,
});
process.exitCode = code;
// A library that leaves a timer or socket behind must not keep a stopped `joinery start` alive;
// unref'd, this only fires if something else is still holding the event loop.
setTimeout(() => process.exit(code), 2_000).unref();
