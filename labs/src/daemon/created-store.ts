// The containers created through the API and not started yet. They have nothing in the state store,
// which holds what ran (`run` makes a container's directory at its start), so the daemon keeps them
// itself, one JSON file each under <state root>/daemon/created/, as dockerd keeps a created
// container on disk: a daemon started again, also after kill -9, still has them. Each is written
// whole and renamed into place (write-atomically.ts), so a kill leaves it whole or absent, never half.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunOptions } from '../commands/run.ts';
import { writeFileAtomically } from '../write-atomically.ts';

/** What a create asked for; the image is looked up again when the record is read. */
export interface CreatedRecord {
  id: string;
  name?: string;
  options: RunOptions;
  /** When it was created (ISO 8601), as docker's Created. */
  created: string;
  autoRemove: boolean;
  /** docker's StdinOnce (-i attached): the first attach's end of input ends the container's. */
  stdinOnce?: boolean;
}

const ID_FILE = /^[0-9a-f]{64}\.json$/;

export class CreatedStore {
  private readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, 'daemon', 'created');
  }

  save(record: CreatedRecord): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileAtomically(join(this.dir, `${record.id}.json`), JSON.stringify(record) + '\n', 0o600);
  }

  remove(id: string): void {
    rmSync(join(this.dir, `${id}.json`), { force: true });
  }

  /**
   * remove(), in libuv's threads: for a container that has just started, whose entry in the state
   * store now says what the record said. Should the daemon die first, the record is found with the
   * entry beside it, and dropped (Engine.restoreCreated).
   */
  removeInBackground(id: string): Promise<void> {
    return rm(join(this.dir, `${id}.json`), { force: true });
  }

  /** Every record, oldest first; one that cannot be read is reported and removed. */
  list(warn: (line: string) => void): CreatedRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((name) => ID_FILE.test(name));
    } catch {
      return []; // no create was ever kept
    }
    const records: CreatedRecord[] = [];
    for (const name of names) {
      try {
        records.push(JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as CreatedRecord);
      } catch (error) {
        warn(
          `mydocker daemon: the created container ${name.slice(0, 12)} is unreadable, dropped: ${(error as Error).message}`,
        );
        rmSync(join(this.dir, name), { force: true });
      }
    }
    return records.sort((a, b) => a.created.localeCompare(b.created));
  }
}
