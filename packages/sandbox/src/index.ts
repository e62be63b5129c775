export { startSandbox } from './sandbox.js';
export type { SandboxOptions } from './sandbox.js';
export type { Sandbox } from './core/server.js';
export type { GitHubSandboxOptions } from './github/options.js';
export { DEMO_LOGIN, DEMO_TOKEN } from './github/options.js';
export type { Fault, FaultKind, FaultRule, FaultSchedule } from './core/faults.js';
export { InvalidFaultRuleError, MAX_HANG_MS, MAX_LATENCY_MS } from './core/faults.js';
export type { RecordedRequest } from './core/request-log.js';
