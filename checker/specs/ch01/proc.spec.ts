// Lab ch1-proc: the container mounts a /proc of its own, and the lab host's mounts do not change.
import { expect } from 'vitest';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import { FakeKernel } from '../../harness/fake-kernel.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';
import { MS_NODEV, MS_NOEXEC, MS_NOSUID } from '../../../solutions/src/kernel/constants.ts';

type ProcModule = typeof import('../../../solutions/src/container/proc.ts');

describeLab('ch1-proc', (check) => {
  check('mountProc mounts a proc filesystem on /proc, nosuid, noexec, nodev', { hint: 2 }, async () => {
    const { mountProc } = await importTarget<ProcModule>('container/proc.ts');
    const kernel = new FakeKernel();
    mountProc(kernel);
    expect(kernel.calls, 'kernel calls').toEqual([`mount proc /proc proc ${MS_NOSUID | MS_NOEXEC | MS_NODEV}`]);
  });

  check("ps inside lists only the container's own processes", { hint: 1 }, async ({ mydocker }) => {
    const result = await mydocker.run(['run', '--rm', 'host', 'sh', '-c', 'ps -e -o pid=,comm=; true']);
    expectExitCode(result, 0);
    const processes = result.stdout
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/));
    const commands = processes.map(([, comm]) => comm ?? '');
    // The host's whole process table would make a diff of a hundred lines: show the first few.
    const shown = commands.length > 6 ? [...commands.slice(0, 5), `...and ${commands.length - 5} more`] : commands;
    expect(shown, `${describeRun(result)}\nthe processes ps lists inside`).toEqual(['sh', 'ps']);
    expect(processes[0]?.[0], 'the pid of sh').toBe('1');
  });

  check("/proc/1 inside is the container's command", { hint: 1 }, async ({ mydocker }) => {
    const result = await mydocker.run(['run', '--rm', 'host', 'cat', '/proc/1/cmdline']);
    expectExitCode(result, 0);
    expect(result.stdout.split('\0').filter(Boolean), describeRun(result)).toEqual(['cat', '/proc/1/cmdline']);
  });

  check("the lab host's mount table is the same while the container runs", { hint: 3 }, async ({ host, mydocker }) => {
    const before = host.mountTable();
    const container = await mydocker.hold(['--rm']);
    try {
      const during = host.mountTable();
      expect(
        during.filter((line) => !before.includes(line)),
        'mounts that appeared on the lab host',
      ).toEqual([]);
    } finally {
      await container.release();
    }
    expect(host.mountTable(), 'the lab host mount table after the container ended').toEqual(before);
  });
});
