// README.md's table of chapters, made from the manifest (chapters/*/labs.yaml), so that a lab or a
// chapter is written down once. `npm run dev-update` writes it into README.md with the rest of what
// is derived (cli/dev/update.ts), and its `--check` fails, as test/readme-table.test.ts does, naming
// that command, when the README's table is out of date.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chapters, type Chapter } from '../../chapters/manifest.ts';
import { projectRoot } from '../paths.ts';
import { UPDATE_COMMAND } from './scaffold.ts';

export const README = join(projectRoot, 'README.md');
export const COMMAND = UPDATE_COMMAND;
/** The line above the table: it tells a person editing README.md where the table comes from. */
const MARK_START = '<!-- This table is made from chapters/*/labs.yaml';
const MARK = `${MARK_START}: \`${COMMAND}\` writes it. -->`;
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
  // A mark that names another command (an older one) is replaced as well.
  const isMark = (line: string) => line.startsWith(MARK_START);
  const start = lines.findIndex((line, index) => index > heading && (isMark(line) || line.startsWith('|')));
  if (start < 0) throw new Error('README.md has no table under "## Chapters"');
  let end = isMark(lines[start]!) ? start + 1 : start;
  if (lines[end] === PRETTIER_IGNORE) end++;
  while (end < lines.length && lines[end]!.startsWith('|')) end++;
  return [...lines.slice(0, start), table, ...lines.slice(end)].join('\n');
}

/** README.md at `path` with the course's table, when that differs from the file as it is; else undefined. */
export function chapterTableUpdate(path: string = README): string | undefined {
  const readme = readFileSync(path, 'utf8');
  const updated = withChapterTable(readme, chapterTable(chapters));
  return updated === readme ? undefined : updated;
}
