// Lab ch2-cpu: under --cpus 0.2 a busy loop gets about a fifth of one CPU; without it, nearly all.
import { expect } from 'vitest';
import { cpuSeconds } from '../../harness/cgroups.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';

type CpuModule = typeof import('../../../solutions/src/cgroups/cpu.ts');

/** Spins for 4 s, saying when it starts, then waits: the check samples CPU time in the middle. */
const SPIN = `echo spinning; timeout 4 sh -c 'while :; do :; done'; echo spun; read _`;
const WINDOW_MS = 2000;

/**
 * The share of one CPU the container used over a 2 s window in the middle of its busy loop: CPU time
 * from its cgroup (cpuacct.usage on v1, cpu.stat usage_usec on v2) at both ends, over the wall time
 * between. Starting the loop (exec of timeout and sh) stays outside the window.
 */
async function shareWhileSpinning(parent: string, container: { state: { id: string }; proceed: (m: string) => Promise<string>; waitFor: (m: string, t?: number) => Promise<string> }): Promise<number> {
  await container.proceed('spinning');
  await new Promise((resolve) => setTimeout(resolve, 500));
  const cpu0 = cpuSeconds(parent, container.state.id);
  const wall0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
  const cpu1 = cpuSeconds(parent, container.state.id);
  const wall1 = performance.now();
  await container.waitFor('spun', 30_000);
  return (cpu1 - cpu0) / ((wall1 - wall0) / 1000);
}

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

  check('a busy loop under --cpus 0.2 gets 20% of one CPU over 2 s (±10 points)', { hint: 1, timeout: 30_000 }, async ({ host, mydocker }) => {
    const container = await mydocker.hold(['--rm', '--cpus', '0.2'], SPIN);
    try {
      const share = await shareWhileSpinning(host.containment.containersParent, container);
      expect(share, 'share of one CPU used over 2 s of the loop').toBeGreaterThan(0.1);
      expect(share, 'share of one CPU used over 2 s of the loop').toBeLessThan(0.3);
    } finally {
      await container.release();
    }
  });

  check('without --cpus the same loop gets over 80% of one CPU', { hint: 1, timeout: 30_000 }, async ({ host, mydocker }) => {
    const container = await mydocker.hold(['--rm'], SPIN);
    try {
      const share = await shareWhileSpinning(host.containment.containersParent, container);
      expect(share, 'share of one CPU used over 2 s of the loop').toBeGreaterThan(0.8);
    } finally {
      await container.release();
    }
  });
});
