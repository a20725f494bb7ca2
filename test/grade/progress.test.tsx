// The grader's progress, one reducer for the ink rows and the plain lines, and the view at 80 columns.
import { render } from 'ink-testing-library';
import { describe, expect, test } from 'vitest';
import { GradeScreen, progressBar } from '../../cli/commands/grade/GradeView.tsx';
import { initialProgress, reduceProgress, summaryLine, type GradeProgressEvent } from '../../cli/grade/progress.ts';
import type { SubmissionResult } from '../../cli/grade/result.ts';
import { sanitizeEvent, sanitizeText } from '../../cli/grade/sanitize.ts';

const amy: SubmissionResult = {
  learner: 'amy',
  source: 'class/amy',
  kind: 'directory',
  digest: 'd'.repeat(64),
  status: 'graded',
  notes: [],
  labs: [
    { id: 'ch1-command', title: 'C', chapter: 1, points: 2, earned: 2, passed: true, checks: [] },
    { id: 'ch1-hostname', title: 'H', chapter: 1, points: 1, earned: 0, passed: false, checks: [] },
  ],
};

function run(events: GradeProgressEvent[]) {
  return events.reduce(reduceProgress, initialProgress);
}

describe('grading progress', () => {
  test('rows follow their submission: stage, checks done of the declared total, the result', () => {
    const state = run([
      { type: 'planned', learners: ['amy', 'bob'], checksPerSubmission: 3 },
      { type: 'stage', learner: 'amy', stage: 'checking' },
      { type: 'check-done', learner: 'amy' },
      { type: 'check-done', learner: 'amy' },
      { type: 'stage', learner: 'bob', stage: 'building' },
    ]);
    expect(state.rows).toEqual([
      { learner: 'amy', stage: 'checking', checksDone: 2, checksTotal: 3 },
      { learner: 'bob', stage: 'building', checksDone: 0, checksTotal: 3 },
    ]);
    const done = run([
      { type: 'planned', learners: ['amy'], checksPerSubmission: 1 },
      { type: 'check-done', learner: 'amy' },
      { type: 'check-done', learner: 'amy' },
      { type: 'finished', learner: 'amy', result: amy, resumed: true },
    ]);
    expect(done.rows[0]).toMatchObject({ stage: 'done', checksDone: 2, checksTotal: 2, resumed: true, result: amy });
  });

  test('a summary line per finished submission', () => {
    expect(summaryLine(amy)).toBe('amy: 2/3 points (ch1-command ✓, ch1-hostname ✗)');
    expect(
      summaryLine({ ...amy, status: 'build-failed', problem: 'its runtime does not build: x', labs: [] }, false),
    ).toBe('amy: build-failed, 0/0 points: its runtime does not build: x');
  });

  test('the screen at 80 columns: a bar per running submission, the marks of a finished one', () => {
    const state = run([
      { type: 'planned', learners: ['amy', 'bob'], checksPerSubmission: 4 },
      { type: 'finished', learner: 'amy', result: amy, resumed: false },
      { type: 'stage', learner: 'bob', stage: 'checking' },
      { type: 'check-done', learner: 'bob' },
    ]);
    const { lastFrame, unmount } = render(<GradeScreen state={state} />);
    expect(lastFrame()).toBe(
      [
        '✗ amy 2/3 points (ch1-command ✓, ch1-hostname ✗)',
        `› bob ${progressBar(1, 4)} 1/4 checking`,
        '1/2 submissions graded',
      ].join('\n'),
    );
    unmount();
    expect(progressBar(1, 4, 8)).toBe('██░░░░░░');
    expect(progressBar(0, 0, 4)).toBe('░░░░');
  });

  test("messages lose the grader's paths: the tree is labs/, a state root has one name", () => {
    const paths = {
      tree: '/var/tmp/lab-grade-1-x/grade-amy-12345678',
      tmpDir: '/var/tmp/lab-grade-1-x/tmp-0',
      workDir: '/var/tmp/lab-grade-1-x',
    };
    expect(
      sanitizeText(
        'at /var/tmp/lab-grade-1-x/grade-amy-12345678/src/a.ts:3 in /var/tmp/lab-grade-1-x/tmp-0/mydocker-check-4242-AbC123/containers; /var/tmp/lab-grade-1-x/tmp-0/f and /var/tmp/lab-grade-1-x/clone-0.git',
        paths,
      ),
    ).toBe('at labs/src/a.ts:3 in $MYDOCKER_ROOT/containers; $TMPDIR/f and <work dir>/clone-0.git');
    expect(sanitizeText('/var/tmp/lab-grade-1-x/tmp-0/mydocker-check-4242-noexec-Zx9q1A/not-a-program', paths)).toBe(
      '$TMPDIR/noexec/not-a-program',
    );
    expect(
      sanitizeText(
        `expected 'ready\\nc2b05267b622\\n', ${'ab12'.repeat(16)}; not deadbeefcafe, 123456789012 or 0123456789abcdef`,
        paths,
      ),
    ).toBe("expected 'ready\\n<short id>\\n', <container id>; not deadbeefcafe, 123456789012 or 0123456789abcdef");
    expect(
      sanitizeText(
        "NSpid of the container process (host pid 27059): expected '27059' to be '1'; process 812 (sleep) left; 270590 stays",
        paths,
      ),
    ).toBe(
      "NSpid of the container process (host pid <pid>): expected '<pid>' to be '1'; process <pid> (sleep) left; 270590 stays",
    );
    // vitest hands over what it compared as it was: a number stays a number.
    const error = { message: `in ${paths.tree}/src`, expected: 0 as unknown as string, actual: `${paths.tmpDir}/x` };
    const event = sanitizeEvent(
      { type: 'check', lab: 'l', spec: 's', name: 'n', state: 'failed', durationMs: 1, errors: [error] },
      paths,
    );
    expect(event).toMatchObject({ errors: [{ message: 'in labs/src', expected: 0, actual: '$TMPDIR/x' }] });
  });
});
