// Lab ch8-attach: a container's output on the attach stream, docker's way (moby's stdcopy). Without a
// terminal, stdout and stderr travel on one connection, so each piece of output goes with an 8-byte
// header saying whose it is and how long it is:
//
//   byte 0      the stream: 0 stdin, 1 stdout, 2 stderr
//   bytes 1-3   zero
//   bytes 4-7   the payload's length in bytes, big-endian (network order)
//
// With a terminal (-t) there is one stream only (a terminal merges stdout and stderr anyway, the
// kernel's tty layer does), and the bytes go as they are, with no header: docker's "raw" stream.

export const STREAM_IDS = { stdin: 0, stdout: 1, stderr: 2 } as const;
export const HEADER_BYTES = 8;

/** What goes on the connection for `payload`, which the container wrote on `stream`. */
export function encodeOutput(stream: 'stdout' | 'stderr', payload: Buffer, tty: boolean): Buffer {
  // SOLUTION: a terminal's output is one stream already: it goes as it is.
  if (tty) return payload;
  const header = Buffer.alloc(HEADER_BYTES);
  // SOLUTION: whose it is, in byte 0 (Buffer.alloc left bytes 1-3 zero)...
  header[0] = STREAM_IDS[stream];
  // SOLUTION: ...and how long, big-endian: a client reads exactly that many bytes, then the next header.
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}
