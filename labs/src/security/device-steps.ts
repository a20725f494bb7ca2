// The host's half of lab ch7-devices: the container's devices limited in its cgroup, while it waits
// at its barrier (`created`), after its cgroups are made and before it joins them. v1: writes into
// its devices hierarchy's cgroup; v2: the program loaded and attached to its one cgroup, where it
// stays until the cgroup is removed (cgroup_bpf_release drops it then): nothing to undo.
import { join } from 'node:path';
import { RuntimeError } from '../errors.ts';
import type { CgroupSystem } from '../cgroups/system.ts';
import type { HostStep } from '../kernel/plan.ts';
import { deviceProgram, deviceRules, type DeviceSpec } from './devices.ts';

/** `parent` and `id` name the container's cgroup as cgroups/driver.ts makes it; none when it gets none. */
export function deviceSteps(
  system: CgroupSystem,
  devices: DeviceSpec,
  cgroup: { parent: string; id: string; made: boolean },
): HostStep[] {
  if (!devices.allow || !cgroup.made) return [];
  if (system.version === 2) {
    const program = deviceProgram(devices.allow);
    const dir = join(system.root, cgroup.parent, cgroup.id);
    return program ? [{ op: 'device-program', cgroup: dir, program }] : [];
  }
  const writes = deviceRules(devices.allow);
  if (writes.length === 0) return []; // lab ch7-devices' stub: every device, nothing to write
  const mount = system.hierarchies.devices;
  if (!mount) {
    throw new RuntimeError(
      'this machine has no devices cgroup hierarchy (mount -t cgroup -o devices cgroup /sys/fs/cgroup/devices), which the devices allow-list needs; --privileged runs without one',
    );
  }
  return writes.map(({ file, value }) => ({
    op: 'set' as const,
    path: join(mount, cgroup.parent, cgroup.id, file),
    content: value,
  }));
}
