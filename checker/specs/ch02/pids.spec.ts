// Lab ch2-pids: under --pids-limit 20, forks past the limit are refused and counted; without it,
// fifty processes start; the lab host is unaffected either way.
import { expect } from 'vitest';
import { containerCgroup, readControl, readKeyed } from '../../harness/cgroups.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';

type PidsModule = typeof import('../../../solutions/src/cgroups/pids.ts');

/** Starts 50 sleeps from an inner shell (which dies when a fork is refused), then waits. */
const FORK_50 = `sh -c 'for i in $(seq 50); do sleep 30 & done' 2>/dev/null; echo forked; read _`;

describeLab('ch2-pids', (check) => {
  check('pidsSettings writes pids.max', { hint: 1 }, async () => {
    const { pidsSettings } = await importTarget<PidsModule>('cgroups/pids.ts');
    expect(pidsSettings({ pidsLimit: 20 }, 1).map((s) => `${s.controller} ${s.file}=${s.value}`)).toEqual([
      'pids pids.max=20',
    ]);
    expect(pidsSettings({}, 2), 'without --pids-limit').toEqual([]);
  });

  check(
    'under --pids-limit 20, forks past the limit are refused and pids.events counts them',
    { hint: 2 },
    async ({ host, mydocker }) => {
      const container = await mydocker.hold(['--rm', '--pids-limit', '20'], FORK_50);
      try {
        await container.proceed('forked');
        const dir = containerCgroup('pids', host.containment.containersParent, container.state.id);
        expect(Number(readControl(dir, 'pids.current')), 'pids.current').toBeLessThanOrEqual(20);
        expect(readKeyed(dir, 'pids.events').max ?? 0, 'refused forks in pids.events (max)').toBeGreaterThan(0);
        const lab = await host.exec(['sh', '-c', 'for i in 1 2 3 4 5; do true & done; wait; echo ok']);
        expect(String(lab.stdout).trim(), 'the lab host can still start processes').toBe('ok');
      } finally {
        await container.release();
      }
    },
  );

  check('without --pids-limit, all fifty start', { hint: 1 }, async ({ host, mydocker }) => {
    const container = await mydocker.hold(['--rm'], FORK_50);
    try {
      await container.proceed('forked');
      const dir = containerCgroup('pids', host.containment.containersParent, container.state.id);
      let current = 0;
      try {
        current = Number(readControl(dir, 'pids.current'));
      } catch {
        current = 0; // no cgroup at all: lab ch2-lifecycle first
      }
      expect(current, 'pids.current (the shell and its 50 sleeps)').toBeGreaterThanOrEqual(51);
    } finally {
      await container.release();
    }
  });
});
