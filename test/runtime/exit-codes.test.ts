// docker's exit codes, as the reference maps outcomes to them.
import { describe, expect, test } from 'vitest';
import { exitCodeOf } from '../../solutions/src/container/command.ts';
import { describeFailure } from '../../solutions/src/commands/run.ts';
import type { Outcome } from '../../solutions/src/shim/shim.ts';

const failed = (op: string, subject: string, errno: number): Outcome => ({ kind: 'failed', step: 3, op, subject, errno });

describe('exitCodeOf', () => {
  test.each<[string, Outcome, number]>([
    ['exit 0', { kind: 'exited', code: 0 }, 0],
    ['exit 3', { kind: 'exited', code: 3 }, 3],
    ['SIGKILL', { kind: 'signaled', signal: 9 }, 137],
    ['SIGTERM', { kind: 'signaled', signal: 15 }, 143],
    ['exec ENOENT', failed('exec', 'nope', 2), 127],
    ['exec EACCES', failed('exec', '/etc/passwd', 13), 126],
    ['exec ENOEXEC', failed('exec', '/tmp/script', 8), 126],
    ['mount EPERM', failed('mount', '/proc', 1), 125],
    ['clone EPERM', failed('clone', '1879048192', 1), 125],
  ])('%s', (_, outcome, code) => {
    expect(exitCodeOf(outcome)).toBe(code);
  });
});

describe('describeFailure', () => {
  test('speaks docker where docker has words, and names the errno otherwise', () => {
    expect(describeFailure(failed('exec', 'nope', 2))).toBe('exec: "nope": executable file not found in $PATH');
    expect(describeFailure(failed('exec', '/nope', 2))).toBe('exec: "/nope": no such file or directory');
    expect(describeFailure(failed('exec', '/etc/passwd', 13))).toBe('exec: "/etc/passwd": permission denied');
    expect(describeFailure(failed('mount', '/proc', 1))).toBe('step 4, mount /proc: EPERM (operation not permitted)');
  });
});
