// A fake Kernel for fast checks without root: it records each call and simulates two kernel
// behaviours the labs are about. Mount propagation: its mount table starts as a systemd host's (every
// mount shared); a mount under a shared mount is recorded as having reached the host. And the working
// directory across pivot_root and the unmount of the old root (see pivotRoot).
import { posix } from 'node:path';
import { MS_PRIVATE, MS_REC, MS_SHARED, MS_SLAVE } from '../../solutions/src/kernel/constants.ts';
import type { CapabilitySets } from '../../solutions/src/kernel/kernel.ts';

type Propagation = 'shared' | 'private' | 'slave';

export class FakeKernel {
  readonly calls: string[] = [];
  readonly reachedHost: string[] = [];
  hostname = 'host';
  execed: string[] | undefined;
  /**
   * The working directory, as a path from the current root; undefined once it lies in a tree that
   * was unmounted (a detached old root: still reachable through the working directory, and `..`).
   */
  cwd: string | undefined = '/';
  private readonly mounts = new Map<string, Propagation>([
    ['/', 'shared'],
    ['/proc', 'shared'],
    ['/sys', 'shared'],
    ['/dev', 'shared'],
  ]);

  joinCgroup(file: string): void {
    this.calls.push(`join ${file}`);
  }

  mount(source: string, target: string, fstype: string, flags: number, data = ''): void {
    this.calls.push(`mount ${source || 'NULL'} ${target} ${fstype || 'NULL'} ${flags}${data ? ` ${data}` : ''}`);
    const change = flags & (MS_PRIVATE | MS_SHARED | MS_SLAVE);
    if (change) {
      const to: Propagation = change === MS_PRIVATE ? 'private' : change === MS_SHARED ? 'shared' : 'slave';
      for (const mountpoint of this.mounts.keys()) {
        const below = target === '/' || mountpoint === target || mountpoint.startsWith(`${target}/`);
        if (mountpoint === target || ((flags & MS_REC) !== 0 && below)) this.mounts.set(mountpoint, to);
      }
      return;
    }
    // A new mount inherits its parent's propagation, and under a shared parent it appears on the host.
    const parent = this.parentMount(target);
    if (this.mounts.get(parent) === 'shared') this.reachedHost.push(target);
    this.mounts.set(target, this.mounts.get(parent) ?? 'private');
  }

  sethostname(name: string): void {
    this.calls.push(`sethostname ${name}`);
    this.hostname = name;
  }

  pivotRoot(newRoot: string, putOld: string): void {
    this.calls.push(`pivot_root ${newRoot} ${putOld}`);
    // pivot_root(2): a working directory *at the old root* moves to new_root; any other stays the
    // directory it was, which now sits under put_old. The man page: "chdir("/") ... after the call".
    const base = this.cwd ?? '/';
    const root = posix.resolve(base, newRoot);
    const putOldFromNewRoot = posix.resolve(base, putOld).slice(root.length);
    if (this.cwd === undefined || this.cwd === '/') return;
    if (this.cwd === root || this.cwd.startsWith(`${root}/`)) this.cwd = this.cwd.slice(root.length) || '/';
    else this.cwd = `${putOldFromNewRoot}${this.cwd}`;
  }

  chroot(path: string): void {
    this.calls.push(`chroot ${path}`);
  }

  chdir(path: string): void {
    this.calls.push(`chdir ${path}`);
    this.cwd = this.cwd === undefined && !path.startsWith('/') ? undefined : posix.resolve(this.cwd ?? '/', path);
  }

  umount2(target: string, flags: number): void {
    this.calls.push(`umount2 ${target} ${flags}`);
    const unmounted = posix.resolve(this.cwd ?? '/', target);
    if (this.cwd !== undefined && (this.cwd === unmounted || this.cwd.startsWith(`${unmounted}/`)))
      this.cwd = undefined;
  }

  mkdir(path: string, mode: number): void {
    this.calls.push(`mkdir ${path} 0${mode.toString(8)}`);
  }

  rmdir(path: string): void {
    this.calls.push(`rmdir ${path}`);
  }

  mknod(path: string, mode: number, major: number, minor: number): void {
    this.calls.push(`mknod ${path} 0${mode.toString(8)} ${major} ${minor}`);
  }

  symlink(target: string, path: string): void {
    this.calls.push(`symlink ${target} ${path}`);
  }

  setns(path: string, nstype: number): void {
    this.calls.push(`setns ${path} ${nstype}`);
  }

  pty(): void {
    this.calls.push('pty');
  }

  exec(argv: readonly string[], env: readonly string[]): void {
    this.calls.push(`exec ${JSON.stringify(argv)} ${env.length} env`);
    this.execed = [...argv];
  }

  linkUp(link: string): void {
    this.calls.push(`link-up ${link}`);
  }

  addAddress(link: string, address: string, prefixLength: number): void {
    this.calls.push(`addr ${link} ${address}/${prefixLength}`);
  }

  addDefaultRoute(link: string, gateway: string): void {
    this.calls.push(`route ${link} ${gateway}`);
  }

  setCapabilities(sets: CapabilitySets): void {
    const { bounding, effective, permitted, inheritable, ambient } = sets;
    this.calls.push(
      `capabilities ${[bounding, effective, permitted, inheritable, ambient].map((m) => `0x${m.toString(16)}`).join(' ')}`,
    );
  }

  setNoNewPrivileges(): void {
    this.calls.push('no-new-privs');
  }

  loadSeccompFilter(program: Uint8Array): void {
    this.calls.push(`seccomp ${program.length / 8}`);
  }

  unshare(flags: number): void {
    this.calls.push(`unshare ${flags}`);
  }

  setIdentity(uid: number, gid: number): void {
    this.calls.push(`identity ${uid} ${gid}`);
  }

  propagation(mountpoint: string): Propagation | undefined {
    return this.mounts.get(mountpoint);
  }

  private parentMount(target: string): string {
    let best = '/'; // the mount a new one lands on: the deepest mountpoint at or above the target
    for (const mountpoint of this.mounts.keys()) {
      if ((target === mountpoint || target.startsWith(`${mountpoint}/`)) && mountpoint.length > best.length)
        best = mountpoint;
    }
    return best;
  }
}
