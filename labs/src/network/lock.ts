// The networks' lock, networks/.lock: one process at a time makes a network, chooses its subnet,
// allocates an address or removes a network. It must survive a holder killed with SIGKILL (which
// runs no clean-up): the lock names its holder, and a holder that no longer lives holds nothing.
//
// Node has no flock(2). The lock is the reservation scheme of state/names.ts, applied to one name:
// numbered files networks/.lock/<n>, each linked (link(2): the name appears only if it did not
// exist, and the file is complete before it has the name) with its holder's pid and start time
// (processes.ts: the pair names one process until the next boot). The highest number holds the lock
// while its holder lives (isSameProcess); a process that finds it held waits, one that finds it
// stale links the number above it, and wins only if no higher number appeared after its link (see
// names.ts for why that leaves exactly one winner). Releasing unlinks the holder's own number.
import { linkSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError } from '../errors.ts';
import { isSameProcess, thisProcess, type ProcessIdentity } from '../state/processes.ts';

/**
 * Longer than any holder takes (a network's set-up is some 10-50 ms here, seconds in the micro-VM
 * under TCG with 20 runs waiting); then something is wrong: say who.
 */
const WAIT_LIMIT_MS = 60_000;

/** The longest pause between looks: waiters back off, so 20 of them do not starve the holder of CPU. */
const MAX_PAUSE_MS = 32;

/** Held by this process, and how deep: withLock may be nested (ensureNetwork within a run's lock). */
const held = new Map<string, { number: number; depth: number }>();

/** `fn` with the lock in `dir` held (a directory, made if absent); re-entrant within a process. */
export function withLock<T>(dir: string, fn: () => T): T {
  const mine = held.get(dir);
  if (mine) {
    mine.depth++;
    try {
      return fn();
    } finally {
      mine.depth--;
    }
  }
  const number = acquire(dir);
  held.set(dir, { number, depth: 1 });
  try {
    return fn();
  } finally {
    held.delete(dir);
    removeQuietly(join(dir, String(number)));
  }
}

/** The holder of the lock now, if a living process holds it (for tests and messages). */
export function lockHolder(dir: string): ProcessIdentity | undefined {
  const highest = numbers(dir).at(-1);
  const holder = highest === undefined ? undefined : readHolder(join(dir, String(highest)));
  return holder && isSameProcess(holder.pid, holder.start) ? holder : undefined;
}

function acquire(dir: string): number {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  sweepTemporaries(dir);
  const me = thisProcess();
  const temporary = join(dir, `.${me.pid}-${me.start}`);
  const deadline = Date.now() + WAIT_LIMIT_MS;
  writeFileSync(temporary, `${me.pid} ${me.start}\n`);
  let pause = 1;
  try {
    for (;;) {
      const existing = numbers(dir);
      const highest = existing.at(-1) ?? 0;
      if (highest > 0) {
        const holder = readHolder(join(dir, String(highest)));
        if (holder === undefined) continue; // released since the listing
        if (isSameProcess(holder.pid, holder.start)) {
          if (Date.now() > deadline) {
            throw new RuntimeError(
              `the networks' lock ${dir} is held by process ${holder.pid} for over ${WAIT_LIMIT_MS / 1000} s`,
            );
          }
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pause);
          pause = Math.min(pause * 2, MAX_PAUSE_MS);
          continue;
        }
      }
      // Free, or held by a process that is gone (killed): take the number above it.
      const number = highest + 1;
      try {
        linkSync(temporary, join(dir, String(number)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue; // another process took it first
        throw error;
      }
      if (numbers(dir).some((other) => other > number)) {
        removeQuietly(join(dir, String(number))); // a later process is ahead: judge its number instead
        continue;
      }
      for (const lower of existing) if (lower < number) removeQuietly(join(dir, String(lower)));
      return number;
    }
  } finally {
    removeQuietly(temporary);
  }
}

function numbers(dir: string): number[] {
  try {
    return readdirSync(dir)
      .filter((entry) => /^[1-9]\d*$/.test(entry))
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}

/** undefined when it is gone; a file that names no process (written by hand?) holds nothing. */
function readHolder(path: string): ProcessIdentity | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const [pid, start] = text.trim().split(' ').map(Number);
  return { pid: pid ?? 0, start: start ?? 0 };
}

/** The temporary file of a process killed between writing it and linking it. */
function sweepTemporaries(dir: string): void {
  for (const entry of readdirSync(dir)) {
    const match = /^\.(\d+)-(\d+)$/.exec(entry);
    if (match && !isSameProcess(Number(match[1]), Number(match[2]))) removeQuietly(join(dir, entry));
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
