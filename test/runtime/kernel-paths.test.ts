// Lab ch7-paths' resolver and mounts, without root: which paths are protected (docker's lists, less
// what the kernel lacks) and the mounts protectKernelPaths plans for them, in order.
import { describe, expect, test } from 'vitest';
import {
  MS_BIND,
  MS_NODEV,
  MS_NOEXEC,
  MS_NOSUID,
  MS_RDONLY,
  MS_REC,
  MS_REMOUNT,
} from '../../solutions/src/kernel/constants.ts';
import { PlanKernel } from '../../solutions/src/kernel/plan.ts';
import { DEFAULT_SECURITY } from '../../solutions/src/security/options.ts';
import { protectKernelPaths } from '../../solutions/src/security/paths.ts';
import {
  MASKED_PATHS,
  READONLY_PATHS,
  resolveKernelPaths,
  type PathKind,
} from '../../solutions/src/security/system-paths.ts';

/** A kernel with /proc/acpi and /sys/firmware as directories, /proc/keys and /proc/sys, nothing else. */
const kinds: Record<string, PathKind> = {
  '/proc/acpi': 'directory',
  '/sys/firmware': 'directory',
  '/proc/keys': 'file',
  '/proc/sys': 'directory',
};
const kindOf = (path: string): PathKind => kinds[path];

describe('resolveKernelPaths', () => {
  test("docker's lists, less what this kernel lacks, each masked path with its kind", () => {
    expect(resolveKernelPaths(DEFAULT_SECURITY, kindOf)).toEqual({
      masked: [
        { path: '/proc/acpi', directory: true },
        { path: '/proc/keys', directory: false },
        { path: '/sys/firmware', directory: true },
      ],
      readonly: ['/proc/sys'],
    });
  });

  test('--privileged and systempaths=unconfined: nothing', () => {
    const all = (): PathKind => 'file';
    for (const options of [{ privileged: true }, { systemPathsUnconfined: true }])
      expect(resolveKernelPaths({ ...DEFAULT_SECURITY, ...options }, all)).toEqual({ masked: [], readonly: [] });
  });

  test("the lists are docker's", () => {
    expect(MASKED_PATHS).toHaveLength(11);
    expect(READONLY_PATHS).toEqual(['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);
  });
});

describe('protectKernelPaths', () => {
  test('read-only: a bind onto itself, then a bind remount keeping nosuid,nodev,noexec; masked: /dev/null or a tmpfs', () => {
    const kernel = new PlanKernel();
    protectKernelPaths(kernel, resolveKernelPaths(DEFAULT_SECURITY, kindOf));
    expect(kernel.steps).toEqual([
      { op: 'mount', source: '/proc/sys', target: '/proc/sys', fstype: '', flags: MS_BIND | MS_REC, data: '' },
      {
        op: 'mount',
        source: '/proc/sys',
        target: '/proc/sys',
        fstype: '',
        flags: MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
        data: '',
      },
      { op: 'mount', source: 'tmpfs', target: '/proc/acpi', fstype: 'tmpfs', flags: MS_RDONLY, data: '' },
      { op: 'mount', source: '/dev/null', target: '/proc/keys', fstype: '', flags: MS_BIND, data: '' },
      { op: 'mount', source: 'tmpfs', target: '/sys/firmware', fstype: 'tmpfs', flags: MS_RDONLY, data: '' },
    ]);
  });
});
