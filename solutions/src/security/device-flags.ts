// `--device HOST[:CONTAINER[:PERMISSIONS]]` (docker's syntax, moby's opts.ParseDevice): a host device
// node made again in the container's /dev, with the same type and numbers, and allowed. Checked on
// the host before anything is made, so a missing node is one line and exit 125 with nothing left.
import { statSync } from 'node:fs';
import { posix } from 'node:path';
import { UsageError } from '../errors.ts';
import { S_IFBLK, S_IFCHR } from '../kernel/constants.ts';
import type { Kernel } from '../kernel/kernel.ts';
import { DEVICES } from '../rootfs/dev.ts';
import { DEFAULT_DEVICE_RULES, type DeviceRule } from './device-list.ts';
import type { SecurityOptions } from './options.ts';
import type { SecurityContext } from './resolve.ts';

export interface DeviceNode {
  /** Where in the container: an absolute path, /dev/... as a rule. */
  path: string;
  /** The host's node it is (--device's first part). */
  hostPath: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  /** Its permission bits, the host node's. */
  mode: number;
}

export interface DeviceSpec {
  /** --device nodes the container gets in its /dev. */
  nodes: DeviceNode[];
  /** undefined: no allow-list (every device: --privileged, and rootless, where the kernel refuses). */
  allow: DeviceRule[] | undefined;
}

export function resolveDevices(options: SecurityOptions, context: SecurityContext): DeviceSpec {
  const devices = options.devices.map((flag) => parseDevice(flag));
  const nodes = devices.flatMap((device) => (device.node ? [device.node] : []));
  // Rootless, the container's devices are the user's: in a user namespace the kernel opens no node
  // the container makes (a mount of a user namespace is nodev, SB_I_NODEV), and the devices
  // cgroup's files and BPF_PROG_ATTACH need root on the host.
  if (options.privileged || context.rootless) return { nodes, allow: undefined };
  return { nodes, allow: [...DEFAULT_DEVICE_RULES, ...devices.map((device) => device.rule)] };
}

/** After /dev is mounted: the --device nodes (with the directories above them, as /dev/snd/). */
export function addDevices(kernel: Kernel, devices: DeviceSpec): void {
  for (const node of devices.nodes) {
    const dirs: string[] = []; // below /dev (or /), top-down: /dev/snd for /dev/snd/timer
    for (let dir = posix.dirname(node.path); dir !== '/dev' && dir !== '/'; dir = posix.dirname(dir)) dirs.unshift(dir);
    for (const dir of dirs) kernel.mkdir(dir, 0o755); // one that exists already is fine
    kernel.mknod(node.path, (node.type === 'c' ? S_IFCHR : S_IFBLK) | node.mode, node.major, node.minor);
  }
}

interface ParsedDevice {
  /** undefined: the container has this node already (rootfs/dev.ts makes /dev/null): only allowed. */
  node: DeviceNode | undefined;
  rule: DeviceRule;
}

function parseDevice(flag: string, stat = statSync): ParsedDevice {
  const parts = flag.split(':');
  if (parts.length > 3 || !parts[0]) throw bad(flag, 'the form is HOST[:CONTAINER[:PERMISSIONS]]');
  const host = parts[0];
  // docker's rule: a second part made of r, w and m only is the permissions, else the container path.
  let container = host;
  let access = 'rwm';
  if (parts.length === 3) [container, access] = [parts[1]!, parts[2]!];
  else if (parts.length === 2) {
    if (isAccess(parts[1]!)) access = parts[1]!;
    else container = parts[1]!;
  }
  if (!isAccess(access)) throw bad(flag, `PERMISSIONS "${access}" takes only r, w and m`);
  let info;
  try {
    info = stat(host, { bigint: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `error gathering device information while adding custom device "${host}": ${code === 'ENOENT' ? 'no such file or directory' : code} (--device takes the path of a device node on the host, e.g. /dev/fuse)`,
    );
  }
  const type = info.isCharacterDevice() ? 'c' : info.isBlockDevice() ? 'b' : undefined;
  if (!type) throw bad(flag, `"${host}" is not a device node (a character or block device, as ls -l shows c or b)`);
  if (!posix.isAbsolute(container) || posix.normalize(container) !== container || container === '/')
    throw bad(flag, `the container's path "${container}" must be an absolute path, like /dev/mydevice`);
  const { major, minor } = splitDeviceNumber(info.rdev);
  const rule: DeviceRule = { type, major, minor, access };
  const standard = DEVICES.find((device) => `/dev/${device.name}` === container);
  if (standard) {
    if (type === 'c' && standard.major === major && standard.minor === minor) return { node: undefined, rule };
    throw bad(
      flag,
      `every container has its own ${container} (c ${standard.major}:${standard.minor}): give another path`,
    );
  }
  return { node: { path: container, hostPath: host, type, major, minor, mode: Number(info.mode & 0o777n) }, rule };
}

/** glibc's major() and minor() (sys/sysmacros.h): 12 bits of major and 20 of minor, split. */
export function splitDeviceNumber(rdev: bigint): { major: number; minor: number } {
  return {
    major: Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn)),
    minor: Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn)),
  };
}

function isAccess(text: string): boolean {
  return /^[rwm]{1,3}$/.test(text) && new Set(text).size === text.length;
}

function bad(flag: string, why: string): UsageError {
  return new UsageError(`invalid --device "${flag}": ${why} (see 'mydocker run --help')`);
}
