import { describe, expect, it } from 'vitest';
import { CliUsageError, DEFAULT_HOST, DEFAULT_PORT, parseCliArgs } from './cli-args.js';

describe('parseCliArgs', () => {
  it('defaults to port 4010 on loopback', () => {
    expect(parseCliArgs([])).toEqual({ kind: 'start', port: DEFAULT_PORT, host: DEFAULT_HOST });
    expect(DEFAULT_PORT).toBe(4010);
  });

  it('reads --port and --host, spaced or with =', () => {
    expect(parseCliArgs(['--port', '0', '--host', '::1'])).toEqual({
      kind: 'start',
      port: 0,
      host: '::1',
    });
    expect(parseCliArgs(['--port=5000'])).toEqual({
      kind: 'start',
      port: 5000,
      host: DEFAULT_HOST,
    });
  });

  it('answers --help whatever else is there', () => {
    expect(parseCliArgs(['--port', '1', '--help'])).toEqual({ kind: 'help' });
    expect(parseCliArgs(['-h'])).toEqual({ kind: 'help' });
  });

  it.each([
    [['--prot', '1'], /Unknown argument "--prot"/],
    [['--port'], /--port needs a value/],
    [['--port', '--host', 'x'], /--port needs a value/],
    [['--port', '70000'], /0 to 65535/],
    [['--port', '12ab'], /0 to 65535/],
    [['--host='], /--host needs a value/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(CliUsageError);
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});
