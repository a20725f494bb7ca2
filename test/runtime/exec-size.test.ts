// A plan too big for execve(2): Node's process.execve aborts the process when the kernel refuses
// (E2BIG), so the runtime measures the plan first (shim/exec.ts, checkExecSize). Unit cases of the
// kernel's two limits, then a real run whose command fits Node's own exec but whose plan does not.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, test } from 'vitest';
import { projectRoot } from '../../scripts/build.mjs';
import { checkExecSize } from '../../solutions/src/shim/exec.ts';
import { inOwnNetns } from '../support/own-netns.ts';

describe('checkExecSize: the limits of execve(2)', () => {
  test('one string longer than MAX_ARG_STRLEN (131072 bytes with its NUL) is refused, one byte less is not', () => {
    expect(() => checkExecSize(['shim', 'a'.repeat(131071)], [], Infinity)).not.toThrow();
    expect(() => checkExecSize(['shim', 'a'.repeat(131072)], [], Infinity)).toThrow(
      /one argument or variable is 131072 bytes, and the kernel takes at most 131071/,
    );
  });

  test('the total: a quarter of the stack limit, at least 32 pages, at most 6 MiB; environment included', () => {
    const chunk = 'a'.repeat(100_000);
    expect(() => checkExecSize(['shim', chunk, chunk], [], 1_000_000)).not.toThrow();
    expect(() => checkExecSize(['shim', chunk, chunk], [`X=${chunk}`], 1_000_000)).toThrow(
      /300\d+ bytes, and the kernel takes at most 250000 here/,
    );
    expect(() => checkExecSize(['shim', chunk], [], 4096), 'the 32-page floor').not.toThrow();
    expect(() => checkExecSize(['shim', ...Array(70).fill(chunk)], [], Infinity)).toThrow(/at most 6291456 here/);
  });
});

describe('mydocker run with a plan too big for execve', () => {
  const stateRoot = mkdtempSync(join(tmpdir(), 'mydocker-exec-size-'));
  afterAll(() => rmSync(stateRoot, { recursive: true, force: true }));

  test('one line, 125, and nothing left (the plan is the command plus a few KiB)', async () => {
    // A stack limit of 4 MB allows 1 MB of arguments: the command's ~996 KB fit Node's own exec, and
    // the plan, which carries the command and the set-up steps, does not.
    const command = Array(12).fill('a'.repeat(83_000));
    const result = await execa(
      ...inOwnNetns('prlimit', [
        '--stack=4000000',
        process.execPath,
        join(projectRoot, 'bin', 'mydocker.cjs'),
        'run',
        'busybox',
        'echo',
        ...command,
      ]),
      { reject: false, env: { MYDOCKER_SOURCE: 'solutions', MYDOCKER_ROOT: stateRoot }, extendEnv: false },
    );
    expect(result.stderr).toMatch(
      /^mydocker: the container's command line and environment are too long for execve\(2\): \d+ bytes, and the kernel takes at most 1000000 here/,
    );
    expect(result.exitCode).toBe(125);
    const containers = join(stateRoot, 'containers');
    expect(existsSync(containers) ? readdirSync(containers) : [], 'no state left').toEqual([]);
  });
});
