// Layers and archives come plain, gzipped or (OCI) zstd-compressed. What they are is read from their
// first bytes, never from a file name or a media type that could say otherwise.
import { Readable, pipeline } from 'node:stream';
import * as zlib from 'node:zlib';

const GZIP = Buffer.from([0x1f, 0x8b]);
const ZSTD = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

export type Compression = 'gzip' | 'zstd' | 'none';

export function compressionOf(head: Buffer): Compression {
  if (head.subarray(0, GZIP.length).equals(GZIP)) return 'gzip';
  if (head.subarray(0, ZSTD.length).equals(ZSTD)) return 'zstd';
  return 'none';
}

/** The bytes of `source`, decompressed when its first bytes say it is compressed. */
export async function* decompressed(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < ZSTD.length && !done) {
    const next = await iterator.next();
    if (next.done) done = true;
    else {
      head.push(next.value);
      length += next.value.length;
    }
  }
  const start = Buffer.concat(head);
  const rest = async function* (): AsyncGenerator<Buffer> {
    if (start.length > 0) yield start;
    if (done) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  };
  const compression = compressionOf(start);
  if (compression === 'none') {
    yield* rest();
    return;
  }
  const decompress = compression === 'gzip' ? zlib.createGunzip() : createZstd();
  // pipeline: an error on either side (a read error, a corrupt stream) ends the iteration below.
  yield* pipeline(Readable.from(rest(), { objectMode: false }), decompress, () => {});
}

function createZstd(): zlib.Gunzip {
  const create = (zlib as unknown as { createZstdDecompress?: () => zlib.Gunzip }).createZstdDecompress;
  if (!create) throw new Error('zstd-compressed data needs Node.js 22.15 or newer');
  return create();
}
