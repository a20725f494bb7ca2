// The runtime's seat belts (container/setup.ts): plans whose harm the sandbox could not contain are
// refused before anything is made.
import { describe, expect, test, vi } from 'vitest';
import { buildPlan, refuseHostChanges } from '../../solutions/src/container/setup.ts';
import { MS_BIND, MS_RDONLY, MS_REC, MS_REMOUNT } from '../../solutions/src/kernel/constants.ts';
import type { Kernel } from '../../solutions/src/kernel/kernel.ts';
import type { Plan } from '../../solutions/src/kernel/plan.ts';
import type { Volume } from '../../solutions/src/union/volumes.ts';
import { sampleRootfs } from '../support/rootfs-spec.ts';

let mistakenRemount = false;
vi.mock('../../solutions/src/union/volumes.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../solutions/src/union/volumes.ts')>();
  return {
    ...original,
    mountVolumes: (kernel: Kernel, root: string, volumes: readonly Volume[]) => {
      if (!mistakenRemount) return original.mountVolumes(kernel, root, volumes);
      for (const volume of volumes) {
        kernel.mount(volume.source, `${root}${volume.target}`, '', MS_BIND | MS_REC);
        if (volume.readOnly) kernel.mount('', `${root}${volume.target}`, '', MS_REMOUNT | MS_RDONLY);
      }
    },
  };
});

const host = { created: [], ended: [], failed: [] };
const rootfs = sampleRootfs();

/** The reference plan with a `:ro` volume, its read-only remount given other flags. */
function planWithRemount(flags: number): Plan {
  const plan = buildPlan(
    { hostname: 'box', command: ['true'], env: [], rootfs },
    { stdio: { stdin: 'null', output: 'inherit', terminal: false }, host },
  );
  const remount = plan.steps.find((step) => step.op === 'mount' && (step.flags & MS_REMOUNT) !== 0);
  if (remount?.op !== 'mount') throw new Error('the reference plan has no remount of its :ro volume');
  remount.flags = flags;
  return plan;
}

describe('a read-only remount', () => {
  test("with MS_BIND (one mount point's flags) runs", () => {
    expect(() => refuseHostChanges(planWithRemount(MS_BIND | MS_REMOUNT | MS_RDONLY))).not.toThrow();
  });

  test("without MS_BIND (the whole filesystem's flags, the host's too) is refused with one line", () => {
    expect(() => refuseHostChanges(planWithRemount(MS_REMOUNT | MS_RDONLY))).toThrow(
      /^refusing to run: the remount of \/state\/containers\/c\/rootfs\/data has no MS_BIND, so it would change its whole filesystem, the host's mounts of it too \(see lab ch4-volumes\)$/,
    );
  });

  test('buildPlan refuses it, so `run` stops before it makes anything', () => {
    // The learner's mistake in union/volumes.ts, through the whole recipe.
    mistakenRemount = true;
    try {
      expect(() =>
        buildPlan(
          { hostname: 'box', command: ['true'], env: [], rootfs },
          { stdio: { stdin: 'null', output: 'inherit', terminal: false }, host },
        ),
      ).toThrow(/^refusing to run: the remount of /);
    } finally {
      mistakenRemount = false;
    }
  });
});
