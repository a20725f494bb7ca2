// Host-side probes of a container's cgroups, read the way any tool would: the checker does not use the
// runtime's code to find them. v1 puts a container in one directory per controller hierarchy; v2 in one.
// Which of the two the runtime drives is the project's one rule (drivesCgroupV2, from the reference's
// scaffolding, never the learner's tree).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { drivesCgroupV2 } from '../../solutions/src/cgroups/system.ts';

export const CGROUP_ROOT = '/sys/fs/cgroup';

let version: 1 | 2 | undefined;

export function cgroupVersion(): 1 | 2 {
  return (version ??= drivesCgroupV2() ? 2 : 1);
}

/** The container's cgroup directory for a controller: `<root>/<controller>/<parent>/<id>` on v1. */
export function containerCgroup(controller: string, parent: string, id: string): string {
  return cgroupVersion() === 2 ? join(CGROUP_ROOT, parent, id) : join(CGROUP_ROOT, controller, parent, id);
}

export function readControl(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8').trim();
}

/** `key value` lines (memory.events, pids.events, cpu.stat, memory.oom_control) as a record. */
export function readKeyed(dir: string, file: string): Record<string, number> {
  const values: Record<string, number> = {};
  for (const line of readControl(dir, file).split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined) values[key] = Number(value);
  }
  return values;
}

/** CPU time the cgroup has used, in seconds: cpuacct.usage (ns) on v1, cpu.stat usage_usec on v2. */
export function cpuSeconds(parent: string, id: string): number {
  return cgroupVersion() === 2
    ? readKeyed(containerCgroup('cpu', parent, id), 'cpu.stat').usage_usec! / 1e6
    : Number(readControl(containerCgroup('cpuacct', parent, id), 'cpuacct.usage')) / 1e9;
}

/** How many times the OOM killer killed in the cgroup: memory.oom_control (v1), memory.events (v2). */
export function oomKills(parent: string, id: string): number {
  const dir = containerCgroup('memory', parent, id);
  return (cgroupVersion() === 2 ? readKeyed(dir, 'memory.events') : readKeyed(dir, 'memory.oom_control')).oom_kill ?? 0;
}

/**
 * The CFS bandwidth limit the kernel holds for the container: quota and period in µs, the quota
 * undefined when there is none (v1 cpu.cfs_quota_us -1, v2 cpu.max "max ...").
 */
export function cpuQuota(parent: string, id: string): { quotaUs: number | undefined; periodUs: number } {
  const dir = containerCgroup('cpu', parent, id);
  if (cgroupVersion() === 2) {
    const [quota, period] = readControl(dir, 'cpu.max').split(/\s+/);
    return { quotaUs: quota === 'max' ? undefined : Number(quota), periodUs: Number(period) };
  }
  const quota = Number(readControl(dir, 'cpu.cfs_quota_us'));
  return { quotaUs: quota < 0 ? undefined : quota, periodUs: Number(readControl(dir, 'cpu.cfs_period_us')) };
}

/** How many periods the kernel throttled the container's cgroup in: cpu.stat nr_throttled (v1 and v2). */
export function cpuThrottledPeriods(parent: string, id: string): number {
  return readKeyed(containerCgroup('cpu', parent, id), 'cpu.stat').nr_throttled ?? 0;
}
