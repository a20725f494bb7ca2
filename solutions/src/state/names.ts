// Container names, reserved atomically: of any number of `run --name dup` at once, exactly one wins.
//
// Node has no flock(2), and a lock file left by a killed run would need reclaiming, which is the
// same problem again. What the file system does give atomically: link(2) creates a name only if it
// does not exist (EEXIST otherwise), and the file it links is already complete, so a reader never
// sees a half-written reservation.
//
// The naive design, names/<name> linked by the winner, has a race once a reservation can be stale
// (its run was killed): to reclaim it, a run must unlink it and link its own, and unlink is
// unconditional. Two runs A and B both judge the stale file stale; A unlinks it and links its own; B
// then unlinks A's fresh one, believing it the stale one, and links its own: two winners. POSIX has
// no "unlink if it is still the file I looked at".
//
// So a name's reservations are numbered, names/<name>/<n>, and a number is never used twice while a
// higher one exists. A run reads the highest number n; if n's holder still holds it (its container
// exists, or the run that made it still lives), the name is taken. Otherwise the run links n+1
// (EEXIST: another run took n+1 first; start again), then lists the directory again: if a number
// above its own exists, a later run saw n+1 as free before this one linked it, or raced past it, so
// this run removes its own and starts again (the higher one is judged like any other). A run wins
// only if no higher number exists after its link, and the highest number is never removed by anyone
// but a run that has just seen a higher one: so of two runs that both believe they won, the one with
// the lower number would have seen the other's. Lower numbers are removed by the winner; they can
// never be the highest again, so removing them races with nothing.
import { linkSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSameProcess, type ProcessIdentity } from './processes.ts';

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
    for (;;) {
      const numbers = generations(dir);
      const highest = numbers.at(-1) ?? 0;
      if (highest > 0) {
        const existing = read(join(dir, String(highest)));
        if (existing === undefined) continue; // removed since the listing by a run that saw a higher one
        if (existing.id === reservation.id) return;
        if (holds(existing)) throw new NameTaken(name, existing.id);
      }
      const mine = highest + 1;
      try {
        linkSync(temporary, join(dir, String(mine)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue; // another run took it first
        throw error;
      }
      if (generations(dir).some((number) => number > mine)) {
        unlinkSync(join(dir, String(mine))); // a later run is ahead: judge its reservation instead
        continue;
      }
      for (const lower of numbers) if (lower < mine) removeQuietly(join(dir, String(lower)));
      return;
    }
  } finally {
    removeQuietly(temporary);
  }
}

/** The reservation that holds `name` now, if any (for messages and for resolving a name). */
export function currentReservation(namesDir: string, name: string): Reservation | undefined {
  const highest = generations(join(namesDir, name)).at(-1);
  return highest === undefined ? undefined : read(join(namesDir, name, String(highest)));
}

/** The temporary file of a run killed between writing it and linking it: its run (pid, start) is gone. */
function sweepTemporaries(namesDir: string): void {
  for (const entry of readdirSync(namesDir)) {
    const match = /^\.(\d+)-(\d+)-/.exec(entry);
    if (match && !isSameProcess(Number(match[1]), Number(match[2]))) removeQuietly(join(namesDir, entry));
  }
}

function generations(dir: string): number[] {
  try {
    return readdirSync(dir)
      .filter((entry) => /^[1-9]\d*$/.test(entry))
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
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

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
