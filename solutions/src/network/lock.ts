// The networks' lock, networks/.lock: one process at a time makes a network, chooses its subnet,
// allocates an address or removes a network. It must survive a holder killed with SIGKILL (which
// runs no clean-up): the lock names its holder, and a holder that no longer lives holds nothing.
//
// Node has no flock(2). The lock is a numbered claim (state/numbered-claim.ts, as container names
// are): files networks/.lock/<n>, each with its holder's pid and start time (processes.ts: the pair
// names one process until the next boot). The highest number holds the lock while its holder lives
// (isSameProcess); a process that finds it held waits, one that finds it stale claims the number
// above it. Releasing unlinks the holder's own number.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError } from '../errors.ts';
import { claimNumber, highestClaim, removeQuietly, sweepTemporaries } from '../state/numbered-claim.ts';
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
  const holder = highestClaim(dir, readHolder);
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
      const result = claimNumber({
        dir,
        temporary,
        read: readHolder,
        judge: (holder) => (isSameProcess(holder.pid, holder.start) ? 'holds' : 'stale'),
      });
      if ('won' in result) return result.won;
      if (Date.now() > deadline) {
        throw new RuntimeError(
          `the networks' lock ${dir} is held by process ${result.held.pid} for over ${WAIT_LIMIT_MS / 1000} s`,
        );
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pause);
      pause = Math.min(pause * 2, MAX_PAUSE_MS);
    }
  } finally {
    removeQuietly(temporary);
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
