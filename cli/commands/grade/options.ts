// `lab grade`'s options as commander hands them over: text, validated by the command itself (one
// line and exit 2 for each thing wrong, before any submission is touched).
import { resolve } from 'node:path';
import type { Chapter, Lab } from '../../../chapters/manifest.ts';
import { LabError, USAGE } from '../../errors.ts';

export interface GradeCommandOptions {
  roster?: string;
  labs?: string;
  jobs: string;
  out: string;
  force?: boolean;
  vm?: boolean;
  timeout?: string;
  memory?: string;
}

export interface GradeInvocation extends GradeCommandOptions {
  submissions: string[];
}

/** The options once validated: what the grader (cli/grade/grader.ts) takes. */
export interface GradeSettings {
  /** As typed: a submission's `source` in the reports is relative, as the instructor wrote it. */
  submissions: string[];
  /** An absolute path. */
  roster?: string;
  /** The labs to grade, in course order. */
  labs: Lab[];
  jobs: number;
  /** An absolute path. */
  outDir: string;
  force: boolean;
  vm: boolean;
  timeoutMs: number;
  memoryBytes: number;
}

export const MAX_JOBS = 64;
export const DEFAULT_TIMEOUT_MINUTES = 30;
export const DEFAULT_MEMORY = '4g';

function usage(message: string): LabError {
  return new LabError(`lab grade: ${message}`, USAGE);
}

export function parseJobs(text: string): number {
  const jobs = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > MAX_JOBS) {
    throw usage(`-j must be a whole number from 1 to ${MAX_JOBS}, not ${text}`);
  }
  return jobs;
}

/** Minutes, fractions allowed (0.5 is half a minute), more than 0. */
export function parseTimeout(text: string): number {
  const minutes = /^\d*\.?\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(minutes > 0) || !Number.isFinite(minutes)) {
    throw usage(`--timeout is in minutes and must be more than 0 (30, 0.5), not ${text}`);
  }
  return Math.round(minutes * 60_000);
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** docker's notation: a whole number of bytes, or with k, m or g (512m, 2g). At least 64m: vitest alone needs about that. */
export function parseMemory(text: string): number {
  const match = /^(\d+)([bkmg]?)$/i.exec(text.trim());
  const bytes = match ? Number(match[1]) * UNITS[match[2]!.toLowerCase()]! : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 64 * 1024 ** 2) {
    throw usage(`--memory takes a size like docker's (512m, 2g), at least 64m, not ${text}`);
  }
  return bytes;
}

/**
 * `--labs ch1-command,2`: lab ids and chapter numbers (all the chapter's labs), in course order
 * whatever the order typed, each once. Without it: every lab of every ready chapter.
 */
export function parseLabs(text: string | undefined, course: readonly Chapter[]): Lab[] {
  const ready = course.filter((chapter) => chapter.status === 'ready');
  if (text === undefined) return ready.flatMap((chapter) => chapter.labs);
  const wanted = new Set<string>();
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) throw usage('--labs names no lab; `lab list` shows the ids');
  for (const item of items) {
    if (/^\d+$/.test(item)) {
      const chapter = ready.find((c) => c.number === Number(item));
      if (!chapter || chapter.labs.length === 0) {
        throw usage(`chapter ${item} has no labs to grade; \`lab list\` shows the chapters`);
      }
      for (const lab of chapter.labs) wanted.add(lab.id);
      continue;
    }
    if (!ready.some((chapter) => chapter.labs.some((lab) => lab.id === item))) {
      throw usage(`unknown lab '${item}'; \`lab list\` shows the ids`);
    }
    wanted.add(item);
  }
  return ready.flatMap((chapter) => chapter.labs).filter((lab) => wanted.has(lab.id));
}

export function parseGradeOptions(
  invocation: GradeInvocation,
  course: readonly Chapter[],
  cwd = process.cwd(),
): GradeSettings {
  if (invocation.submissions.length === 0) throw usage('name at least one submission, or a directory of them');
  return {
    submissions: invocation.submissions,
    ...(invocation.roster !== undefined && { roster: resolve(cwd, invocation.roster) }),
    labs: parseLabs(invocation.labs, course),
    jobs: parseJobs(invocation.jobs),
    outDir: resolve(cwd, invocation.out),
    force: invocation.force === true,
    vm: invocation.vm === true,
    timeoutMs: parseTimeout(invocation.timeout ?? String(DEFAULT_TIMEOUT_MINUTES)),
    memoryBytes: parseMemory(invocation.memory ?? DEFAULT_MEMORY),
  };
}
