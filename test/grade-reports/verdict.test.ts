// scripts/classroom/verdict.ts: the Classroom job's pass or fail, its annotations and outputs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { projectRoot } from '../../cli/paths.ts';
import { verdictOf } from '../../scripts/classroom/verdict.ts';
import { HOSTILE_ID, hostileClass } from './fixtures.ts';

describe('verdictOf', () => {
  test('every lab of the assignment passed: passed, with the points', () => {
    expect(verdictOf(hostileClass(), HOSTILE_ID)).toEqual({
      passed: true,
      line: `${HOSTILE_ID}: graded, 2 of 2 labs passed, 3 of 3 points`,
      annotations: [],
      points: 3,
      maxPoints: 3,
    });
  });

  test('a lab not passed: failed, one annotation for it, naming its first check that did not pass', () => {
    const verdict = verdictOf(hostileClass(), '=cmd');
    expect(verdict).toMatchObject({ passed: false, points: 1, maxPoints: 3 });
    expect(verdict.line).toBe('=cmd: graded, 1 of 2 labs passed, 1 of 3 points; not passed: ch1-proc');
    // GitHub's escapes: the check's name holds a line break, the title a colon would end.
    expect(verdict.annotations).toEqual([
      '::error title=ch1-proc not passed::1 of 3 checks passed; first: the host\'s /proc is "unchanged" | <ok>%0Asecond line (failed); the job summary and the grades artifact say more',
    ]);
  });

  test('a submission that was not graded fails, with its problem first', () => {
    const verdict = verdictOf(hostileClass(), 'bob');
    expect(verdict.passed).toBe(false);
    expect(verdict.annotations[0]).toBe(
      "::error title=build-failed::labs/src/container/command.ts:3:1: ERROR: Expected ';' but found 'x'",
    );
    expect(verdict.annotations).toHaveLength(3);
    expect(verdictOf(hostileClass(), 'eve')).toMatchObject({ passed: false, points: 0 });
  });

  test('a learner the results do not hold fails, and says whom they hold', () => {
    expect(verdictOf(hostileClass(), 'nobody')).toMatchObject({
      passed: false,
      line: `nobody: not in the results (lab grade graded =cmd, bob, carol, dave, eve, ${HOSTILE_ID})`,
    });
  });
});

describe('verdict.ts as the script runs it', () => {
  function run(learner: string) {
    const dir = mkdtempSync(join(tmpdir(), 'lab-classroom-verdict-'));
    try {
      writeFileSync(join(dir, 'results.json'), JSON.stringify(hostileClass()));
      writeFileSync(join(dir, 'output'), '');
      const result = spawnSync(
        process.execPath,
        [join(projectRoot, 'scripts/classroom/verdict.ts'), join(dir, 'results.json'), learner],
        { encoding: 'utf8', env: { ...process.env, GITHUB_OUTPUT: join(dir, 'output') } },
      );
      return { code: result.status, stdout: result.stdout, output: readFileSync(join(dir, 'output'), 'utf8') };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  test('exit 0 and the outputs when the assignment passed; exit 1 and the annotations when not', () => {
    expect(run(HOSTILE_ID)).toEqual({
      code: 0,
      stdout: `classroom: ${HOSTILE_ID}: graded, 2 of 2 labs passed, 3 of 3 points\n`,
      output: 'points=3\nmax-points=3\n',
    });
    const failed = run('=cmd');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(
      /^::error title=ch1-proc not passed::.*\nclassroom: =cmd: graded, 1 of 2 labs passed/,
    );
    expect(failed.output).toBe('points=1\nmax-points=3\n');
  });

  test('a wrong command line: usage, exit 2', () => {
    const result = spawnSync(process.execPath, [join(projectRoot, 'scripts/classroom/verdict.ts')], {
      encoding: 'utf8',
    });
    expect([result.status, result.stderr]).toEqual([
      2,
      'usage: node scripts/classroom/verdict.ts RESULTS_JSON LEARNER\n',
    ]);
  });
});
