// The attach stream read back (a client's side of daemon/stream-frame.ts): 8-byte headers, the
// stream in byte 0, the length big-endian in bytes 4-7, across any chunking.
export class FrameSplitter {
  private pending = Buffer.alloc(0);

  push(chunk: Buffer): { stream: number; payload: Buffer }[] {
    this.pending = Buffer.concat([this.pending, chunk]);
    const frames: { stream: number; payload: Buffer }[] = [];
    while (this.pending.length >= 8) {
      const length = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + length) break;
      frames.push({ stream: this.pending[0]!, payload: this.pending.subarray(8, 8 + length) });
      this.pending = this.pending.subarray(8 + length);
    }
    return frames;
  }
}
