// What `lab doctor` checks on this machine, as data. Every probe reads through a `Host`, so tests can
// point it at a directory of fake /proc and /sys files instead of the real ones.
import { closeSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { release } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import {
  checkRequirement,
  PROVISION,
  REQUIREMENTS,
  type Files,
  type Requirement,
} from '../../../scripts/requirements.mjs';
import { vmPrerequisites, VmError } from '../../../vm/run.mjs';

export { isStaticElf } from '../../../scripts/requirements.mjs';
import { detectCgroups, type CgroupSystem } from '../../../solutions/src/cgroups/system.ts';
import { pathDirs } from '../env/index.ts';
import { isTooOld, MINIMUM_NODE } from '../../../bin/project-node.cjs';

export interface ProbeResult {
  name: string;
  ok: boolean;
  /** What was found, in a few words. */
  detail: string;
  /** The command (or step) that fixes a problem. */
  fix?: string;
}

export interface Host {
  readFile(path: string): string | undefined;
  /** The first `bytes` bytes of a file (for ELF headers), or undefined. */
  readHead(path: string, bytes: number): Buffer | undefined;
  readdir(path: string): string[] | undefined;
  mtimeMs(path: string): number | undefined;
  /** The path with every symbolic link resolved, or undefined when it does not exist. */
  realpath(path: string): string | undefined;
  uid: number | undefined;
  platform: NodeJS.Platform;
  kernelRelease: string;
  nodeVersion: string;
  projectRoot: string;
  /** The PATH of the shell that started lab (without what npx put first: shellPath). */
  pathEnv: string;
  /** Whether the micro-VM can boot here, as vm/run.mjs decides before every run (vmPrerequisites). */
  vm(): { kernel: string } | { missing: string };
}

export type HostFacts = Pick<
  Host,
  'uid' | 'platform' | 'kernelRelease' | 'nodeVersion' | 'projectRoot' | 'pathEnv' | 'vm'
>;

/** A host whose absolute paths are looked up under `root` ('/' for the real machine). */
export function hostAt(root: string, facts: HostFacts): Host {
  const at = (path: string) => join(root, path);
  const attempt = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch {
      return undefined;
    }
  };
  return {
    ...facts,
    readFile: (path) => attempt(() => readFileSync(at(path), 'utf8')),
    readHead: (path, bytes) =>
      attempt(() => {
        const fd = openSync(at(path), 'r');
        try {
          const buffer = Buffer.alloc(bytes);
          return buffer.subarray(0, readSync(fd, buffer, 0, bytes, 0));
        } finally {
          closeSync(fd);
        }
      }),
    readdir: (path) => attempt(() => readdirSync(at(path))),
    mtimeMs: (path) => attempt(() => statSync(at(path)).mtimeMs),
    realpath: (path) => attempt(() => realpathSync(at(path)).slice(root === '/' ? 0 : root.length) || '/'),
  };
}

export function realHost(projectRoot: string): Host {
  return hostAt('/', {
    uid: process.getuid?.(),
    platform: process.platform,
    kernelRelease: release(),
    nodeVersion: process.versions.node,
    projectRoot,
    pathEnv: shellPath(process.env),
    vm: () => {
      try {
        return { kernel: vmPrerequisites().kernel };
      } catch (error) {
        if (error instanceof VmError) return { missing: error.message };
        throw error;
      }
    },
  });
}

/**
 * The PATH of the shell lab was started from. Under `npx lab` (or `npm run`), npm has put its own
 * directories first: the project's package linked into the npx cache (whose .bin has a `lab`), each
 * node_modules/.bin up the tree, and last its node-gyp-bin; the shell's own PATH follows that one.
 */
export function shellPath(env: NodeJS.ProcessEnv): string {
  const path = env.PATH ?? '';
  if (env.npm_command === undefined) return path;
  const dirs = path.split(delimiter);
  const gyp = dirs.findIndex((dir) => dir.endsWith('/node-gyp-bin'));
  return gyp === -1 ? path : dirs.slice(gyp + 1).join(delimiter);
}

const USE_VM = 'use the course VM (README, "Using a VM")';

export function probeRoot(host: Host): ProbeResult {
  const ok = host.platform === 'linux' && host.uid === 0;
  const detail =
    host.platform !== 'linux'
      ? `this is ${host.platform}, not Linux`
      : ok
        ? 'running as root'
        : `running as uid ${host.uid}`;
  return {
    name: 'root on Linux',
    ok,
    detail,
    fix: ok ? undefined : host.platform === 'linux' ? 'sudo -s, then run lab again' : USE_VM,
  };
}

const MINIMUM_KERNEL: [number, number] = [4, 18];

export function probeKernel(host: Host): ProbeResult {
  const [major = 0, minor = 0] = host.kernelRelease.split(/[.-]/).map(Number);
  const ok =
    host.platform === 'linux' &&
    (major > MINIMUM_KERNEL[0] || (major === MINIMUM_KERNEL[0] && minor >= MINIMUM_KERNEL[1]));
  return {
    name: 'Linux kernel',
    ok,
    detail: `${host.kernelRelease}${ok ? '' : ` (${MINIMUM_KERNEL.join('.')} or newer is needed)`}`,
    fix: ok ? undefined : USE_VM,
  };
}

export const NAMESPACES = ['mnt', 'uts', 'ipc', 'pid', 'net', 'user', 'cgroup'] as const;

export function probeNamespaces(host: Host): ProbeResult {
  const present = host.readdir('/proc/self/ns') ?? [];
  const missing = NAMESPACES.filter((ns) => !present.includes(ns));
  return {
    name: 'namespaces',
    ok: missing.length === 0,
    detail: missing.length === 0 ? NAMESPACES.join(' ') : `missing: ${missing.join(' ')}`,
    fix:
      missing.length === 0
        ? undefined
        : `a kernel built with ${missing.map((ns) => `CONFIG_${ns.toUpperCase()}_NS`).join(', ')}: ${USE_VM}`,
  };
}

export type CgroupMode = CgroupSystem['mode'] | 'none';

/**
 * The host's cgroup system as the runtime sees it (solutions/src/cgroups/system.ts, the one rule):
 * v2 when no v1 hierarchy holds a controller mydocker uses, hybrid when they sit beside a cgroup2
 * mount (systemd's "hybrid"), v1 without one.
 */
export function cgroupMode(host: Host): CgroupMode {
  try {
    return detectCgroups(host.readFile('/proc/self/mountinfo') ?? '').mode;
  } catch {
    return 'none';
  }
}

const CGROUP_DETAIL: Record<CgroupMode, string> = {
  v2: 'v2 (unified)',
  v1: 'v1',
  hybrid: 'hybrid (v1 controllers, and a cgroup2 mount)',
  none: 'no cgroup filesystem is mounted',
};

export function probeCgroups(host: Host): ProbeResult {
  const mode = cgroupMode(host);
  return {
    name: 'cgroups',
    ok: mode !== 'none',
    detail: CGROUP_DETAIL[mode],
    fix: mode === 'none' ? 'mount -t cgroup2 none /sys/fs/cgroup' : undefined,
  };
}

export function probeOverlay(host: Host): ProbeResult {
  const ok = /\toverlay$/m.test(host.readFile('/proc/filesystems') ?? '');
  return {
    name: 'overlayfs',
    ok,
    detail: ok ? 'in /proc/filesystems' : 'not in /proc/filesystems',
    fix: ok ? undefined : 'modprobe overlay',
  };
}

/** What `files` of scripts/requirements.mjs reads, through the host. */
function filesOf(host: Host): Files {
  return { exists: (path) => host.mtimeMs(path) !== undefined, head: (path, bytes) => host.readHead(path, bytes) };
}

/** One package of scripts/requirements.mjs: the list that the set-up, the README and provision.sh share. */
export function probeRequirement(host: Host, requirement: Requirement): ProbeResult {
  const { ok, detail } = checkRequirement(requirement, filesOf(host));
  return {
    name: requirement.package,
    ok,
    detail: ok ? detail : `${detail}: ${requirement.why}`,
    fix: ok ? undefined : `apt-get install ${requirement.package} (${PROVISION} installs all the course needs)`,
  };
}

export function probeShim(host: Host): ProbeResult {
  const built = host.mtimeMs(join(host.projectRoot, '.lab/build/mydocker-shim'));
  const source = host.mtimeMs(join(host.projectRoot, 'native/shim.c'));
  const ok = built !== undefined && (source === undefined || built >= source);
  return {
    name: 'native helper',
    ok,
    detail:
      built === undefined
        ? '.lab/build/mydocker-shim is not built'
        : ok
          ? '.lab/build/mydocker-shim'
          : 'older than native/shim.c',
    fix: ok ? undefined : 'make -C native (npm install also builds it)',
  };
}

/** The default image, built by the set-up from /bin/busybox (scripts/build/busybox-image.mjs). */
export function probeBusyboxImage(host: Host): ProbeResult {
  const built = host.mtimeMs(join(host.projectRoot, '.lab/build/images/busybox.tar')) !== undefined;
  return {
    name: 'busybox image',
    ok: built,
    detail: built ? '.lab/build/images/busybox.tar' : '.lab/build/images/busybox.tar is not built',
    fix: built ? undefined : 'node scripts/build.mjs (npm install also builds it; it needs busybox-static)',
  };
}

/** The bins' own rule (bin/project-node.cjs, kept equal to package.json's engines by a test). */
export function probeNode(host: Host): ProbeResult {
  const ok = !isTooOld(host.nodeVersion); // process.execve (ADR 2)
  return {
    name: 'Node.js',
    ok,
    detail: `${host.nodeVersion}${ok ? '' : ` (${MINIMUM_NODE.join('.')} or newer is needed)`}`,
    fix: ok ? undefined : 'eval "$(npx lab env)" puts the project\'s Node 24 first on PATH',
  };
}

/** The first `name` on PATH, resolved, as a shell finds it. */
function commandOnPath(host: Host, name: string): string | undefined {
  for (const dir of host.pathEnv.split(delimiter)) {
    if (dir === '') continue;
    const found = host.realpath(join(dir, name));
    if (found !== undefined) return found;
  }
  return undefined;
}

const COMMANDS = ['lab', 'mydocker'] as const;

/**
 * The README and the chapters call `lab` and `mydocker` directly: the first ones on PATH must be
 * this project's (bin/path, which `lab env` puts first), not missing, and not another checkout's.
 */
export function probeCommands(host: Host): ProbeResult {
  const [ours] = pathDirs(host.projectRoot);
  const problems = COMMANDS.flatMap((name) => {
    const found = commandOnPath(host, name);
    if (found === undefined) return [`${name} is not on PATH`];
    return found === host.realpath(join(ours!, name)) ? [] : [`${name} is ${found}, not this project's`];
  });
  return {
    name: 'lab and mydocker',
    ok: problems.length === 0,
    detail: problems.length === 0 ? 'on PATH, from bin/path' : problems.join('; '),
    fix: problems.length === 0 ? undefined : 'eval "$(npx lab env)" (once per shell, in the project directory)',
  };
}

/**
 * The micro-VM that checks cgroup v2 (vm/, `lab check --vm`). Optional: a host that is v2 itself
 * needs no VM, and chapter 1 needs neither. Ready or not is what the VM runner itself decides.
 */
export function probeV2Vm(host: Host): ProbeResult {
  if (cgroupMode(host) === 'v2')
    return { name: 'cgroup v2 VM', ok: true, detail: 'not needed: this host is cgroup v2' };
  const vm = host.vm();
  return {
    name: 'cgroup v2 VM',
    ok: true, // optional: it only adds the v2 checks on a v1 host
    detail: 'kernel' in vm ? `qemu and ${basename(vm.kernel)} (lab check --vm)` : `optional, not ready: ${vm.missing}`,
  };
}

/** Chapter 8's peers, unpacked by vm/provision.sh into .lab/tools (never installed): their paths are scripts/build/peer-tools.mjs's. */
const PEER_TOOLS = [
  ['docker-registry', 'usr/bin/docker-registry'],
  ['docker.io', 'usr/bin/docker'],
] as const;

/** docker's CLI and docker-registry, which chapter 8's checks start (the daemon's client, pull's registry). */
export function probePeerTools(host: Host): ProbeResult {
  const missing = PEER_TOOLS.filter(
    ([tool, path]) => host.mtimeMs(join(host.projectRoot, '.lab/tools', tool, path)) === undefined,
  );
  return {
    name: 'chapter 8 tools',
    ok: missing.length === 0,
    detail:
      missing.length === 0
        ? '.lab/tools/docker-registry, .lab/tools/docker.io (unpacked)'
        : `${missing.map(([tool]) => `.lab/tools/${tool}`).join(' and ')} missing`,
    fix:
      missing.length === 0
        ? undefined
        : `${PROVISION} (it unpacks Debian's docker-registry and docker.io there, never installs them)`,
  };
}

export const PROBES = [
  probeRoot,
  probeKernel,
  probeNamespaces,
  probeCgroups,
  probeOverlay,
  ...REQUIREMENTS.map((requirement) => (host: Host) => probeRequirement(host, requirement)),
  probeShim,
  probeBusyboxImage,
  probePeerTools,
  probeNode,
  probeCommands,
  probeV2Vm,
];

export function runProbes(host: Host): ProbeResult[] {
  return PROBES.map((probe) => probe(host));
}
