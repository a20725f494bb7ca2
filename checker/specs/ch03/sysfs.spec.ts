// Lab ch3-sysfs: /sys is a sysfs of the container's network namespace, and read-only.
import { expect } from 'vitest';
import { describeRun, expectExitCode, expectOutput } from '../../harness/expect.ts';
import { describeLab } from '../../harness/suite.ts';

describeLab('ch3-sysfs', (check) => {
  check("/sys/class/net lists only the container's own network devices", { hint: 1 }, async ({ mydocker }) => {
    const result = await mydocker.run(['run', '--rm', '--network', 'none', 'busybox', 'ls', '/sys/class/net']);
    expectOutput(result, 'lo\n');
  });

  check('/sys is mounted read-only: a write fails with EROFS', { hint: 2 }, async ({ mydocker }) => {
    const result = await mydocker.run([
      'run',
      '--rm',
      'busybox',
      'sh',
      '-c',
      'grep " /sys " /proc/self/mountinfo; mkdir /sys/kernel/x',
    ]);
    expect(result.stdout, `${describeRun(result)}\n/sys in the container's mountinfo`).toMatch(
      / \/sys ro,\S* .*- sysfs /,
    );
    expect(result.stderr, describeRun(result)).toContain('Read-only file system');
    expect(result.exitCode, describeRun(result)).not.toBe(0);
  });

  check("the kernel's own files are there to read", { hint: 1 }, async ({ mydocker }) => {
    const result = await mydocker.run([
      'run',
      '--rm',
      'busybox',
      'cat',
      '/sys/devices/system/cpu/online',
      '/sys/class/net/lo/address',
    ]);
    expectExitCode(result, 0);
    expect(result.stdout.split('\n')[1], describeRun(result)).toBe('00:00:00:00:00:00');
  });
});
