// The daemon's way to start a shim (chapter 8), measured to be its warm path's largest cost with
// child_process: fork(2) copies the page tables of the whole Node process (about 1.5 ms at 90 MB,
// more in a daemon that has run for a while), then the shim makes its sealed copy and execs again
// (about 1.3 ms; native/shim.c, run_from_sealed_copy). Here the daemon makes the sealed copy once, a
// memfd it keeps open, and each shim is started from it with posix_spawn(3) (libc.ts, no copy of
// the daemon's memory). The shim finds itself sealed already (F_GET_SEALS on /proc/self/exe: the
// kernel's word) and makes no copy of its own. docs/benchmarks.md has the figures.
import { readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { RuntimeError } from '../errors.ts';
import { exitStatus, sealedMemfd, spawnWithPipes } from '../libc.ts';

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
