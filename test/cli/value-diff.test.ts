// The rows of the diff `lab check` shows between what a check expected and what it got.
import { describe, expect, test } from 'vitest';
import { valueDiffRows } from '../../cli/ui/value-diff.ts';
import { columnWidths, displayWidth, renderTable, wrapWords } from '../../cli/ui/text-table.ts';

describe('valueDiffRows', () => {
  test('one-line values that are alike: both sides, the differing characters marked', () => {
    const rows = valueDiffRows("'mount proc /proc proc 14'", "'mount proc /proc proc 6'");
    expect(rows).toEqual([
      {
        kind: 'expected',
        segments: [
          { text: "'mount proc /proc proc ", changed: false },
          { text: '14', changed: true },
          { text: "'", changed: false },
        ],
      },
      {
        kind: 'actual',
        segments: [
          { text: "'mount proc /proc proc ", changed: false },
          { text: '6', changed: true },
          { text: "'", changed: false },
        ],
      },
    ]);
  });

  test('one-line values that differ throughout: shown whole, nothing marked', () => {
    expect(valueDiffRows("'box-1'", "'lab-host'")).toEqual([
      { kind: 'expected', segments: [{ text: "'box-1'", changed: false }] },
      { kind: 'actual', segments: [{ text: "'lab-host'", changed: false }] },
    ]);
  });

  test('multi-line values: removed and added lines, with the same ones kept', () => {
    const rows = valueDiffRows('[\n  "sh",\n  "ps",\n]', '[\n  "sh",\n  "bash",\n]');
    expect(rows).toEqual([
      { kind: 'same', text: '[' },
      { kind: 'same', text: '  "sh",' },
      { kind: 'expected', segments: [{ text: '  "ps",', changed: false }] },
      { kind: 'actual', segments: [{ text: '  "bash",', changed: false }] },
      { kind: 'same', text: ']' },
    ]);
  });

  test('a long unchanged run is folded, a long diff is cut', () => {
    const same = Array.from({ length: 10 }, (_, i) => `line ${i}`);
    const folded = valueDiffRows([...same, 'a'].join('\n'), [...same, 'b'].join('\n'));
    expect(folded).toContainEqual({ kind: 'skipped', lines: 6, what: 'unchanged' });
    const cut = valueDiffRows('x', Array.from({ length: 50 }, (_, i) => `${i}`).join('\n'), 10);
    expect(cut).toHaveLength(10);
    expect(cut.at(-1)).toEqual({ kind: 'skipped', lines: 42, what: 'more' });
  });
});

describe('text tables', () => {
  test('wrapWords keeps words whole, and cuts only a word longer than the line', () => {
    expect(wrapWords('the quick brown fox', 10)).toEqual(['the quick', 'brown fox']);
    expect(wrapWords('abcdefghijkl', 5)).toEqual(['abcde', 'fghij', 'kl']);
    expect(wrapWords('', 5)).toEqual(['']);
  });

  test('wide characters count twice', () => {
    expect(displayWidth('《自己动手写Docker》')).toBe(20);
  });

  test('columns share the width: narrow ones keep theirs, wide ones split the rest', () => {
    expect(columnWidths([5, 10], 40)).toEqual([5, 10]);
    expect(columnWidths([5, 60, 60], 45)).toEqual([5, 20, 20]);
  });

  test('a table fits the width it is given', () => {
    const text = renderTable(
      ['Command', 'What it does'],
      [['lab next', 'Shows the chapter text and the lab you are on (the first time: this page).']],
      40,
    );
    expect(text.split('\n')).toEqual([
      '  Command   What it does',
      '  ────────  ────────────────────────────',
      '  lab next  Shows the chapter text and',
      '            the lab you are on (the',
      '            first time: this page).',
    ]);
  });
});
