// Markdown for the terminal: paragraphs wrapped to the width, tables that fit, code spans intact.
import { describe, expect, test } from 'vitest';
import { renderMarkdown } from '../../cli/ui/markdown.ts';

describe('renderMarkdown', () => {
  test('wraps paragraphs to the width, less room for list indentation', () => {
    const text = renderMarkdown('word '.repeat(60), 60);
    const lines = text.split('\n');
    expect(lines.length).toBeGreaterThan(4);
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(54);
  });

  test('keeps runs of spaces inside code spans', () => {
    expect(renderMarkdown('Compare `echo a   b` with the host.', 80)).toContain('echo a\u00a0\u00a0\u00a0b');
  });

  test('renders a table within the width', () => {
    const markdown =
      '| Command | What it does |\n|---|---|\n| `lab next` | ' + 'Shows the lab you are on. '.repeat(5) + '|\n';
    const lines = renderMarkdown(markdown, 50).split('\n');
    expect(lines[0]).toMatch(/^ {2}Command +What it does$/);
    expect(lines.some((line) => line.startsWith('  lab next  Shows the lab'))).toBe(true);
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(48);
  });
});

test('list items: inline marks rendered, and the text wrapped like paragraphs', () => {
  const text = renderMarkdown(`- the **lab host** runs \`mydocker\`, ${'and more words '.repeat(8)}\n- two\n`, 60);
  expect(text).not.toMatch(/\*\*|`/);
  expect(text).toContain('the lab host runs mydocker,');
  const lines = text.split('\n').filter(Boolean);
  expect(lines.length).toBeGreaterThan(3);
  expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(60);
});
