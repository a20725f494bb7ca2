// TEMPORARY adapter (chapter 5, helper H4): the reading side of the store API that chapter 5's commands
// code against (ch5-design.md: StateStore.list/resolve/logPath/dir, ContainerState's times, and
// state/processes.ts's isSameProcess and signalContainer), written against today's store (files
// `pid` and `exit`). When the new store lands, this file goes: its importers switch to
// '../state/store.ts' and '../state/processes.ts' (every import of it is marked `store API`).
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ResourceFlags } from '../cgroups/resources.ts';
import { CommandError } from '../errors.ts';
import type { HostSteps } from '../kernel/plan.ts';
import { StateStore, type ContainerState as StoredState } from './store.ts';

/** The fields chapter 5's store gives (ch5-design.md); optional ones are absent in today's config.json. */
export interface ContainerState extends StoredState {
  /** PID 1's start time (field 22 of /proc/PID/stat), which makes pid + start an identity. */
  start?: number;
  startedAt?: string;
  finishedAt?: string;
  env?: string[];
  tty?: boolean;
  interactive?: boolean;
  rm?: boolean;
  workingDir?: string;
  volumes?: string[];
  resources?: ResourceFlags;
}

export class ContainerReader {
  private readonly store: StateStore;

  constructor(store: StateStore = new StateStore()) {
    this.store = store;
  }

  get root(): string {
    return this.store.root;
  }

  dir(id: string): string {
    return this.store.dir(id);
  }

  logPath(id: string): string {
    return join(this.store.dir(id), `${id}-json.log`);
  }

  list(): ContainerState[] {
    return this.store.list().map((state) => this.withTimes(state));
  }

  /** id, name, or a unique prefix of an id; docker's exit code 1 for an unknown or ambiguous one. */
  resolve(reference: string): ContainerState {
    const all = this.list();
    const exact = all.find((container) => container.id === reference || container.name === reference);
    if (exact) return exact;
    const matches = /^[0-9a-f]+$/.test(reference) ? all.filter((container) => container.id.startsWith(reference)) : [];
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      throw new CommandError(
        `'${reference}' matches ${matches.length} containers (${matches.map((c) => c.id.slice(0, 12)).join(', ')}): give more of the id`,
      );
    }
    throw new CommandError(`no such container: ${reference}`);
  }

  /** Today's shim writes `pid` when the container exists and `exit` when it ended: their times. */
  private withTimes(state: StoredState): ContainerState {
    const dir = this.store.dir(state.id);
    const startedAt = modified(join(dir, 'pid'));
    const finishedAt = state.status === 'exited' ? (modified(join(dir, 'exit')) ?? startedAt) : undefined;
    const start = state.pid === undefined ? undefined : processStart(state.pid);
    return {
      ...state,
      ...(startedAt !== undefined && { startedAt }),
      ...(finishedAt !== undefined && { finishedAt }),
      ...(state.status === 'running' && start !== undefined && { start }),
    };
  }
}

function modified(path: string): string | undefined {
  try {
    return statSync(path).mtime.toISOString();
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/PID/stat (starttime, in clock ticks since boot: proc(5)); undefined if gone. */
export function processStart(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields === undefined ? undefined : Number(fields[19]);
}

/** Fields 3 onwards of /proc/PID/stat: after the command, which may hold spaces and parentheses. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * The process that started at `start` still runs under `pid`: the pid alone may by now name another
 * process (pids are reused), and a zombie has ended already (it waits only for its parent's wait).
 */
export function isSameProcess(pid: number, start: number): boolean {
  const fields = statFields(pid);
  return fields !== undefined && fields[0] !== 'Z' && Number(fields[19]) === start;
}

/** A signal to the container's PID 1, if it is still that process (store API: processes.ts). */
export function signalContainer(state: ContainerState, signal: NodeJS.Signals | number): void {
  if (state.pid === undefined || state.start === undefined || !isSameProcess(state.pid, state.start)) {
    throw new CommandError(`container ${state.id.slice(0, 12)} is not running`);
  }
  process.kill(state.pid, signal);
}

/**
 * What the shim records when an existing container starts again: as for run, except that a start that
 * fails leaves the container (exited, with the shim's code) instead of removing it. Before the shim
 * runs, the record of the last run goes, so that the status derived is not 'exited' from the start.
 * (store API: H3's store gives the equivalent; today's files are `pid` and `exit`.)
 */
export function restartSteps(store: StateStore, id: string, removeWhenEnded: boolean): HostSteps {
  const steps = store.hostSteps(id, removeWhenEnded);
  return { ...steps, failed: [{ op: 'write', path: join(store.dir(id), 'exit'), content: '{exit}\n' }] };
}

export function forgetLastRun(store: StateStore, id: string): void {
  for (const name of ['exit', 'pid']) rmSync(join(store.dir(id), name), { force: true });
}
