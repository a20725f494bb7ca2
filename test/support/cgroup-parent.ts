// A cgroup parent of the test's own (MYDOCKER_CGROUP_PARENT), removed afterwards in every hierarchy:
// the runtime leaves a parent in place for the next container (as docker leaves /docker), but tests on
// a shared machine must leave nothing.
import { existsSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { drivesCgroupV2 } from '../../solutions/src/cgroups/system.ts';

const ROOT = '/sys/fs/cgroup';

export function testCgroupParent(name: string): string {
  return `mydocker-test-${name}-${process.pid}`;
}

export function removeCgroupParent(parent: string): void {
  const hierarchies = drivesCgroupV2() ? [ROOT] : readdirSync(ROOT).map((name) => join(ROOT, name));
  for (const hierarchy of hierarchies) {
    const dir = join(hierarchy, parent);
    if (!existsSync(dir)) continue;
    for (const child of readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory())) {
      try {
        rmdirSync(join(dir, child.name));
      } catch {
        // a container still running in it: its own clean-up removes it
      }
    }
    try {
      rmdirSync(dir);
    } catch {
      // not empty yet
    }
  }
}
