// docker's tables: Go's text/tabwriter as docker's formatter sets it up (minwidth 10, tabwidth 1,
// padding 3, padded with spaces): every column but the last is as wide as its widest cell plus 3,
// and at least 10. Widths count characters, not bytes (tabwriter counts UTF-8 runes: "…" is one).

const MIN_WIDTH = 10;
const PADDING = 3;

/**
 * Rows of cells (the first usually the header) as lines, each ending with a newline. `top` sets the
 * minimum width to 20, as docker's does.
 */
export function tabulate(rows: readonly (readonly string[])[], minWidth = MIN_WIDTH): string {
  const columns = Math.max(0, ...rows.map((row) => row.length));
  const widths: number[] = [];
  for (let column = 0; column < columns - 1; column++) {
    const widest = Math.max(0, ...rows.map((row) => (column < row.length - 1 ? width(row[column]!) : 0)));
    widths.push(Math.max(minWidth, widest + PADDING));
  }
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column < row.length - 1 ? cell + ' '.repeat(widths[column]! - width(cell)) : cell))
        .join(''),
    )
    .map((line) => `${line}\n`)
    .join('');
}

function width(text: string): number {
  return [...text].length;
}
