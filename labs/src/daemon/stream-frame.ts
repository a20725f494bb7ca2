// The attach stream's framing (docker's stdcopy): without a terminal, stdout and stderr travel on one
// connection, so each piece of output goes with an 8-byte header saying whose it is and how long:
//
//   byte 0      the stream: 0 stdin, 1 stdout, 2 stderr
//   bytes 1-3   zero
//   bytes 4-7   the payload's length, big-endian
//
// With a terminal (-t) there is one stream only, and the bytes go as they are, with no header: a
// terminal merges stdout and stderr anyway (docker's "raw" stream).

export const STDOUT = 1;
export const STDERR = 2;
export type StreamId = typeof STDOUT | typeof STDERR;

export const HEADER_BYTES = 8;

/** One piece of output with its header. */
export function frame(stream: StreamId, payload: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** What a client does with the stream: frames back into (stream, payload), across any chunking. */
export class FrameReader {
  private pending = Buffer.alloc(0);

  /** The frames complete with `chunk`; a partial one is kept for the next chunk. */
  push(chunk: Buffer): { stream: number; payload: Buffer }[] {
    this.pending = Buffer.concat([this.pending, chunk]);
    const frames: { stream: number; payload: Buffer }[] = [];
    while (this.pending.length >= HEADER_BYTES) {
      const length = this.pending.readUInt32BE(4);
      if (this.pending.length < HEADER_BYTES + length) break;
      frames.push({ stream: this.pending[0]!, payload: this.pending.subarray(HEADER_BYTES, HEADER_BYTES + length) });
      this.pending = this.pending.subarray(HEADER_BYTES + length);
    }
    return frames;
  }

  /** Bytes of a frame not yet complete: at the end of a stream, a truncated frame. */
  get leftover(): number {
    return this.pending.length;
  }
}
