// The rows of a diff between what a check expected and what it got: whole lines for multi-line
// values (arrays, objects, output), characters within a line for one-line values.
import { diffChars, diffLines, diffWordsWithSpace } from 'diff';

export interface Segment {
  text: string;
  /** Part of one side only: shown highlighted. */
  changed: boolean;
}

export type DiffRow =
  | { kind: 'expected' | 'actual'; segments: Segment[] }
  | { kind: 'same'; text: string }
  | { kind: 'skipped'; lines: number; what: 'unchanged' | 'more' };

const CONTEXT = 2;

export function valueDiffRows(expected: string, actual: string, maxRows = 20): DiffRow[] {
  if (!expected.includes('\n') && !actual.includes('\n')) return inlineRows(expected, actual);
  const rows: DiffRow[] = [];
  for (const change of diffLines(expected, actual)) {
    const lines = change.value.replace(/\n$/, '').split('\n');
    if (change.added || change.removed) {
      const kind = change.added ? 'actual' : 'expected';
      for (const line of lines) rows.push({ kind, segments: [{ text: line, changed: false }] });
    } else if (lines.length > 2 * CONTEXT + 1) {
      rows.push(...lines.slice(0, CONTEXT).map((text) => ({ kind: 'same' as const, text })));
      rows.push({ kind: 'skipped', lines: lines.length - 2 * CONTEXT, what: 'unchanged' });
      rows.push(...lines.slice(-CONTEXT).map((text) => ({ kind: 'same' as const, text })));
    } else {
      rows.push(...lines.map((text) => ({ kind: 'same' as const, text })));
    }
  }
  if (rows.length <= maxRows) return rows;
  return [...rows.slice(0, maxRows - 1), { kind: 'skipped', lines: rows.length - (maxRows - 1), what: 'more' }];
}

function inlineRows(expected: string, actual: string): DiffRow[] {
  const changes =
    expected.length + actual.length < 400 ? diffChars(expected, actual) : diffWordsWithSpace(expected, actual);
  const common = changes
    .filter((change) => !change.added && !change.removed)
    .reduce((sum, change) => sum + change.value.length, 0);
  // Marking characters helps only when the values are alike ("... 14" against "... 6"); between
  // unrelated values it marks a confetti of coincidences, so they are shown whole.
  const alike = common >= 0.6 * Math.max(expected.length, actual.length);
  const side = (kind: 'expected' | 'actual'): Segment[] =>
    alike
      ? changes
          .filter((change) => (kind === 'expected' ? !change.added : !change.removed))
          .map((change) => ({ text: change.value, changed: change.added || change.removed }))
      : [{ text: kind === 'expected' ? expected : actual, changed: false }];
  return [
    { kind: 'expected', segments: side('expected') },
    { kind: 'actual', segments: side('actual') },
  ];
}
