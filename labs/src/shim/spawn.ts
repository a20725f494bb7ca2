// The daemon's way to start a shim (chapter 8), measured to be its warm path's largest cost with
// child_process: fork(2) copies the page tables of the whole Node process (about 1.5 ms at 90 MB,
// more in a daemon that has run for a while), then the shim makes its sealed copy and execs again
// (about 1.3 ms; native/shim.c, run_from_sealed_copy). Here the daemon makes the sealed copy once, a
// memfd it keeps open, and each shim is started from it with posix_spawn(3) (libc.ts, no copy of
// the daemon's memory). The shim finds itself sealed already (F_GET_SEALS on /proc/self/exe: the
// kernel's word) and makes no copy of its own. And the next shim is started before its container
// asks for it: a spare waits for its plan on stdin (native/shim.c, --plan-on-stdin), so a start pays
// neither the spawn nor the exec (0.8 ms). docs/benchmarks.md has the figures.
import { closeSync, readFileSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { RuntimeError } from '../errors.ts';
import { exitStatus, sealedMemfd, spawnWithPipes, type SpawnedProgram } from '../libc.ts';

/** What a program started by runCaptured printed, and how it ended (a shell's exit code). */
export interface CapturedRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Each shim file's sealed copy in this process, as the path a process execs it by. */
const sealedCopies = new Map<string, string>();

/**
 * The sealed copy of the shim at `path`, made at the first call: /proc/self/fd/N, which the child
 * of posix_spawn opens as its own (its descriptors are a copy of ours until the exec, which closes N:
 * O_CLOEXEC). A shim rebuilt meanwhile is the daemon's next start's.
 */
export function sealedShimPath(path: string): string {
  let copy = sealedCopies.get(path);
  if (copy === undefined) {
    try {
      copy = `/proc/self/fd/${sealedMemfd('mydocker-shim', readFileSync(path))}`;
    } catch (error) {
      throw new RuntimeError(`could not make a sealed copy of the native helper ${path}: ${(error as Error).message}`);
    }
    sealedCopies.set(path, copy);
  }
  return copy;
}

/**
 * Starts `path` (spawnWithPipes) and waits for its end and for both its pipes' ends; `name` is what
 * a failure to start calls it.
 */
export async function runCaptured(
  path: string,
  argv: readonly string[],
  env: readonly string[],
  name = path,
): Promise<CapturedRun> {
  let child;
  try {
    child = spawnWithPipes(path, argv, env);
  } catch (error) {
    throw new RuntimeError(`could not start ${name}: ${(error as Error).message}`);
  }
  return await captured(child);
}

/** The argument that makes the shim read its argv and environment from stdin (native/shim.c). */
const PLAN_ON_STDIN = '--plan-on-stdin';

/** The shim started ahead, per shim file: one waits at a time. */
const spares = new Map<string, SpawnedProgram>();

/**
 * runCaptured of the sealed shim at `path`, through the spare waiting for it if there is one (a
 * spare that died meanwhile is reaped and replaced by a start now); the next spare is started once
 * this request has been handed over, after the caller's turn.
 */
export function runShim(path: string, argv: readonly string[], env: readonly string[]): Promise<CapturedRun> {
  const sealed = sealedShimPath(path);
  const name = `the native helper ${path}`;
  const spare = spares.get(path);
  spares.delete(path);
  setImmediate(() => startSpare(path, sealed));
  if (spare && handOver(spare, argv, env)) return captured(spare);
  return runCaptured(sealed, argv, env, name);
}

/** Writes the request to the spare's stdin and closes it; false (and the spare reaped) if it had died. */
function handOver(spare: SpawnedProgram, argv: readonly string[], env: readonly string[]): boolean {
  const request = Buffer.from(
    [String(argv.length), ...argv, String(env.length), ...env].map((word) => `${word}\0`).join(''),
  );
  try {
    for (let written = 0; written < request.length;)
      written += writeSync(spare.stdin!, request, written, request.length - written);
    return true;
  } catch {
    discard(spare); // EPIPE: it is gone (Node ignores SIGPIPE)
    return false;
  } finally {
    closeSync(spare.stdin!);
  }
}

/** The pid of the spare waiting for the shim at `path`, if one is (the tests look at it). */
export function waitingSpare(path: string): number | undefined {
  return spares.get(path)?.pid;
}

function startSpare(path: string, sealed: string): void {
  if (spares.has(path)) return;
  try {
    spares.set(path, spawnWithPipes(sealed, ['mydocker-shim', PLAN_ON_STDIN], [], true));
  } catch {
    // none ready: the next start spawns its shim itself, and says why if that fails too
  }
}

/** The spares' end (the daemon's stop): each reads the end of its stdin, and exits having made nothing. */
export async function stopSpares(): Promise<void> {
  const all = [...spares.values()];
  spares.clear();
  for (const spare of all) closeSync(spare.stdin!);
  await Promise.all(all.map(captured));
}

function discard(spare: SpawnedProgram): void {
  closeSync(spare.stdout);
  closeSync(spare.stderr);
  void reaped(spare.pid);
}

/** What the started child printed, once its pipes ended, and its end, reaped. */
export async function captured(child: SpawnedProgram): Promise<CapturedRun> {
  const [stdout, stderr] = await Promise.all([readToEnd(child.stdout), readToEnd(child.stderr)]);
  return { exitCode: await reaped(child.pid), stdout, stderr };
}

function readToEnd(fd: number): Promise<string> {
  const pipe = new Socket({ fd, readable: true, writable: false }); // closes fd when it ends
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    pipe.on('data', (chunk: Buffer) => chunks.push(chunk));
    pipe.on('error', () => {}); // a read error ends it too: 'close' follows
    pipe.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/**
 * Its exit status once it is a zombie. The pipes' ends come from its exit, just before (do_exit
 * closes the files, then notifies the parent): at most a moment's wait. Node's own SIGCHLD handling
 * reaps only the children child_process started, never this one.
 */
async function reaped(pid: number): Promise<number> {
  for (;;) {
    const code = exitStatus(pid);
    if (code !== undefined) return code;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
