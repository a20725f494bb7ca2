// Container names, reserved atomically: of any number of `run --name dup` at once, exactly one wins.
// A name's reservations are numbered claims, names/<name>/<n> (numbered-claim.ts says why numbered,
// and why exactly one run wins): a name is taken while its highest claim holds, that is while its
// container exists or the run that made it still lives.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { claimNumber, highestClaim, removeQuietly, sweepTemporaries } from './numbered-claim.ts';
import type { ProcessIdentity } from './processes.ts';

export interface Reservation {
  /** The container the name belongs to. */
  id: string;
  /** The run that reserved it; while it lives, the reservation holds even before the entry exists. */
  reserver: ProcessIdentity;
}

/** docker's rule for names: they are also used in paths and commands, so a small alphabet. */
export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export class NameTaken extends Error {
  readonly holder: string;
  constructor(name: string, holder: string) {
    super(
      `Conflict. The container name "/${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`,
    );
    this.holder = holder;
  }
}

/**
 * Reserves `name` for `reservation.id`, or throws NameTaken. `holds` says whether an existing
 * reservation still holds (the store's answer: its container exists, or its reserver lives).
 */
export function reserveName(
  namesDir: string,
  name: string,
  reservation: Reservation,
  holds: (existing: Reservation) => boolean,
): void {
  const dir = join(namesDir, name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  sweepTemporaries(namesDir);
  const { pid, start } = reservation.reserver;
  const temporary = join(namesDir, `.${pid}-${start}-${reservation.id.slice(0, 12)}`);
  try {
    writeFileSync(temporary, JSON.stringify(reservation) + '\n'); // a full disk leaves it empty: removed below
    const result = claimNumber({
      dir,
      temporary,
      read,
      judge: (existing) => (existing.id === reservation.id ? 'mine' : holds(existing) ? 'holds' : 'stale'),
    });
    if ('held' in result) throw new NameTaken(name, result.held.id);
  } finally {
    removeQuietly(temporary);
  }
}

/** The reservation that holds `name` now, if any (for messages and for resolving a name). */
export function currentReservation(namesDir: string, name: string): Reservation | undefined {
  return highestClaim(join(namesDir, name), read);
}

/** undefined when it is gone; a file that is not a reservation (written by hand?) holds nothing. */
function read(path: string): Reservation | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined; // removed since the listing
  }
  try {
    return JSON.parse(text) as Reservation; // whole: a linked file was complete before its link
  } catch {
    return { id: '', reserver: { pid: 0, start: 0 } };
  }
}
