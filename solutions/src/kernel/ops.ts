// The shim's ops, on this side of the protocol: one entry each, with the op's arguments as argv
// encodes them (their number is its arity, their order the one native/shim.c's table reads) and its
// line in `mydocker run --explain`. The shim's own tables (`container_ops`, `host_ops` in shim.c)
// are the other side; native/README.md ("Operations") documents both. `Step` and `HostStep` are
// derived from these tables, so a new op is one entry here (and one there), and TypeScript insists
// that every op has its encoding and its explanation.
import { MNT_DETACH, S_IFBLK, S_IFCHR, S_IFMT, S_IFREG, cloneFlagName, mountFlagNames } from './constants.ts';
import type { Namespace } from './kernel.ts';

interface OpEntry<Fields> {
  /** The op's arguments in argv: strings as they are, numbers as the shim's table reads them. */
  args(step: Fields): string[];
  /** Its line in `mydocker run --explain`. */
  explain(step: Fields): string;
}

interface ContainerOpEntry<Fields> extends OpEntry<Fields> {
  /**
   * The namespace that keeps what the op changes inside the container: without it the op would
   * change the host, and refuseHostChanges (container/setup.ts) refuses the plan. None for the ops
   * that change only the calling process: chdir, exec, join.
   */
  contains: Namespace | undefined;
}

/** An entry whose step carries `Fields` (besides `op`, which is the entry's name). */
const container = <Fields>(op: ContainerOpEntry<Fields>): ContainerOpEntry<Fields> => op;
const host = <Fields>(op: OpEntry<Fields>): OpEntry<Fields> => op;

/** Ops the shim's child runs in the container's namespaces, in the plan's order. */
export const containerOps = {
  join: container<{ path: string }>({
    contains: undefined,
    args: (step) => [step.path],
    explain: (step) => `join the cgroup: write "0" to ${step.path}`,
  }),
  mount: container<{ source: string; target: string; fstype: string; flags: number; data: string }>({
    contains: 'mnt',
    args: (step) => [step.source, step.target, step.fstype, String(step.flags), step.data],
    explain: (step) =>
      `mount(${quote(step.source)}, ${quote(step.target)}, ${quote(step.fstype)}, ${mountFlagNames(step.flags)}${step.data ? `, ${quote(step.data)}` : ''})`,
  }),
  sethostname: container<{ name: string }>({
    contains: 'uts',
    args: (step) => [step.name],
    explain: (step) => `sethostname(${quote(step.name)})`,
  }),
  pivot_root: container<{ newRoot: string; putOld: string }>({
    contains: 'mnt',
    args: (step) => [step.newRoot, step.putOld],
    explain: (step) => `pivot_root(${quote(step.newRoot)}, ${quote(step.putOld)})`,
  }),
  chroot: container<{ path: string }>({
    contains: 'mnt',
    args: (step) => [step.path],
    explain: (step) => `chroot(${quote(step.path)})`,
  }),
  chdir: container<{ path: string }>({
    contains: undefined,
    args: (step) => [step.path],
    explain: (step) => `chdir(${quote(step.path)})`,
  }),
  umount2: container<{ target: string; flags: number }>({
    contains: 'mnt',
    args: (step) => [step.target, String(step.flags)],
    explain: (step) => `umount2(${quote(step.target)}, ${step.flags === MNT_DETACH ? 'MNT_DETACH' : step.flags})`,
  }),
  mkdir: container<{ path: string; mode: number }>({
    contains: 'mnt',
    args: (step) => [step.path, step.mode.toString(8)],
    explain: (step) => `mkdir(${quote(step.path)}, 0${step.mode.toString(8)})`,
  }),
  rmdir: container<{ path: string }>({
    contains: 'mnt',
    args: (step) => [step.path],
    explain: (step) => `rmdir(${quote(step.path)})`,
  }),
  mknod: container<{ path: string; mode: number; major: number; minor: number }>({
    contains: 'mnt',
    args: (step) => [step.path, step.mode.toString(8), String(step.major), String(step.minor)],
    explain: (step) =>
      `mknod(${quote(step.path)}, ${fileTypeName(step.mode)}|0${(step.mode & 0o7777).toString(8)}, makedev(${step.major}, ${step.minor}))`,
  }),
  symlink: container<{ target: string; path: string }>({
    contains: 'mnt',
    args: (step) => [step.target, step.path],
    explain: (step) => `symlink(${quote(step.target)}, ${quote(step.path)})`,
  }),
  // setns(2): joins the namespace that `path` (/proc/<pid>/ns/<type>) names; `nstype` is its CLONE_NEW*
  // flag, so the kernel refuses a file of another type. Only the caller moves (mydocker exec).
  setns: container<{ path: string; nstype: number }>({
    contains: undefined,
    args: (step) => [step.path, String(step.nstype)],
    explain: explainSetns,
  }),
  // After /dev (its devpts instance) is mounted: /dev/ptmx then opens a terminal of the container's own.
  pty: container<Record<never, never>>({
    contains: undefined,
    args: () => [],
    explain: () =>
      'a terminal of its own: open("/dev/ptmx"), unlockpt, its slave; the master to the shim (SCM_RIGHTS); setsid, TIOCSCTTY, the slave onto 0-2',
  }),
  // Always the last step. `env` is not in argv (anyone can read /proc/<pid>/cmdline): it becomes the
  // shim's own environment (planEnvironment in shim/argv.ts).
  exec: container<{ argv: string[]; env: string[]; search: string }>({
    contains: undefined,
    args: (step) => [step.search, String(step.argv.length), ...step.argv],
    explain: (step) => `execve(${JSON.stringify(step.argv)}) searching PATH=${step.search}`,
  }),
  // The container's half of its network, in its own network namespace (rtnetlink, NETLINK_ROUTE).
  // Interface names are at most 15 bytes (IFNAMSIZ); the shim refuses a longer one with the plan.
  'link-up': container<{ link: string }>({
    contains: 'net',
    args: (step) => [step.link],
    explain: (step) => `RTM_NEWLINK ${quote(step.link)} up (IFF_UP)`,
  }),
  addr: container<{ link: string; address: string; prefixLength: number }>({
    contains: 'net',
    args: (step) => [step.link, `${step.address}/${step.prefixLength}`],
    explain: (step) => `RTM_NEWADDR ${step.address}/${step.prefixLength} on ${quote(step.link)}`,
  }),
  route: container<{ link: string; gateway: string }>({
    contains: 'net',
    args: (step) => [step.link, step.gateway],
    explain: (step) => `RTM_NEWROUTE default via ${step.gateway} dev ${quote(step.link)}`,
  }),
  // Chapter 7. The five capability sets as hex masks (bit n is capability n, capabilities(7)).
  capabilities: container<{
    bounding: bigint;
    effective: bigint;
    permitted: bigint;
    inheritable: bigint;
    ambient: bigint;
  }>({
    contains: undefined,
    args: (step) => [step.bounding, step.effective, step.permitted, step.inheritable, step.ambient].map(hex),
    explain: (step) =>
      `capabilities: bounding ${hex(step.bounding)} (PR_CAPBSET_DROP the rest), capset(effective ${hex(step.effective)}, permitted ${hex(step.permitted)}, inheritable ${hex(step.inheritable)}), ambient ${hex(step.ambient)}`,
  }),
  'no-new-privs': container<Record<never, never>>({
    contains: undefined,
    args: () => [],
    explain: () => 'prctl(PR_SET_NO_NEW_PRIVS, 1)',
  }),
  // The classic-BPF program, struct sock_filter[] (8 bytes each), as hex.
  seccomp: container<{ program: Uint8Array }>({
    contains: undefined,
    args: (step) => [Buffer.from(step.program).toString('hex')],
    explain: (step) => `seccomp(SECCOMP_SET_MODE_FILTER, 0, a program of ${step.program.length / 8} BPF instructions)`,
  }),
  unshare: container<{ flags: number }>({
    contains: undefined,
    args: (step) => [String(step.flags)],
    explain: (step) => `unshare(${cloneFlagName(step.flags)})`,
  }),
  // It changes only the calling process's ids (the container's root, in its user namespace), as
  // chdir and exec do: nothing a namespace has to keep.
  identity: container<{ uid: number; gid: number }>({
    contains: undefined,
    args: (step) => [String(step.uid), String(step.gid)],
    explain: (step) => `setresgid(${step.gid}), setgroups(0, NULL), setresuid(${step.uid})`,
  }),
};

/**
 * Ops the shim runs on itself before clone (the plan's `enter` section; empty for run): `mydocker
 * exec` joins a running container's namespaces there, so that the child clone() makes is in them.
 */
export const enterOps = {
  setns: host<{ path: string; nstype: number }>({
    args: (step) => [step.path, String(step.nstype)],
    explain: explainSetns,
  }),
};

/** Ops the shim runs on the host, as the container's parent; {pid} and {exit} in `content` are filled in. */
export const hostOps = {
  write: host<{ path: string; content: string }>({
    args: (step) => [step.path, step.content],
    explain: withContent('write'),
  }),
  set: host<{ path: string; content: string }>({
    args: (step) => [step.path, step.content],
    explain: withContent('set'),
  }),
  mkdir: host<{ path: string }>({ args: (step) => [step.path], explain: (step) => `mkdir ${step.path}` }),
  unlink: host<{ path: string }>({ args: (step) => [step.path], explain: (step) => `unlink ${step.path}` }),
  rmdir: host<{ path: string }>({ args: (step) => [step.path], explain: (step) => `rmdir ${step.path}` }),
  'remove-tree': host<{ path: string }>({ args: (step) => [step.path], explain: (step) => `remove-tree ${step.path}` }),
  // The host's half of the container's network (rtnetlink), while the container waits at its barrier.
  // The peer gets its MAC in the same request (IFLA_ADDRESS): docker's rule derives it from the address.
  veth: host<{ link: string; peer: string; mac: string }>({
    args: (step) => [step.link, step.peer, step.mac],
    explain: (step) =>
      `RTM_NEWLINK veth ${quote(step.link)}, its peer ${quote(step.peer)} (${step.mac}) made in the container's network namespace (IFLA_NET_NS_PID {pid})`,
  }),
  attach: host<{ link: string; bridge: string }>({
    args: (step) => [step.link, step.bridge],
    explain: (step) =>
      `RTM_NEWLINK ${quote(step.link)} onto the bridge ${quote(step.bridge)} (IFLA_MASTER), up; hairpin mode on the port (IFLA_BRPORT_MODE)`,
  }),
  'link-delete': host<{ link: string }>({
    args: (step) => [step.link],
    explain: (step) => `RTM_DELLINK ${quote(step.link)} (gone already counts as done)`,
  }),
  // A container's published ports: `program -w --noflush < file` (iptables-restore, either backend;
  // network/iptables.ts resolves the program to an absolute path): all its rules in one process.
  'restore-rules': host<{ program: string; file: string }>({
    args: (step) => [step.program, step.file],
    explain: (step) => `${step.program} -w --noflush < ${step.file}`,
  }),
  // The runtime's own work that only the runtime can do when a --rm container ends: `argv` as env(1)
  // takes it, [NAME=VALUE...] PROGRAM [ARG...], PROGRAM absolute, with only those assignments as its
  // environment (the shim's is the container's). A user network's /etc/hosts files (network/hosts.ts).
  'run-program': host<{ argv: string[] }>({
    args: (step) => [String(step.argv.length), ...step.argv],
    explain: (step) => step.argv.join(' '),
  }),
  // Chapter 7, cgroup v2: an eBPF program (struct bpf_insn[], 8 bytes each, as hex) of type
  // BPF_PROG_TYPE_CGROUP_DEVICE, loaded and attached to the container's cgroup directory.
  'device-program': host<{ cgroup: string; program: Uint8Array }>({
    args: (step) => [step.cgroup, Buffer.from(step.program).toString('hex')],
    explain: (step) =>
      `bpf(BPF_PROG_LOAD, BPF_PROG_TYPE_CGROUP_DEVICE, ${step.program.length / 8} instructions), bpf(BPF_PROG_ATTACH, ${step.cgroup}, BPF_CGROUP_DEVICE)`,
  }),
  // -i, detached (chapter 8's attach): the supervisor listens on a unix socket at `path`, and every
  // connection's bytes are the container's input; `once` (docker's StdinOnce): the first one's end
  // is the input's end. The container's stdin stays open while nobody is connected.
  'input-socket': host<{ path: string; once: boolean }>({
    args: (step) => [step.path, step.once ? '1' : '0'],
    explain: (step) =>
      `listen on ${step.path}: what each connection sends is the container's input${step.once ? " (the first connection's end is its end)" : ''}`,
  }),
  // Chapter 7: the container's user namespace gets its id map, while the container waits at its
  // barrier. `ranges` holds triples "inside outside count ...". No program: the shim, root, writes
  // /proc/{pid}/uid_map (or gid_map) itself; rootless, the setuid helper `program` (newuidmap,
  // newgidmap) writes it, once it has checked the ranges against /etc/subuid (or /etc/subgid).
  'id-map': host<{ map: 'uid' | 'gid'; program: string; ranges: string }>({
    args: (step) => [step.map, step.program, step.ranges],
    explain: (step) =>
      step.program
        ? `${step.program} {pid} ${step.ranges}`
        : `write /proc/{pid}/${step.map}_map ${JSON.stringify(step.ranges.replace(/(\d+ \d+ \d+) /g, '$1\n'))}`,
  }),
};

type FieldsOf<Entry> = Entry extends OpEntry<infer Fields> ? Fields : never;
type StepOf<Table> = { [Op in keyof Table]: { op: Op } & FieldsOf<Table[Op]> }[keyof Table];

/** One step of the container's own set-up, as data: `{ op: its name, ...its entry's fields }`. */
export type Step = StepOf<typeof containerOps>;
/** One step the shim does on the host, as data. */
export type HostStep = StepOf<typeof hostOps>;
/** One step the shim does on itself before clone, as data. */
export type EnterStep = StepOf<typeof enterOps>;

// TypeScript cannot relate a union of steps to the union of their entries: one cast each, here.
export const containerEntry = (step: Step) => containerOps[step.op] as ContainerOpEntry<Step>;
export const hostEntry = (step: HostStep) => hostOps[step.op] as OpEntry<HostStep>;
export const enterEntry = (step: EnterStep) => enterOps[step.op] as OpEntry<EnterStep>;

function explainSetns(step: { path: string; nstype: number }): string {
  return `setns(open(${quote(step.path)}), ${cloneFlagName(step.nstype)})`;
}

function withContent(op: string) {
  return (step: { path: string; content: string }) => `${op} ${step.path} ${JSON.stringify(step.content)}`;
}

function fileTypeName(mode: number): string {
  const type = mode & S_IFMT;
  const names: Record<number, string> = { [S_IFCHR]: 'S_IFCHR', [S_IFBLK]: 'S_IFBLK', [S_IFREG]: 'S_IFREG' };
  return names[type] ?? `0${type.toString(8)}`;
}

function hex(mask: bigint): string {
  return `0x${mask.toString(16)}`;
}

function quote(text: string): string {
  return text ? JSON.stringify(text) : 'NULL';
}
