import { describe, expect, it } from 'vitest';
import { renderTable, terminalSafe, truncate } from './output.js';

describe('terminalSafe', () => {
  it('defuses escape sequences and flattens line breaks', () => {
    expect(terminalSafe('a\u001b[31mred\u0007\r\nnext\u009b')).toBe('a?[31mred? next?');
  });
});

describe('truncate', () => {
  it('cuts long text with an ellipsis and leaves short text alone', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });
});

describe('renderTable', () => {
  it('aligns columns without trailing spaces', () => {
    expect(
      renderTable(
        ['ID', 'STATE'],
        [
          ['conn_1', 'healthy'],
          ['c2', 'disabled'],
        ],
      ),
    ).toBe('ID      STATE\nconn_1  healthy\nc2      disabled\n');
  });
});
