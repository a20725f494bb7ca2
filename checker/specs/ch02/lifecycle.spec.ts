// Lab ch2-lifecycle: the container is in its cgroups before its first instruction, and they are gone
// when it ends: after a normal exit, a kill -9 from the host, and a start that failed.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { containerCgroup, cgroupVersion } from '../../harness/cgroups.ts';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';

type LifecycleModule = typeof import('../../../solutions/src/cgroups/lifecycle.ts');

describeLab('ch2-lifecycle', (check) => {
  check(
    'cgroupSteps: the host makes the leaves and limits them; the container joins; ended and failed remove',
    { hint: 1 },
    async () => {
      const { cgroupSteps } = await importTarget<LifecycleModule>('cgroups/lifecycle.ts');
      const steps = cgroupSteps(
        ['/cg/memory/c', '/cg/pids/c'],
        [{ path: '/cg/memory/c/memory.max', value: '1048576' }],
        'tasks',
      );
      const created = steps.created.map(
        (step) => `${step.op} ${'path' in step ? step.path : ''}${'content' in step ? ` ${step.content}` : ''}`,
      );
      for (const line of ['mkdir /cg/memory/c', 'mkdir /cg/pids/c', 'set /cg/memory/c/memory.max 1048576']) {
        expect(created, `created steps, with "${line}"`).toContain(line);
      }
      expect(created.indexOf('mkdir /cg/memory/c'), 'the cgroup exists before its limit is written').toBeLessThan(
        created.indexOf('set /cg/memory/c/memory.max 1048576'),
      );
      expect([...(steps.join ?? [])].sort(), 'the files the container writes "0" into to join').toEqual([
        '/cg/memory/c/tasks',
        '/cg/pids/c/tasks',
      ]);
      for (const section of ['ended', 'failed'] as const) {
        expect(
          steps[section].map((step) => `${step.op} ${'path' in step ? step.path : ''}`).sort(),
          `${section} steps`,
        ).toEqual(['rmdir /cg/memory/c', 'rmdir /cg/pids/c']);
      }
    },
  );

  check(
    "the container's first instruction already runs in its cgroups (/proc/self/cgroup)",
    { hint: 1 },
    async ({ host, mydocker }) => {
      // --cgroupns host: from chapter 7 on, a container's cgroup namespace shows its own cgroup as
      // "/" (lab ch7-cgroupns); this check reads where it is on the host, from its first instruction.
      const result = await mydocker.run(['run', '--cgroupns', 'host', 'host', 'cat', '/proc/self/cgroup']);
      expectExitCode(result, 0);
      const id = mydocker.states()[0]?.id ?? '';
      const expected = `/${host.containment.containersParent}/${id}`;
      const lines = result.stdout.trim().split('\n');
      const wanted = cgroupVersion() === 2 ? ['0:'] : ['memory', 'pids', 'cpuset'];
      for (const controller of wanted) {
        const line = lines.find((l) =>
          cgroupVersion() === 2 ? l.startsWith('0::') : l.split(':')[1]!.split(',').includes(controller),
        );
        expect(
          line?.split(':')[2],
          `${describeRun(result)}\nthe ${cgroupVersion() === 2 ? 'cgroup' : `${controller} cgroup`} in /proc/self/cgroup`,
        ).toBe(expected);
      }
    },
  );

  check('while it runs, its cgroups exist on the host and hold its pid', { hint: 1 }, async ({ host, mydocker }) => {
    const container = await mydocker.hold(['--rm']);
    try {
      const dir = containerCgroup('pids', host.containment.containersParent, container.state.id);
      let procs = '';
      try {
        procs = readFileSync(`${dir}/cgroup.procs`, 'utf8');
      } catch {
        procs = '(no such cgroup)';
      }
      expect(procs.split('\n'), `${dir}/cgroup.procs`).toContain(String(container.pid));
    } finally {
      await container.release();
    }
  });

  check(
    'its cgroups are gone after it exits, after kill -9 from the host, and after a failed start',
    { hint: 2 },
    async ({ host, mydocker }) => {
      const left = (): string[] => host.containment.containerCgroups();
      expectExitCode(await mydocker.run(['run', '--rm', 'host', 'true']), 0);
      expect(left(), 'cgroups left after a normal exit').toEqual([]);
      const container = await mydocker.hold(['--rm']);
      expectExitCode(await container.kill('SIGKILL'), 137);
      expect(left(), 'cgroups left after kill -9').toEqual([]);
      expectExitCode(await mydocker.run(['run', '--rm', 'host', 'no-such-command']), 127);
      expect(left(), 'cgroups left after a start that failed').toEqual([]);
    },
  );
});
