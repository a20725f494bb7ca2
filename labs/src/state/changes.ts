// Waiting for a file or directory to change without spinning: inotify (fs.watch) says when, and a
// timer bounds the wait, for what inotify cannot see (a shim that died writes nothing) and for a
// path that does not exist yet. The watch is made before the caller looks, so that a change between
// the look and the wait is not missed: it ends the wait at once.
import { watch, type FSWatcher } from 'node:fs';

export interface PendingChange {
  /** Settles at the first change, at the timeout, or when the signal aborts; never rejects. */
  done: Promise<void>;
  cancel(): void;
}

/**
 * `ignored`: a change of a file of that name does not count (the end of a container that prints is
 * watched without a wake-up per line of its log).
 */
export function watchChange(
  path: string,
  timeoutMs: number,
  signal?: AbortSignal,
  ignored?: (filename: string) => boolean,
): PendingChange {
  let finish = (): void => {};
  const done = new Promise<void>((resolve) => {
    let watcher: FSWatcher | undefined;
    const timer = setTimeout(() => finish(), timeoutMs);
    finish = () => {
      clearTimeout(timer);
      watcher?.close();
      signal?.removeEventListener('abort', finish);
      resolve();
    };
    try {
      watcher = watch(path, { persistent: false }, (_type, filename) => {
        if (!(ignored && filename && ignored(String(filename)))) finish();
      });
      watcher.on('error', () => finish());
    } catch {
      // not there (yet, or any more): the timer alone
    }
    if (signal?.aborted) finish();
    else signal?.addEventListener('abort', finish, { once: true });
  });
  return { done, cancel: () => finish() };
}
