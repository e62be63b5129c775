import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const load = (env: Record<string, string>) => loadConfig({ JOINERY_DATA_DIR: '/tmp/x', ...env });

function refusal(env: Record<string, string>): ConfigError {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig: milliseconds settings', () => {
  it('gives each its default when unset or blank', () => {
    const config = load({ JOINERY_RUN_LEASE_MS: '  ' });
    expect(config.tokenRefreshIntervalMs).toBe(15_000);
    expect(config.healthCheckIntervalMs).toBe(60_000);
    expect(config.runLeaseMs).toBe(30_000);
  });

  it.each([
    ['JOINERY_TOKEN_REFRESH_INTERVAL_MS', '100', 'tokenRefreshIntervalMs', 100],
    ['JOINERY_TOKEN_REFRESH_INTERVAL_MS', '3600000', 'tokenRefreshIntervalMs', 3_600_000],
    ['JOINERY_HEALTH_CHECK_INTERVAL_MS', '0', 'healthCheckIntervalMs', 0],
    ['JOINERY_HEALTH_CHECK_INTERVAL_MS', '86400000', 'healthCheckIntervalMs', 86_400_000],
    ['JOINERY_RUN_LEASE_MS', '300', 'runLeaseMs', 300],
  ] as const)('takes %s=%s', (name, raw, field, expected) => {
    expect(load({ [name]: raw })[field]).toBe(expected);
  });

  it.each([
    ['JOINERY_TOKEN_REFRESH_INTERVAL_MS', '0', 'from 100 to 3600000 (default 15000)'],
    ['JOINERY_TOKEN_REFRESH_INTERVAL_MS', '1.5', 'from 100 to 3600000'],
    ['JOINERY_HEALTH_CHECK_INTERVAL_MS', '99', 'or 0 for no scheduled checks (default 60000)'],
    ['JOINERY_HEALTH_CHECK_INTERVAL_MS', 'soon', 'from 100 to 86400000'],
    ['JOINERY_RUN_LEASE_MS', '0', 'from 300 to 3600000 (default 30000)'],
    ['JOINERY_RUN_LEASE_MS', '3600001', 'from 300 to 3600000'],
  ])('refuses %s=%s, naming the setting and the bounds', (name, raw, bounds) => {
    const error = refusal({ [name]: raw });
    expect(error.setting).toBe(name);
    expect(error.message).toContain(`"${raw}" is not valid`);
    expect(error.message).toContain(bounds);
  });
});

describe('loadConfig: JOINERY_PGLITE_SHARED_BUFFERS', () => {
  it('defaults to a small cache', () => {
    expect(load({}).pgliteSharedBuffers).toBe('16MB');
  });

  it.each(['1MB', '1024kB', '256MB', '1GB'])('takes %s', (raw) => {
    expect(load({ JOINERY_PGLITE_SHARED_BUFFERS: raw }).pgliteSharedBuffers).toBe(raw);
  });

  it.each(['16', '16mb', '512kB', '2GB', "16MB' x", '-1MB'])('refuses %s', (raw) => {
    const error = refusal({ JOINERY_PGLITE_SHARED_BUFFERS: raw });
    expect(error.setting).toBe('JOINERY_PGLITE_SHARED_BUFFERS');
    expect(error.message).toContain('from 1MB to 1GB');
  });
});

describe('loadConfig: JOINERY_RUN_RETENTION_DAYS', () => {
  it('keeps runs 30 days by default', () => {
    expect(load({}).runRetentionDays).toBe(30);
    expect(load({ JOINERY_RUN_RETENTION_DAYS: ' ' }).runRetentionDays).toBe(30);
  });

  it.each([
    ['0', 0],
    ['1', 1],
    ['365', 365],
    ['36500', 36_500],
  ])('takes %s', (raw, expected) => {
    expect(load({ JOINERY_RUN_RETENTION_DAYS: raw }).runRetentionDays).toBe(expected);
  });

  it.each(['-1', '1.5', 'month', '36501', '30d'])(
    'refuses %s, naming the setting, the bounds and what 0 means',
    (raw) => {
      const error = refusal({ JOINERY_RUN_RETENTION_DAYS: raw });
      expect(error.setting).toBe('JOINERY_RUN_RETENTION_DAYS');
      expect(error.message).toContain(`"${raw}" is not valid`);
      expect(error.message).toContain(
        'whole days from 1 to 36500, or 0 for keeping runs forever (default 30)',
      );
    },
  );
});
