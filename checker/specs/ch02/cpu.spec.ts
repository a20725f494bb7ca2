// Lab ch2-cpu: under --cpus 0.2 the kernel holds the quota and stops a busy loop at a fifth of one CPU;
// without it, there is no quota and no throttling. Judged by the cgroup's own counters and upper
// bounds of CPU share, never by how much CPU a busy machine happens to give.
import { expect } from 'vitest';
import { cpuQuota, cpuSeconds, cpuThrottledPeriods } from '../../harness/cgroups.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';

type CpuModule = typeof import('../../../solutions/src/cgroups/cpu.ts');

/** Spins for 4 s, saying when it starts, then waits: the check samples the cgroup in the middle. */
const SPIN = `echo spinning; timeout 4 sh -c 'while :; do :; done'; echo spun; read _`;
const WINDOW_MS = 2000;

interface Sample {
  /** CPU time of the container's cgroup (cpuacct.usage on v1, cpu.stat usage_usec on v2), in s. */
  cpu: number;
  wall: number;
  /** cpu.stat nr_throttled: periods in which the kernel stopped the cgroup at its quota. */
  throttled: number;
}

/**
 * The container's cgroup over a 2 s window in the middle of its busy loop (starting the loop, the
 * exec of timeout and sh, stays outside it): the share of one CPU it used, and the periods the kernel
 * throttled it in. On a busy machine the share can only be lower, never higher: an upper bound of it
 * judges the limit, a lower bound would judge the machine. The throttle count is the kernel's own.
 */
async function whileSpinning(
  parent: string,
  container: {
    state: { id: string };
    proceed: (m: string) => Promise<string>;
    waitFor: (m: string, t?: number) => Promise<string>;
  },
): Promise<{ share: number; throttled: number }> {
  const sample = (): Sample => ({
    cpu: cpuSeconds(parent, container.state.id),
    wall: performance.now(),
    throttled: cpuThrottledPeriods(parent, container.state.id),
  });
  await container.proceed('spinning');
  await new Promise((resolve) => setTimeout(resolve, 500));
  const start = sample();
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
  const end = sample();
  await container.waitFor('spun', 30_000);
  return {
    share: (end.cpu - start.cpu) / ((end.wall - start.wall) / 1000),
    throttled: end.throttled - start.throttled,
  };
}

describeLab('ch2-cpu', (check) => {
  check("cpuSettings and sharesToWeight: quota per period, and shares on v2's weight scale", { hint: 2 }, async () => {
    const { cpuSettings, sharesToWeight } = await importTarget<CpuModule>('cgroups/cpu.ts');
    const brief = (settings: { file: string; value: string }[]) => settings.map((s) => `${s.file}=${s.value}`);
    expect(brief(cpuSettings({ cpus: 0.5 }, 1)), '--cpus 0.5, v1').toEqual([
      'cpu.cfs_period_us=100000',
      'cpu.cfs_quota_us=50000',
    ]);
    expect(brief(cpuSettings({ cpus: 1.5 }, 2)), '--cpus 1.5, v2').toEqual(['cpu.max=150000 100000']);
    expect(brief(cpuSettings({ cpuShares: 512 }, 1)), '--cpu-shares 512, v1').toEqual(['cpu.shares=512']);
    expect(brief(cpuSettings({ cpuShares: 512 }, 2)), '--cpu-shares 512, v2').toEqual(['cpu.weight=20']);
    expect([2, 1024, 262144].map(sharesToWeight), 'sharesToWeight of 2, 1024, 262144').toEqual([1, 39, 10000]);
  });

  check(
    'under --cpus 0.2 the kernel holds a 20 ms quota per 100 ms, and a busy loop gets no more than that',
    { hint: 1, timeout: 30_000 },
    async ({ host, mydocker }) => {
      const container = await mydocker.hold(['--rm', '--cpus', '0.2'], SPIN);
      try {
        const parent = host.containment.containersParent;
        expect(cpuQuota(parent, container.state.id), "the CFS quota and period in the container's cpu cgroup").toEqual({
          quotaUs: 20_000,
          periodUs: 100_000,
        });
        const { share, throttled } = await whileSpinning(parent, container);
        expect(
          share,
          'share of one CPU used over 2 s of the loop (at most 0.2, with room for accounting)',
        ).toBeLessThan(0.3);
        // A loop that got its 20 ms in a period was stopped there. On a busy machine the scheduler may
        // hand it less than its quota in every period (with many runnable tasks, slices are even): only
        // at 90% of the quota or more over the window is a period without throttling implausible.
        if (share >= 0.18)
          expect(
            throttled,
            `periods the kernel throttled the loop in (cpu.stat nr_throttled), at a share of ${share.toFixed(2)}`,
          ).toBeGreaterThan(0);
      } finally {
        await container.release();
      }
    },
  );

  check(
    'without --cpus the container has no quota, and the kernel never throttles the same loop',
    { hint: 1, timeout: 30_000 },
    async ({ host, mydocker }) => {
      const container = await mydocker.hold(['--rm'], SPIN);
      try {
        const parent = host.containment.containersParent;
        expect(
          cpuQuota(parent, container.state.id).quotaUs,
          "the CFS quota in the container's cpu cgroup (none: -1 on v1, max on v2)",
        ).toBeUndefined();
        const { throttled } = await whileSpinning(parent, container);
        expect(throttled, 'periods the kernel throttled the loop in (cpu.stat nr_throttled)').toBe(0);
      } finally {
        await container.release();
      }
    },
  );
});
