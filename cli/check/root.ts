// The checks need root: one line, the same for every command that runs them.
import { LabError } from '../errors.ts';

export function requireRoot(): void {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    throw new LabError(
      'the checks need root on Linux (they create namespaces, mounts and cgroups): run lab as root, or in the course VM (README, "Using a VM")',
    );
  }
}
