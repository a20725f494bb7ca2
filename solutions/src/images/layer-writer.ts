// Hands the entries node-tar's parser reads to the thread that writes them (write-thread.ts), in
// batches: one message per 256 entries or 1 MiB of file bytes, the bytes in an ArrayBuffer that is
// moved, not copied, to the thread and back. A message costs tens of microseconds; one per entry
// would cost more than the write it carries. At most 4 batches are in flight, so a large layer is
// never all in memory: the reader waits (ready()) when the writer is behind.
import { Worker } from 'node:worker_threads';
import type { ReadEntry } from 'tar';
import { writeThread, type Batch, type EntryRecord, type Reply } from './write-thread.ts';

export interface DirectoryFixup {
  path: string;
  mode: number;
  mtime?: Date;
}

const BATCH_ENTRIES = 256;
const BATCH_BYTES = 1 << 20;
const IN_FLIGHT = 4;

export class LayerWriter {
  /** Directories get their modes (setgid, which mkdir ignores) and times last, after their contents. */
  readonly directories: DirectoryFixup[] = [];
  /** The first failure of the writing thread: the import stops there. */
  failure: Error | undefined;
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private finished = false;
  private entries: EntryRecord[] = [];
  private body: Uint8Array;
  private used = 0;
  /** Bodies the thread gave back, to fill again. */
  private readonly spare: ArrayBuffer[] = [];
  private inFlight = 0;
  private wake: (() => void) | undefined;

  constructor(dir: string) {
    this.worker = new Worker(`(${writeThread})()`, { eval: true, workerData: dir });
    this.body = new Uint8Array(BATCH_BYTES);
    this.worker.on('message', (reply: Reply) => {
      if (reply.body) this.spare.push(reply.body);
      if (reply.failure)
        this.failure ??= Object.assign(new Error(reply.failure.message), {
          code: reply.failure.code,
          syscall: reply.failure.syscall,
        });
      if (reply.done) this.finished = true;
      else this.inFlight--;
      this.wakeUp();
    });
    this.worker.on('error', (error: Error) => {
      this.failure ??= error;
      this.wakeUp();
    });
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', () => {
        if (!this.finished) this.failure ??= new Error('the thread writing the layer stopped');
        this.finished = true;
        this.wakeUp();
        resolve();
      }),
    );
  }

  /** One admitted entry (its path normalized by LayerPaths); a file's bytes follow as it is read. */
  write(entry: ReadEntry): void {
    if (this.entries.length >= BATCH_ENTRIES) this.send();
    const type =
      entry.type === 'Directory' || entry.type === 'GNUDumpDir'
        ? 'Directory'
        : entry.type === 'SymbolicLink' || entry.type === 'Link'
          ? entry.type
          : 'File';
    const mode = (entry.mode ?? (type === 'Directory' ? 0o755 : 0o644)) & 0o7777;
    const seconds = (date: Date | undefined) => (date === undefined ? undefined : date.getTime() / 1000);
    const size = type === 'File' ? entry.size : 0;
    this.entries.push({
      path: entry.path,
      type,
      mode,
      uid: entry.uid,
      gid: entry.gid,
      mtime: seconds(entry.mtime),
      atime: seconds(entry.atime),
      linkpath: entry.linkpath,
      size,
    });
    if (type === 'Directory') this.directories.push({ path: entry.path, mode, mtime: entry.mtime });
    if (size === 0) return void entry.resume();
    entry.on('data', (chunk: Buffer) => {
      for (let at = 0; at < chunk.length;) {
        if (this.used === this.body.length) this.send();
        const length = Math.min(chunk.length - at, this.body.length - this.used);
        this.body.set(chunk.subarray(at, at + length), this.used);
        this.used += length;
        at += length;
      }
    });
  }

  /** Resolves when the thread is not too far behind (or has failed): the reader may go on. */
  async ready(): Promise<void> {
    while (this.inFlight >= IN_FLIGHT && !this.failure && !this.finished)
      await new Promise<void>((resolve) => (this.wake = resolve));
  }

  /** Sends what is left and waits until everything is written and the thread has ended. */
  async finish(): Promise<void> {
    if (!this.failure && (this.entries.length > 0 || this.used > 0)) this.send();
    if (!this.failure) this.worker.postMessage('end');
    while (!this.failure && !this.finished) await new Promise<void>((resolve) => (this.wake = resolve));
    await this.stop();
  }

  /** Ends the thread, done or not: after this, nothing more is written to the layer. */
  async stop(): Promise<void> {
    if (!this.finished) await this.worker.terminate();
    await this.exited;
  }

  private send(): void {
    const batch: Batch = { entries: this.entries, body: this.body.buffer as ArrayBuffer, length: this.used };
    this.worker.postMessage(batch, [batch.body]);
    this.inFlight++;
    this.entries = [];
    this.body = new Uint8Array(this.spare.pop() ?? new ArrayBuffer(BATCH_BYTES));
    this.used = 0;
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
