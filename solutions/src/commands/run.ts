// `mydocker run`: the whole recipe on one screen. The parent's side is here; the container's side is
// the plan (container/setup.ts), which the shim executes inside the new namespaces.
import { randomBytes } from 'node:crypto';
import { getSystemErrorMessage } from 'node:util';
import { exitCodeOf } from '../container/command.ts';
import { containerEnv } from '../container/env.ts';
import { containerHostname } from '../container/hostname.ts';
import { buildPlan } from '../container/setup.ts';
import { errnoName, RuntimeError, UsageError } from '../errors.ts';
import { explainPlan } from '../kernel/explain.ts';
import { Shim, type Outcome } from '../shim/shim.ts';
import { StateStore } from '../state/store.ts';

export interface RunOptions {
  image: string;
  command: string[];
  interactive: boolean;
  tty: boolean;
  hostname?: string;
  env: string[];
  rm: boolean;
  explain: boolean;
}

export async function run(options: RunOptions): Promise<number> {
  validate(options);
  const id = randomBytes(32).toString('hex');
  const hostname = containerHostname(options.hostname, id);
  const env = containerEnv({ hostname, tty: options.tty, assignments: options.env });
  const plan = buildPlan({ hostname, command: options.command, env });
  if (options.explain) {
    process.stdout.write(explainPlan(plan));
    return 0;
  }

  const store = new StateStore();
  const shim = Shim.start(plan, { interactive: options.interactive });
  const created = await shim.created(); // the container exists, held at the barrier
  if (created.kind === 'failed') throw new RuntimeError(describeFailure(created));
  const state = { id, hostname, command: options.command, pid: created.pid, created: new Date().toISOString() };
  try {
    await store.save({ ...state, status: 'running' });
    // (chapter 2 puts the container into its cgroup here, chapter 6 wires its network)
  } catch (error) {
    shim.abort(); // the held child is killed by the shim; nothing ran
    await store.remove(id);
    throw error;
  }

  const stopForwarding = forwardSignals(shim);
  const outcome = await shim.go().finally(stopForwarding);
  if (outcome.kind === 'failed') {
    await store.remove(id); // it never started: leave nothing behind
    process.stderr.write(`mydocker: ${describeFailure(outcome)}\n`);
  } else if (options.rm) {
    await store.remove(id);
  } else {
    await store.save({ ...state, status: 'exited', exitCode: exitCodeOf(outcome) });
  }
  return exitCodeOf(outcome);
}

function validate(options: RunOptions): void {
  if (options.image !== 'host') {
    throw new UsageError(
      `unable to find image '${options.image}': images arrive in chapter 3; until then use the pseudo-image 'host'`,
    );
  }
  if (options.command.length === 0) {
    throw new UsageError("no command specified: the image 'host' has none of its own (try: mydocker run host /bin/sh)");
  }
  if (options.tty && options.interactive && !process.stdin.isTTY) {
    throw new UsageError('the input device is not a TTY: drop -t, or run mydocker from a terminal');
  }
}

/** `exec: "nope": executable file not found in $PATH`, in docker's words where docker has some. */
export function describeFailure(outcome: Outcome): string {
  if (outcome.kind !== 'failed') return `unexpected outcome ${JSON.stringify(outcome)}`;
  const name = errnoName(outcome.errno);
  const text = getSystemErrorMessage(-outcome.errno);
  if (outcome.op === 'exec' && name === 'ENOENT' && !outcome.subject.includes('/')) {
    return `exec: "${outcome.subject}": executable file not found in $PATH`;
  }
  if (outcome.op === 'exec') return `exec: "${outcome.subject}": ${text}`;
  if (outcome.op === 'clone') return `clone(${outcome.subject}): ${name} (${text}); namespaces need root`;
  return `step ${outcome.step + 1}, ${outcome.op} ${outcome.subject}: ${name} (${text})`;
}

/**
 * While the container runs, Node passes termination signals on to the shim, which passes them to the
 * container. Ctrl-C and Ctrl-\ are not passed on: the terminal sends them to the container itself
 * (it is in the same foreground process group), and a second copy would be one too many.
 */
function forwardSignals(shim: Shim): () => void {
  const forward = (signal: NodeJS.Signals) => shim.signal(signal);
  const survive = () => undefined;
  const forwarded = ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const;
  for (const signal of forwarded) process.on(signal, forward);
  process.on('SIGINT', survive);
  process.on('SIGQUIT', survive);
  return () => {
    for (const signal of forwarded) process.off(signal, forward);
    process.off('SIGINT', survive);
    process.off('SIGQUIT', survive);
  };
}
