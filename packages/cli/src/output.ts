// Tables and JSON for stdout. Every cell passes through `terminalSafe`: URLs and error messages come
// from providers, and a provider must not be able to move the cursor or retitle the terminal.
import type { CliIo } from './io.js';

/** Replaces control characters (ESC, CR, BEL…) with `?` and collapses line breaks to spaces. */
export function terminalSafe(text: string): string {
  return (
    text
      .replace(/\r?\n/g, ' ')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')
  );
}

/** Cuts `text` to `max` characters, marking the cut with `…`. */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text;
}

/** Column widths that fit the header and every row. */
export function columnWidths(header: readonly string[], rows: readonly (readonly string[])[]) {
  return header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => terminalSafe(row[column] ?? '').length)),
  );
}

/** One line of a table; the last column is not padded, so lines carry no trailing spaces. */
export function tableRow(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((cell, column) => {
      const safe = terminalSafe(cell);
      return column === cells.length - 1 ? safe : safe.padEnd(widths[column] ?? 0);
    })
    .join('  ')
    .trimEnd();
}

export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = columnWidths(header, rows);
  return [header, ...rows].map((row) => `${tableRow(row, widths)}\n`).join('');
}

export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** How a list command shows one page of its list. */
export interface PageView<T> {
  json: boolean | undefined;
  /** Printed instead of an empty table. */
  empty: string;
  header: readonly string[];
  row(item: T): string[];
  /** The command that shows the next page given `--cursor`; absent, the next page goes unmentioned. */
  more?: string;
}

/** A page as JSON, or as a table followed (on stderr) by how to see the next page. */
export function writePage<T>(
  io: Pick<CliIo, 'stdout' | 'stderr'>,
  page: { data: readonly T[]; nextCursor: string | null },
  view: PageView<T>,
): void {
  if (view.json) {
    io.stdout.write(renderJson(page));
    return;
  }
  if (page.data.length === 0) {
    io.stdout.write(view.empty);
    return;
  }
  io.stdout.write(
    renderTable(
      view.header,
      page.data.map((item) => view.row(item)),
    ),
  );
  if (view.more !== undefined && page.nextCursor !== null) {
    io.stderr.write(`(more: ${view.more} --cursor ${page.nextCursor})\n`);
  }
}
