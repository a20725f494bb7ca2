// The lab's files, watched with chokidar. Editors save in different ways: in place (one or two
// `change` events), or by writing a new file and renaming it over the old one (vim's backupcopy,
// VS Code's atomic save), which an inotify watch on the file itself would lose with the old inode.
// chokidar watches the directory and reports each of these as one `change` (measured here, chokidar
// 6: in place 1-5 ms after the write, a rename over 66 ms, move away and write anew 2 ms; a file
// deleted and not written back: `unlink` after its 100 ms `atomic` window). A burst of events is
// passed on once, at most COALESCE_MS after its first.
import { watch as chokidarWatch } from 'chokidar';

export const COALESCE_MS = 50;

export interface FileWatch {
  /** Resolves once the files are watched (a save before that may be missed). */
  ready: Promise<void>;
  close(): Promise<void>;
}

export type WatchFiles = (
  files: readonly string[],
  onChange: (files: string[]) => void,
  onError: (error: Error) => void,
) => FileWatch;

/** Watches absolute paths; `onChange` gets the paths saved since the last call, in the order first seen. */
export const watchFiles: WatchFiles = (files, onChange, onError) => {
  const watcher = chokidarWatch([...files], { ignoreInitial: true });
  let pending: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    timer = undefined;
    const changed = pending;
    pending = [];
    onChange(changed);
  };
  watcher.on('all', (event, path) => {
    if (event !== 'add' && event !== 'change' && event !== 'unlink') return;
    if (!pending.includes(path)) pending.push(path);
    // Not pushed back by later events: the first save of a burst is answered within COALESCE_MS.
    timer ??= setTimeout(flush, COALESCE_MS);
  });
  watcher.on('error', (error) => onError(error instanceof Error ? error : new Error(String(error))));
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    close: async () => {
      clearTimeout(timer);
      await watcher.close();
    },
  };
};
