import { describe, expect, it } from 'vitest';
import { UsageError } from '../command.js';
import { parseLimit, requireId } from './arguments.js';

function usageError(call: () => unknown): UsageError {
  try {
    call();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
}

describe('parseLimit', () => {
  it('takes 1 to 1000, and 50 when absent', () => {
    expect(parseLimit(undefined, 'runs')).toBe(50);
    expect(parseLimit('1', 'runs')).toBe(1);
    expect(parseLimit('1000', 'runs')).toBe(1000);
  });

  it.each(['0', '1001', '-1', '1e2', ' 5', '5.0', '0x10', ''])(
    'refuses %j, naming the value and the command whose help to read',
    (value) => {
      const error = usageError(() => parseLimit(value, 'dead-letters'));
      expect(error.message).toBe(
        `--limit takes a whole number from 1 to 1000, not ${JSON.stringify(value)}.`,
      );
      expect(error.command).toBe('dead-letters');
    },
  );

  it('keeps the bounds a command passes', () => {
    const bounds = { max: 200, fallback: 20 };
    expect(parseLimit(undefined, 'logs', bounds)).toBe(20);
    expect(parseLimit('200', 'logs', bounds)).toBe(200);
    expect(usageError(() => parseLimit('201', 'logs', bounds)).message).toContain('1 to 200,');
  });
});

describe('requireId', () => {
  it('answers the first positional, or says what the command needs', () => {
    expect(requireId(['run_1', 'extra'], 'runs show', 'the run id (run_…)')).toBe('run_1');
    const error = usageError(() => requireId([], 'runs show', 'the run id (run_…)'));
    expect(error.message).toBe('runs show needs the run id (run_…).');
    expect(error.command).toBe('runs show');
  });
});
