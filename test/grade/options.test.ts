// lab grade's options: each wrong value is one line and exit 2, before any submission is touched.
import { describe, expect, test } from 'vitest';
import {
  parseGradeOptions,
  parseJobs,
  parseLabs,
  parseMemory,
  parseTimeout,
} from '../../cli/commands/grade/options.ts';
import { LabError } from '../../cli/errors.ts';
import { course } from '../cli/fixtures.ts';

function usageError(run: () => unknown): LabError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(LabError);
    expect((error as LabError).exitCode).toBe(2);
    return error as LabError;
  }
  throw new Error('no error');
}

describe('lab grade options', () => {
  test('-j is a whole number from 1 to 64', () => {
    expect(parseJobs('1')).toBe(1);
    expect(parseJobs('64')).toBe(64);
    expect(usageError(() => parseJobs('0')).message).toBe('lab grade: -j must be a whole number from 1 to 64, not 0');
    for (const bad of ['65', '-1', '1.5', 'two', ''])
      expect(usageError(() => parseJobs(bad)).message).toMatch(/^lab grade: -j must be/);
  });

  test('--timeout is minutes above 0, fractions allowed', () => {
    expect(parseTimeout('30')).toBe(30 * 60_000);
    expect(parseTimeout('0.5')).toBe(30_000);
    for (const bad of ['0', '-3', 'soon', '1e3', ''])
      expect(usageError(() => parseTimeout(bad)).message).toMatch(/^lab grade: --timeout is in minutes/);
  });

  test("--memory reads docker's sizes, at least 64m", () => {
    expect(parseMemory('512m')).toBe(512 * 1024 ** 2);
    expect(parseMemory('2G')).toBe(2 * 1024 ** 3);
    expect(parseMemory('100000000')).toBe(100_000_000);
    for (const bad of ['10m', '2x', '1.5g', '-1g', ''])
      expect(usageError(() => parseMemory(bad)).message).toMatch(/^lab grade: --memory takes a size like docker's/);
  });

  test('--labs takes ids and chapter numbers, in course order, each once; an unknown one is named', () => {
    expect(parseLabs(undefined, course).map((lab) => lab.id)).toEqual(['a1', 'a2', 'b1']);
    expect(parseLabs('b1, 1,a2', course).map((lab) => lab.id)).toEqual(['a1', 'a2', 'b1']);
    expect(usageError(() => parseLabs('a1,ch9-x', course)).message).toBe(
      "lab grade: unknown lab 'ch9-x'; `lab list` shows the ids",
    );
    expect(usageError(() => parseLabs('c1', course)).message).toBe(
      "lab grade: unknown lab 'c1'; `lab list` shows the ids",
    ); // a coming chapter's
    expect(usageError(() => parseLabs('7', course)).message).toMatch(/^lab grade: chapter 7 has no labs to grade/);
    expect(usageError(() => parseLabs(' , ', course)).message).toMatch(/names no lab/);
  });

  test('the defaults, and paths made absolute', () => {
    const settings = parseGradeOptions(
      { submissions: ['class'], jobs: '1', out: 'grades', roster: 'r.txt' },
      course,
      '/home/t',
    );
    expect(settings).toMatchObject({
      submissions: ['class'],
      roster: '/home/t/r.txt',
      jobs: 1,
      outDir: '/home/t/grades',
      force: false,
      vm: false,
      timeoutMs: 30 * 60_000,
      memoryBytes: 4 * 1024 ** 3,
    });
  });
});
