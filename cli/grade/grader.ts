// `lab grade`'s work, without its screen: find the submissions, grade N at a time (reusing what was
// graded before), and write the reports. Every problem with one submission is one line (`warn`) and
// that submission's status; the rest of the class is graded all the same.
import { chapterOf, type Lab } from '../../chapters/manifest.ts';
import { buildShim, ensureBusyboxImage, isShimFresh, mtimeOrZero, BUSYBOX } from '../../scripts/build.mjs';
import type { GradeSettings } from '../commands/grade/options.ts';
import { removeGraderTop, removeStaleGraderCgroups } from './budget.ts';
import { courseDigest, declaredChecks } from './course.ts';
import { gradeSubmission, type GradedSubmission } from './grade-submission.ts';
import { labFilesOf } from './lab-files.ts';
import type { GradeProgressEvent } from './progress.ts';
import { isSafeLearnerId, unsafeLearnerIdProblem, writeReports } from './reports-api.ts';
import type { ClassResult, SubmissionResult } from './result.ts';
import { isResumable, loadGraded, saveGraded } from './resume.ts';
import { compareWithRoster, readRoster } from './roster.ts';
import { findSubmissions, type FoundSubmission } from './submissions.ts';
import { HOST_PARENT, VM_PARENT, WorkDir } from './work-dir.ts';
import { allLabs } from '../../chapters/manifest.ts';

export interface GradeRun {
  result: ClassResult;
  /** The report files written. */
  reports: string[];
  interrupted: boolean;
}

export interface GraderIo {
  warn: (line: string) => void;
  onProgress?: (event: GradeProgressEvent) => void;
  /** Aborted by Ctrl-C or SIGTERM: no new submission starts, the running ones are stopped. */
  signal?: AbortSignal;
}

function courseLabs(labs: readonly Lab[]): ClassResult['course']['labs'] {
  return labs.map((lab) => ({ id: lab.id, title: lab.title, chapter: chapterOf(lab).number, points: lab.points }));
}

/** Runs `task` on each item, `jobs` at a time, in order of the items; stops taking new ones once `stop()`. */
async function pool<T>(
  items: readonly T[],
  jobs: number,
  stop: () => boolean,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (!stop() && next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, lane));
}

export async function gradeClass(settings: GradeSettings, io: GraderIo): Promise<GradeRun> {
  const roster = settings.roster !== undefined ? readRoster(settings.roster) : undefined;
  const intake = findSubmissions(settings.submissions);
  for (const line of intake.warnings) io.warn(line);

  const results: SubmissionResult[] = [];
  const safe = (learner: string): boolean => {
    if (isSafeLearnerId(learner)) return true;
    io.warn(unsafeLearnerIdProblem(learner));
    return false;
  };
  const found = intake.found.filter((submission) => safe(submission.learner));
  for (const bad of intake.bad.filter((submission) => safe(submission.learner))) {
    io.warn(bad.problem);
    results.push({
      learner: bad.learner,
      source: bad.source,
      kind: 'none',
      status: 'unreadable',
      problem: bad.problem,
      notes: [],
      labs: [],
    });
  }
  if (roster) {
    const { missing, unlisted } = compareWithRoster(roster, [
      ...found.map((s) => s.learner),
      ...results.map((r) => r.learner),
    ]);
    for (const learner of missing.filter(safe)) {
      const problem = `${learner} is on the roster but has no submission`;
      io.warn(problem);
      results.push({ learner, source: '', kind: 'none', status: 'missing', problem, notes: [], labs: [] });
    }
    for (const learner of unlisted) io.warn(`${learner} is not on the roster: graded all the same`);
  }

  const digest = courseDigest(settings.labs);
  const checksPerSubmission = settings.labs.reduce((sum, lab) => sum + declaredChecks(lab), 0);
  io.onProgress?.({ type: 'planned', learners: found.map((s) => s.learner), checksPerSubmission });

  const workDir = new WorkDir(settings.vm ? VM_PARENT : HOST_PARENT);
  let interrupted = false;
  try {
    removeStaleGraderCgroups();
    // What every tree shares is built once, before the trees are built side by side.
    if (!isShimFresh()) await buildShim();
    if (mtimeOrZero(BUSYBOX) > 0) await ensureBusyboxImage();
    const context = {
      labs: settings.labs,
      labFiles: labFilesOf(allLabs()),
      workDir,
      vm: settings.vm,
      timeoutMs: settings.timeoutMs,
      memoryBytes: settings.memoryBytes,
      ...(io.signal && { signal: io.signal }),
      reuse: settings.force
        ? undefined
        : (learner: string, lab: string) => loadGraded(settings.outDir, learner, lab, digest),
    };
    await pool(
      found,
      settings.jobs,
      () => io.signal?.aborted === true,
      async (submission: FoundSubmission, index) => {
        let graded: GradedSubmission;
        try {
          graded = await gradeSubmission(submission, index, context, {
            onStage: (stage) => io.onProgress?.({ type: 'stage', learner: submission.learner, stage }),
            onCheckDone: () => io.onProgress?.({ type: 'check-done', learner: submission.learner }),
          });
        } catch (error) {
          // A fault of the grader or the machine, not of the submission: said, and the class goes on.
          const problem = `${submission.source}: it could not be graded (${(error as Error).message.split('\n')[0]})`;
          graded = {
            result: {
              learner: submission.learner,
              source: submission.source,
              kind: submission.kind,
              status: 'unreadable',
              problem,
              notes: [],
              labs: [],
            },
            resumed: false,
            interrupted: false,
          };
        }
        if (graded.interrupted) {
          interrupted = true;
          return;
        }
        if (graded.result.status === 'unreadable')
          io.warn(graded.result.problem ?? `${submission.source} is unreadable`);
        if (!graded.resumed && isResumable(graded.result)) saveGraded(settings.outDir, graded.result, digest);
        results.push(graded.result);
        io.onProgress?.({
          type: 'finished',
          learner: submission.learner,
          result: graded.result,
          resumed: graded.resumed,
        });
      },
    );
    if (io.signal?.aborted) interrupted = true;
  } finally {
    workDir.remove();
    removeGraderTop();
  }
  results.sort((a, b) => (a.learner < b.learner ? -1 : a.learner > b.learner ? 1 : 0));
  const result: ClassResult = { course: { labs: courseLabs(settings.labs), digest }, submissions: results };
  // An interrupted run writes no reports: they would show a class half graded as if it were whole.
  // What was graded is kept in .graded/, and the next run starts from there.
  const reports = interrupted ? [] : writeReports(result, settings.outDir);
  return { result, reports, interrupted };
}
