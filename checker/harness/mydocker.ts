// Drives the runtime under test as a process inside the lab host, with a state directory of its own.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultPromise } from 'execa';
import type { LabHost } from './labhost.ts';
import { PROJECT_ROOT, targetSource } from './target.ts';
import { scaled } from './timing.ts';

export interface RunResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  command: string;
}

/**
 * A container as its state directory shows it (see solutions/src/state/store.ts): config.json from
 * the runtime, running.json and exit.json from the shim. Read here directly, as any tool could; a
 * pid counts only with its start time (field 22 of /proc/<pid>/stat), as the runtime judges it.
 */
export interface ContainerState {
  id: string;
  name?: string;
  hostname: string;
  pid?: number;
  /** PID 1's start time (running.json). */
  start?: number;
  exitCode?: number;
  status: 'created' | 'running' | 'exited';
}

/** An ordinary user to run mydocker as (rootless), and the state root it owns. */
export interface UnprivilegedUser {
  uid: number;
  gid: number;
  stateRoot: string;
}

const RUN_TIMEOUT_MS = 15_000;

const STATE_PREFIX = 'mydocker-check-';

/** State directories of runs whose process is gone (stopped before their clean-up) are removed. */
function removeStaleStateRoots(): void {
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(/^mydocker-check-(\d+)-/.exec(name)?.[1]);
    if (pid > 0 && !existsSync(`/proc/${pid}`)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

export class Mydocker {
  readonly stateRoot: string;
  private readonly host: LabHost;

  constructor(host: LabHost) {
    this.host = host;
    removeStaleStateRoots();
    this.stateRoot = mkdtempSync(join(tmpdir(), `${STATE_PREFIX}${process.pid}-`));
  }

  /**
   * `mydocker ARGS...` started, not awaited: for commands that hold (hold(), a held `exec`). `user`:
   * run by that unprivileged uid and gid instead of root (chapter 7's rootless checks), through
   * util-linux's setpriv, with the state root given (one the user owns). `env`: variables more
   * (chapter 8's MYDOCKER_REGISTRY_AUTH).
   */
  start(
    args: readonly string[],
    input: 'pipe' | 'ignore' | string,
    user?: UnprivilegedUser,
    env: Record<string, string> = {},
  ): ResultPromise {
    const mydocker = [process.execPath, join(PROJECT_ROOT, 'bin', 'mydocker.cjs'), ...args];
    const command = user
      ? ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--', ...mydocker]
      : mydocker;
    return this.host.exec(command, {
      env: {
        MYDOCKER_ROOT: user?.stateRoot ?? this.stateRoot,
        MYDOCKER_SOURCE: targetSource(),
        MYDOCKER_CGROUP_PARENT: this.host.containment.containersParent,
        DOCKER_HOST: '', // the runtime itself, never a client of some daemon the caller names
        ...env,
      },
      ...(input === 'pipe' || input === 'ignore' ? { stdin: input } : { input }),
      timeout: scaled(RUN_TIMEOUT_MS),
      stripFinalNewline: false,
    });
  }

  /** `mydocker ARGS...` to the end. */
  async run(args: readonly string[], options: { input?: string; user?: UnprivilegedUser } = {}): Promise<RunResult> {
    const result = await this.start(args, options.input ?? 'ignore', options.user);
    return {
      exitCode: result.exitCode,
      stdout: String(result.stdout),
      stderr: String(result.stderr),
      command: `mydocker ${args.join(' ')}`,
    };
  }

  /**
   * `mydocker ARGS...` on a real terminal: util-linux `script` gives it a pseudo-terminal, whose size
   * the shell there sets first (`stty rows R cols C`). `after` is shell code run on that terminal once
   * mydocker ended. Its stdin stays open and silent: nobody types. The output is the terminal's, with
   * its carriage returns removed.
   */
  async runOnTerminal(
    args: readonly string[],
    { rows = 24, cols = 80, after = '' }: { rows?: number; cols?: number; after?: string } = {},
  ): Promise<RunResult> {
    const quote = (arg: string): string => `'${arg.replaceAll("'", `'\\''`)}'`;
    const mydocker = [process.execPath, join(PROJECT_ROOT, 'bin', 'mydocker.cjs'), ...args].map(quote).join(' ');
    const shell = `stty rows ${rows} cols ${cols}; ${mydocker}; echo "exit code: $?"; ${after}`;
    const result = await this.host.exec(['script', '-qec', shell, '/dev/null'], {
      env: {
        MYDOCKER_ROOT: this.stateRoot,
        MYDOCKER_SOURCE: targetSource(),
        MYDOCKER_CGROUP_PARENT: this.host.containment.containersParent,
        DOCKER_HOST: '', // the runtime itself, never a client of some daemon the caller names
      },
      stdin: 'pipe',
      timeout: scaled(RUN_TIMEOUT_MS),
    });
    const output = String(result.stdout).replaceAll('\r', '');
    const code = /exit code: (\d+)\n/.exec(output);
    return {
      exitCode: code ? Number(code[1]) : result.exitCode,
      stdout: output,
      stderr: String(result.stderr),
      command: `mydocker ${args.join(' ')} (on a terminal, ${rows} rows and ${cols} columns)`,
    };
  }

  /**
   * Starts `mydocker run -i ... host sh -c 'echo ready; read _; SCRIPT'`: a container that waits, so
   * the check can look at it from the host while it lives.
   */
  async hold(runOptions: readonly string[], script = 'true', image = 'host'): Promise<HeldContainer> {
    const args = ['run', '-i', ...runOptions, image, 'sh', '-c', `echo ready; read _; ${script}`];
    const process = this.start(args, 'pipe');
    let output = '';
    const ready = await new Promise<boolean>((resolve) => {
      process.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.startsWith('ready\n')) resolve(true);
      });
      void process.then(() => resolve(false));
    });
    if (!ready) {
      const result = await process;
      throw new Error(
        `the container did not run its command as given: \`mydocker ${args.join(' ')}\` should print "ready" and wait, ` +
          `but printed ${JSON.stringify(String(result.stdout))} and exited ${result.exitCode}` +
          `${String(result.stderr).trim() ? `, saying: ${String(result.stderr).trim()}` : ''} ` +
          '(the checks hold containers with `sh -c`: lab ch1-command must pass first)',
      );
    }
    return new HeldContainer(process, this.runningState(), `mydocker ${args.join(' ')}`);
  }

  /** The state of the one running container (chapter 1 runs one at a time). */
  runningState(): ContainerState & { pid: number } {
    const running = this.states().filter((state) => state.status === 'running');
    if (running.length !== 1 || running[0]!.pid === undefined) {
      throw new Error(`expected one running container in the state directory, found ${running.length}`);
    }
    return running[0] as ContainerState & { pid: number };
  }

  states(): ContainerState[] {
    const dir = join(this.stateRoot, 'containers');
    let ids: string[] = [];
    try {
      ids = readdirSync(dir);
    } catch {
      return [];
    }
    return ids.filter((id) => !id.startsWith('.')).map((id) => readState(join(dir, id)));
  }

  /** containers/<id> in the state directory: the container's files (chapter 3's layout.ts). */
  containerDir(id: string): string {
    return join(this.stateRoot, 'containers', id);
  }

  /**
   * kill -9 of a container's shim and of its PID 1, as a crash would leave them: no ended op runs.
   * Returns once neither is a living process (the PID 1 may already be gone by the time its SIGKILL
   * is sent: the shim's death takes it with it through PR_SET_PDEATHSIG), so the next command sees
   * what a crash leaves, not a container still dying.
   */
  async crash(id: string): Promise<void> {
    const running = this.runningRecord(id);
    const processes = [
      { pid: running.shim, start: running.shimStart },
      { pid: running.pid, start: running.start },
    ];
    for (const { pid, start } of processes) {
      if (!isSameProcess(pid, start)) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
    const deadline = Date.now() + scaled(10_000);
    while (processes.some(({ pid, start }) => isSameProcess(pid, start))) {
      if (Date.now() > deadline) throw new Error(`container ${id.slice(0, 12)}: its shim or PID 1 outlived SIGKILL`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** An image's record, read as any tool could (images/<name:tag>.json). */
  /**
   * kill -9 of a detached container's PID 1 only, from the host: it ends as if its command had, with
   * no command of the runtime's involved, and its shim does its `ended` ops. Returns once the shim
   * has exited, after the last of them (the shim waits for each).
   */
  async endByItself(id: string): Promise<void> {
    const running = this.runningRecord(id);
    if (isSameProcess(running.pid, running.start)) {
      try {
        process.kill(running.pid, 'SIGKILL');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
    const deadline = Date.now() + scaled(15_000);
    while (isSameProcess(running.shim, running.shimStart)) {
      if (Date.now() > deadline) throw new Error(`container ${id.slice(0, 12)}: its shim did not end after its PID 1`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** running.json of a container: its PID 1 and its shim, each by pid and start time. */
  private runningRecord(id: string): { pid: number; start: number; shim: number; shimStart: number } {
    return JSON.parse(readFileSync(join(this.containerDir(id), 'running.json'), 'utf8')) as {
      pid: number;
      start: number;
      shim: number;
      shimStart: number;
    };
  }

  image(name: string): { name: string; layers: string[] } | undefined {
    try {
      return JSON.parse(readFileSync(join(this.stateRoot, 'images', `${encodeURIComponent(name)}.json`), 'utf8'));
    } catch {
      return undefined;
    }
  }

  layerDir(id: string): string {
    return join(this.stateRoot, 'layers', id);
  }

  /** Every file under the state root, as paths relative to it (to prove nothing was left). */
  files(): string[] {
    try {
      return readdirSync(this.stateRoot, { recursive: true }).map(String).sort();
    } catch {
      return [];
    }
  }

  cleanup(): void {
    rmSync(this.stateRoot, { recursive: true, force: true });
  }
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The same process: its start time (field 22 of /proc/<pid>/stat) matches, and it is not a zombie (field 3). */
function isSameProcess(pid: number, start: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] !== 'Z' && Number(fields[22 - 3]) === start;
  } catch {
    return false;
  }
}

function readState(dir: string): ContainerState {
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as {
    id: string;
    name?: string;
    hostname: string;
  };
  const running = readJson<{ pid: number; start: number }>(join(dir, 'running.json'));
  const exit = readJson<{ exitCode: number }>(join(dir, 'exit.json'));
  const alive = running !== undefined && isSameProcess(running.pid, running.start);
  const status = running === undefined ? 'created' : exit === undefined && alive ? 'running' : 'exited';
  return {
    id: config.id,
    ...(config.name !== undefined && { name: config.name }),
    hostname: config.hostname,
    pid: running?.pid,
    start: running?.start,
    exitCode: exit?.exitCode,
    status,
  };
}

export class HeldContainer {
  readonly state: ContainerState & { pid: number };
  readonly command: string;
  private readonly process: ResultPromise;

  constructor(process: ResultPromise, state: ContainerState & { pid: number }, command: string) {
    this.process = process;
    this.state = state;
    this.command = command;
  }

  get pid(): number {
    return this.state.pid;
  }

  /**
   * Sends a line (ending the script's `read _`) and waits until the container has printed `marker`:
   * for scripts that wait again (`...; echo done; read _`) so the check can look while they hold.
   */
  async proceed(marker: string, timeoutMs = scaled(15_000), send = true): Promise<string> {
    let output = '';
    const seen = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `the container did not print "${marker}" within ${timeoutMs / 1000} s; it printed: ${JSON.stringify(output)}`,
            ),
          ),
        timeoutMs,
      );
      this.process.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes(marker)) {
          clearTimeout(timer);
          resolve(output);
        }
      });
      void this.process.then((result) => {
        clearTimeout(timer);
        reject(
          new Error(
            `the container ended (exit ${result.exitCode}) before printing "${marker}"; it printed: ${JSON.stringify(output)}`,
          ),
        );
      });
    });
    if (send) this.process.stdin?.write('\n');
    return seen;
  }

  /** Waits until the container has printed `marker`, without sending anything. */
  async waitFor(marker: string, timeoutMs = scaled(15_000)): Promise<string> {
    return this.proceed(marker, timeoutMs, false);
  }

  /** Lets the container's script go on, and waits for mydocker to end. */
  async release(): Promise<RunResult> {
    this.process.stdin?.end('\n');
    const result = await this.process;
    return {
      exitCode: result.exitCode,
      stdout: String(result.stdout),
      stderr: String(result.stderr),
      command: this.command,
    };
  }

  async kill(signal: NodeJS.Signals): Promise<RunResult> {
    process.kill(this.pid, signal);
    const result = await this.process;
    return {
      exitCode: result.exitCode,
      stdout: String(result.stdout),
      stderr: String(result.stderr),
      command: this.command,
    };
  }
}
