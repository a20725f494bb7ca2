// Hands the plan to the shim: Node replaces itself with it (execve(2), same pid, no fork), so the
// container's parent is a small C program and no Node process stays behind, even in the foreground.
// Forking Node to start a helper instead costs more than the rest of `mydocker run` together (see
// docs/decisions/0002-node-execs-the-shim.md).
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { RuntimeError } from '../errors.ts';
import type { Plan } from '../kernel/plan.ts';
import { planArguments, planEnvironment } from './argv.ts';
import { runShim } from './spawn.ts';

/** The launcher (bin/mydocker.cjs) says where it built the shim: .lab/build/mydocker-shim. */
export function shimPath(): string {
  const path = process.env.MYDOCKER_SHIM;
  if (!path) throw new RuntimeError('MYDOCKER_SHIM is not set: start mydocker through bin/mydocker.cjs (npx mydocker)');
  if (!existsSync(path))
    throw new RuntimeError(`the native helper is missing at ${path}: run \`npm install\` (it builds native/)`);
  return path;
}

/** Never returns: from here on, this process is the shim, and its exit code is the container's. */
export function execShim(path: string, plan: Plan): never {
  const argv = ['mydocker-shim', ...planArguments(plan)];
  const env = planEnvironment(plan);
  checkExecSize(
    argv,
    Object.entries(env).map(([name, value]) => `${name}=${value}`),
  );
  process.execve!(path, argv, env);
  throw new RuntimeError(`could not start the native helper ${path}`);
}

/** What a shim started as a child said and how it ended. */
export interface ShimOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * The daemon's way (chapter 8): the shim as a child process, for a detached plan (its OUTPUT a log),
 * started from the daemon's sealed copy with posix_spawn (shim/spawn.ts says why). The child only
 * waits for its supervisor's word on the start (native/shim.c, detach): it prints the id and exits 0
 * once the container runs, or says why not and exits with docker's code. The supervisor has left its
 * session (setsid) and is nobody's child here, so it and the container outlive the daemon. The child
 * leads a session of its own: a Ctrl-C on the daemon's terminal must not reach it before it has heard
 * from the supervisor.
 */
export function spawnShim(path: string, plan: Plan): Promise<ShimOutcome> {
  const argv = ['mydocker-shim', ...planArguments(plan)];
  const env = Object.entries(planEnvironment(plan)).map(([name, value]) => `${name}=${value}`);
  checkExecSize(argv, env);
  return runShim(path, argv, env);
}

/** The shim as a child with pipes for its output (and its input, for an exec's -i): the daemon's exec. */
export function startShim(path: string, plan: Plan, stdin: 'pipe' | 'ignore'): ChildProcess {
  const args = planArguments(plan);
  const env = planEnvironment(plan);
  checkExecSize(
    ['mydocker-shim', ...args],
    Object.entries(env).map(([name, value]) => `${name}=${value}`),
  );
  return spawn(path, args, { argv0: 'mydocker-shim', env, stdio: [stdin, 'pipe', 'pipe'], detached: true });
}

/** A child's end as a shell's exit code: its own, or 128 + the signal that ended it. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  return code ?? 128 + (signal ? (osSignals[signal] ?? 0) : 0);
}

const osSignals: Partial<Record<NodeJS.Signals, number>> = constants.signals;

/** MAX_ARG_STRLEN: 32 pages (of 4 KiB on x86-64 and most arm64 kernels). */
const MAX_ARG_STRLEN = 32 * 4096;
/** The kernel's floor and cap of the total: ARG_MAX (32 pages), and 3/4 of _STK_LIM (8 MiB). */
const ARG_MAX = 32 * 4096;
const TOTAL_CAP = (8 * 1024 * 1024 * 3) / 4;

/**
 * execve(2) fails with E2BIG past two limits (execve(2), "Limits on size of arguments and
 * environment"; fs/exec.c, bprm_stack_limits): one string longer than MAX_ARG_STRLEN, or all the
 * strings with their pointers beyond a quarter of the stack's soft limit (at least ARG_MAX, at most
 * 6 MiB). Node's process.execve cannot report that failure: it aborts the process (exit 134 and a
 * native stack trace), with the container half made. So the plan is measured first, and a plan too
 * big is an error like any other, which the caller cleans up after.
 */
export function checkExecSize(argv: readonly string[], env: readonly string[], stackLimit = stackSoftLimit()): void {
  const strings = [...argv, ...env];
  const long = strings.find((text) => Buffer.byteLength(text) + 1 > MAX_ARG_STRLEN);
  if (long !== undefined) {
    throw new RuntimeError(
      `the container's command line is too long for execve(2): one argument or variable is ${Buffer.byteLength(long)} bytes, and the kernel takes at most ${MAX_ARG_STRLEN - 1}`,
    );
  }
  const total = strings.reduce((sum, text) => sum + Buffer.byteLength(text) + 1 + 8, 16);
  const limit = Math.min(Math.max(stackLimit / 4, ARG_MAX), TOTAL_CAP);
  if (total > limit) {
    throw new RuntimeError(
      `the container's command line and environment are too long for execve(2): ${total} bytes, and the kernel takes at most ${Math.floor(limit)} here (a quarter of the stack limit, ulimit -s)`,
    );
  }
}

/**
 * RLIMIT_STACK's soft limit, as /proc/self/limits says it ("Max stack size"); Infinity when unlimited.
 * Read once: nothing in this process changes it.
 */
function stackSoftLimit(): number {
  return (stackLimit ??= readStackSoftLimit());
}

let stackLimit: number | undefined;

function readStackSoftLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('Max stack size'));
    const soft = line?.slice('Max stack size'.length).trim().split(/\s+/)[0];
    return soft === undefined || soft === 'unlimited' ? Infinity : Number(soft);
  } catch {
    return Infinity;
  }
}
