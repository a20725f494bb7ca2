// One claim among racing processes, decided by the file system alone: the numbered reservations that
// container names (names.ts) and the networks' lock (network/lock.ts) are made of. Node has no
// flock(2), and a lock file left by a killed process would need reclaiming, which is the same
// problem again. What the file system does give atomically: link(2) creates a name only if it does
// not exist (EEXIST otherwise), and the file it links is already complete, so a reader never sees a
// half-written claim.
//
// The naive design, one file linked by the winner, races once a claim can be stale (its process was
// killed): to reclaim it, a process must unlink it and link its own, and unlink is unconditional.
// Two processes A and B both judge the stale file stale; A unlinks it and links its own; B then
// unlinks A's fresh one, believing it the stale one, and links its own: two winners. POSIX has no
// "unlink if it is still the file I looked at".
//
// So claims are numbered, DIR/<n>, and a number is never used twice while a higher one exists. A
// claimant reads the highest number n; if n's claim still holds (the caller judges: its container
// exists, its process lives), the claimant has lost for now. Otherwise it links n+1 (EEXIST: another
// took n+1 first; start again), then lists the directory again: if a number above its own exists, a
// later claimant saw n+1 as free before this one linked it, or raced past it, so this one removes
// its own and starts again (the higher one is judged like any other). A claimant wins only if no
// higher number exists after its link, and the highest number is never removed by anyone but a
// claimant that has just seen a higher one: so of two that both believe they won, the one with the
// lower number would have seen the other's. Lower numbers are removed by the winner; they can never
// be the highest again, so removing them races with nothing.
import { linkSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { isSameProcess } from './processes.ts';

/** What the claimant makes of the claim that holds the highest number now. */
export type Verdict = 'mine' | 'holds' | 'stale';

export interface Claim<C> {
  /** The numbered files, DIR/<n>. */
  dir: string;
  /** The claimant's own complete file, written by the caller; linked as DIR/<n> when it wins. */
  temporary: string;
  /** A claim's file, or undefined when it is gone (removed since the listing). */
  read(path: string): C | undefined;
  judge(existing: C): Verdict;
}

/** The number won (the claimant's own, or the one it held already), or the claim that holds. */
export function claimNumber<C>(claim: Claim<C>): { won: number } | { held: C } {
  for (;;) {
    const numbers = claimNumbers(claim.dir);
    const highest = numbers.at(-1) ?? 0;
    if (highest > 0) {
      const existing = claim.read(join(claim.dir, String(highest)));
      if (existing === undefined) continue; // removed since the listing by one that saw a higher one
      const verdict = claim.judge(existing);
      if (verdict === 'mine') return { won: highest };
      if (verdict === 'holds') return { held: existing };
    }
    const mine = highest + 1;
    try {
      linkSync(claim.temporary, join(claim.dir, String(mine)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue; // another took it first
      throw error;
    }
    if (claimNumbers(claim.dir).some((number) => number > mine)) {
      removeQuietly(join(claim.dir, String(mine))); // a later one is ahead (and may have removed it): judge its claim
      continue;
    }
    for (const lower of numbers) if (lower < mine) removeQuietly(join(claim.dir, String(lower)));
    return { won: mine };
  }
}

/** The claim with the highest number, whether it holds or not. */
export function highestClaim<C>(dir: string, read: (path: string) => C | undefined): C | undefined {
  const highest = claimNumbers(dir).at(-1);
  return highest === undefined ? undefined : read(join(dir, String(highest)));
}

/**
 * A claimant's temporary file is named `.<pid>-<start>[-...]` after its process (processes.ts); one
 * killed between writing it and linking it leaves it behind: removed once that process is gone.
 */
export function sweepTemporaries(dir: string): void {
  for (const entry of readdirSync(dir)) {
    const match = /^\.(\d+)-(\d+)(?:-.*)?$/.exec(entry);
    if (match && !isSameProcess(Number(match[1]), Number(match[2]))) removeQuietly(join(dir, entry));
  }
}

export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function claimNumbers(dir: string): number[] {
  try {
    return readdirSync(dir)
      .filter((entry) => /^[1-9]\d*$/.test(entry))
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}
