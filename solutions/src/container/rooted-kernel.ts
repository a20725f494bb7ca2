// A Kernel whose paths are under `root`: chapter 3's /proc, /sys and /dev, made before pivot_root
// when the container has a user namespace (container/setup.ts says why). Their steps are the labs'
// own (mountProc, mountSys, mountDev), written with the paths the container will see; this moves
// them, and turns each device node into a bind mount of the host's, which a user namespace allows:
// the host's node of the same path, or the one `hostNodes` names for it (--device HOST:CONTAINER).
import { MS_BIND, S_IFBLK, S_IFCHR, S_IFMT, S_IFREG } from '../kernel/constants.ts';
import type { CapabilitySets, Kernel } from '../kernel/kernel.ts';

export class RootedKernel implements Kernel {
  private readonly kernel: Kernel;
  private readonly root: string;
  private readonly hostNodes: ReadonlyMap<string, string>;

  constructor(kernel: Kernel, root: string, hostNodes: ReadonlyMap<string, string> = new Map()) {
    this.kernel = kernel;
    this.root = root;
    this.hostNodes = hostNodes;
  }

  private under(path: string): string {
    return path.startsWith('/') ? `${this.root}${path}` : path;
  }

  mount(source: string, target: string, fstype: string, flags: number, data?: string): void {
    this.kernel.mount((flags & MS_BIND) !== 0 ? this.under(source) : source, this.under(target), fstype, flags, data);
  }

  /**
   * mknod(2) of a device is refused in a user namespace: vfs_mknod asks for CAP_MKNOD in the initial
   * one (capable(), fs/namei.c), and a device node on a filesystem mounted there would not open
   * anyway (SB_I_NODEV). So, as runc does, the node is an empty file with the host's node of the same
   * path bound onto it: the same device, which the bind's mount (the host's devtmpfs) lets open.
   */
  mknod(path: string, mode: number, major: number, minor: number): void {
    const type = mode & S_IFMT;
    if (type !== S_IFCHR && type !== S_IFBLK) {
      this.kernel.mknod(this.under(path), mode, major, minor);
      return;
    }
    this.kernel.mknod(this.under(path), S_IFREG | (mode & 0o7777), 0, 0);
    this.kernel.mount(this.hostNodes.get(path) ?? path, this.under(path), '', MS_BIND);
  }

  mkdir(path: string, mode: number): void {
    this.kernel.mkdir(this.under(path), mode);
  }

  rmdir(path: string): void {
    this.kernel.rmdir(this.under(path));
  }

  symlink(target: string, path: string): void {
    this.kernel.symlink(target, this.under(path)); // the link's text stays the container's path
  }

  umount2(target: string, flags: number): void {
    this.kernel.umount2(this.under(target), flags);
  }

  chdir(path: string): void {
    this.kernel.chdir(this.under(path));
  }

  chroot(path: string): void {
    this.kernel.chroot(this.under(path));
  }

  pivotRoot(newRoot: string, putOld: string): void {
    this.kernel.pivotRoot(this.under(newRoot), this.under(putOld));
  }

  joinCgroup(file: string): void {
    this.kernel.joinCgroup(file);
  }

  sethostname(name: string): void {
    this.kernel.sethostname(name);
  }

  setns(path: string, nstype: number): void {
    this.kernel.setns(path, nstype);
  }

  pty(): void {
    this.kernel.pty();
  }

  exec(argv: readonly string[], env: readonly string[]): void {
    this.kernel.exec(argv, env);
  }

  linkUp(link: string): void {
    this.kernel.linkUp(link);
  }

  addAddress(link: string, address: string, prefixLength: number): void {
    this.kernel.addAddress(link, address, prefixLength);
  }

  addDefaultRoute(link: string, gateway: string): void {
    this.kernel.addDefaultRoute(link, gateway);
  }

  setCapabilities(sets: CapabilitySets): void {
    this.kernel.setCapabilities(sets);
  }

  setNoNewPrivileges(): void {
    this.kernel.setNoNewPrivileges();
  }

  loadSeccompFilter(program: Uint8Array): void {
    this.kernel.loadSeccompFilter(program);
  }

  unshare(flags: number): void {
    this.kernel.unshare(flags);
  }

  setIdentity(uid: number, gid: number): void {
    this.kernel.setIdentity(uid, gid);
  }
}
