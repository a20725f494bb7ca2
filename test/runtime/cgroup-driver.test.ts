// The cgroup driver against fake hierarchies in a temporary directory: the container's parent cgroup is
// made only when the plan gives the container cgroups of its own. Lab ch2-lifecycle's stub plans none,
// and chapter 1's containers, run with it, must not make /sys/fs/cgroup/<hierarchy>/mydocker behind a
// plan that shows no cgroup step.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, test, vi } from 'vitest';
import type { CgroupSteps } from '../../solutions/src/cgroups/lifecycle.ts';

const lifecycle = vi.hoisted(() => ({ stub: false }));

vi.mock('../../solutions/src/cgroups/lifecycle.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../solutions/src/cgroups/lifecycle.ts')>();
  return {
    ...original,
    // What labs/src/cgroups/lifecycle.ts's stub returns: no step at all.
    cgroupSteps: (...args: Parameters<typeof original.cgroupSteps>): CgroupSteps =>
      lifecycle.stub ? { created: [], join: [], ended: [], failed: [] } : original.cgroupSteps(...args),
  };
});

const { containerCgroups } = await import('../../solutions/src/cgroups/driver.ts');

const scratch = mkdtempSync(join(tmpdir(), 'mydocker-driver-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function fakeV1(): { version: 1; mode: 'v1'; hierarchies: Record<string, string> } {
  const root = mkdtempSync(join(scratch, 'v1-'));
  const hierarchies: Record<string, string> = {};
  for (const controller of ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids']) {
    hierarchies[controller] = join(root, controller);
    mkdirSync(hierarchies[controller]);
  }
  writeFileSync(join(root, 'cpuset', 'cpuset.cpus'), '0-1\n');
  writeFileSync(join(root, 'cpuset', 'cpuset.mems'), '0\n');
  return { version: 1, mode: 'v1', hierarchies };
}

function fakeV2(): { version: 2; mode: 'v2'; root: string } {
  const root = mkdtempSync(join(scratch, 'v2-'));
  writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
  return { version: 2, mode: 'v2', root };
}

const paths = (steps: CgroupSteps): string[] =>
  [...steps.created, ...steps.ended, ...steps.failed].map((step) => ('path' in step ? step.path : ''));

describe.each([
  ['v1', fakeV1],
  ['v2', fakeV2],
] as const)('containerCgroups on %s', (_, fake) => {
  beforeEach(() => {
    lifecycle.stub = false;
  });

  test('with the ch2-lifecycle stub, no step names a cgroup: not the parent either', () => {
    lifecycle.stub = true;
    const steps = containerCgroups(fake(), { pidsLimit: 20 }, 'mydocker', 'c0ffee');
    expect(steps).toEqual({ created: [], join: [], ended: [], failed: [] });
  });

  test("with the solution, the parent is made before the container's own cgroup", () => {
    const steps = containerCgroups(fake(), { pidsLimit: 20 }, 'mydocker', 'c0ffee');
    const created = steps.created.map((step) => `${step.op} ${'path' in step ? step.path : ''}`);
    const parent = created.findIndex((step) => /^mkdir .*\/mydocker$/.test(step));
    const leaf = created.findIndex((step) => /^mkdir .*\/mydocker\/c0ffee$/.test(step));
    expect(parent, created.join('\n')).toBeGreaterThanOrEqual(0);
    expect(leaf, created.join('\n')).toBeGreaterThan(parent);
    expect(paths(steps).some((path) => path.endsWith('pids.max'))).toBe(true);
  });
});
