// Every kernel action the container performs on itself goes through this interface. The runtime
// never calls these syscalls from Node: it records them as a plan (see plan.ts), and the shim runs
// the plan inside the new namespaces. Tests use a fake that simulates the kernel instead.

export interface Kernel {
  /**
   * Moves the calling process into a cgroup by writing "0" to `file` (v1 `tasks`, v2 `cgroup.procs`).
   * Done by the container itself, first: a process that moves itself is cheap to move (native/shim.c).
   */
  joinCgroup(file: string): void;
  /** mount(2). `source`, `fstype` and `data` may be empty strings, passed to the kernel as NULL. */
  mount(source: string, target: string, fstype: string, flags: number, data?: string): void;
  /** sethostname(2): changes the hostname of the caller's UTS namespace. */
  sethostname(name: string): void;
  /**
   * pivot_root(2): makes `newRoot` the root mount of the caller's mount namespace and moves the old
   * root to `putOld`, a directory under `newRoot`. `newRoot` must be a mount point, and neither it nor
   * the old root may be shared (EINVAL otherwise).
   */
  pivotRoot(newRoot: string, putOld: string): void;
  /** chroot(2): changes only the caller's root directory, not what is mounted. */
  chroot(path: string): void;
  /** chdir(2). */
  chdir(path: string): void;
  /** umount2(2); MNT_DETACH unmounts lazily, even while something still uses the mount. */
  umount2(target: string, flags: number): void;
  /** mkdir(2) with `mode` (before the umask); a directory that exists already is fine. */
  mkdir(path: string, mode: number): void;
  /** rmdir(2). */
  rmdir(path: string): void;
  /** mknod(2): `mode` holds the type (S_IFCHR) and the permissions, given exactly (no umask). */
  mknod(path: string, mode: number, major: number, minor: number): void;
  /** symlink(2): creates `path`, a symbolic link whose content is `target`. */
  symlink(target: string, path: string): void;
  /**
   * setns(2): moves the caller into the namespace that `path` (/proc/<pid>/ns/<type>) names; `nstype`
   * is its CLONE_NEW* flag. A PID namespace applies to the caller's children only; a mount namespace
   * also sets the caller's root and working directory to that namespace's root.
   */
  setns(path: string, nstype: number): void;
  /**
   * A terminal of the container's own (-t): opens /dev/ptmx (in the container's devpts, so after /dev
   * is mounted), sends the master to the shim (SCM_RIGHTS), and makes the slave the controlling
   * terminal of a new session (setsid, TIOCSCTTY) and the descriptors 0-2.
   */
  pty(): void;
  /**
   * execve(2) of `argv`, looking `argv[0]` up in the PATH found in `env` when it has no slash, the
   * way execvp(3) does. Always the last step: on success the plan's process becomes the command.
   */
  exec(argv: readonly string[], env: readonly string[]): void;
  /** Sets a link of the caller's network namespace up (IFF_UP, RTM_NEWLINK): lo, eth0. */
  linkUp(link: string): void;
  /** Adds an IPv4 address with its prefix length to a link (RTM_NEWADDR); its subnet's route comes with it. */
  addAddress(link: string, address: string, prefixLength: number): void;
  /** Adds the default route (0.0.0.0/0) via `gateway` out of `link` (RTM_NEWROUTE, main table). */
  addDefaultRoute(link: string, gateway: string): void;
  /**
   * Sets the five capability sets (capabilities(7)): drops from the bounding set what it lacks
   * (PR_CAPBSET_DROP, which needs CAP_SETPCAP), then capset(2) effective, permitted and inheritable,
   * then the ambient set. A bit per capability: CAP_CHOWN is bit 0.
   */
  setCapabilities(sets: CapabilitySets): void;
  /** prctl(PR_SET_NO_NEW_PRIVS, 1): no execve after it can gain privileges (setuid bits, file caps). */
  setNoNewPrivileges(): void;
  /** seccomp(SECCOMP_SET_MODE_FILTER) of a classic-BPF program: struct sock_filter[], 8 bytes each. */
  loadSeccompFilter(program: Uint8Array): void;
  /** unshare(2): the caller gets new namespaces of the CLONE_NEW* `flags` (the cgroup one, chapter 7). */
  unshare(flags: number): void;
  /** setresgid(gid), setgroups(0), setresuid(uid): the identity the command runs as (user namespaces). */
  setIdentity(uid: number, gid: number): void;
}

/** The five capability sets, one bit per capability (security/capabilities.ts). */
export interface CapabilitySets {
  bounding: bigint;
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  ambient: bigint;
}

/** The namespaces a container can get, by their names in /proc/<pid>/ns. */
export type Namespace = 'mnt' | 'uts' | 'ipc' | 'pid' | 'net' | 'user' | 'cgroup';
