import type { Kernel, Namespace } from './kernel.ts';

/** One step of a container's set-up, as data: what the shim will do, in this order. */
export type Step =
  | { op: 'mount'; source: string; target: string; fstype: string; flags: number; data: string }
  | { op: 'sethostname'; name: string }
  | { op: 'exec'; argv: string[]; env: string[]; search: string };

export interface Plan {
  /** The namespaces the shim clone()s the container into. */
  namespaces: Namespace[];
  /** The clone(2) flags for those namespaces. */
  cloneFlags: number;
  steps: Step[];
}

/** The real Kernel: it does nothing now, it writes down what the container will do. */
export class PlanKernel implements Kernel {
  readonly steps: Step[] = [];

  mount(source: string, target: string, fstype: string, flags: number, data = ''): void {
    this.steps.push({ op: 'mount', source, target, fstype, flags, data });
  }

  sethostname(name: string): void {
    this.steps.push({ op: 'sethostname', name });
  }

  exec(argv: readonly string[], env: readonly string[]): void {
    // execvp(3) takes PATH from the environment of the caller; the shim takes it from the command's.
    const path = env.find((entry) => entry.startsWith('PATH='));
    this.steps.push({ op: 'exec', argv: [...argv], env: [...env], search: path ? path.slice(5) : '' });
  }
}
