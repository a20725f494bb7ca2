// Where a container's cgroups go and what must exist above them, for v1 and for v2. The lessons say
// what to write (memory.ts, cpu.ts, cpuset.ts, pids.ts) and in which order (lifecycle.ts); this file
// knows each version's layout and the rules that bite:
//   v1  one hierarchy per controller, so one directory per hierarchy; a new cpuset cgroup starts with
//       empty cpuset.cpus and cpuset.mems, and joining it fails with ENOSPC until they are filled in.
//   v2  one directory; a controller works in a cgroup only if every ancestor enabled it for its
//       children (cgroup.subtree_control, top-down), and a cgroup with processes of its own cannot do
//       that (EBUSY, "no internal processes"): processes live only in leaves.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError, UsageError } from '../errors.ts';
import type { HostStep } from '../kernel/plan.ts';
import { cpuSettings } from './cpu.ts';
import { cpusetSettings } from './cpuset.ts';
import { cgroupSteps, type CgroupSteps, type ControlWrite } from './lifecycle.ts';
import { memorySettings } from './memory.ts';
import { pidsSettings } from './pids.ts';
import type { Resources } from './resources.ts';
import type { Setting } from './setting.ts';
import type { CgroupSystem, Controller } from './system.ts';

/** MYDOCKER_CGROUP_PARENT (default `mydocker`): where containers' cgroups go, so checks never collide. */
export function cgroupParent(): string {
  const parent = process.env.MYDOCKER_CGROUP_PARENT ?? 'mydocker';
  const parts = parent.split('/').filter(Boolean);
  if (parent.startsWith('/') || parts.length === 0 || parts.some((part) => part === '..' || part === '.')) {
    throw new UsageError(`MYDOCKER_CGROUP_PARENT must be a relative path like mydocker/lab, not '${parent}'`);
  }
  return parts.join('/');
}

/** Every setting the lessons produce for these resources. */
export function settingsFor(resources: Resources, version: 1 | 2): Setting[] {
  return [
    ...memorySettings(resources, version),
    ...cpuSettings(resources, version),
    ...cpusetSettings(resources, version),
    ...pidsSettings(resources, version),
  ];
}

/** The steps that give container `id` its cgroups, limited by `resources`, and take them away. */
export function containerCgroups(system: CgroupSystem, resources: Resources, parent: string, id: string): CgroupSteps {
  const settings = settingsFor(resources, system.version);
  return system.version === 1
    ? v1Steps(system.hierarchies, settings, parent, id)
    : v2Steps(system.root, settings, parent, id);
}

/** The container's own cgroup directories: one per v1 hierarchy (cpu and cpuacct may share one), one in v2. */
export function containerCgroupDirs(system: CgroupSystem, parent: string, id: string): string[] {
  return system.version === 1
    ? [...new Set(Object.values(system.hierarchies))].map((mount) => join(mount, parent, id))
    : [join(system.root, parent, id)];
}

function ancestorsOf(parent: string): string[] {
  const parts = parent.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

function v1Steps(
  hierarchies: Partial<Record<Controller, string>>,
  settings: Setting[],
  parent: string,
  id: string,
): CgroupSteps {
  const mounts = [...new Set(Object.values(hierarchies))]; // cpu and cpuacct may share one
  const ancestors: HostStep[] = [];
  const writes: ControlWrite[] = [];
  const cpusetMount = hierarchies.cpuset;
  let cpuset: { cpus: string; mems: string } | undefined;
  for (const mount of mounts) {
    for (const ancestor of ancestorsOf(parent)) {
      const dir = join(mount, ancestor);
      // The nearest existing ancestor's values (an existing one left empty by someone else does not count).
      if (mount === cpusetMount) cpuset = (existsSync(dir) && filled(readCpuset(dir))) || cpuset || readCpuset(mount);
      if (existsSync(dir)) continue;
      ancestors.push({ op: 'mkdir', path: dir });
      if (mount === cpusetMount)
        ancestors.push(
          ...fillCpuset(dir, cpuset!).map(({ path, value }) => ({ op: 'set' as const, path, content: value })),
        );
    }
  }
  if (cpusetMount) writes.push(...fillCpuset(join(cpusetMount, parent, id), cpuset ?? readCpuset(cpusetMount)));
  for (const setting of settings) {
    const mount = hierarchies[setting.controller];
    if (!mount)
      throw new RuntimeError(`this machine has no ${setting.controller} cgroup hierarchy, which ${setting.file} needs`);
    if (!present(join(mount, setting.file), setting)) continue;
    writes.push({ path: join(mount, parent, id, setting.file), value: setting.value });
  }
  // v1's `tasks` moves one thread; the container's first process has one, and moving itself through
  // `tasks` is the one move that skips the kernel's global threadgroup lock (native/shim.c, `join`).
  return withAncestors(
    ancestors,
    cgroupSteps(
      mounts.map((mount) => join(mount, parent, id)),
      writes,
      'tasks',
    ),
  );
}

function v2Steps(root: string, settings: Setting[], parent: string, id: string): CgroupSteps {
  const available = readFileSync(join(root, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
  const enable = ['cpu', 'cpuset', 'memory', 'pids']
    .filter((c) => available.includes(c))
    .map((c) => `+${c}`)
    .join(' ');
  const ancestors: HostStep[] = [{ op: 'set', path: join(root, 'cgroup.subtree_control'), content: enable }];
  for (const ancestor of ancestorsOf(parent)) {
    ancestors.push({ op: 'mkdir', path: join(root, ancestor) });
    ancestors.push({ op: 'set', path: join(root, ancestor, 'cgroup.subtree_control'), content: enable });
  }
  const leaf = join(root, parent, id);
  const writes: ControlWrite[] = [];
  for (const setting of settings) {
    if (!available.includes(setting.controller) || (setting.optional && !v2Has(root, setting.file))) {
      if (setting.optional) continue;
      throw new RuntimeError(
        `this machine's cgroup v2 root offers no ${setting.controller} controller, which ${setting.file} needs (cgroup.controllers: ${available.join(' ')})`,
      );
    }
    writes.push({ path: join(leaf, setting.file), value: setting.value });
  }
  // v2 has no `tasks` in a domain cgroup; cgroup.procs moves the whole process (the slower move).
  return withAncestors(ancestors, cgroupSteps([leaf], writes, 'cgroup.procs'));
}

/**
 * The parent cgroups come first, but only for a container that gets cgroups of its own: a plan with no
 * cgroup step (lab ch2-lifecycle's stub plans none) must not touch /sys/fs/cgroup either, or chapter 1's
 * containers would make /sys/fs/cgroup/<hierarchy>/mydocker behind a plan that shows no such step.
 */
function withAncestors(ancestors: HostStep[], steps: CgroupSteps): CgroupSteps {
  const plansCgroups = steps.created.length + steps.join.length + steps.ended.length + steps.failed.length > 0;
  return plansCgroups ? { ...steps, created: [...ancestors, ...steps.created] } : steps;
}

/**
 * Whether this kernel's v2 cgroups have a file (memory.swap.max exists only with swap accounting). The
 * root has no limit files, so look in a child of the root that has the controller's files; with none
 * to look at, assume it has.
 */
function v2Has(root: string, file: string): boolean {
  const controllerFile = `${file.split('.')[0]}.max`;
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const dir = join(root, entry.name);
    if (entry.isDirectory() && existsSync(join(dir, controllerFile))) return existsSync(join(dir, file));
  }
  return true;
}

function readCpuset(dir: string): { cpus: string; mems: string } {
  return {
    cpus: readFileSync(join(dir, 'cpuset.cpus'), 'utf8').trim(),
    mems: readFileSync(join(dir, 'cpuset.mems'), 'utf8').trim(),
  };
}

function filled(values: { cpus: string; mems: string }): { cpus: string; mems: string } | undefined {
  return values.cpus && values.mems ? values : undefined;
}

/** v1: a new cpuset cgroup gets its parent's CPUs and memory nodes, or no task can join it (ENOSPC). */
function fillCpuset(dir: string, from: { cpus: string; mems: string }): ControlWrite[] {
  return [
    { path: join(dir, 'cpuset.cpus'), value: from.cpus },
    { path: join(dir, 'cpuset.mems'), value: from.mems },
  ];
}

/**
 * Whether this kernel has an optional setting's file. A v1 hierarchy's root has the files its children
 * will have (memory.memsw.* only with swap accounting), except the limits a root cannot have (pids.max),
 * so only optional settings are looked up; the rest fail loudly, with the kernel's errno, if absent.
 */
function present(rootFile: string, setting: Setting): boolean {
  return !setting.optional || existsSync(rootFile);
}
