// scripts/classroom/verdict.ts: the Classroom job's pass or fail, its annotations and outputs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { projectRoot } from '../../cli/paths.ts';
import { classroomResult, verdictOf } from '../../scripts/classroom/verdict.ts';
import type { ClassResult } from '../../cli/grade/result.ts';
import { HOSTILE_ID, hostileClass } from './fixtures.ts';

/** The fixed class with only one learner's submission, as the Classroom script grades one. */
function only(learner: string): ClassResult {
  const result = hostileClass();
  return { ...result, submissions: result.submissions.filter((s) => s.learner === learner) };
}

describe('verdictOf', () => {
  test('every lab of the assignment passed: passed, with the points', () => {
    expect(verdictOf(only(HOSTILE_ID))).toEqual({
      passed: true,
      line: `${HOSTILE_ID}: graded, 2 of 2 labs passed, 3 of 3 points`,
      annotations: [],
      points: 3,
      maxPoints: 3,
    });
  });

  test('a lab not passed: failed, one annotation for it, naming its first check that did not pass', () => {
    const verdict = verdictOf(only('=cmd'));
    expect(verdict).toMatchObject({ passed: false, points: 1, maxPoints: 3 });
    expect(verdict.line).toBe('=cmd: graded, 1 of 2 labs passed, 1 of 3 points; not passed: ch1-proc');
    // GitHub's escapes: the check's name holds a line break, the title a colon would end.
    expect(verdict.annotations).toEqual([
      '::error title=ch1-proc not passed::1 of 3 checks passed; first: the host\'s /proc is "unchanged" | <ok>%0Asecond line (failed); the job summary and the grades artifact say more',
    ]);
  });

  test('a submission that was not graded fails, with its problem first', () => {
    const verdict = verdictOf(only('bob'));
    expect(verdict.passed).toBe(false);
    expect(verdict.annotations[0]).toBe(
      "::error title=build-failed::labs/src/container/command.ts:3:1: ERROR: Expected ';' but found 'x'",
    );
    expect(verdict.annotations).toHaveLength(3);
    expect(verdictOf(only('eve'))).toMatchObject({ passed: false, points: 0 });
  });

  test('results of no submission, or of more than one, fail: the script graded one', () => {
    expect(verdictOf(hostileClass())).toMatchObject({
      passed: false,
      line: 'the results hold 6 submissions, not the one graded',
    });
    expect(verdictOf({ ...hostileClass(), submissions: [] })).toMatchObject({ passed: false, points: 0 });
  });
});

describe('classroomResult', () => {
  test("one test per lab, scored with its points, against the assignment's maximum", () => {
    expect(classroomResult(only('=cmd'))).toEqual({
      version: 1,
      status: 'fail',
      max_score: 3,
      tests: [
        { name: 'ch1-command: Run the command as given', status: 'pass', score: 1 },
        {
          name: 'ch1-proc: Mount /proc & <friends>',
          status: 'fail',
          score: 0,
          message:
            '1 of 3 checks passed; first: the host\'s /proc is "unchanged" | <ok>\nsecond line (failed); the job summary and the grades artifact say more',
        },
      ],
    });
    expect(classroomResult(only(HOSTILE_ID))).toMatchObject({ status: 'pass', max_score: 3 });
    expect(classroomResult(only(HOSTILE_ID)).tests.map((test) => test.score)).toEqual([1, 2]);
  });

  test('a submission that was not graded is an error, every lab failed', () => {
    const result = classroomResult(only('eve'));
    expect(result.status).toBe('error');
    expect(result.tests.map((test) => [test.status, test.score])).toEqual([
      ['fail', 0],
      ['fail', 0],
    ]);
  });
});

describe('verdict.ts as the script runs it', () => {
  function run(learner: string) {
    const dir = mkdtempSync(join(tmpdir(), 'lab-classroom-verdict-'));
    try {
      writeFileSync(join(dir, 'results.json'), JSON.stringify(only(learner)));
      writeFileSync(join(dir, 'output'), '');
      const result = spawnSync(
        process.execPath,
        [join(projectRoot, 'scripts/classroom/verdict.ts'), join(dir, 'results.json')],
        { encoding: 'utf8', env: { ...process.env, GITHUB_OUTPUT: join(dir, 'output') } },
      );
      const output = readFileSync(join(dir, 'output'), 'utf8');
      const classroom = /^result=(.*)$/m.exec(output)?.[1];
      return {
        code: result.status,
        stdout: result.stdout,
        output: output.replace(/^result=.*\n/m, ''),
        classroom: classroom === undefined ? undefined : JSON.parse(Buffer.from(classroom, 'base64').toString()),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  test('exit 0 and the outputs when the assignment passed; exit 1 and the annotations when not', () => {
    expect(run(HOSTILE_ID)).toEqual({
      code: 0,
      stdout: `classroom: ${HOSTILE_ID}: graded, 2 of 2 labs passed, 3 of 3 points\n`,
      output: 'points=3\nmax-points=3\n',
      classroom: classroomResult(only(HOSTILE_ID)),
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
    expect([result.status, result.stderr]).toEqual([2, 'usage: node scripts/classroom/verdict.ts RESULTS_JSON\n']);
  });
});
