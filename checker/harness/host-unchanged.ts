// The host, as an escape from a container would change it (chapter 7): its mount table, the sysctls
// and sysfs settings an escape writes, the v1 hierarchies' release_agent and notify_on_release (the
// CVE-2022-0492 pattern), and the wall clock against the monotonic one (settimeofday). (The root
// cgroups' processes are not compared: the host's own come and go; the cgroupns checks prove a
// container cannot reach them.) Each escape check snapshots before and after, and asserts no change.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CGROUP_ROOT } from './cgroups.ts';
import { mountPoints } from './mountinfo.ts';

/** Settings an escape would write: core_pattern runs a program as root; the others are plain knobs. */
export const WATCHED_SETTINGS = [
  '/proc/sys/kernel/core_pattern',
  '/proc/sys/kernel/hostname',
  '/proc/sys/kernel/modprobe',
  '/proc/sys/vm/drop_caches',
  '/proc/sys/net/ipv4/ip_forward',
  '/proc/sys/kernel/sysrq',
  '/sys/kernel/mm/transparent_hugepage/enabled',
  '/sys/module/printk/parameters/time',
];

export interface HostSnapshot {
  mounts: string[];
  settings: Record<string, string>;
  releaseAgents: Record<string, string>;
  /** Date.now() less the monotonic clock, in ms: a settimeofday shifts it. */
  clockOffsetMs: number;
}

export function snapshotHost(): HostSnapshot {
  const settings: Record<string, string> = {};
  for (const path of WATCHED_SETTINGS) {
    const value = readOptional(path);
    if (value !== undefined) settings[path] = value;
  }
  const releaseAgents: Record<string, string> = {};
  for (const hierarchy of v1Hierarchies()) {
    for (const file of ['release_agent', 'notify_on_release']) {
      const value = readOptional(join(hierarchy, file));
      if (value !== undefined) releaseAgents[join(hierarchy, file)] = value;
    }
  }
  return {
    mounts: mountPoints(readFileSync('/proc/1/mountinfo', 'utf8')),
    settings,
    releaseAgents,
    clockOffsetMs: Date.now() - performance.timeOrigin - performance.now(),
  };
}

/** What changed, a line each; empty when the host is as it was. */
export function hostChanges(before: HostSnapshot, after: HostSnapshot): string[] {
  const problems: string[] = [];
  for (const mount of after.mounts.filter((m) => !before.mounts.includes(m)))
    problems.push(`the host gained the mount ${mount}`);
  for (const mount of before.mounts.filter((m) => !after.mounts.includes(m)))
    problems.push(`the host lost the mount ${mount}`);
  for (const [path, value] of Object.entries(before.settings)) {
    if (after.settings[path] !== value)
      problems.push(`${path} changed from ${JSON.stringify(value)} to ${JSON.stringify(after.settings[path])}`);
  }
  for (const [path, value] of Object.entries(before.releaseAgents)) {
    if (after.releaseAgents[path] !== value)
      problems.push(`${path} changed from ${JSON.stringify(value)} to ${JSON.stringify(after.releaseAgents[path])}`);
  }
  // The clocks are read a few ms apart; a settimeofday moves the wall clock by far more.
  if (Math.abs(after.clockOffsetMs - before.clockOffsetMs) > 1000)
    problems.push(`the host's wall clock moved by ${Math.round(after.clockOffsetMs - before.clockOffsetMs)} ms`);
  return problems;
}

/** The mounted v1 hierarchies (/sys/fs/cgroup/memory, ...): none on a v2-only machine. */
function v1Hierarchies(): string[] {
  if (!existsSync(CGROUP_ROOT)) return [];
  return readdirSync(CGROUP_ROOT)
    .map((name) => join(CGROUP_ROOT, name))
    .filter((dir) => existsSync(join(dir, 'release_agent')));
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
