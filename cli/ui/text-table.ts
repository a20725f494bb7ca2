// Markdown tables for the terminal, fitted to its width: columns share the width fairly and long
// cells wrap at word boundaries. (marked-terminal's own tables never wrap, so a wide one breaks
// apart once the terminal wraps its lines.)
import { stripVTControlCharacters } from 'node:util';

/** Columns a string takes in a terminal: East Asian wide characters take two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of stripVTControlCharacters(text))
    width += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(char)
      ? 2
      : 1;
  return width;
}

/** Words (split at spaces, tabs and newlines, not at no-break spaces) in lines of at most `width` columns; colour codes take none. */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (let word of text.split(/[ \t\n]+/).filter(Boolean)) {
    while (displayWidth(word) > width) {
      // A word longer than the column: cut it, as nothing else fits.
      if (line) lines.push(line);
      line = '';
      lines.push(word.slice(0, width));
      word = word.slice(width);
    }
    if (!line) line = word;
    else if (displayWidth(line) + 1 + displayWidth(word) <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

const GAP = 2;
const INDENT = 2;
const MIN_COLUMN = 6;

/** Each column's width: its widest cell when all fit, else a fair share, narrow columns first. */
export function columnWidths(natural: readonly number[], available: number): number[] {
  if (natural.reduce((sum, w) => sum + w, 0) <= available) return [...natural];
  const widths = [...natural];
  let remaining = available;
  let left = natural.length;
  for (const index of natural.map((_, i) => i).sort((a, b) => natural[a]! - natural[b]!)) {
    widths[index] = Math.min(natural[index]!, Math.max(MIN_COLUMN, Math.floor(remaining / left)));
    remaining -= widths[index]!;
    left--;
  }
  return widths;
}

/** A table as lines of text: the header, a rule under it, and the rows, each cell wrapped to its column. */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  width: number,
  bold: (text: string) => string = (t) => t,
): string {
  const all = [header, ...rows];
  const natural = header.map((_, column) => Math.max(...all.map((row) => displayWidth(row[column] ?? ''))));
  const widths = columnWidths(natural, width - INDENT - GAP * (header.length - 1));
  const pad = (text: string, column: number) => text + ' '.repeat(Math.max(0, widths[column]! - displayWidth(text)));
  const renderRow = (row: readonly string[], style: (text: string) => string) => {
    const cells = widths.map((w, column) => wrapWords(row[column] ?? '', w));
    const height = Math.max(...cells.map((lines) => lines.length));
    return Array.from(
      { length: height },
      (_, line) =>
        ' '.repeat(INDENT) +
        cells
          .map((lines, column) => style(pad(lines[line] ?? '', column)))
          .join(' '.repeat(GAP))
          .trimEnd(),
    );
  };
  const rule = ' '.repeat(INDENT) + widths.map((w) => '─'.repeat(w)).join(' '.repeat(GAP));
  return [...renderRow(header, bold), rule, ...rows.flatMap((row) => renderRow(row, (t) => t))].join('\n');
}
