// `mydocker wait`, `stop`, `restart` and `kill`: the commands that wait for a container's end or bring it about.
// Each takes several containers and goes on after one fails, as docker does; the exit code is then 1.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { flagError } from './flags.ts';
import { CommandError, UsageError } from '../errors.ts';
import { stopProcess, type LadderSignal, type ProcessControl } from '../lifecycle/signal-ladder.ts';
import { isSameProcess, signalContainer } from '../state/processes.ts';
import { StateStore, type ContainerState } from '../state/store.ts';
import { parseSignal } from './signals.ts';

export const STOP_USAGE = `Usage: mydocker stop [OPTIONS] CONTAINER [CONTAINER...]

Stop running containers: SIGTERM, then SIGKILL after the timeout

Options:
  -t, --timeout int   Seconds to wait before killing the container (default 10; -1: no limit)
`;

export const KILL_USAGE = `Usage: mydocker kill [OPTIONS] CONTAINER [CONTAINER...]

Send a signal to running containers' PID 1

Options:
  -s, --signal string   Signal to send: a name (KILL, SIGTERM) or a number (default "KILL")
`;

export const RESTART_USAGE = `Usage: mydocker restart [OPTIONS] CONTAINER [CONTAINER...]

Restart containers: stop each (as stop does), then start it again, detached

Options:
  -t, --timeout int   Seconds to wait before killing the container (default 10; -1: no limit)
`;

export const WAIT_USAGE = `Usage: mydocker wait CONTAINER [CONTAINER...]

Block until containers stop, then print their exit codes
`;

const WAIT_POLL_MILLISECONDS = 20;

/** The real kernel for the lab's ladder: kill(2), /proc's identity, timers, a monotonic clock. */
const kernelControl: ProcessControl = {
  kill: (pid, signal) => {
    try {
      process.kill(pid, signal);
    } catch (error) {
      // It ended between the look and the signal: what the signal was for. Signal 0 is the question.
      if (signal === 0 || (error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  },
  isSameProcess,
  sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
  now: () => performance.now(),
};

export async function stop(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, 'stop', { timeout: { type: 'string', short: 't' } });
  if (values.help) return usage(STOP_USAGE);
  const timeout = typeof values.timeout === 'string' ? integer(values.timeout, '-t, --timeout', 'stop') : 10;
  const reader = new StateStore();
  return eachContainer(reader, positionals, async (container, reference) => {
    await stopIfRunning(reader, container, timeout);
    process.stdout.write(`${reference}\n`); // docker: stopping an ended container is no error
  });
}

export async function restart(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, 'restart', { timeout: { type: 'string', short: 't' } });
  if (values.help) return usage(RESTART_USAGE);
  const timeout = typeof values.timeout === 'string' ? integer(values.timeout, '-t, --timeout', 'restart') : 10;
  const reader = new StateStore();
  return eachContainer(reader, positionals, async (container, reference) => {
    await stopIfRunning(reader, container, timeout);
    // `start` becomes the container's shim (execve), so each start is a process of its own: this
    // same launcher (bin/mydocker.cjs, argv[1]) with this environment.
    const started = spawnSync(process.execPath, [process.argv[1]!, 'start', container.id], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (started.status !== 0) {
      throw new CommandError(
        `cannot restart container ${reference}: ${started.stderr.trim().replace(/^mydocker: /, '')}`,
      );
    }
    process.stdout.write(`${reference}\n`);
  });
}

export async function kill(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, 'kill', { signal: { type: 'string', short: 's' } });
  if (values.help) return usage(KILL_USAGE);
  const given = typeof values.signal === 'string' ? values.signal : 'KILL';
  const signal = parseSignal(given);
  const reader = new StateStore();
  return eachContainer(reader, positionals, async (container, reference) => {
    if (signal === undefined) throw new CommandError(`cannot kill container ${reference}: invalid signal: ${given}`);
    if (container.status !== 'running') {
      throw new CommandError(
        `cannot kill container ${reference}: container ${container.id.slice(0, 12)} is not running`,
      );
    }
    signalContainer(container, signal);
    process.stdout.write(`${reference}\n`);
  });
}

export async function wait(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, 'wait', {});
  if (values.help) return usage(WAIT_USAGE);
  const reader = new StateStore();
  return eachContainer(reader, positionals, async (container) => {
    const ended = container.status === 'exited' ? container : await untilExited(reader, container.id);
    process.stdout.write(`${ended.exitCode ?? 255}\n`);
  });
}

/** The ladder (lab ch5-stop) on a running container; returns once its exit code is recorded. */
/**
 * The ladder, then the wait for the recorded end. `onSignal` hears each signal the ladder sends, as
 * it is sent (the daemon's `kill` events: SIGTERM, and SIGKILL once the timeout has passed).
 */
export async function stopIfRunning(
  reader: StateStore,
  container: ContainerState,
  timeout: number,
  onSignal?: (signal: LadderSignal) => void,
): Promise<void> {
  if (container.status !== 'running' || container.pid === undefined || container.start === undefined) return;
  const control: ProcessControl = onSignal
    ? {
        ...kernelControl,
        kill: (pid, signal) => {
          if (signal !== 0) onSignal(signal);
          kernelControl.kill(pid, signal);
        },
      }
    : kernelControl;
  await stopProcess({ pid: container.pid, start: container.start }, timeout, control);
  await untilExited(reader, container.id);
}

/** Polls the store until it derives 'exited' (the shim has recorded the exit code, or is gone). */
export async function untilExited(reader: StateStore, id: string): Promise<ContainerState> {
  for (;;) {
    const container = reader.list().find((candidate) => candidate.id === id);
    // --rm: the shim removed the container when it ended; its code is not kept (docker's is lost too).
    if (!container) return { id, exitCode: 0 } as ContainerState;
    if (container.status === 'exited') return container;
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MILLISECONDS));
  }
}

async function eachContainer(
  reader: StateStore,
  references: readonly string[],
  action: (container: ContainerState, reference: string) => Promise<void>,
): Promise<number> {
  let failed = false;
  for (const reference of references) {
    try {
      await action(reader.resolve(reference), reference);
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      process.stderr.write(`mydocker: ${error.message}\n`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

type StringOptions = Record<string, { type: 'string'; short: string }>;

interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

function parse(args: string[], command: string, options: StringOptions): Parsed {
  let parsed: Parsed;
  try {
    parsed = parseArgs({
      args: attachNegative(args, options),
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
  } catch (error) {
    throw flagError(error, command);
  }
  if (!parsed.values.help && parsed.positionals.length === 0) {
    throw new UsageError(`"mydocker ${command}" requires at least 1 argument (see 'mydocker ${command} --help')`);
  }
  return parsed;
}

/** `-t -1`: to parseArgs a negative number looks like an option; `--timeout=-1` is what it means. */
function attachNegative(args: string[], options: StringOptions): string[] {
  const longNames = new Map(
    Object.entries(options).flatMap(([name, option]) => [
      [`--${name}`, name],
      [`-${option.short}`, name],
    ]),
  );
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = longNames.get(args[i]!);
    const next = args[i + 1];
    if (name !== undefined && next !== undefined && /^-\d/.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else out.push(args[i]!);
  }
  return out;
}

/** docker's flag error for a value that is not an integer (exit 125). */
function integer(text: string, flag: string, command: string): number {
  if (!/^[-+]?\d+$/.test(text)) {
    throw new UsageError(
      `invalid argument "${text}" for "${flag}" flag: not an integer (see 'mydocker ${command} --help')`,
    );
  }
  return Number(text);
}

function usage(text: string): number {
  process.stdout.write(text);
  return 0;
}
