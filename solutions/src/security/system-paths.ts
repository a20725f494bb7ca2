// Which of /proc's and /sys's files a container must not read or write, and what each is on this
// machine: docker's lists (moby's oci/defaults.go, DefaultLinuxSpec: MaskedPaths, ReadonlyPaths),
// resolved once before the plan is built. Lab ch7-paths (paths.ts) turns them into mounts.
//
// A path is looked up on the host, before the run: the host's /proc is the same kernel's as the
// container's (what /proc/kcore or /proc/acpi is depends on the kernel's configuration, never on a
// namespace), and so is /sys/firmware. A path this kernel has not got (/proc/timer_stats went in
// Linux 4.11, /proc/sched_debug moved to debugfs in 5.13) is left out, as runc's maskPath ignores
// ENOENT; looking it up here keeps the plan a list of mounts that must all succeed, so a mount that
// fails stops the run instead of being ignored for a reason nobody sees. And whether it is a file or
// a directory decides how it is masked (paths.ts).
import { statSync } from 'node:fs';
import type { SecurityOptions } from './options.ts';

/** Read here, they tell about the host: its memory (kcore), its keys, its timers, its hardware. */
export const MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** Written here, they change the host: its sysctls, its IRQs' CPUs, its filesystems' settings, sysrq. */
export const READONLY_PATHS: readonly string[] = [
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
];

export interface MaskedPath {
  path: string;
  /** A directory is covered by an empty tmpfs; a file by /dev/null. */
  directory: boolean;
}

export interface KernelPaths {
  masked: MaskedPath[];
  readonly: string[];
}

/** What a path is on this machine: a directory, another file, or absent. */
export type PathKind = 'directory' | 'file' | undefined;

export function hostPathKind(path: string): PathKind {
  // What the kernel's /proc and /sys hold stays while it runs: each path is looked at once.
  if (kinds.has(path)) return kinds.get(path);
  const stat = statSync(path, { throwIfNoEntry: false });
  const kind = stat === undefined ? undefined : stat.isDirectory() ? 'directory' : 'file';
  kinds.set(path, kind);
  return kind;
}

const kinds = new Map<string, PathKind>();

/** docker's lists, less what this kernel lacks; none with --privileged or systempaths=unconfined. */
export function resolveKernelPaths(
  options: SecurityOptions,
  kindOf: (path: string) => PathKind = hostPathKind,
): KernelPaths {
  if (options.privileged || options.systemPathsUnconfined) return { masked: [], readonly: [] };
  const masked: MaskedPath[] = [];
  for (const path of MASKED_PATHS) {
    const kind = kindOf(path);
    if (kind) masked.push({ path, directory: kind === 'directory' });
  }
  return { masked, readonly: READONLY_PATHS.filter((path) => kindOf(path) !== undefined) };
}
