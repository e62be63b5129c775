// The CLI as a library: `run` is what bin.ts calls, and what tests call in-process.
export { run } from './run.js';
export type { CliIo } from './io.js';
export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './io.js';
