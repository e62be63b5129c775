import { describe, expect, it } from 'vitest';
import { renderTable, terminalSafe, truncate, writePage } from './output.js';

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

describe('writePage', () => {
  function capture() {
    const out = { stdout: '', stderr: '' };
    const io = {
      stdout: { write: (chunk: string) => (out.stdout += chunk) },
      stderr: { write: (chunk: string) => (out.stderr += chunk) },
    };
    return { io, out };
  }
  const view = {
    empty: 'No things.\n',
    header: ['ID', 'NAME'],
    row: (item: { id: string; name: string }) => [item.id, item.name],
  };
  const page = { data: [{ id: 't_1', name: 'one\u001b[2J' }], nextCursor: 'c2' };

  it('prints the table, safe for the terminal, and says on stderr where the next page is', () => {
    const { io, out } = capture();
    writePage(io, page, { ...view, json: false, more: 'joinery things' });
    expect(out.stdout).toBe('ID   NAME\nt_1  one?[2J\n');
    expect(out.stderr).toBe('(more: joinery things --cursor c2)\n');
  });

  it('prints the page as JSON, the cursor included, with nothing on stderr', () => {
    const { io, out } = capture();
    writePage(io, page, { ...view, json: true, more: 'joinery things' });
    expect(JSON.parse(out.stdout)).toEqual(page);
    expect(out.stderr).toBe('');
  });

  it('says there is nothing, and names no next page when the command takes no cursor', () => {
    const empty = capture();
    writePage(empty.io, { data: [], nextCursor: null }, { ...view, json: false });
    expect(empty.out.stdout).toBe('No things.\n');
    const noCursor = capture();
    writePage(noCursor.io, page, { ...view, json: undefined });
    expect(noCursor.out.stderr).toBe('');
  });
});
