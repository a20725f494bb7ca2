// What the daemon knows beyond the store, and the container operations every route shares. The
// store stays the one truth about containers that ran (the CLI and a restarted daemon read the same
// files); only what has no files there yet lives here: containers created and not yet started
// (docker's "Created", kept on disk by created-store.ts), the waits on their first start, the exit codes of the
// containers it auto-removed, and the streams that read a container's log, which an auto-removal lets
// finish first. A created container's name is checked against the store's and the other created
// ones (the daemon does one thing at a time, so no two creates take one name); it is reserved in the
// store at its start, as `run` reserves it, and a CLI's `run --name` of it meanwhile wins there.
import { NotFoundError, RuntimeError } from '../errors.ts';
import { failureLine, runCli } from './cli-child.ts';
import { commandOf, run, type RunOptions } from '../commands/run.ts';
import { startAgain } from '../commands/start.ts';
import { stopIfRunning } from '../commands/lifecycle.ts';
import type { Image } from '../images/store.ts';
import { randomHex } from '../random-hex.ts';
import { spawnShim } from '../shim/exec.ts';
import { NAME_PATTERN } from '../state/names.ts';
import { parseNetworkMode } from '../network/mode.ts';
import { killContainer, thisProcess } from '../state/processes.ts';
import type { ContainerState, StateStore } from '../state/store.ts';
import { ApiError, badRequest, conflict, notFound } from './api-error.ts';
import { adoptionOf } from './adopt.ts';
import { CreatedStore, type CreatedRecord } from './created-store.ts';
import { EventLog, type ContainerActor } from './events.ts';
import { pipeInput } from './input-socket.ts';
import { ended, gone, untilState } from './watch-state.ts';
import type { Duplex } from 'node:stream';
import { constants as osConstants } from 'node:os';
import type { Plan } from '../kernel/plan.ts';

/** A container created through the API and not started yet. */
export interface PendingContainer {
  id: string;
  name?: string;
  options: RunOptions;
  image: Image;
  command: string[];
  created: string;
  autoRemove: boolean;
  /** docker's StdinOnce (docker run -i): the attach's end of input is the container's. */
  stdinOnce?: boolean;
  /** Settles when its next start attempt does: the exit code of a start that failed, or 'started'. */
  attempt: Deferred<number | 'started'>;
  /** Its start, while it is under way: a second start waits for it. */
  starting?: Promise<void>;
}

/** How long the code of an auto-removed container is kept for the waits that come late. */
const REMEMBER_CODES_MS = 60_000;

/** The exit codes of a shim whose command could not run: docker's CLI reads them from the message. */
const COMMAND_NOT_RUN = new Set([126, 127]);

export class Engine {
  readonly store: StateStore;
  /** What happened, for GET /events. */
  readonly events = new EventLog();
  private readonly pending = new Map<string, PendingContainer>();
  private readonly created: CreatedStore;
  private readonly readers = new Map<string, Set<Promise<unknown>>>();
  private readonly removals = new Map<string, Promise<void>>();
  /** The exit codes of the containers auto-removed lately, for a wait that looks after the removal. */
  private readonly removedCodes = new Map<string, number>();
  /** The end of each running container's run, watched once: its `die` event is sent from there. */
  private readonly runs = new Map<string, Promise<ContainerState | undefined>>();
  /** The run (its startedAt) whose `die` was sent last, per container: one die per end, however seen. */
  private readonly diedRuns = new Map<string, string>();
  private readonly deletions = new Set<Promise<void>>();

  constructor(store: StateStore) {
    this.store = store;
    this.created = new CreatedStore(store.root);
  }

  /**
   * On the daemon's start: the containers created and not started before it (or a killed daemon)
   * ended. One that did start meanwhile (the kill came between its start and the record's removal)
   * is the store's now; one whose image is gone cannot start any more, and is dropped, said.
   */
  async restoreCreated(warn: (line: string) => void): Promise<number> {
    for (const record of this.created.list(warn)) {
      if (this.store.get(record.id)) {
        this.created.remove(record.id);
        continue;
      }
      try {
        this.pending.set(record.id, await this.pendingOf(record));
      } catch (error) {
        warn(
          `mydocker daemon: the created container ${record.id.slice(0, 12)} is dropped: ${(error as Error).message}`,
        );
        this.created.remove(record.id);
      }
    }
    return this.pending.size;
  }

  /**
   * On the daemon's start (and after a kill -9 of the last one): the containers it started with
   * AutoRemove are the store's, running or ended; an ended one goes now, a running one when it ends.
   */
  adopt(): { running: number; removed: number } {
    let running = 0;
    let removed = 0;
    for (const container of this.store.list()) {
      if (container.status === 'running') {
        running++;
        this.watchEnd(container); // its die, also for a container this daemon did not start
      }
      const adoption = adoptionOf(container); // lab ch8-adopt
      if (adoption === 'remove') {
        removed++;
        killContainer(container);
        this.store.remove(container.id, container.cgroups ?? []);
        this.destroyed(container);
      } else if (adoption === 'remove-when-ended') this.removeWhenEnded(container);
      else if (adoption === 'kill') killContainer(container);
    }
    return { running, removed };
  }

  /** Every container: the store's, reconciled, and those created here and not yet started. */
  list(): ContainerState[] {
    return [...this.store.list(), ...[...this.pending.values()].map(pendingState)];
  }

  /** By full id, name or unique id prefix, as the CLI resolves them. */
  find(reference: string): { pending: PendingContainer } | { state: ContainerState } {
    const reference_ = reference.replace(/^\//, '');
    const pending = [...this.pending.values()];
    const exact = pending.find((entry) => entry.id === reference_ || entry.name === reference_);
    if (exact) return { pending: exact };
    try {
      return { state: this.store.resolve(reference_) };
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      const matches = /^[0-9a-f]+$/.test(reference_) ? pending.filter((entry) => entry.id.startsWith(reference_)) : [];
      if (matches.length === 1) return { pending: matches[0]! };
      throw error;
    }
  }

  state(reference: string): ContainerState {
    const found = this.find(reference);
    return 'pending' in found ? pendingState(found.pending) : found.state;
  }

  async create(options: RunOptions, autoRemove: boolean, stdinOnce = false): Promise<PendingContainer> {
    if (options.name !== undefined) {
      if (!NAME_PATTERN.test(options.name))
        throw badRequest(`Invalid container name (${options.name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    }
    const record: CreatedRecord = {
      id: randomHex(32),
      ...(options.name !== undefined && { name: options.name }),
      options,
      created: new Date().toISOString(),
      autoRemove,
      ...(stdinOnce && { stdinOnce }),
    };
    const container = await this.pendingOf(record);
    // Checked and taken with no await between: the daemon does one thing at a time.
    if (options.name !== undefined) this.checkNameFree(options.name);
    try {
      this.created.save(record);
    } catch (error) {
      throw new RuntimeError(`cannot keep the created container: ${(error as Error).message}`);
    }
    this.pending.set(record.id, container);
    this.events.container('create', actorOf(container));
    return container;
  }

  private async pendingOf(record: CreatedRecord): Promise<PendingContainer> {
    const image = await findImageFor(this.store.root, record.options.image);
    return {
      ...record,
      image,
      command: commandOf(record.options, image),
      attempt: deferred(),
    };
  }

  /** Starts a container; false when it was running already (docker's 304). */
  async start(reference: string): Promise<boolean> {
    const found = this.find(reference);
    if ('pending' in found) {
      const pending = found.pending;
      if (pending.starting) {
        await pending.starting;
        return false;
      }
      pending.starting = this.firstStart(pending).finally(() => delete pending.starting);
      await pending.starting;
      return true;
    }
    const container = found.state;
    if (container.status === 'running') return false;
    await startAgain(
      this.store,
      container,
      { interactive: container.interactive ?? false, detach: true },
      {
        launch: launchDetached,
      },
    );
    this.events.networkOf('connect', container);
    this.events.container('start', container);
    this.watchEnd(container);
    return true;
  }

  /**
   * A client's input (-i), into the container's input socket once the container runs; what was typed
   * before its start waits in the connection. A container that failed to start, or ended, takes none.
   */
  passInput(id: string, client: Duplex): void {
    void (async () => {
      const found = this.find(id);
      if ('pending' in found && (await found.pending.attempt.promise) !== 'started') return;
      if (this.store.get(id)?.status !== 'running') return;
      await pipeInput(client, this.store.inputSocketPath(id));
    })().catch(() => {}); // it ended before the connection was made: what was typed goes nowhere
  }

  private async firstStart(container: PendingContainer): Promise<void> {
    const { attempt } = container;
    try {
      // Detached, also with -i: the supervisor holds its stdin, which the attach feeds (passInput).
      await run({ ...container.options, detach: true }, undefined, {
        id: container.id,
        autoRemove: container.autoRemove,
        launch: launchDetached,
        stdinOnce: container.stdinOnce ?? false,
      });
    } catch (error) {
      const code = (error as { exitCode?: number }).exitCode ?? 125;
      container.attempt = deferred();
      // docker's CLI, after a failed start of a --rm container, waits for its removal: it goes.
      if (container.autoRemove) {
        this.discard(container);
        this.events.container('destroy', actorOf(container));
      }
      attempt.resolve(code);
      throw error;
    }
    this.pending.delete(container.id);
    this.keepUntilDone(this.created.removeInBackground(container.id), container.id);
    // Its network's connect, before its start (dockerd's order); only a bridge network has one.
    if (joinsBridge(container.options.network)) {
      const state = this.store.get(container.id);
      if (state) this.events.networkOf('connect', state);
    }
    this.events.container('start', actorOf(container));
    this.watchEnd(actorOf(container));
    attempt.resolve('started');
    if (container.autoRemove) this.removeWhenEnded(actorOf(container));
  }

  /** The exit code once the container has ended (a pending one: once started and ended, or failed). */
  async untilEnded(reference: string, signal?: AbortSignal): Promise<number> {
    const found = this.find(reference);
    let id: string;
    if ('pending' in found) {
      const outcome = await found.pending.attempt.promise;
      if (outcome !== 'started') return outcome;
      id = found.pending.id;
    } else id = found.state.id;
    // The watch of its run that sends its `die` sees the same end: one look at the store per change.
    const watched = this.runs.get(id);
    const state = watched
      ? await untilSettledOrAborted(watched, signal)
      : await untilState(this.store, id, ended, signal);
    return state?.exitCode ?? this.removedCodes.get(id) ?? 0;
  }

  /**
   * docker's wait conditions: not-running (now, if it is not running), next-exit (the end of its
   * current run, or of its next one if it has ended), removed (its end, then its removal). The exit
   * code is the end's.
   */
  async wait(reference: string, condition: string, signal?: AbortSignal): Promise<number> {
    const found = this.find(reference);
    const state = 'pending' in found ? undefined : found.state;
    const id = 'pending' in found ? found.pending.id : found.state.id;
    if (condition === 'not-running' && state?.status !== 'running') return state?.exitCode ?? 0;
    if (state?.status === 'exited') {
      if (condition === 'removed') {
        await this.untilGone(id, signal);
        return state.exitCode ?? 0;
      }
      const before = state.startedAt;
      await untilState(this.store, id, (now) => !now || now.startedAt !== before, signal);
    }
    const code = await this.untilEnded(id, signal);
    if (condition === 'removed') await this.untilGone(id, signal);
    return code;
  }

  private async untilGone(id: string, signal?: AbortSignal): Promise<void> {
    while (this.pending.has(id) && !signal?.aborted) await new Promise((resolve) => setTimeout(resolve, 50));
    // Its auto-removal, under way here: the entry is claimed when it settles.
    const removal = this.removals.get(id);
    if (removal) await untilSettledOrAborted(removal, signal);
    await untilState(this.store, id, gone, signal);
  }

  /** Stops it (docker's ladder, SIGTERM then SIGKILL after `timeout` seconds); false when not running. */
  async stop(reference: string, timeout: number): Promise<boolean> {
    const state = this.state(reference);
    if (state.status !== 'running') return false;
    // docker's events of a stop: kill (its SIGTERM), kill again (SIGKILL, once the timeout has
    // passed), die, stop; each kill as the ladder sends it (commands/lifecycle.ts).
    await stopIfRunning(this.store, state, timeout, (signal) =>
      this.events.container('kill', state, { signal: String(osConstants.signals[signal]) }),
    );
    await this.endOf(state);
    this.events.container('stop', state);
    return true;
  }

  async remove(reference: string, force: boolean): Promise<void> {
    const found = this.find(reference);
    if ('pending' in found) {
      this.discard(found.pending);
      found.pending.attempt.resolve(0);
      this.events.container('destroy', actorOf(found.pending));
      return;
    }
    const container = found.state;
    if (container.status === 'running') {
      if (!force)
        throw conflict(
          `You cannot remove a running container ${container.id}. Stop the container before attempting removal or force remove`,
        );
      this.events.container('kill', container, { signal: '9' });
      killContainer(container);
      // Its shim reaps it and records the end: let it finish, or its last writes find no directory.
      await this.endOf(container);
    }
    this.store.remove(container.id, container.cgroups ?? []);
    this.destroyed(container);
  }

  /** A reader of the container's log: an auto-removal waits for it, so that it misses no output. */
  holdWhile(id: string, reading: Promise<unknown>): void {
    const set = this.readers.get(id) ?? new Set();
    this.readers.set(id, set);
    set.add(reading);
    void reading.finally(() => {
      set.delete(reading);
      if (set.size === 0) this.readers.delete(id);
    });
  }

  private removeWhenEnded(container: ContainerActor): void {
    const { id } = container;
    if (this.removals.has(id)) return;
    const removal = (async () => {
      const last = await this.endOf(container);
      const readers = [...(this.readers.get(id) ?? [])];
      let state = last;
      // A reader let finish first gives the container time to be started again: look once more.
      if (readers.length > 0) {
        await Promise.race([Promise.allSettled(readers), new Promise((resolve) => setTimeout(resolve, 10_000))]);
        state = this.store.get(id);
      }
      if (!state || state.status !== 'exited') return;
      this.removedCodes.set(id, state.exitCode ?? 0);
      setTimeout(() => this.removedCodes.delete(id), REMEMBER_CODES_MS).unref();
      this.keepUntilDone(this.store.removeInBackground(id, state.cgroups ?? []), id);
      this.destroyed(last ?? state);
    })()
      .catch((error: unknown) => {
        process.stderr.write(`mydocker daemon: cannot auto-remove ${id.slice(0, 12)}: ${(error as Error).message}\n`);
      })
      .finally(() => this.removals.delete(id));
    this.removals.set(id, removal);
  }

  /** Files being deleted in the background: the daemon's stop waits for them (settled()). */
  private keepUntilDone(deletion: Promise<void>, id: string): void {
    const kept = deletion
      .catch((error: unknown) => {
        process.stderr.write(
          `mydocker daemon: the files of ${id.slice(0, 12)} were not all removed: ${(error as Error).message}\n`,
        );
      })
      .finally(() => this.deletions.delete(kept));
    this.deletions.add(kept);
  }

  /** Once what it does in the background is done: the daemon stops after it. */
  async settled(): Promise<void> {
    while (this.deletions.size > 0) await Promise.all(this.deletions);
  }

  /**
   * The end of a container's run: its `die` is sent once, by the one watch of that run, whoever
   * waits for it (its start's watch, a stop, a removal). A container that was removed before its end
   * was seen dies with what was known of it.
   */
  private endOf(container: ContainerActor): Promise<ContainerState | undefined> {
    const watched = this.runs.get(container.id);
    if (watched) return watched;
    const end = untilState(this.store, container.id, ended)
      .then((state) => {
        // A stop or a removal may look after the watch of the run has seen (and sent) its end.
        const run = state?.startedAt ?? container.startedAt;
        if (run !== undefined && this.diedRuns.get(container.id) === run) return state;
        if (run !== undefined) this.diedRuns.set(container.id, run);
        const code = state?.exitCode ?? this.removedCodes.get(container.id);
        this.events.container('die', state ?? container, code === undefined ? {} : { exitCode: String(code) });
        if (state) this.events.networkOf('disconnect', state);
        return state;
      })
      .finally(() => {
        if (this.runs.get(container.id) === end) this.runs.delete(container.id);
      });
    this.runs.set(container.id, end);
    return end;
  }

  /** Removed from the store: its `destroy`, and nothing more to remember of its runs. */
  private destroyed(container: ContainerActor): void {
    this.diedRuns.delete(container.id);
    this.events.container('destroy', container);
  }

  /** Its run watched from now, for its `die`. */
  private watchEnd(container: ContainerActor): void {
    this.endOf(container).catch((error: unknown) => {
      process.stderr.write(`mydocker daemon: cannot watch ${container.id.slice(0, 12)}: ${(error as Error).message}\n`);
    });
  }

  private discard(container: PendingContainer): void {
    this.created.remove(container.id);
    this.pending.delete(container.id);
  }

  /** docker's conflict, for a name the store or a created container has. */
  private checkNameFree(name: string): void {
    const holder =
      this.store.nameHolder(name) ?? [...this.pending.values()].find((container) => container.name === name)?.id;
    if (holder !== undefined)
      throw conflict(
        `Conflict. The container name "/${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
  }
}

/**
 * The shim as the daemon's child, detached: it returns once the container runs. A failure is the
 * shim's own line, with docker's status: 400 when the command could not run (the docker CLI then
 * exits 126 or 127, reading the message), 500 for anything else.
 */
async function launchDetached(shim: string, plan: Plan): Promise<number> {
  const outcome = await spawnShim(shim, plan);
  if (outcome.exitCode === 0) return 0;
  const message =
    outcome.stderr
      .trim()
      .split('\n')
      .at(-1)
      ?.replace(/^mydocker: /, '') || `the shim exited with ${outcome.exitCode}`;
  const error = new ApiError(COMMAND_NOT_RUN.has(outcome.exitCode) ? 400 : 500, message);
  throw Object.assign(error, { exitCode: outcome.exitCode });
}

async function findImageFor(root: string, name: string): Promise<Image> {
  const { ImageStore } = await import('../images/store.ts');
  const { resolveImage, DEFAULT_IMAGE } = await import('../images/default-image.ts');
  const { parseReference } = await import('../images/reference.ts');
  const store = new ImageStore(root);
  let reference;
  try {
    reference = parseReference(name);
  } catch (error) {
    throw badRequest((error as Error).message);
  }
  // busybox is imported on first use, as `run` does, but by a child (cli-child.ts says why); any
  // other must be there, or the docker CLI pulls it on this 404.
  if (!store.find(reference.name)) {
    const file = process.env.MYDOCKER_BUSYBOX;
    if (reference.name !== DEFAULT_IMAGE || !file) throw notFound(`No such image: ${reference.name}`);
    const imported = await runCli(['image', 'import', file, DEFAULT_IMAGE]);
    if (imported.exitCode !== 0) throw new RuntimeError(`importing the default image failed: ${failureLine(imported)}`);
  }
  return resolveImage(store, reference.name);
}

/** --network's bridge modes: the default network and the user networks (network/mode.ts). */
function joinsBridge(network: string): boolean {
  return parseNetworkMode(network).mode === 'bridge';
}

/** A created container as its events name it: the image by the name it resolved to, as the store keeps it. */
function actorOf(container: PendingContainer): ContainerActor {
  return {
    id: container.id,
    ...(container.name !== undefined && { name: container.name }),
    image: container.image.name,
  };
}

/** A created container as the store's shape, for list and inspect. */
function pendingState(container: PendingContainer): ContainerState {
  const { options } = container;
  return {
    id: container.id,
    ...(container.name !== undefined && { name: container.name }),
    hostname: options.hostname ?? container.id.slice(0, 12),
    command: container.command,
    created: container.created,
    image: container.image.name,
    layers: container.image.layers,
    env: options.env,
    tty: options.tty,
    interactive: options.interactive,
    rm: false,
    ...(container.autoRemove && { autoRemove: true }),
    volumes: options.volumes,
    resources: options.resources,
    cgroups: [],
    workingDir: container.image.config.workingDir || '/',
    creator: thisProcess(),
    security: options.security,
    status: 'created',
  };
}

/** The promise's value, or undefined as soon as the signal aborts (the client went away). */
function untilSettledOrAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T | undefined> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const aborted = (): void => resolve(undefined);
    signal.addEventListener('abort', aborted, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', aborted));
  });
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}
