// Lab ch2-cpu: CPU time (a quota per period) and CPU weight (shares), in v1's files and in v2's.
import type { Resources } from './resources.ts';
import type { Setting } from './setting.ts';

/** The CFS period the quota is measured against: 100 ms, docker's default. */
export const CFS_PERIOD_US = 100_000;

/**
 * v1's cpu.shares (2-262144, default 1024) as v2's cpu.weight (1-10000, default 100): the linear map
 * runc used until 1.3.2 and crun until 1.23 (ConvertCPUSharesToCgroupV2Value), which sends 2 to 1 and
 * 262144 to 10000. It sends the default 1024 to 39, not 100: the two scales do not line up, which is
 * why both runtimes moved in 2025 to a curve through (1024, 100) (runc issue #4772). This course keeps
 * the straight line: it is the one to derive by hand, and its flaw is worth seeing.
 */
export function sharesToWeight(shares: number): number {
  // SOLUTION: integer arithmetic, as runc's Go code does.
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

export function cpuSettings(resources: Resources, version: 1 | 2): Setting[] {
  const settings: Setting[] = [];
  if (resources.cpus !== undefined) {
    // SOLUTION: --cpus 0.5 is half of one CPU's time: 50 ms of every 100 ms period, across all CPUs.
    const quota = Math.round(resources.cpus * CFS_PERIOD_US);
    if (version === 1) {
      settings.push({ controller: 'cpu', file: 'cpu.cfs_period_us', value: String(CFS_PERIOD_US) });
      settings.push({ controller: 'cpu', file: 'cpu.cfs_quota_us', value: String(quota) });
    } else {
      settings.push({ controller: 'cpu', file: 'cpu.max', value: `${quota} ${CFS_PERIOD_US}` });
    }
  }
  if (resources.cpuShares !== undefined) {
    settings.push(
      version === 1
        ? { controller: 'cpu', file: 'cpu.shares', value: String(resources.cpuShares) }
        : { controller: 'cpu', file: 'cpu.weight', value: String(sharesToWeight(resources.cpuShares)) },
    );
  }
  return settings;
}
