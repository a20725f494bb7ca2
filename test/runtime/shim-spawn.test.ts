// The daemon's start of a shim (solutions/src/shim/spawn.ts): posix_spawn through koffi, from one
// sealed memfd copy of the shim, with the child's output in pipes and its end reaped here.
import {
  closeSync,
  existsSync,
  ftruncateSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeSync,
} from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildShim, shimBinary } from '../../scripts/build.mjs';
import { exitStatus, sealedMemfd, spawnWithPipes } from '../../solutions/src/libc.ts';
import { captured, runCaptured, sealedShimPath, stopSpares, waitingSpare } from '../../solutions/src/shim/spawn.ts';
import { spawnShim } from '../../solutions/src/shim/exec.ts';
import type { Plan } from '../../solutions/src/kernel/plan.ts';

/** Signals 32 and 33 (bits 31 and 32 of /proc's masks): glibc's SIGCANCEL and SIGSETXID. */
const GLIBC_OWN_SIGNALS = 0x180000000n;

const openDescriptors = (): number => readdirSync('/proc/self/fd').length;

describe('posix_spawn with pipes (libc.ts)', () => {
  test('the child gets exactly the environment given, /dev/null as stdin, a session of its own, no signal blocked or ignored', async () => {
    const script = [
      'env',
      'readlink /proc/self/fd/0',
      'echo "session $(cut -d" " -f6 /proc/$$/stat) pid $$"',
      'grep -E "^Sig(Blk|Ign)" /proc/$$/status',
      'echo to-stderr >&2',
      'exit 3',
    ].join('; ');
    const result = await runCaptured('/bin/sh', ['sh', '-c', script], ['GREETING=a b=c']);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toBe('to-stderr\n');
    const lines = result.stdout.trim().split('\n');
    expect(lines.filter((line) => line.includes('=')).filter((line) => !line.startsWith('PWD='))).toEqual([
      'GREETING=a b=c',
    ]);
    expect(lines).toContain('/dev/null');
    const session = lines.find((line) => line.startsWith('session '))!.split(' ');
    expect(session[1], 'its session is its own (setsid): the session id is its pid').toBe(session[3]);
    // Node ignores SIGPIPE and SIGXFSZ; a child that kept them would not die writing to a closed
    // pipe. glibc's posix_spawn leaves its own two (32 and 33) ignored, and sigfillset cannot name
    // them: the shim resets those itself (the test of the shim below).
    expect(lines).toContain('SigBlk:\t0000000000000000');
    const ignored = BigInt(`0x${lines.find((line) => line.startsWith('SigIgn:'))!.split('\t')[1]}`);
    expect(ignored & ~GLIBC_OWN_SIGNALS, "ignored signals but glibc's own").toBe(0n);
  });

  test('a child killed by a signal ends as a shell says it, 128 + the signal; it is reaped', async () => {
    const result = await runCaptured('/bin/sh', ['sh', '-c', 'kill -9 $$'], []);
    expect(result.exitCode).toBe(137);
  });

  test('exitStatus is undefined while the child runs, its code once it ended, and reaps it', async () => {
    const child = spawnWithPipes('/bin/sh', ['sh', '-c', 'sleep 0.2; exit 5'], []);
    try {
      expect(exitStatus(child.pid)).toBeUndefined();
      let code: number | undefined;
      for (let i = 0; i < 500 && code === undefined; i++) {
        code = exitStatus(child.pid);
        if (code === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(code).toBe(5);
      expect(() => exitStatus(child.pid), 'reaped: no such child any more').toThrow(/waitpid .*: ECHILD/);
    } finally {
      closeSync(child.stdout);
      closeSync(child.stderr);
    }
  });

  test('a program that cannot be started is one error, and leaves no descriptor open', async () => {
    const before = openDescriptors();
    await expect(runCaptured('/no/such/program', ['x'], [])).rejects.toThrow(
      'could not start /no/such/program: posix_spawn /no/such/program: ENOENT',
    );
    expect(openDescriptors()).toBe(before);
  });
});

describe('the sealed copy', () => {
  test('a sealed memfd refuses every change, to its maker too', () => {
    const fd = sealedMemfd('mydocker-test', Buffer.from('contents'));
    try {
      expect(() => writeSync(fd, 'x', 0)).toThrow(/EPERM/);
      expect(() => ftruncateSync(fd, 0)).toThrow(/EPERM/);
      const reopened = openSync(`/proc/self/fd/${fd}`, 'r+');
      try {
        expect(() => writeSync(reopened, 'x', 0), 'opened again for writing').toThrow(/EPERM/);
      } finally {
        closeSync(reopened);
      }
      expect(statSync(`/proc/self/fd/${fd}`).size).toBe('contents'.length);
    } finally {
      closeSync(fd);
    }
  });

  describe('the shim, started from it', () => {
    beforeAll(() => buildShim(), 60_000);

    test('runs from the daemon-held copy itself (no copy of its own: the same inode), under its own name; its command ignores no signal', async () => {
      const copy = sealedShimPath(shimBinary);
      expect(sealedShimPath(shimBinary), 'made once').toBe(copy);
      const plan: Plan = {
        namespaces: [],
        cloneFlags: 0,
        stdin: 'null',
        host: { created: [], ended: [], failed: [] },
        steps: [
          {
            op: 'exec',
            argv: [
              'sh',
              '-c',
              'stat -L -c %i /proc/$PPID/exe; cat /proc/$PPID/comm; grep SigIgn /proc/$$/status; exit 7',
            ],
            env: ['PATH=/usr/bin:/bin'],
            search: '/usr/bin:/bin',
          },
        ],
      };
      const result = await spawnShim(shimBinary, plan);
      expect(result.stderr).toBe('');
      expect(result.exitCode).toBe(7);
      // No signal ignored in the container's command, though the shim was started with glibc's two.
      expect(result.stdout).toBe(`${statSync(copy).ino}\nmydocker-shim\nSigIgn:\t0000000000000000\n`);
    });
  });
});

describe('spares: a shim started before its plan (--plan-on-stdin)', () => {
  beforeAll(() => buildShim(), 60_000);

  const printing = (script: string, env: string[] = ['PATH=/usr/bin:/bin']): Plan => ({
    namespaces: [],
    cloneFlags: 0,
    stdin: 'null',
    host: { created: [], ended: [], failed: [] },
    steps: [{ op: 'exec', argv: ['sh', '-c', script], env, search: '/usr/bin:/bin' }],
  });
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  test("the next start takes the spare: its command is the spare's child, with exactly its own environment", async () => {
    await spawnShim(shimBinary, printing('true'));
    await nextTurn();
    const spare = waitingSpare(shimBinary);
    expect(spare, 'a spare waits after a start').toBeGreaterThan(0);
    expect(readFileSync(`/proc/${spare}/cmdline`, 'utf8')).toBe('mydocker-shim\0--plan-on-stdin\0');
    // More than a pipe's 64 KiB: the request is written while the spare reads it.
    const big = ['A', 'B', 'C'].map((name) => `${name}=${name.repeat(60_000)}`);
    const result = await spawnShim(shimBinary, printing('echo $PPID; env | sort', ['PATH=/usr/bin:/bin', ...big]));
    expect(result.stderr).toBe('');
    const [parent, ...env] = result.stdout.trim().split('\n');
    expect(Number(parent), 'the command runs under the spare').toBe(spare);
    expect(env.filter((line) => !line.startsWith('PWD=') && !line.startsWith('SHLVL='))).toEqual([
      ...big,
      'PATH=/usr/bin:/bin',
    ]);
    expect(existsSync(`/proc/${spare}`), 'the spare, reaped').toBe(false);
  });

  test('a spare that died is replaced by a start then and there, and reaped', async () => {
    await spawnShim(shimBinary, printing('true'));
    await nextTurn();
    const spare = waitingSpare(shimBinary)!;
    process.kill(spare, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const result = await spawnShim(shimBinary, printing('echo $PPID; exit 4'));
    expect(result.exitCode).toBe(4);
    expect(Number(result.stdout.trim()), 'started anew').not.toBe(spare);
    expect(existsSync(`/proc/${spare}`), 'the dead spare, reaped').toBe(false);
  });

  test('stopSpares ends the waiting spare, which makes nothing; no request at all is no error', async () => {
    await spawnShim(shimBinary, printing('true'));
    await nextTurn();
    const spare = waitingSpare(shimBinary)!;
    await stopSpares();
    expect(waitingSpare(shimBinary)).toBeUndefined();
    expect(existsSync(`/proc/${spare}`)).toBe(false);
  });

  test('a malformed request is refused in one line, 125', async () => {
    const shim = spawnWithPipes(sealedShimPath(shimBinary), ['mydocker-shim', '--plan-on-stdin'], [], true);
    writeSync(shim.stdin!, '3\0mydocker-shim\0');
    closeSync(shim.stdin!);
    const result = await captured(shim);
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toBe(
      'mydocker-shim: malformed plan from the runtime (the plan on stdin ends inside its arguments); start containers with mydocker\n',
    );
  });
});
