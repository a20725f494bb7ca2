// Work the daemon hands to a `mydocker` command of its own (this launcher, this environment): an
// image's import and a pull. Both unpack layers with no umask (import.ts: a layer's modes exactly as
// it says), and process.umask is the whole process's: inside the daemon, a container being created
// meanwhile would get world-writable files. A child has a umask of its own, and the CLI's
// all-or-nothing clean-up (a pull killed: nothing kept).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ChildOutcome {
  exitCode: number;
  stderr: string;
}

/** `mydocker ARGS...`; each line of its stdout to `onLine` as it comes; killed when `signal` aborts. */
export function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; onLine?: (line: string) => void; signal?: AbortSignal } = {},
): Promise<ChildOutcome> {
  const launcher = process.argv[1]!;
  const child = spawn(process.execPath, [launcher, ...args], {
    // DOCKER_HOST would make the child a client of a daemon, maybe of this one: it is the runtime here.
    env: { ...process.env, DOCKER_HOST: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const abort = (): void => void child.kill('SIGINT'); // the CLI's own clean-up on SIGINT
  options.signal?.addEventListener('abort', abort, { once: true });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => options.onLine?.(line));
  return new Promise((resolve) => {
    child.on('error', (error) => resolve({ exitCode: 126, stderr: error.message }));
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', abort);
      resolve({ exitCode: code ?? (signal ? 130 : 1), stderr });
    });
  });
}

/** The one line a failed CLI said, without its "mydocker: " or "mydocker pull: ". */
export function failureLine(outcome: ChildOutcome): string {
  const line = outcome.stderr.trim().split('\n').at(-1) ?? '';
  return line.replace(/^mydocker( \w+)?: /, '') || `exited with ${outcome.exitCode}`;
}
