// Types for vm/run.mjs (plain ESM, so Node runs it without a build), for the TypeScript that uses it.
export class VmError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode?: number);
}

export interface RunInVmOptions {
  /** The command and its arguments, run as root in the guest (looked up on the guest's PATH). */
  command: readonly string[];
  /** Variables for the command, over those passed from the caller's environment (MYDOCKER_*, LAB_*, TERM, ...). */
  env?: Record<string, string>;
  /** The command's working directory; the caller's by default. It must be visible in the guest (not under /tmp). */
  cwd?: string;
  /** Keep the results directory after the run (under .lab/vm/results/ unless `resultsDir` is given). */
  keep?: boolean;
  /** A host directory to share read-write at the same path in the guest; the caller owns it. By default the runner makes one. */
  resultsDir?: string;
  /** The whole run's limit, boot included; 600 s by default. */
  timeoutMs?: number;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** The serial console: the kernel's and the guest init's messages. */
  onConsole?: (chunk: Buffer) => void;
  /** Aborting stops the VM at once; the run then rejects with a VmError. */
  signal?: AbortSignal;
  /** 'tcg' (qemu emulates the CPU, works everywhere) by default; 'kvm' where /dev/kvm works (LAB_VM_ACCEL=kvm). */
  accel?: 'tcg' | 'kvm';
  cpus?: number;
  memoryMiB?: number;
}

export interface RunInVmResult {
  exitCode: number;
  /** The read-write share; removed after the run unless `keep` or the caller gave it. */
  resultsDir: string;
  /** From starting qemu to the command starting in the guest. */
  bootMs: number | undefined;
  durationMs: number;
}

export const projectRoot: string;
export const vmDir: string;
export function vitestInVm(cwd?: string): string[];
export const CHECKER_ENV_IN_VM: Readonly<Record<string, string>>;
export function vmPrerequisites(): { qemu: string; kernel: string };
export function runInVm(options: RunInVmOptions): Promise<RunInVmResult>;
export function parseArgs(argv: readonly string[]): {
  timeoutMs: number;
  env: Record<string, string>;
  keep: boolean;
  verbose: boolean;
  command: string[];
};
