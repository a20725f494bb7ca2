// The Classroom workflow's step, run here as the hosted runner runs it (which cannot be reached from
// here): the workflow's own `run` line, in a workspace laid out as its checkouts leave it (the
// learner's repository a shallow clone owned by another user than the one grading, the course at
// course/), with the environment GitHub sets and the one the workflow sets; provisioning and npm ci
// skipped, since this machine has both. Real `lab grade`, real checker: root only.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chapters } from '../../chapters/manifest.ts';
import { projectRoot } from '../../cli/paths.ts';
import { CLASSROOM_SCRIPT, CLASSROOM_WORKFLOW } from './classroom-env.ts';

const isRoot = process.getuid?.() === 0;
const workflow = parse(readFileSync(join(projectRoot, CLASSROOM_WORKFLOW), 'utf8')) as {
  env: Record<string, string>;
  jobs: { grade: { steps: { run?: string }[] } };
};
const stepRun = workflow.jobs.grade.steps.find((step) => step.run !== undefined)!.run!;
/** What the classroom's organisation would set (its Actions variables); ASSIGNMENT_LABS left to the workflow's default. */
const VARS: Record<string, string> = { COURSE_REPOSITORY: 'classroom-org/write-your-own-docker', COURSE_REF: 'v1' };

/** The workflow's env, its `${{ vars.X }}` and `${{ vars.X || 'default' }}` evaluated as Actions would. */
function workflowEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(workflow.env)) {
    const expression = /^\$\{\{ vars\.(\w+)(?: \|\| '([^']*)')? \}\}$/.exec(String(value));
    if (expression) env[name] = VARS[expression[1]!] || expression[2] || '';
    else if (String(value).includes('${{')) throw new Error(`the test cannot evaluate ${name}: ${value}`);
    else env[name] = String(value);
  }
  return env;
}

/** Chapter 1 (the workflow's default assignment) and what it is worth. */
const assignment = chapters.find((chapter) => chapter.number === 1)!.labs;
const maxPoints = assignment.reduce((sum, lab) => sum + lab.points, 0);

let root: string;
beforeAll(() => {
  root = mkdtempSync('/var/tmp/lab-classroom-test-');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Learner', '-c', 'user.email=learner@example.invalid', ...args], {
    cwd,
    encoding: 'utf8',
  });
}

/**
 * A learner's repository: the course's files as the template gives them, with labs/ from `tree`
 * (solutions/ or labs/), pushed; then checked out as actions/checkout does (a shallow clone), owned by
 * `nobody` as the runner's user owns it (grading runs as root).
 */
function workspaceWith(name: string, tree: 'solutions' | 'labs', edit?: (origin: string) => void) {
  const workspace = join(root, name, 'workspace');
  const origin = join(root, name, 'origin');
  mkdirSync(origin, { recursive: true });
  cpSync(join(projectRoot, tree), join(origin, 'labs'), { recursive: true });
  mkdirSync(join(origin, 'checker', 'specs', 'ch01'), { recursive: true });
  cpSync(join(projectRoot, 'checker', 'specs', 'ch01'), join(origin, 'checker', 'specs', 'ch01'), { recursive: true });
  edit?.(origin);
  git(origin, 'init', '-q', '-b', 'main');
  git(origin, 'add', '-A');
  git(origin, 'commit', '-q', '-m', 'my work');
  mkdirSync(workspace, { recursive: true });
  git(workspace, 'clone', '-q', '--depth', '1', `file://${origin}`, 'submission');
  execFileSync('chown', ['-R', 'nobody', join(workspace, 'submission')]);
  symlinkSync(projectRoot, join(workspace, 'course'));
  mkdirSync(join(root, name, 'runner-temp'));
  return { workspace, summary: join(root, name, 'summary.md'), output: join(root, name, 'output') };
}

function runStep(name: string, { workspace, summary, output }: ReturnType<typeof workspaceWith>) {
  writeFileSync(summary, '');
  writeFileSync(output, '');
  const result = spawnSync('bash', ['-c', stepRun], {
    cwd: workspace,
    encoding: 'utf8',
    timeout: 240_000,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: workspace,
      GITHUB_REPOSITORY: `classroom-org/${name}`,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_OUTPUT: output,
      RUNNER_TEMP: join(root, name, 'runner-temp'),
      ...workflowEnv(),
      SKIP_PROVISION: '1',
      SKIP_NPM_CI: '1',
    },
  });
  return {
    code: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    summary: readFileSync(summary, 'utf8'),
    output: readFileSync(output, 'utf8'),
  };
}

function gradebookRow(learner: string, mark: string, points: number): string {
  return `| ${learner} | graded | ${assignment.map(() => mark).join(' | ')} | ${points} / ${maxPoints} |`;
}

describe.skipIf(!isRoot)('scripts/classroom/grade.sh as the runner runs it', { timeout: 300_000 }, () => {
  test('the workflow grades chapter 1 unless the classroom says otherwise', () => {
    expect(workflowEnv().ASSIGNMENT_LABS).toBe('1');
  });

  test('a learner who solved the assignment: exit 0, the gradebook and feedback in the summary, the points as outputs', () => {
    const space = workspaceWith('mydocker-ada', 'solutions');
    // Left in the work tree, never committed: not graded (the stub of a lab, over its solution).
    const lab = assignment[0]!;
    cpSync(join(projectRoot, 'labs', lab.files[0]!), join(space.workspace, 'submission', 'labs', lab.files[0]!));
    const run = runStep('mydocker-ada', space);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.summary).toContain(gradebookRow('mydocker-ada', '✓', maxPoints));
    expect(run.summary).toContain('# Feedback for mydocker-ada');
    expect(run.stdout).toContain(
      `classroom: mydocker-ada: graded, ${assignment.length} of ${assignment.length} labs passed, ${maxPoints} of ${maxPoints} points\n`,
    );
    expect(run.output).toMatch(new RegExp(`^points=${maxPoints}\nmax-points=${maxPoints}\nresult=[A-Za-z0-9+/]+=*\n$`));

    const grades = join(space.workspace, 'grades');
    expect(readdirSync(grades).sort()).toEqual(
      expect.arrayContaining(['feedback', 'gradebook.csv', 'gradebook.md', 'junit.xml', 'results.json']),
    );
    expect(readdirSync(join(grades, 'feedback'))).toEqual(['mydocker-ada.md']);
    execFileSync('xmllint', ['--noout', join(grades, 'junit.xml')]);
    // Readable by the upload step, which runs as the runner's user.
    expect(statSync(join(grades, 'results.json')).mode & 0o004).toBe(0o004);
    // The script's scratch directory is gone.
    expect(readdirSync(join(root, 'mydocker-ada', 'runner-temp'))).toEqual([]);
  });

  test('a learner on the pristine stubs, who edited a check to pass: exit 1, each lab annotated, 0 points', () => {
    const space = workspaceWith('mydocker-bob', 'labs', (origin) => {
      const spec = assignment[0]!.spec;
      writeFileSync(join(origin, spec), "import { test } from 'vitest';\ntest('passes', () => {});\n");
    });
    const run = runStep('mydocker-bob', space);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.summary).toContain(gradebookRow('mydocker-bob', '✗', 0));
    for (const lab of assignment) expect(run.stdout).toContain(`::error title=${lab.id} not passed::`);
    expect(run.stdout).toContain(`not passed: ${assignment.map((lab) => lab.id).join(', ')}\n`);
    expect(run.output).toMatch(new RegExp(`^points=0\nmax-points=${maxPoints}\nresult=`));
  });

  test('a repository whose last commit has no labs/: exit 1, and the summary says what to do', () => {
    const space = workspaceWith('mydocker-cy', 'labs', (origin) => rmSync(join(origin, 'labs'), { recursive: true }));
    const run = runStep('mydocker-cy', space);
    expect(run.code).toBe(1);
    expect(run.summary).toBe(
      "The repository's last commit has no labs/ directory: it is not a clone of this course. Restore labs/ from the template and push again.\n\n",
    );
    expect(existsSync(join(space.workspace, 'grades'))).toBe(false);
  });

  test("as the runner's user (not root), it hands itself to sudo with the environment and PATH kept", () => {
    // A sudo that only says how it was called: the runner's is real, this machine has none.
    const bin = join(root, 'fake-sudo');
    mkdirSync(bin);
    chmodSync(root, 0o755); // mkdtemp's 0700 would keep nobody out
    writeFileSync(join(bin, 'sudo'), '#!/bin/sh\nprintf "%s\\n" "$@"\necho "GITHUB_WORKSPACE=$GITHUB_WORKSPACE"\n', {
      mode: 0o755,
    });
    const result = spawnSync('/usr/sbin/runuser', ['-u', 'nobody', '--', 'bash', join(projectRoot, CLASSROOM_SCRIPT)], {
      encoding: 'utf8',
      env: { PATH: `${bin}:/usr/bin:/bin`, GITHUB_WORKSPACE: '/home/runner/work/x/x' },
    });
    expect([result.status, result.stdout]).toEqual([
      0,
      [
        '--preserve-env',
        'env',
        `PATH=${bin}:/usr/bin:/bin`,
        'bash',
        join(projectRoot, CLASSROOM_SCRIPT),
        'GITHUB_WORKSPACE=/home/runner/work/x/x',
        '',
      ].join('\n'),
    ]);
  });

  test('without a pinned course ref the step refuses to grade', () => {
    const space = workspaceWith('mydocker-dee', 'solutions');
    VARS.COURSE_REF = '';
    try {
      const run = runStep('mydocker-dee', space);
      expect([run.code, run.stderr]).toEqual([
        1,
        'classroom: COURSE_REF is not set: pin the course (a tag or a commit; docs/grading.md)\n',
      ]);
    } finally {
      VARS.COURSE_REF = 'v1';
    }
  });
});
