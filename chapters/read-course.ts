// Reads the course from chapters/NN-name/labs.yaml, one file per chapter, and derives what follows
// from the layout: the chapter's number from its directory's name, its text and status from its
// README.md (a chapter is ready once its text exists), each lab's spec from its id, and a mistake's
// file from its lab's, when the lab has one. Every field is checked here, so that a typo in a file a
// person edits is one line naming the file, the lab and the field, not a lab that silently has no
// hints. Why YAML, and why the `lab` bundle gets this as JSON at build time: docs/decisions/0008.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Chapter, Lab, Mistake } from './manifest.ts';

export const chaptersDir = fileURLToPath(new URL('.', import.meta.url)).replace(/\/$/, '');

/** A chapter's directory: two digits, its number, then a name (`01-namespaces`). */
const CHAPTER_DIR = /^(\d\d)-[a-z0-9-]+$/;
const COURSE_FILE = 'labs.yaml';

export class CourseError extends Error {}

/** The spec that proves a lab: `ch1-proc` of chapter 1 is checker/specs/ch01/proc.spec.ts. */
export function specPath(chapter: number, id: string): string {
  return `checker/specs/ch${String(chapter).padStart(2, '0')}/${id.slice(`ch${chapter}-`.length)}.spec.ts`;
}

/** The chapters' directories, in order (relative to `dir`). */
function chapterDirs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter(
      (entry) => entry.isDirectory() && CHAPTER_DIR.test(entry.name) && existsSync(join(dir, entry.name, COURSE_FILE)),
    )
    .map((entry) => entry.name)
    .sort();
}

/**
 * Every file and directory the course is made from, this reader included: a build made from it is
 * stale once one of them changes. The directories too, since a chapter is ready once its README.md
 * is made in it, and a new chapter is a new directory.
 */
export function courseInputs(dir = chaptersDir): string[] {
  const chapterFiles = chapterDirs(dir).flatMap((name) => [join(dir, name), join(dir, name, COURSE_FILE)]);
  return [fileURLToPath(import.meta.url), dir, ...chapterFiles];
}

export function readCourse(dir = chaptersDir): Chapter[] {
  const root = join(dir, '..');
  return chapterDirs(dir).map((name) => {
    const file = join(dir, name, COURSE_FILE);
    const where = relative(root, file);
    let data: unknown;
    try {
      // The failsafe schema reads every scalar as text: `replace: 0o666` or a title `no` stays as written.
      data = parse(readFileSync(file, 'utf8'), { schema: 'failsafe' });
    } catch (error) {
      throw new CourseError(`${where}: ${(error as Error).message.split('\n')[0]}`);
    }
    const number = Number(CHAPTER_DIR.exec(name)![1]);
    const text = `${relative(root, dir)}/${name}/README.md`;
    const ready = existsSync(join(root, text));
    const chapter = fields(data, where, { title: 'required', book: 'required', labs: 'optional' });
    const labs = chapter.labs === undefined || chapter.labs === '' ? [] : list(chapter.labs, `${where}: labs`);
    return {
      number,
      title: textOf(chapter.title, `${where}: title`),
      status: ready ? 'ready' : 'coming',
      ...(ready ? { text } : {}),
      book: textOf(chapter.book, `${where}: book`),
      labs: labs.map((lab, index) => readLab(lab, number, where, index)),
    };
  });
}

function readLab(data: unknown, chapter: number, file: string, index: number): Lab {
  // Named by its id once it has one, else by its place in the list.
  const named = (data as { id?: unknown } | null)?.id;
  const where = `${file}: lab ${typeof named === 'string' && named !== '' ? named : index + 1}`;
  const lab = fields(data, where, {
    id: 'required',
    title: 'required',
    files: 'required',
    functions: 'required',
    task: 'required',
    points: 'optional',
    hints: 'required',
    mistakes: 'required',
  });
  const id = textOf(lab.id, `${where}: id`);
  if (!new RegExp(`^ch${chapter}-[a-z0-9-]+$`).test(id))
    throw new CourseError(`${where}: the id must be ch${chapter}-NAME (lowercase, digits, -)`);
  const files = texts(lab.files, `${where}: files`);
  return {
    id,
    title: textOf(lab.title, `${where}: title`),
    task: textOf(lab.task, `${where}: task`),
    files,
    functions: texts(lab.functions, `${where}: functions`),
    spec: specPath(chapter, id),
    points: lab.points === undefined ? 1 : pointsOf(lab.points, `${where}: points`),
    hints: texts(lab.hints, `${where}: hints`),
    mistakes: list(lab.mistakes, `${where}: mistakes`).map((mistake, index) =>
      readMistake(mistake, files, `${where}: mistake ${index + 1}`),
    ),
  };
}

function readMistake(data: unknown, labFiles: string[], where: string): Mistake {
  const mistake = fields(data, where, { name: 'required', file: 'optional', find: 'required', replace: 'required' });
  if (mistake.file === undefined && labFiles.length !== 1)
    throw new CourseError(`${where}: file is needed (the lab edits ${labFiles.length} files)`);
  return {
    name: textOf(mistake.name, `${where}: name`),
    file: mistake.file === undefined ? labFiles[0]! : textOf(mistake.file, `${where}: file`),
    find: textOf(mistake.find, `${where}: find`),
    // A mistake that leaves a line out replaces it with nothing: `replace: ""`.
    replace: textOf(mistake.replace, `${where}: replace`, { empty: true }),
  };
}

type Presence = 'required' | 'optional';

/** A mapping with exactly the named keys (the optional ones may be missing), and nothing else. */
function fields<K extends string>(
  data: unknown,
  where: string,
  keys: Record<K, Presence>,
): Partial<Record<K, unknown>> {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new CourseError(`${where}: expected a mapping of ${Object.keys(keys).join(', ')}`);
  const record = data as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(key in keys))
      throw new CourseError(`${where}: unknown field ${key} (the fields are ${Object.keys(keys).join(', ')})`);
  }
  for (const [key, presence] of Object.entries(keys) as [K, Presence][]) {
    if (presence === 'required' && record[key] === undefined) throw new CourseError(`${where}: ${key} is missing`);
  }
  return record as Partial<Record<K, unknown>>;
}

function list(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new CourseError(`${where}: expected a list`);
  return value;
}

function textOf(value: unknown, where: string, { empty = false } = {}): string {
  if (typeof value !== 'string') throw new CourseError(`${where}: expected a text`);
  if (!empty && value.trim() === '') throw new CourseError(`${where}: is empty`);
  return value;
}

/** A lab's points: a whole number from 1 (the failsafe schema reads it as text). */
function pointsOf(value: unknown, where: string): number {
  const text = textOf(value, where);
  if (!/^[1-9]\d{0,3}$/.test(text))
    throw new CourseError(`${where}: expected a whole number from 1 to 9999, not ${text}`);
  return Number(text);
}

function texts(value: unknown, where: string): string[] {
  return list(value, where).map((item, index) => textOf(item, `${where} ${index + 1}`));
}
