import type { Kernel, Namespace } from './kernel.ts';

/** One step of the container's own set-up, as data: what the shim's child does, in this order. */
export type Step =
  | { op: 'join'; path: string }
  | { op: 'mount'; source: string; target: string; fstype: string; flags: number; data: string }
  | { op: 'sethostname'; name: string }
  | { op: 'pivot_root'; newRoot: string; putOld: string }
  | { op: 'chroot'; path: string }
  | { op: 'chdir'; path: string }
  | { op: 'umount2'; target: string; flags: number }
  | { op: 'mkdir'; path: string; mode: number }
  | { op: 'rmdir'; path: string }
  | { op: 'mknod'; path: string; mode: number; major: number; minor: number }
  | { op: 'symlink'; target: string; path: string }
  | { op: 'exec'; argv: string[]; env: string[]; search: string };

/**
 * One step the shim does on the host, as the container's parent. In `content`, {pid} becomes the
 * container's pid (as the host sees it) and {exit} its exit code.
 *   write   a file, atomically (a temporary file renamed over it): state files
 *   set     a control file, with one write(2): cgroup files, which cannot be renamed over
 *   mkdir   a directory (one that exists is fine); in cgroupfs, a new cgroup
 *   unlink, rmdir   remove (what is gone already is fine; rmdir waits out a cgroup's last exits)
 *   remove-tree     rm -rf, staying on one filesystem: a container's own directories
 */
export type HostStep =
  | { op: 'write'; path: string; content: string }
  | { op: 'set'; path: string; content: string }
  | { op: 'mkdir'; path: string }
  | { op: 'unlink'; path: string }
  | { op: 'rmdir'; path: string }
  | { op: 'remove-tree'; path: string };

export interface HostSteps {
  /** After clone, before the container may run: state now; cgroups and network in later chapters. */
  created: HostStep[];
  /** After the container ended. */
  ended: HostStep[];
  /** When the container never started (a host step or a container step failed): undo everything. */
  failed: HostStep[];
}

export interface Plan {
  /** The namespaces the shim clone()s the container into. */
  namespaces: Namespace[];
  /** The clone(2) flags for those namespaces. */
  cloneFlags: number;
  /**
   * docker run without -i gives the container /dev/null as its standard input; with -i it shares
   * mydocker's; with -it the container also becomes the terminal's foreground process group.
   */
  stdin: 'null' | 'inherit' | 'terminal';
  steps: Step[];
  host: HostSteps;
}

/** The real Kernel: it does nothing now, it writes down what the container will do. */
export class PlanKernel implements Kernel {
  readonly steps: Step[] = [];

  joinCgroup(file: string): void {
    this.steps.push({ op: 'join', path: file });
  }

  mount(source: string, target: string, fstype: string, flags: number, data = ''): void {
    this.steps.push({ op: 'mount', source, target, fstype, flags, data });
  }

  sethostname(name: string): void {
    this.steps.push({ op: 'sethostname', name });
  }

  pivotRoot(newRoot: string, putOld: string): void {
    this.steps.push({ op: 'pivot_root', newRoot, putOld });
  }

  chroot(path: string): void {
    this.steps.push({ op: 'chroot', path });
  }

  chdir(path: string): void {
    this.steps.push({ op: 'chdir', path });
  }

  umount2(target: string, flags: number): void {
    this.steps.push({ op: 'umount2', target, flags });
  }

  mkdir(path: string, mode: number): void {
    this.steps.push({ op: 'mkdir', path, mode });
  }

  rmdir(path: string): void {
    this.steps.push({ op: 'rmdir', path });
  }

  mknod(path: string, mode: number, major: number, minor: number): void {
    this.steps.push({ op: 'mknod', path, mode, major, minor });
  }

  symlink(target: string, path: string): void {
    this.steps.push({ op: 'symlink', target, path });
  }

  exec(argv: readonly string[], env: readonly string[]): void {
    // execvp(3) takes PATH from the environment of the caller; the shim takes it from the command's.
    const path = env.find((entry) => entry.startsWith('PATH='));
    this.steps.push({ op: 'exec', argv: [...argv], env: [...env], search: path ? path.slice(5) : '' });
  }
}
