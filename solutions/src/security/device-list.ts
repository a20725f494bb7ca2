// The devices a container may use, as rules in the v1 devices cgroup's own notation (devices.allow,
// Documentation/admin-guide/cgroup-v1/devices.rst): `TYPE MAJOR:MINOR ACCESS`, TYPE c (character), b
// (block) or a (all), `*` for any number, ACCESS of r (read), w (write), m (mknod). The same rules
// become the v2 BPF program (devices.ts), so both drivers give the container the same devices.
export interface DeviceRule {
  type: 'a' | 'c' | 'b';
  major: number | '*';
  minor: number | '*';
  /** Of r, w and m. */
  access: string;
}

/**
 * docker's default, runc's libcontainer/specconv AllowedDevices: any node may be made (mknod, so an
 * image's /dev can be copied), but only these opened: the nodes every container gets (rootfs/dev.ts),
 * /dev/console, the terminals (ptmx 5:2; the devpts slaves, major 136 and up: runc allows 136).
 */
export const DEFAULT_DEVICE_RULES: readonly DeviceRule[] = [
  { type: 'c', major: '*', minor: '*', access: 'm' },
  { type: 'b', major: '*', minor: '*', access: 'm' },
  { type: 'c', major: 1, minor: 3, access: 'rwm' }, // /dev/null
  { type: 'c', major: 1, minor: 5, access: 'rwm' }, // /dev/zero
  { type: 'c', major: 1, minor: 7, access: 'rwm' }, // /dev/full
  { type: 'c', major: 1, minor: 8, access: 'rwm' }, // /dev/random
  { type: 'c', major: 1, minor: 9, access: 'rwm' }, // /dev/urandom
  { type: 'c', major: 5, minor: 0, access: 'rwm' }, // /dev/tty
  { type: 'c', major: 5, minor: 1, access: 'rwm' }, // /dev/console
  { type: 'c', major: 5, minor: 2, access: 'rwm' }, // /dev/pts/ptmx
  { type: 'c', major: 136, minor: '*', access: 'rwm' }, // /dev/pts/N
];

/** `c 1:3 rwm`, as devices.allow takes it and devices.list prints it; `a` alone means every device. */
export function ruleLine(rule: DeviceRule): string {
  return rule.type === 'a' ? 'a' : `${rule.type} ${rule.major}:${rule.minor} ${rule.access}`;
}
