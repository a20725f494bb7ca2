// Before any check: the checker needs root (namespaces, mounts, cgroups), and the runtime under test
// must be built once, so that no check pays for the build inside its timeout.
import { ensureBuilt } from '../scripts/build.mjs';
import { targetSource } from './harness/target.ts';
import { guardHostNetwork } from './host-network-guard.ts';

/** Returns the teardown: after every check, this machine's own network namespace must be as it was. */
export default async function setup(): Promise<() => void> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    throw new Error(
      'the checker needs root on Linux (it creates namespaces, mounts and cgroups): run it as root, or in the course VM (see README, "Using a VM")',
    );
  }
  // MYDOCKER_NO_BUILD: the tree is read-only (the micro-VM), and the host built it before.
  if (!process.env.MYDOCKER_NO_BUILD) await ensureBuilt(targetSource());
  return guardHostNetwork('checker run');
}
