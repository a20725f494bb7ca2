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
  // TODO: the straight line through (2, 1) and (262144, 10000), in whole numbers as runc computes it.
  return shares;
}

export function cpuSettings(resources: Resources, version: 1 | 2): Setting[] {
  // TODO: --cpus (resources.cpus) is a quota of CPU time per period: 0.5 means 50 ms of every 100 ms.
  //   v1: cpu.cfs_period_us and cpu.cfs_quota_us;  v2: cpu.max, "QUOTA PERIOD" in one file
  // --cpu-shares (resources.cpuShares): v1 cpu.shares as given; v2 cpu.weight via sharesToWeight.
  // Why can a container with --cpus 1.5 still use all of two CPUs for a moment? (Quota is per period,
  // across every CPU.)
  void resources;
  void version;
  return [];
}
