export { ConfigError, loadConfig } from './config.js';
export type { JoineryConfig } from './config.js';
export { createApp } from './app.js';
export type { AppDeps, AppEnv } from './app.js';
export { startJoinery, rotateSecretKey, createLogger } from './start.js';
export type { RunningJoinery, SeedIntegration, StartOptions } from './start.js';
export { ENCRYPTION_KEY_FILE } from './encryption-key-file.js';
export { VERSION } from './version.js';
