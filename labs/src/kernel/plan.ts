import type { CapabilitySets, Kernel, Namespace } from './kernel.ts';
import type { EnterStep, HostStep, Step } from './ops.ts';

/**
 * A step of the container's set-up (the shim's child runs them, in this order) and a step the shim
 * does on the host, as its parent: both derived from the tables of ops in ops.ts, which
 * native/README.md ("Operations") documents.
 */
export type { EnterStep, HostStep, Step };

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
   * mydocker's (with -t: the shim passes the caller's keys on to the container's terminal).
   */
  stdin: 'null' | 'inherit';
  /** Namespaces the shim joins itself before clone (mydocker exec); none for run. */
  enter?: EnterStep[];
  /**
   * Where the container's stdout and stderr go: the caller's ('inherit', the default), or (-d) the
   * absolute path of its json-file log, which the shim, detached, writes as docker does.
   */
  output?: 'inherit' | LogPath;
  steps: Step[];
  host: HostSteps;
}

/** An absolute path: containers/<id>/<id>-json.log. */
export type LogPath = `/${string}`;

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

  setns(path: string, nstype: number): void {
    this.steps.push({ op: 'setns', path, nstype });
  }

  pty(): void {
    this.steps.push({ op: 'pty' });
  }

  exec(argv: readonly string[], env: readonly string[]): void {
    // execvp(3) takes PATH from the environment of the caller; the shim takes it from the command's.
    const path = env.find((entry) => entry.startsWith('PATH='));
    this.steps.push({ op: 'exec', argv: [...argv], env: [...env], search: path ? path.slice(5) : '' });
  }

  linkUp(link: string): void {
    this.steps.push({ op: 'link-up', link });
  }

  addAddress(link: string, address: string, prefixLength: number): void {
    this.steps.push({ op: 'addr', link, address, prefixLength });
  }

  addDefaultRoute(link: string, gateway: string): void {
    this.steps.push({ op: 'route', link, gateway });
  }

  setCapabilities(sets: CapabilitySets): void {
    this.steps.push({ op: 'capabilities', ...sets });
  }

  setNoNewPrivileges(): void {
    this.steps.push({ op: 'no-new-privs' });
  }

  loadSeccompFilter(program: Uint8Array): void {
    this.steps.push({ op: 'seccomp', program });
  }

  unshare(flags: number): void {
    this.steps.push({ op: 'unshare', flags });
  }

  setIdentity(uid: number, gid: number): void {
    this.steps.push({ op: 'identity', uid, gid });
  }
}

/** What the shim does on itself before clone: only setns(2) (see ops.ts, `enterOps`). */
export type NamespaceJoiner = Pick<Kernel, 'setns'>;

/** Writes down the namespaces the shim joins before clone (the plan's `enter` section). */
export class EnterRecorder implements NamespaceJoiner {
  readonly steps: EnterStep[] = [];

  setns(path: string, nstype: number): void {
    this.steps.push({ op: 'setns', path, nstype });
  }
}
