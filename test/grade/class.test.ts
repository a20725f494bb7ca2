// lab grade on a class of 10, end to end: the real checker on three fast labs (ch1-command,
// ch1-namespaces, whose failures name host pids, and ch1-hostname), every kind of submission and of
// bad input, the marks asserted per learner and lab, and the reports. About a minute at -j 2 on 2 cores.
// "Solved" below means every lab of the course solved, "half" all but ch1-hostname.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PROJECT_ROOT } from '../../checker/harness/target.ts';
import type { ClassResult, SubmissionResult } from '../../cli/grade/result.ts';
import { tarBuffer } from '../../scripts/build/tar.mjs';
import { allBut, clone, git, gitClone, isRoot, lab, writeText, type LabRun } from './support.ts';

const LABS = 'ch1-command,ch1-namespaces,ch1-hostname';

/** Each lab's marks as `id:✓` or `id:✗`, and the status. */
function marks(submission: SubmissionResult | undefined): string {
  if (!submission) return 'absent';
  return [submission.status, ...submission.labs.map((l) => `${l.id}:${l.passed ? '✓' : '✗'}${l.earned}`)].join(' ');
}

async function tarballOf(dir: string, top: string): Promise<Buffer> {
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort()
    .map((file) => ({ path: `${top}/${file.slice(dir.length + 1)}`, data: readFileSync(file) }));
  return tarBuffer(entries);
}

describe.runIf(isRoot)('lab grade, a class of 10', { timeout: 240_000 }, () => {
  let root: string;
  let first: LabRun;
  let result: ClassResult;
  /** The graders this test started: their work dirs and cgroups are named after them. */
  const graders: number[] = [];
  const grade = (args: string[]): Promise<LabRun> => lab(['grade', ...args], root, (pid) => graders.push(pid));
  const learner = (id: string): SubmissionResult | undefined => result.submissions.find((s) => s.learner === id);

  beforeAll(async () => {
    root = mkdtempSync('/tmp/lab-grade-class-test-');
    const klass = join(root, 'class');
    clone(join(klass, 'solved'), allBut());
    clone(join(klass, 'pristine'));
    // Half done: every lab but ch1-hostname.
    clone(join(klass, 'half'), allBut('ch1-hostname'));
    // Does not build: a syntax error in a lab file (esbuild refuses it).
    clone(join(klass, 'broken'), allBut());
    writeFileSync(
      join(klass, 'broken', 'labs', 'src', 'container', 'hostname.ts'),
      'export function containerHostname( {\n',
    );
    // The same lab files as `half`, and edits that would pay if they were taken: the hostname spec made
    // to pass whatever runs, the manifest's points raised, a scaffolding file that would not build.
    const cheat = clone(join(klass, 'cheat'), allBut('ch1-hostname'));
    cpSync(join(PROJECT_ROOT, 'checker'), join(cheat, 'checker'), { recursive: true });
    writeText(
      join(cheat, 'checker', 'specs', 'ch01', 'hostname.spec.ts'),
      "import { describeLab } from '../../harness/suite.ts';\ndescribeLab('ch1-hostname', (check) => { check('--hostname sets the name inside the container', { hint: 1 }, async () => {}); });\n",
    );
    cpSync(join(PROJECT_ROOT, 'chapters'), join(cheat, 'chapters'), { recursive: true });
    const manifest = join(cheat, 'chapters', '01-namespaces', 'labs.yaml');
    writeFileSync(
      manifest,
      readFileSync(manifest, 'utf8').replace('  - id: ch1-hostname\n', '  - id: ch1-hostname\n    points: 100\n'),
    );
    writeFileSync(join(cheat, 'labs', 'src', 'main.ts'), 'this is not TypeScript {\n');
    // A tarball of a solved clone, under one top directory.
    writeFileSync(join(klass, 'tarred.tgz'), gzipSync(await tarballOf(join(klass, 'solved'), 'tarred')));
    // A git repository: all but ch1-hostname committed, ch1-hostname solved in the work tree only.
    const repo = gitClone(join(klass, 'committer'), allBut('ch1-hostname'));
    cpSync(
      join(PROJECT_ROOT, 'solutions', 'src', 'container', 'hostname.ts'),
      join(repo, 'labs', 'src', 'container', 'hostname.ts'),
    );
    // A bundle of a solved clone.
    const bundled = gitClone(join(root, 'bundled-src'), allBut());
    git(bundled, 'bundle', 'create', '-q', join(klass, 'bundled.bundle'), 'HEAD');
    writeFileSync(join(klass, 'corrupt.tgz'), Buffer.from('PK\u0003\u0004 a zip file named .tgz, '.repeat(30)));
    writeFileSync(join(klass, 'empty.tar'), '');
    writeFileSync(
      join(root, 'roster.txt'),
      '# the class\nsolved\npristine\nhalf\nbroken\ncheat\ntarred\ncommitter\nbundled\ncorrupt\nempty\nghost\n',
    );

    first = await grade(['class', '--roster', 'roster.txt', '--labs', LABS, '-j', '2', '-o', 'grades']);
    if (!existsSync(join(root, 'grades', 'results.json')))
      throw new Error(`lab grade wrote no results (${first.code}): ${first.stderr}`);
    result = JSON.parse(readFileSync(join(root, 'grades', 'results.json'), 'utf8')) as ClassResult;
  }, 240_000);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('the run ends 0 with the reports, and one line on stderr for each bad input', () => {
    expect(first.code, first.stderr).toBe(0);
    const lines = first.stderr.trim().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^lab grade: class\/corrupt\.tgz: it is not a readable tarball \(.+\)$/),
        'lab grade: class/empty.tar: the tarball is empty',
        'lab grade: ghost is on the roster but has no submission',
      ]),
    );
    expect(lines, first.stderr).toHaveLength(3);
  });

  test('the marks, per learner and lab', () => {
    expect(result.submissions.map((s) => s.learner)).toEqual([
      'broken',
      'bundled',
      'cheat',
      'committer',
      'corrupt',
      'empty',
      'ghost',
      'half',
      'pristine',
      'solved',
      'tarred',
    ]);
    expect(marks(learner('solved')), JSON.stringify(learner('solved'), null, 1)).toBe(
      'graded ch1-command:✓1 ch1-namespaces:✓1 ch1-hostname:✓1',
    );
    expect(marks(learner('pristine'))).toBe('graded ch1-command:✗0 ch1-namespaces:✗0 ch1-hostname:✗0');
    expect(marks(learner('half'))).toBe('graded ch1-command:✓1 ch1-namespaces:✓1 ch1-hostname:✗0');
    expect(marks(learner('broken'))).toBe('build-failed ch1-command:✗0 ch1-namespaces:✗0 ch1-hostname:✗0');
    expect(learner('broken')!.problem).toMatch(
      /^its runtime does not build: labs\/src\/container\/hostname\.ts:\d+:\d+: ERROR: /,
    );
    expect(marks(learner('tarred'))).toBe('graded ch1-command:✓1 ch1-namespaces:✓1 ch1-hostname:✓1');
    expect(learner('tarred')!.kind).toBe('tarball');
    // HEAD's files: the solution in the work tree only does not count.
    expect(marks(learner('committer'))).toBe('graded ch1-command:✓1 ch1-namespaces:✓1 ch1-hostname:✗0');
    expect(learner('committer')!.kind).toBe('git');
    expect(marks(learner('bundled'))).toBe('graded ch1-command:✓1 ch1-namespaces:✓1 ch1-hostname:✓1');
    expect(learner('bundled')!.kind).toBe('bundle');
    for (const id of ['corrupt', 'empty']) expect(learner(id)).toMatchObject({ status: 'unreadable', labs: [] });
    expect(learner('ghost')).toMatchObject({ status: 'missing', kind: 'none', labs: [] });
  });

  test('a submission that edits a check, the manifest and the scaffolding earns what its lab files earn', () => {
    const { source: _cheatSource, learner: _c, ...cheat } = learner('cheat')!;
    const { source: _halfSource, learner: _h, ...half } = learner('half')!;
    expect(cheat).toEqual(half);
    expect(result.course.labs.map((l) => `${l.id}:${l.points}`)).toEqual([
      'ch1-command:1',
      'ch1-namespaces:1',
      'ch1-hostname:1',
    ]);
  });

  test('the four reports and a feedback file per learner', () => {
    const grades = join(root, 'grades');
    for (const file of ['junit.xml', 'results.json', 'gradebook.md', 'gradebook.csv'])
      expect(existsSync(join(grades, file)), file).toBe(true);
    expect(readdirSync(join(grades, 'feedback')).sort()).toEqual(result.submissions.map((s) => `${s.learner}.md`));
    expect((readFileSync(join(grades, 'junit.xml'), 'utf8').match(/<testsuite /g) ?? []).length).toBe(11);
    const csv = readFileSync(join(grades, 'gradebook.csv'), 'utf8');
    expect(csv).toMatch(/^.*ch1-command.*ch1-hostname/);
    expect(csv.split(/\r?\n/).find((line) => line.startsWith('half,'))).toBe('half,graded,passed,passed,failed,2,3');
    const feedback = readFileSync(join(grades, 'feedback', 'half.md'), 'utf8');
    expect(feedback).toContain('lab hint ch1-hostname');
  });

  test('a second run reuses every grade and writes the same reports, byte for byte', async () => {
    const grades = join(root, 'grades');
    const before = ['junit.xml', 'results.json', 'gradebook.md', 'gradebook.csv'].map((file) =>
      readFileSync(join(grades, file)),
    );
    const again = await grade(['class', '--roster', 'roster.txt', '--labs', LABS, '-j', '2', '-o', 'grades']);
    expect(again.code, again.stderr).toBe(0);
    const reused = again.stdout
      .split('\n')
      .filter((line) => line.endsWith(', graded before') || line.includes(', graded before:'));
    expect(reused).toHaveLength(8); // every submission that was read; the unreadable ones are read again, and fail again
    const after = ['junit.xml', 'results.json', 'gradebook.md', 'gradebook.csv'].map((file) =>
      readFileSync(join(grades, file)),
    );
    expect(after).toEqual(before);
  });

  test('grading a submission again from scratch (--force) gives the same result and feedback', async () => {
    const again = await grade([
      'class/half',
      'class/pristine',
      'class/bundled.bundle',
      '--labs',
      LABS,
      '-j',
      '2',
      '--force',
      '-o',
      'again',
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toContain('graded before');
    const redone = JSON.parse(readFileSync(join(root, 'again', 'results.json'), 'utf8')) as ClassResult;
    // pristine's failures name host pids and container ids, new at every run.
    for (const id of ['half', 'pristine', 'bundled']) {
      expect(redone.submissions.find((s) => s.learner === id)).toEqual(learner(id));
      expect(readFileSync(join(root, 'again', 'feedback', `${id}.md`))).toEqual(
        readFileSync(join(root, 'grades', 'feedback', `${id}.md`)),
      );
    }
  });

  test('nothing of the runs is left: work dirs, the bundles built from their trees, cgroups', () => {
    expect(graders).toHaveLength(3);
    const ours = (name: string): boolean => graders.some((pid) => name.startsWith(`lab-grade-${pid}`));
    expect(readdirSync('/var/tmp').filter(ours)).toEqual([]);
    const learners = result.submissions.map((s) => s.learner);
    expect(
      readdirSync(join(PROJECT_ROOT, '.lab', 'build')).filter((name) =>
        learners.some((id) => name.startsWith(`tree-grade-${id}-`)),
      ),
    ).toEqual([]);
    for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
      const dir = join('/sys/fs/cgroup', hierarchy);
      if (!existsSync(join(dir, 'cgroup.procs'))) continue;
      expect(readdirSync(dir).filter(ours), hierarchy).toEqual([]);
    }
  });
});
