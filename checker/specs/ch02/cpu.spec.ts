// Lab ch2-cpu: under --cpus 0.2 a busy loop gets about a fifth of one CPU; without it, nearly all.
import { expect } from 'vitest';
import { cpuSeconds } from '../../harness/cgroups.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';

type CpuModule = typeof import('../../../solutions/src/cgroups/cpu.ts');

/** Spins for 2 s of wall time, then waits so the check can read the cgroup's CPU time. */
const SPIN = `timeout 2 sh -c 'while :; do :; done'; echo spun; read _`;
const WALL = 2;

describeLab('ch2-cpu', (check) => {
  check('cpuSettings and sharesToWeight: quota per period, and shares on v2\'s weight scale', { hint: 2 }, async () => {
    const { cpuSettings, sharesToWeight } = await importTarget<CpuModule>('cgroups/cpu.ts');
    const brief = (settings: { file: string; value: string }[]) => settings.map((s) => `${s.file}=${s.value}`);
    expect(brief(cpuSettings({ cpus: 0.5 }, 1)), '--cpus 0.5, v1').toEqual(['cpu.cfs_period_us=100000', 'cpu.cfs_quota_us=50000']);
    expect(brief(cpuSettings({ cpus: 1.5 }, 2)), '--cpus 1.5, v2').toEqual(['cpu.max=150000 100000']);
    expect(brief(cpuSettings({ cpuShares: 512 }, 1)), '--cpu-shares 512, v1').toEqual(['cpu.shares=512']);
    expect(brief(cpuSettings({ cpuShares: 512 }, 2)), '--cpu-shares 512, v2').toEqual(['cpu.weight=20']);
    expect([2, 1024, 262144].map(sharesToWeight), 'sharesToWeight of 2, 1024, 262144').toEqual([1, 39, 10000]);
  });

  check('a busy loop under --cpus 0.2 gets 20% of one CPU over 2 s (±10 points)', { hint: 1 }, async ({ host, mydocker }) => {
    const container = await mydocker.hold(['--rm', '--cpus', '0.2'], SPIN);
    try {
      await container.proceed('spun');
      const share = cpuSeconds(host.containment.containersParent, container.state.id) / WALL;
      expect(share, `share of one CPU used in ${WALL} s`).toBeGreaterThan(0.1);
      expect(share, `share of one CPU used in ${WALL} s`).toBeLessThan(0.3);
    } finally {
      await container.release();
    }
  });

  check('without --cpus the same loop gets over 80% of one CPU', { hint: 1 }, async ({ host, mydocker }) => {
    const container = await mydocker.hold(['--rm'], SPIN);
    try {
      await container.proceed('spun');
      const share = cpuSeconds(host.containment.containersParent, container.state.id) / WALL;
      expect(share, `share of one CPU used in ${WALL} s`).toBeGreaterThan(0.8);
    } finally {
      await container.release();
    }
  });
});
