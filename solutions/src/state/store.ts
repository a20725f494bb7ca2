// Container state, one directory per container under the state root:
//   containers/<id>/config.json     what it was created with: written once, by the runtime, before the
//                                   start; everything `start` needs to run it again
//   containers/<id>/running.json    {pid, start, shim, shimStart, startedAt}: by the shim, once the
//                                   container exists (its `created` steps)
//   containers/<id>/exit.json       {exitCode, finishedAt}: by the shim when it ended (--rm: the shim
//                                   removes the whole directory instead)
//   containers/<id>/<id>-json.log   its output, when detached
//   names/<name>/<n>                the name's reservation (names.ts)
// The status is derived from these files and the kernel, never stored (reconcile.ts), so it cannot go
// stale: every command that lists the store reconciles each entry with what the kernel shows, and
// finishes what a killed run or a killed shim left undone.
//
// Nothing half-made is ever visible: an entry is built under containers/.new-<creator>-<id> and
// renamed into place (rename(2) is atomic: a reader sees no entry or a whole one), and a file is
// written to a temporary name and renamed over the old one (here, and by the shim's `write` op). An
// entry is removed the same way round: renamed to containers/.rm-<remover>-<id>, then deleted. A
// dot-directory whose process (pid and start time, in its name) is gone is deleted by the next
// command.
import type { SecurityOptions } from '../security/options.ts';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ResourceFlags } from '../cgroups/resources.ts';
import type { HostSteps } from '../kernel/plan.ts';
import type { NetworkConfig } from '../network/types.ts';
import { CommandError, NotFoundError, RuntimeError } from '../errors.ts';
import { containerEnded, containerRemoved } from '../network/release.ts';
import { currentReservation, reserveName, type Reservation } from './names.ts';
import { isAlive, isSameProcess, killContainer, thisProcess, type ProcessIdentity } from './processes.ts';
import { reconcile, type EntryFiles, type ExitRecord, type RunningRecord, type Verdict } from './reconcile.ts';

export interface ContainerConfig {
  id: string;
  /** --name, unique among the containers; absent when none was given. */
  name?: string;
  hostname: string;
  command: string[];
  created: string;
  /** The image it was made from ('host' for the pseudo-image) and, for a real one, its layer ids. */
  image: string;
  layers: string[];
  env: string[];
  tty: boolean;
  interactive: boolean;
  /** --rm (docker's HostConfig.AutoRemove): the entry goes when the container ends. */
  rm: boolean;
  /**
   * Docker's HostConfig.AutoRemove through the daemon (chapter 8): the daemon removes the entry once
   * the container ended and its waiters have the exit code (--rm has the shim remove it, code and all).
   */
  autoRemove?: boolean;
  /** The -v flags as given. */
  volumes: string[];
  /** The resource flags as given (--memory, --cpus, ...). */
  resources: ResourceFlags;
  /** The container's cgroup directories, one per v1 hierarchy or one in v2: its processes are there. */
  cgroups: string[];
  workingDir: string;
  /** The `mydocker run` that made it (after execve, the shim itself: same pid, same start time). */
  creator: ProcessIdentity;
  /** --network (chapter 6): its mode and, on a network, its endpoint, kept until the entry goes. */
  network?: NetworkConfig;
  /** The hardening flags (chapter 7) as run was given them: start and exec resolve them again. */
  security?: SecurityOptions;
}

export interface ContainerState extends ContainerConfig {
  /** Derived from the files and the kernel, never stored. */
  status: 'created' | 'running' | 'exited';
  /** Its PID 1 on the host: while running, and the last known once exited. */
  pid?: number;
  /** Its PID 1's start time: with pid, the process's identity (processes.ts). */
  start?: number;
  /** The shim that supervises it, while one does. */
  shim?: ProcessIdentity;
  startedAt?: string;
  finishedAt?: string;
  /** Exited: the code the shim recorded, or 255 when the shim died first (containerd's choice). */
  exitCode?: number;
}

/**
 * MYDOCKER_ROOT lets the checker and graders give every run its own state. Rootless (chapter 7), the
 * default is the user's own: $XDG_DATA_HOME/mydocker, or ~/.local/share/mydocker (the XDG Base
 * Directory specification's default, as rootless podman's ~/.local/share/containers).
 */
export function stateRoot(): string {
  if (process.env.MYDOCKER_ROOT) return process.env.MYDOCKER_ROOT;
  if (process.getuid?.() === 0) return '/var/lib/mydocker';
  const data = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(data, 'mydocker');
}

/** exit.json as the shim writes it when the container ended (native/shim.c fills the templates). */
const EXIT_RECORD = '{"exitCode":{exit},"finishedAt":"{time}"}\n';

const REQUIRED: readonly (keyof ContainerConfig)[] = ['id', 'hostname', 'command', 'created', 'image', 'creator'];

/** An entry's files, config.json whole. */
export interface StoredEntry extends EntryFiles {
  config: ContainerConfig;
}

export class StateStore {
  readonly root: string;
  /** The entries the last list() could not read: each was named in one warning. */
  readonly skipped: string[] = [];
  private readonly warn: (line: string) => void;

  constructor(root: string = stateRoot(), warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`)) {
    this.root = root;
    this.warn = warn;
  }

  get containersDir(): string {
    return join(this.root, 'containers');
  }

  dir(id: string): string {
    return join(this.containersDir, id);
  }

  logPath(id: string): string {
    return join(this.dir(id), `${id}-json.log`);
  }

  /** A detached -i container's input: the supervisor's unix socket (native/shim.c, input-socket). */
  inputSocketPath(id: string): string {
    return join(this.dir(id), 'input.sock');
  }

  /**
   * Publishes a new entry: config.json, then whatever `fill` puts beside it (its layer's directories,
   * its /etc files), all in a directory of its own, renamed into place once complete. `fill` gets the
   * id to build under (containerLayout(root, that) gives the paths). On any failure (a full disk:
   * ENOSPC) nothing is left.
   */
  create(config: ContainerConfig, fill: (stagingId: string) => void = () => {}): void {
    const stagingId = `.new-${config.creator.pid}-${config.creator.start}-${config.id}`;
    const staging = this.dir(stagingId);
    try {
      mkdirSync(this.containersDir, { recursive: true, mode: 0o700 });
      mkdirSync(staging, { mode: 0o700 });
      writeFileSync(join(staging, 'config.json'), JSON.stringify(config, null, 2) + '\n');
      fill(stagingId);
      renameSync(staging, this.dir(config.id));
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      throw storageError(error, `cannot create the state of container ${config.id.slice(0, 12)}`);
    }
  }

  /**
   * Reserves `name` for container `id` (names.ts: atomic, exactly one winner), or throws docker's
   * conflict. A reservation holds while its container's entry exists or its run still lives.
   */
  reserveName(name: string, id: string): void {
    const holds = (existing: Reservation): boolean => {
      if (/^[0-9a-f]+$/.test(existing.id) && existsSync(this.dir(existing.id))) {
        // Its entry, reconciled first: a --rm container whose shim died is gone now, and so is its hold.
        try {
          return this.reconciled(existing.id) !== undefined;
        } catch (error) {
          if (error instanceof Unreadable) return true; // rm removes it, and frees the name
          throw error;
        }
      }
      return existing.reserver !== undefined && isSameProcess(existing.reserver.pid, existing.reserver.start);
    };
    try {
      reserveName(join(this.root, 'names'), name, { id, reserver: thisProcess() }, holds);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === undefined) throw error;
      throw storageError(error, `cannot reserve the name '${name}'`);
    }
  }

  /** The container that holds `name`, if its reservation still holds. */
  nameHolder(name: string): string | undefined {
    const reservation = currentReservation(join(this.root, 'names'), name);
    return reservation && existsSync(this.dir(reservation.id)) ? reservation.id : undefined;
  }

  /**
   * What the shim does with the state: running.json once the container exists, then exit.json when it
   * ended, or (--rm) remove it all, its layer and mount points included (the only mounts on them
   * were in its namespace). The shim fills the templates: {pid} {start} {shim} {shimstart} {exit}
   * {time} (native/shim.c, substitute()).
   */
  hostSteps(id: string, removeWhenEnded: boolean): HostSteps {
    const dir = this.dir(id);
    const removeAll = { op: 'remove-tree', path: dir } as const;
    const running = '{"pid":{pid},"start":{start},"shim":{shim},"shimStart":{shimstart},"startedAt":"{time}"}\n';
    return {
      created: [{ op: 'write', path: join(dir, 'running.json'), content: running }],
      ended: removeWhenEnded ? [removeAll] : [{ op: 'write', path: join(dir, 'exit.json'), content: EXIT_RECORD }],
      failed: [removeAll],
    };
  }

  /**
   * What the shim records when an existing container starts again (`mydocker start`): running.json
   * first, then the last run's exit.json goes. In that order, a command that looks in between sees
   * the container exited (the old record), never "shim gone, no exit" (which would record 255 over
   * the new run). A start that fails keeps the container, exited with the shim's code.
   */
  restartSteps(id: string, removeWhenEnded: boolean): HostSteps {
    const steps = this.hostSteps(id, removeWhenEnded);
    const exitFile = join(this.dir(id), 'exit.json');
    return {
      created: [...steps.created, { op: 'unlink', path: exitFile }],
      ended: steps.ended,
      failed: [{ op: 'write', path: exitFile, content: EXIT_RECORD }],
    };
  }

  /** The entry's files as they are; throws Unreadable when config.json cannot be used. */
  read(id: string): StoredEntry {
    const dir = this.dir(id);
    let config: ContainerConfig;
    try {
      config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as ContainerConfig;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Unreadable(id, code === 'ENOENT' ? 'it has no config.json' : `its config.json is ${describe(error)}`);
    }
    const missing = REQUIRED.filter((field) => config?.[field] === undefined);
    if (missing.length > 0) throw new Unreadable(id, `its config.json lacks ${missing.join(', ')}`);
    if (config.id !== id) throw new Unreadable(id, `its config.json names another container, ${config.id}`);
    const running = readJson<RunningRecord>(join(dir, 'running.json'));
    const exit = readJson<ExitRecord>(join(dir, 'exit.json'));
    return { config, ...(running && { running }), ...(exit && { exit }) };
  }

  /**
   * Every container, each reconciled with the kernel (reconcile.ts says what to do; this does it):
   * a half-made entry of a run that died goes, a container whose shim died is recorded as exited
   * (255), its cgroups removed, and --rm honoured. An entry that cannot be read is skipped with one
   * warning naming it and the command that removes it.
   */
  list(): ContainerState[] {
    let names: string[];
    try {
      names = readdirSync(this.containersDir);
    } catch {
      return [];
    }
    this.skipped.length = 0;
    const states: ContainerState[] = [];
    for (const name of names.sort()) {
      if (name.startsWith('.')) {
        this.sweep(name);
        continue;
      }
      try {
        const state = this.reconciled(name);
        if (state) states.push(state);
      } catch (error) {
        if (!(error instanceof Unreadable)) throw error;
        this.skipped.push(name);
        this.warn(`mydocker: warning: skipping ${this.dir(name)}: ${error.reason} (remove it: mydocker rm ${name})`);
      }
    }
    return states;
  }

  /**
   * A container by its full id, its name, or a prefix of its id that only it has (as docker). Every
   * command that names a container is not `run`, so an unknown one is docker's exit code 1.
   */
  resolve(reference: string): ContainerState {
    const all = this.list();
    const exact = all.find((container) => container.id === reference || container.name === reference);
    if (exact) return exact;
    const matches = /^[0-9a-f]+$/.test(reference) ? all.filter((container) => container.id.startsWith(reference)) : [];
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      throw new CommandError(
        `multiple IDs found with provided prefix: ${reference} (${matches.map((c) => c.id.slice(0, 12)).join(', ')})`,
      );
    }
    throw new NotFoundError(`No such container: ${reference}`);
  }

  /**
   * One container by its full id, reconciled as list() does each; undefined when there is none (or
   * its entry cannot be read: list() names those). What the daemon watches a container with.
   */
  get(id: string): ContainerState | undefined {
    if (id.startsWith('.') || id.includes('/') || !existsSync(this.dir(id))) return undefined;
    try {
      return this.reconciled(id);
    } catch (error) {
      if (error instanceof Unreadable) return undefined;
      throw error;
    }
  }

  /**
   * Removes the container's entry and its cgroups (the caller has made sure nothing runs in them:
   * killContainer). Refuses while anything is mounted below it: rm -r walks into a mount point and
   * would delete what the mount shows (an image layer, a volume's host files).
   */
  remove(id: string, cgroups: readonly string[] = []): void {
    const claimed = this.claim(id, cgroups);
    if (claimed) removeEntryDir(claimed);
  }

  /**
   * remove(), with the entry's files deleted in the background (the daemon's auto-removal): the
   * container is gone for every command once this returns, and the promise settles when its files
   * are (about 2 ms of unlink(2) on this project's ext4, which a `wait?condition=removed` need not
   * wait for). Files a failure leaves stay under the claimed name, which sweep() deletes once this
   * process is gone.
   */
  removeInBackground(id: string, cgroups: readonly string[] = []): Promise<void> {
    const claimed = this.claim(id, cgroups);
    return claimed ? removeEntryDirLater(claimed) : Promise.resolve();
  }

  /** The entry renamed away, its cgroups and network addresses released; undefined if it was gone. */
  private claim(id: string, cgroups: readonly string[]): string | undefined {
    const dir = this.dir(id);
    const mounted = mountPointsUnder(dir);
    if (mounted.length > 0) {
      throw new RuntimeError(
        `cannot remove container ${id.slice(0, 12)}: ${mounted[0]} is still mounted on the host (umount it first)`,
      );
    }
    removeCgroups(cgroups);
    const me = thisProcess();
    const claimed = this.dir(`.rm-${me.pid}-${me.start}-${id}`);
    try {
      renameSync(dir, claimed); // from here on no command sees it
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // removed meanwhile (its shim's --rm)
      throw storageError(error, `cannot remove container ${id.slice(0, 12)}`);
    }
    // What it holds elsewhere (its network addresses): if that fails, the claimed entry stays for
    // sweep() to try again once this command is gone.
    const config = readJson<ContainerConfig>(join(claimed, 'config.json'));
    if (config) containerRemoved(this.root, config);
    return claimed;
  }

  /** An entry that cannot be read (list() warned about it), by its exact directory name. */
  removeUnreadable(name: string): boolean {
    if (name.startsWith('.') || name.includes('/') || !existsSync(this.dir(name))) return false;
    try {
      this.read(name);
      return false;
    } catch (error) {
      if (!(error instanceof Unreadable)) throw error;
    }
    // Its processes, if running.json still names a living PID 1: it must not outlive its state.
    const running = readJson<RunningRecord>(join(this.dir(name), 'running.json'));
    if (running) killContainer({ id: name, pid: running.pid, start: running.start });
    this.remove(name);
    return true;
  }

  /**
   * One entry, reconciled. Carrying out the verdict must never make the command fail (a full disk
   * refuses exit.json, a cgroup stays busy): then the derived state stands, with one warning, and the
   * next command tries again.
   */
  private reconciled(id: string): ContainerState | undefined {
    const { files, verdict } = this.settled(id, this.read(id));
    try {
      return this.reconcileEntry(id, files, verdict);
    } catch (error) {
      if (error instanceof Unreadable) throw error;
      this.warn(`mydocker: warning: container ${id.slice(0, 12)}: ${(error as Error).message}`);
      return {
        ...files.config,
        status: verdict.status,
        ...(verdict.exitCode !== undefined && { exitCode: verdict.exitCode }),
      };
    }
  }

  /**
   * The files and reconcile's verdict on them, as they stand once the kernel has been asked. The
   * files were read first, so a shim that wrote exit.json and ended between that read and
   * reconcile's look at its pid would pass for a shim that died without recording the end (255 in
   * place of the real code). Once PID 1 and the shim are both gone nothing writes exit.json any more,
   * so reading it again then tells the two apart.
   */
  private settled(id: string, files: StoredEntry): { files: StoredEntry; verdict: Verdict } {
    const kernel = { isSameProcess, isAlive };
    const verdict = reconcile(files, kernel);
    if (files.exit || verdict.status !== 'exited') return { files, verdict };
    const exit = readJson<ExitRecord>(join(this.dir(id), 'exit.json'));
    if (!exit) return { files, verdict };
    const recorded = { ...files, exit };
    return { files: recorded, verdict: reconcile(recorded, kernel) };
  }

  private reconcileEntry(id: string, files: StoredEntry, verdict: Verdict): ContainerState | undefined {
    const { config, running, exit } = files;
    const state: ContainerState = {
      ...config,
      status: verdict.status,
      ...(running && {
        pid: running.pid,
        start: running.start,
        startedAt: running.startedAt,
        ...(verdict.status === 'running' && { shim: { pid: running.shim, start: running.shimStart } }),
      }),
      ...(exit && { finishedAt: exit.finishedAt }),
      ...(verdict.exitCode !== undefined && { exitCode: verdict.exitCode }),
    };
    switch (verdict.action) {
      case 'keep':
        return state;
      case 'record-exit': {
        // The shim died before it could record the end: record it now, once, so every later command
        // tells the same story (the same time), and take away its cgroups as the shim would have.
        killContainer({ id, cgroups: config.cgroups ?? [] });
        removeCgroups(config.cgroups ?? []);
        containerEnded(this.root, config);
        const finishedAt = new Date().toISOString();
        writeAtomically(join(this.dir(id), 'exit.json'), JSON.stringify({ exitCode: verdict.exitCode, finishedAt }));
        return { ...state, finishedAt };
      }
      case 'remove':
        if (verdict.status === 'created') return this.removeHalfMade(id) ? undefined : state;
        killContainer({ id, cgroups: config.cgroups ?? [] });
        this.remove(id, config.cgroups ?? []);
        return undefined;
    }
  }

  /**
   * The entry of a run that died before its shim wrote running.json. Claimed first (renamed away),
   * then looked at again: a detached run's supervisor can outlive the run that forked it and write
   * running.json just before the claim; then the entry is put back, whole, for it.
   */
  private removeHalfMade(id: string): boolean {
    const me = thisProcess();
    const claimed = this.dir(`.rm-${me.pid}-${me.start}-${id}`);
    try {
      renameSync(this.dir(id), claimed);
    } catch {
      return true; // another command removed it first
    }
    if (existsSync(join(claimed, 'running.json'))) {
      renameSync(claimed, this.dir(id));
      return false;
    }
    const config = readJson<ContainerConfig>(join(claimed, 'config.json'));
    if (config) containerRemoved(this.root, config);
    removeEntryDir(claimed);
    return true;
  }

  /** A dot-directory: an entry being made or removed; deleted once its process is gone. */
  private sweep(name: string): void {
    const match = /^\.(?:new|rm)-(\d+)-(\d+)-/.exec(name);
    if (!match || isSameProcess(Number(match[1]), Number(match[2]))) return;
    const dir = this.dir(name);
    if (mountPointsUnder(dir).length > 0) return;
    const config = readJson<ContainerConfig>(join(dir, 'config.json'));
    if (name.startsWith('.rm-')) removeCgroups(config?.cgroups ?? []);
    // A run killed while making the entry, or a command while removing it: what the entry held
    // elsewhere (containerRemoved is idempotent).
    if (config) containerRemoved(this.root, config);
    removeEntryDir(dir);
  }
}

/**
 * rm -rf of a container's directory, now or in libuv's threads. Rootless (chapter 7), overlayfs's
 * work/work is the user's own with mode 0, which they may chmod but not enter (root enters anyway):
 * it gets a mode first.
 */
function removeEntryDir(dir: string): void {
  letOwnerIn(dir);
  rmSync(dir, { recursive: true, force: true });
}

function removeEntryDirLater(dir: string): Promise<void> {
  letOwnerIn(dir);
  return rm(dir, { recursive: true, force: true });
}

function letOwnerIn(dir: string): void {
  if (process.getuid?.() === 0) return;
  try {
    chmodSync(join(dir, 'work', 'work'), 0o700);
  } catch {
    // no overlay work directory there
  }
}

/** An entry whose config.json is missing, truncated or not a container's. */
export class Unreadable extends Error {
  readonly reason: string;
  constructor(id: string, reason: string) {
    super(`container entry ${id}: ${reason}`);
    this.reason = reason;
  }
}

/** rmdir of each cgroup, once empty; one that is gone already is fine. */
function removeCgroups(dirs: readonly string[]): void {
  for (const dir of dirs) {
    // Removed already (a shim's `ended` ops remove them): no rmdir, and no error thrown to say so.
    if (!existsSync(dir)) continue;
    // A killed process leaves its cgroup a moment after it died (as in native/shim.c, host_rmdir).
    for (let attempt = 0; ; attempt++) {
      try {
        rmdirSync(dir);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY' || attempt === 100) throw storageError(error, `cannot remove the cgroup ${dir}`);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      }
    }
  }
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined; // absent (the shim has not got there), or never whole: it is written atomically
  }
}

function writeAtomically(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, content + '\n');
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw storageError(error, `cannot write ${path}`);
  }
}

function describe(error: unknown): string {
  return error instanceof SyntaxError ? 'not valid JSON (truncated?)' : `unreadable (${(error as Error).message})`;
}

/** A file-system error as one line; a full disk says so. */
function storageError(error: unknown, what: string): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === undefined) return error as Error;
  const why = code === 'ENOSPC' ? 'no space left on the device (ENOSPC)' : (error as Error).message;
  return new RuntimeError(`${what}: ${why}`);
}

function mountPointsUnder(dir: string): string[] {
  const unescape = (field: string): string =>
    field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  if (!mountinfo.includes(` ${escapeMountPath(dir)}`)) return [];
  return mountinfo
    .split('\n')
    .map((line) => unescape(line.split(' ')[4] ?? ''))
    .filter((mountPoint) => mountPoint === dir || mountPoint.startsWith(`${dir}/`));
}

/** A path as mountinfo(5) shows it: space, tab, newline and backslash as octal escapes (\040). */
function escapeMountPath(path: string): string {
  return path.replace(/[ \t\n\\]/g, (char) => `\\${char.charCodeAt(0).toString(8).padStart(3, '0')}`);
}
