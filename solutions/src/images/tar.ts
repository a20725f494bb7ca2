// Reading a tar with node-tar's parser, one entry at a time, from any stream of bytes. strict: every
// warning of the parser (a bad checksum, a truncated entry, something that is not a tar at all) is
// an error, and the read stops there.
import { createReadStream } from 'node:fs';
import { Parser, type ReadEntry } from 'tar';
import { decompressed } from './compression.ts';

/** The file's bytes, decompressed when compressed, in chunks of 1 MiB (fewer, larger writes). */
export function fileChunks(file: string): AsyncGenerator<Buffer> {
  return decompressed(createReadStream(file, { highWaterMark: 1 << 20 }));
}

export interface TarReader {
  /**
   * Called with each entry, in order, before its body: it must consume the body (read or resume it).
   * Returning 'stop' ends the read there (what follows is not needed).
   */
  onEntry(entry: ReadEntry, abort: (error: Error) => void): 'stop' | void;
}

/** Reads a whole tar. Resolves true when it read to the end, false when onEntry stopped it. */
export async function readTar(chunks: AsyncIterable<Buffer>, reader: TarReader): Promise<boolean> {
  const parser = new Parser({ strict: true });
  let failure: Error | undefined;
  let stopped = false;
  let sawEnd = false;
  const abort = (error: Error) => {
    failure ??= error;
    parser.abort(error);
  };
  parser.on('error', (error: Error) => (failure ??= error));
  parser.on('nullBlock', () => (sawEnd = true));
  parser.on('entry', (entry: ReadEntry) => {
    if (stopped || failure) return void entry.resume();
    if (reader.onEntry(entry, abort) === 'stop') stopped = true;
  });
  const settled = (event: string) =>
    new Promise<void>((resolve) => {
      const done = () => {
        parser.off(event, done);
        parser.off('error', done);
        resolve();
      };
      parser.on(event, done);
      parser.on('error', done);
    });
  try {
    for await (const chunk of chunks) {
      if (!parser.write(chunk) && !failure && !stopped) await settled('drain');
      if (failure) throw failure;
      if (stopped) return false;
    }
  } catch (error) {
    throw describeTarError(error as Error);
  }
  const ended = settled('end');
  parser.end();
  if (!failure) await ended;
  if (failure) throw describeTarError(failure);
  // A tar ends with zero blocks. Without them, the file was cut between two entries.
  if (!sawEnd) throw new Error('the archive ends without the end-of-archive blocks: it is truncated');
  return true;
}

/**
 * node-tar's and zlib's errors, said for a person: 'TAR_ENTRY_INVALID: checksum failure' becomes
 * 'not a tar, or a damaged one (checksum failure)'. Errors of our own pass unchanged.
 */
export function describeTarError(error: Error): Error {
  const { tarCode, code } = error as { tarCode?: string; code?: string };
  const detail = error.message.replace(/^TAR_[A-Z_]+: /, '');
  if (tarCode === 'TAR_BAD_ARCHIVE' || tarCode === 'TAR_ENTRY_INVALID')
    return new Error(`not a tar, or a damaged one (${detail})`);
  if (code === 'Z_BUF_ERROR') return new Error('the compressed data ends too soon: the file is truncated');
  if (code === 'Z_DATA_ERROR') return new Error(`the compressed data is damaged (${detail})`);
  return error;
}
