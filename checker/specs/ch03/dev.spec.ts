// Lab ch3-dev: the container's /dev holds the usual devices, a terminal instance of its own, and none
// of the host's devices.
import { expect } from 'vitest';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import { describeLab } from '../../harness/suite.ts';

const EXPECTED_ENTRIES = [
  'fd',
  'full',
  'null',
  'ptmx',
  'pts',
  'random',
  'shm',
  'stderr',
  'stdin',
  'stdout',
  'tty',
  'urandom',
  'zero',
];

describeLab('ch3-dev', (check) => {
  check('/dev holds exactly the usual entries, and no device of the host', { hint: 1 }, async ({ mydocker }) => {
    const result = await mydocker.run(['run', '--rm', 'busybox', 'ls', '-A', '/dev']);
    expectExitCode(result, 0);
    expect(result.stdout.split(/\s+/).filter(Boolean).sort(), describeRun(result)).toEqual(EXPECTED_ENTRIES);
  });

  check(
    'each device is a character device with its major and minor numbers, mode 0666',
    { hint: 2 },
    async ({ mydocker }) => {
      const result = await mydocker.run([
        'run',
        '--rm',
        'busybox',
        'stat',
        '-c',
        '%n %F %t:%T %a',
        '/dev/null',
        '/dev/zero',
        '/dev/full',
        '/dev/random',
        '/dev/urandom',
        '/dev/tty',
      ]);
      expectExitCode(result, 0);
      expect(result.stdout.trim().split('\n'), describeRun(result)).toEqual([
        '/dev/null character special file 1:3 666',
        '/dev/zero character special file 1:5 666',
        '/dev/full character special file 1:7 666',
        '/dev/random character special file 1:8 666',
        '/dev/urandom character special file 1:9 666',
        '/dev/tty character special file 5:0 666',
      ]);
    },
  );

  check(
    'the devices work: null swallows, zero gives zeros, full refuses with ENOSPC',
    { hint: 2 },
    async ({ mydocker }) => {
      const script =
        'echo hi > /dev/null && head -c 3 /dev/zero | od -An -tx1 && (echo x > /dev/full) 2>&1; head -c 8 /dev/urandom | wc -c';
      const result = await mydocker.run(['run', '--rm', 'busybox', 'sh', '-c', script]);
      const lines = result.stdout
        .trim()
        .split('\n')
        .map((line) => line.trim());
      expect(lines[0], describeRun(result)).toBe('00 00 00');
      expect(lines[1], describeRun(result)).toContain('No space left on device');
      expect(lines[2], describeRun(result)).toBe('8');
    },
  );

  check('/dev/pts is a new devpts instance and /dev/ptmx opens terminals in it', { hint: 3 }, async ({ mydocker }) => {
    const script = 'grep " /dev/pts " /proc/self/mountinfo; readlink /dev/ptmx; ls /dev/pts';
    const result = await mydocker.run(['run', '--rm', 'busybox', 'sh', '-c', script]);
    expectExitCode(result, 0);
    const [mount = '', link, ...entries] = result.stdout.trim().split('\n');
    expect(mount, `${describeRun(result)}\n/dev/pts in the container's mountinfo`).toMatch(
      / - devpts .*ptmxmode=0?666/,
    );
    expect(link, 'where /dev/ptmx points').toBe('pts/ptmx');
    expect(
      entries.join(' ').split(/\s+/),
      `${describeRun(result)}\nthe terminals in /dev/pts: none of the host's`,
    ).toEqual(['ptmx']);
  });

  check('/dev/shm is a tmpfs of its own, writable', { hint: 3 }, async ({ mydocker }) => {
    const result = await mydocker.run([
      'run',
      '--rm',
      'busybox',
      'sh',
      '-c',
      'grep " /dev/shm " /proc/self/mountinfo && echo x > /dev/shm/x && cat /dev/shm/x',
    ]);
    expectExitCode(result, 0);
    expect(result.stdout, describeRun(result)).toMatch(/ \/dev\/shm \S*nodev\S* .*- tmpfs /);
    expect(result.stdout.endsWith('x\n'), describeRun(result)).toBe(true);
  });
});
