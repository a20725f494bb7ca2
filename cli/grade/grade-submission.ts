// One submission, from its name to its result: read its lab files (from a directory, HEAD of a git
// repository, a bundle or a tarball), make its tree, build its runtime, run every selected lab's
// checks in one checker within its budgets, and mark them.
import { join, relative } from 'node:path';
import { chapterOf, type Lab } from '../../chapters/manifest.ts';
import { spawn } from 'node:child_process';
import { PROJECT_ROOT } from '../../checker/harness/target.ts';
import { readHeadLabFiles, cloneBundle } from './git-submission.ts';
import {
  labFileNotes,
  labFilesDigest,
  MAX_LAB_FILE_BYTES,
  readDirectoryLabFiles,
  SubmissionUnreadable,
  type LabFileRead,
} from './lab-files.ts';
import { gradeLabs } from './reports-api.ts';
import type { GradedLab, SubmissionResult } from './result.ts';
import { runSubmission } from './run-submission.ts';
import { sanitizeEvent, sanitizeText, type GraderPaths } from './sanitize.ts';
import type { FoundSubmission } from './submissions.ts';
import { extractTarball, TarballRefused } from './tarball.ts';
import { makeTree, treeBundleDir } from './tree.ts';
import type { WorkDir } from './work-dir.ts';
import { existsSync, statSync } from 'node:fs';

export interface GradeContext {
  /** The labs graded, in course order. */
  labs: Lab[];
  /** Every lab file of the course, in course order: all taken from a submission. */
  labFiles: string[];
  workDir: WorkDir;
  vm: boolean;
  timeoutMs: number;
  memoryBytes: number;
  signal?: AbortSignal;
  /** A stored result to reuse for this digest, if any (resume). */
  reuse?: (learner: string, digest: string) => SubmissionResult | undefined;
}

export interface SubmissionHooks {
  onStage?: (stage: 'reading' | 'building' | 'checking') => void;
  onCheckDone?: () => void;
}

export interface GradedSubmission {
  result: SubmissionResult;
  resumed: boolean;
  /** Ctrl-C stopped it: its result is not final. */
  interrupted: boolean;
}

async function readLabFiles(
  found: FoundSubmission,
  index: number,
  context: GradeContext,
): Promise<Map<string, LabFileRead>> {
  const { labFiles, workDir } = context;
  switch (found.kind) {
    case 'directory':
      return readDirectoryLabFiles(found.path, labFiles);
    case 'git':
      return readHeadLabFiles(found.gitDir!, labFiles, MAX_LAB_FILE_BYTES);
    case 'bundle': {
      const clone = join(workDir.path, `clone-${index}.git`);
      await cloneBundle(found.path, clone);
      return readHeadLabFiles(clone, labFiles, MAX_LAB_FILE_BYTES);
    }
    case 'tarball': {
      let root: string;
      try {
        root = await extractTarball(found.path, join(workDir.path, `extract-${index}`));
      } catch (error) {
        if (error instanceof TarballRefused) throw new SubmissionUnreadable(error.message);
        throw error;
      }
      if (!existsSync(join(root, 'labs')) || !statSync(join(root, 'labs')).isDirectory()) {
        throw new SubmissionUnreadable('no labs/ in it: not a clone of this course');
      }
      return readDirectoryLabFiles(root, labFiles);
    }
  }
}

/** 4294967296 as 4g, 419430400 as 400m: as --memory takes it. */
function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['g', 1024 ** 3],
    ['m', 1024 ** 2],
    ['k', 1024],
  ] as const) {
    if (bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes} bytes`;
}

/** Every lab earned 0, and why (a build that failed): no check ran. */
function unrunLabs(labs: readonly Lab[], problem: string): GradedLab[] {
  return labs.map((lab) => ({
    id: lab.id,
    title: lab.title,
    chapter: chapterOf(lab).number,
    points: lab.points,
    earned: 0,
    passed: false,
    checks: [],
    problem,
  }));
}

/** Builds the tree's runtime (build-tree.ts); the build's error when it fails. */
function buildTree(tree: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'cli', 'grade', 'build-tree.ts'), tree], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4096)));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) return resolve(undefined);
      try {
        resolve((JSON.parse(stdout) as { error: string }).error);
      } catch {
        resolve(stderr.trim() || `the build exited with ${code}`);
      }
    });
  });
}

/** esbuild's first errors, with the tree's path shown as the learner's labs/. */
function buildProblem(error: string, paths: GraderPaths): string {
  // esbuild names files relative to the directory it ran in (the project's root).
  const message = sanitizeText(error.replaceAll(`${relative(PROJECT_ROOT, paths.tree)}/`, 'labs/'), paths);
  const lines = message
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const errors = lines.filter((line) => /ERROR|error:/.test(line) && !/^Build failed/.test(line));
  return `its runtime does not build: ${(errors.length > 0 ? errors.slice(0, 3) : lines.slice(0, 3)).join('; ')}`;
}

export async function gradeSubmission(
  found: FoundSubmission,
  index: number,
  context: GradeContext,
  hooks: SubmissionHooks = {},
): Promise<GradedSubmission> {
  const base = { learner: found.learner, source: found.source, kind: found.kind } as const;
  hooks.onStage?.('reading');
  let reads: Map<string, LabFileRead>;
  try {
    reads = await readLabFiles(found, index, context);
  } catch (error) {
    if (!(error instanceof SubmissionUnreadable)) throw error;
    return {
      result: { ...base, status: 'unreadable', problem: `${found.source}: ${error.message}`, notes: [], labs: [] },
      resumed: false,
      interrupted: false,
    };
  }
  const digest = labFilesDigest(reads);
  const stored = context.reuse?.(found.learner, digest);
  if (stored) return { result: { ...stored, source: found.source }, resumed: true, interrupted: false };

  const graded = new Set(context.labs.flatMap((lab) => lab.files));
  const notes = labFileNotes(new Map([...reads].filter(([file]) => graded.has(file))));
  const tree = makeTree(context.workDir.path, found.learner, digest, reads);
  const tmpDir = join(context.workDir.path, `tmp-${index}`);
  const paths: GraderPaths = { tree, tmpDir, workDir: context.workDir.path };
  const withDigest = { ...base, digest, notes };

  hooks.onStage?.('building');
  context.workDir.addBundleDir(treeBundleDir(tree));
  const buildError = await buildTree(tree);
  if (buildError !== undefined) {
    const problem = buildProblem(buildError, paths);
    return {
      result: {
        ...withDigest,
        status: 'build-failed',
        problem,
        labs: unrunLabs(context.labs, 'not run: its runtime does not build'),
      },
      resumed: false,
      interrupted: false,
    };
  }

  hooks.onStage?.('checking');
  const run = await runSubmission({
    index,
    specs: context.labs.map((lab) => lab.spec),
    tree,
    tmpDir,
    vm: context.vm,
    timeoutMs: context.timeoutMs,
    memoryBytes: context.memoryBytes,
    ...(context.signal && { signal: context.signal }),
    onEvent: (event) => {
      if (event.type === 'check') hooks.onCheckDone?.();
    },
  });
  const labs = gradeLabs(
    context.labs,
    run.events.map((event) => sanitizeEvent(event, paths)),
    chapterOf,
  );
  const result: SubmissionResult = { ...withDigest, status: 'graded', labs };
  if (run.stopped === 'time' || run.stopped === 'memory') {
    result.status = 'over-budget';
    result.problem =
      run.stopped === 'time'
        ? `its time budget (${context.timeoutMs / 60_000} min) ran out: what finished counts, the rest did not run (--timeout)`
        : `its memory budget (${formatBytes(context.memoryBytes)}) ran out: the kernel killed what used it; what finished counts (--memory)`;
  } else if (run.stopped === 'crashed') {
    const line = sanitizeText(run.output, paths).trim().split('\n').at(-1) ?? '';
    result.notes = [...notes, `the checker stopped before its end${line ? `: ${line}` : ''}`];
  } else if (run.events.length === 0) {
    // vitest ran no check at all (its set-up failed): its first lines say why.
    const line = sanitizeText(run.output, paths)
      .split('\n')
      .map((l) => l.trim())
      .find((l) => /error/i.test(l));
    if (line) result.notes = [...notes, `the checker ran no check: ${line}`];
  }
  return { result, resumed: false, interrupted: run.stopped === 'interrupted' };
}
