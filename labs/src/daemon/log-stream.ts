// A container's output as the daemon serves it, from the log its supervising shim writes
// (containers/<id>/<id>-json.log, docker's json-file lines), for attach and for logs: what is
// there, and with `follow` what comes, until the container has ended. The shim writes its last lines
// before it records the end, so once the end is known one more read finds them all.
import { open, type FileHandle } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseLine, type LogLine } from '../commands/logs.ts';
import { watchChange } from '../state/changes.ts';

/** How long a wait for more output lasts when inotify says nothing (a safety net, not a poll). */
const WAIT_MS = 250;

export interface LogReading {
  /** Where to begin, in bytes: 0 for everything, the size at attach for what comes next. */
  from: number;
  follow: boolean;
  /** Settles once the container has ended: then one more read, and the end. */
  ended: Promise<unknown>;
  signal: AbortSignal;
  /** Each whole line, in order; a returned promise holds the reading back (a slow client). */
  onLine: (line: LogLine) => void | Promise<void>;
}

/** Returns where it stopped: the offset after the last whole line it gave. */
export async function readLog(path: string, reading: LogReading): Promise<number> {
  let handle: FileHandle | undefined;
  let offset = reading.from;
  let pending = Buffer.alloc(0);
  const buffer = Buffer.alloc(64 * 1024);
  let lastRead = false;
  let hasEnded = false;
  const ended = reading.ended.then(
    () => (hasEnded = true),
    () => (hasEnded = true),
  );
  try {
    while (!reading.signal.aborted) {
      handle ??= await openIfThere(path);
      // Watched before the read: a line written between the read and the wait ends the wait at once.
      const change = reading.follow ? watchChange(handle ? path : nearest(path), WAIT_MS, reading.signal) : undefined;
      let count = 0;
      if (handle) {
        ({ bytesRead: count } = await handle.read(buffer, 0, buffer.length, offset));
        offset += count;
        const all = Buffer.concat([pending, buffer.subarray(0, count)]);
        const end = all.lastIndexOf(0x0a) + 1;
        pending = Buffer.from(all.subarray(end)); // a line the shim is still writing, cut as bytes
        for (const line of all.subarray(0, end).toString('utf8').split('\n')) {
          if (line) await reading.onLine(parseLine(line));
        }
      }
      if (count === 0 && reading.follow && !lastRead && hasEnded) lastRead = true;
      else if (count === 0 && (!reading.follow || lastRead)) {
        change?.cancel();
        return offset - pending.length;
      } else if (count === 0) {
        // The end wakes the wait too: the log is not written again after it, so no change would.
        await Promise.race([change!.done, ended]);
        change!.cancel();
        continue;
      }
      change?.cancel();
    }
    return offset - pending.length;
  } finally {
    await handle?.close();
  }
}

async function openIfThere(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** What to watch for a log not there yet: its directory, or the containers' before the start made it. */
function nearest(path: string): string {
  const dir = dirname(path);
  return existsSync(dir) ? dir : dirname(dir);
}
