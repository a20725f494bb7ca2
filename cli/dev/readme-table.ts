// README.md's table of chapters, made from the manifest (chapters/*/labs.yaml), so that a lab or a
// chapter is written down once. `node cli/dev/readme-table.ts` writes it into README.md;
// test/readme-table.test.ts fails, naming this command, when the README's table is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chapters, type Chapter } from '../../chapters/manifest.ts';
import { projectRoot } from '../paths.ts';

export const README = join(projectRoot, 'README.md');
export const COMMAND = 'node cli/dev/readme-table.ts';
/** The line above the table: it tells a person editing README.md where the table comes from. */
const MARK = `<!-- This table is made from chapters/*/labs.yaml: \`${COMMAND}\` writes it. -->`;
/** Below the mark: prettier would align the table's columns, and the generated table would drift. */
const PRETTIER_IGNORE = '<!-- prettier-ignore -->';

function status(chapter: Chapter): string {
  if (chapter.status === 'coming') return 'coming';
  const count = chapter.labs.length;
  return count === 0 ? 'ready' : `ready: ${count} ${count === 1 ? 'lab' : 'labs'}`;
}

export function chapterTable(course: Chapter[]): string {
  const rows = course.map(
    (chapter) => `| ${chapter.number} | ${chapter.title} | ${chapter.book} | ${status(chapter)} |`,
  );
  return [MARK, PRETTIER_IGNORE, '| | chapter | in the book | status |', '|---|---|---|---|', ...rows].join('\n');
}

/** `readme` with its table of chapters (the first table after `## Chapters`, and its mark) replaced by `table`. */
export function withChapterTable(readme: string, table: string): string {
  const lines = readme.split('\n');
  const heading = lines.indexOf('## Chapters');
  if (heading < 0) throw new Error('README.md has no "## Chapters" section');
  const start = lines.findIndex((line, index) => index > heading && (line === MARK || line.startsWith('|')));
  if (start < 0) throw new Error('README.md has no table under "## Chapters"');
  let end = lines[start] === MARK ? start + 1 : start;
  if (lines[end] === PRETTIER_IGNORE) end++;
  while (end < lines.length && lines[end]!.startsWith('|')) end++;
  return [...lines.slice(0, start), table, ...lines.slice(end)].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readme = readFileSync(README, 'utf8');
  const updated = withChapterTable(readme, chapterTable(chapters));
  if (updated !== readme) writeFileSync(README, updated);
  process.stdout.write(
    updated === readme ? 'README.md: the chapter table is up to date\n' : 'README.md: wrote the chapter table\n',
  );
}
