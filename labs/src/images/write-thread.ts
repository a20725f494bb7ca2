// The second half of a layer's unpacking, on a worker thread: the file system calls. The main thread
// reads the tar (node-tar's parser), hashes it and checks every entry (LayerPaths); this thread makes
// what it is sent, in the same order, with synchronous calls and no more of them than GNU tar makes:
// create, write, chown when the owner is not ours, set the time, close. On tmpfs these calls and the
// parser each take about half of an import's time, so the two CPUs run them side by side.
//
// The runtime is one bundled file, and a worker needs its program as a file or as source text: this
// function's own text is that program (`new Worker(`(${writeThread})()`, { eval: true })`). So it
// uses nothing from outside itself: Node's modules come from process.getBuiltinModule, and the types
// below, which vanish when compiled, are all it shares with layer-writer.ts.
//
// The layer is a fresh directory: a name that exists already (an entry replacing an earlier one) or a
// parent that is missing shows up as EEXIST or ENOENT, and only then is it dealt with. node-tar's own
// Unpack stats every entry and makes every entry's parent, which made an import 6x slower than `tar -x`
// (docs/benchmarks.md). Every path comes from LayerPaths (normalized, relative, never below a symbolic
// link of the layer), and no call here follows a symbolic link in its last component: O_CREAT|O_EXCL,
// mkdir, symlink, link, lchown, lutimes. So nothing is written outside the layer directory.

/** One admitted entry. Times are in seconds; a file's bytes follow in the batch's body. */
export interface EntryRecord {
  path: string;
  type: 'Directory' | 'SymbolicLink' | 'Link' | 'File';
  mode: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  atime?: number;
  linkpath?: string;
  size: number;
}

/**
 * Entries in order, and the bytes of their files one after another in `body`. A file's bytes may go
 * on into the next batch's body (the main thread sends a batch when its body is full).
 */
export interface Batch {
  entries: EntryRecord[];
  body: ArrayBuffer;
  length: number;
}

/** The answer to each batch: its body back (to be filled again), and the first failure, once. */
export interface Reply {
  body?: ArrayBuffer;
  failure?: { message: string; code?: string; syscall?: string };
  done?: true;
}

export function writeThread(): void {
  const fs = process.getBuiltinModule('node:fs');
  const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
  const port = parentPort!;
  const dir = workerData as string;
  const ownUid = process.getuid?.() ?? 0;
  const ownGid = process.getgid?.() ?? 0;
  const CREATE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;
  /** The file whose bytes are being written: they may span batches. */
  let open: { fd: number; entry: EntryRecord; remaining: number } | undefined;
  let failed = false;

  port.on('message', (message: Batch | 'end') => {
    if (message === 'end') {
      port.postMessage({ done: true } satisfies Reply);
      port.close(); // nothing left to wait for: the thread ends
      return;
    }
    const reply: Reply = { body: message.body };
    if (!failed) {
      try {
        writeBatch(message);
      } catch (error) {
        failed = true;
        if (open) fs.closeSync(open.fd);
        const { message, code, syscall } = error as NodeJS.ErrnoException;
        reply.failure = { message, code, syscall };
      }
    }
    port.postMessage(reply, [message.body]);
  });

  function writeBatch(batch: Batch): void {
    const bytes = new Uint8Array(batch.body, 0, batch.length);
    let at = 0;
    const writeOpen = () => {
      const file = open!;
      const length = Math.min(file.remaining, bytes.length - at);
      attempt(file.entry.path, () => {
        for (let written = 0; written < length;)
          written += fs.writeSync(file.fd, bytes, at + written, length - written);
      });
      at += length;
      file.remaining -= length;
      if (file.remaining === 0) attempt(file.entry.path, closeOpen);
    };
    if (open) writeOpen();
    for (const entry of batch.entries) {
      attempt(entry.path, () => write(entry));
      if (open) writeOpen();
    }
  }

  function write(entry: EntryRecord): void {
    const absolute = entry.path === '.' ? dir : `${dir}/${entry.path}`;
    switch (entry.type) {
      case 'Directory':
        // The mode again at the end (layer.ts), with setgid, which mkdir ignores, and the time.
        if (entry.path !== '.') create(entry.path, () => fs.mkdirSync(absolute, entry.mode & 0o1777), true);
        chown(entry, (uid, gid) => fs.lchownSync(absolute, uid, gid));
        return;
      case 'SymbolicLink':
        create(entry.path, () => fs.symlinkSync(entry.linkpath ?? '', absolute));
        chown(entry, (uid, gid) => fs.lchownSync(absolute, uid, gid));
        if (entry.mtime !== undefined) fs.lutimesSync(absolute, entry.atime ?? entry.mtime, entry.mtime);
        return;
      case 'Link':
        create(entry.path, () => fs.linkSync(`${dir}/${entry.linkpath}`, absolute));
        return;
      case 'File': {
        let fd = -1;
        create(entry.path, () => (fd = fs.openSync(absolute, CREATE, entry.mode)));
        open = { fd, entry, remaining: entry.size };
        if (entry.size === 0) closeOpen();
      }
    }
  }

  function closeOpen(): void {
    const { fd, entry } = open!;
    open = undefined;
    try {
      // chown clears the setuid and setgid bits: the mode goes on after it.
      if (chown(entry, (uid, gid) => fs.fchownSync(fd, uid, gid)) && entry.mode & 0o6000) fs.fchmodSync(fd, entry.mode);
      if (entry.mtime !== undefined) fs.futimesSync(fd, entry.atime ?? entry.mtime, entry.mtime);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Makes one name. EEXIST: an earlier entry made it, this one replaces it (a directory stays a
   * directory). ENOENT: the tar did not list a parent directory; make it, as tar does, 0755.
   */
  function create(path: string, make: () => void, isDirectory = false): void {
    try {
      return make();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') makeParents(path);
      else if (code === 'EEXIST') {
        const absolute = `${dir}/${path}`;
        if (fs.lstatSync(absolute).isDirectory()) {
          if (isDirectory) return;
          fs.rmdirSync(absolute); // ENOTEMPTY: a directory with files is not replaced by a file
        } else fs.unlinkSync(absolute);
      } else throw error;
    }
    make();
  }

  function makeParents(path: string): void {
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
      const parent = `${dir}/${path.slice(0, slash)}`;
      try {
        fs.mkdirSync(parent, 0o755);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        if (!fs.lstatSync(parent).isDirectory()) throw new Error(`'${path.slice(0, slash)}' is not a directory`);
      }
    }
  }

  /**
   * The entry's owner, as it says (the import runs as root); true when it changed anything. Rootless
   * (chapter 7) an ordinary user may give a file to no one else (chown(2), EPERM): every file stays
   * theirs, as GNU tar's --no-same-owner, its default for them; their uid is the container's root.
   */
  function chown(entry: EntryRecord, change: (uid: number, gid: number) => void): boolean {
    if (ownUid !== 0) return false;
    const uid = entry.uid ?? ownUid;
    const gid = entry.gid ?? ownGid;
    if (uid === ownUid && gid === ownGid) return false;
    change(uid, gid);
    return true;
  }

  /** Runs one step; a failed call is named the way the runtime names them: 'open etc/passwd: EACCES'. */
  function attempt(path: string, step: () => void): void {
    try {
      step();
    } catch (error) {
      const { code, syscall } = error as NodeJS.ErrnoException;
      if (!code || !syscall) throw error;
      throw Object.assign(new Error(`${syscall} ${path}: ${code}`), { code, syscall });
    }
  }
}
