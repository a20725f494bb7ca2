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
  // TODO(ch8-attach): the bytes go as they are, so a docker client reads the first 8 bytes of the
  // output as a header ("Unrecognized input header") and stdout and stderr cannot be told apart.
  // Which of the two streams needs no header at all? For the other, what does a client need to know
  // before each piece, and in which byte order does it read a length?
  void stream;
  void tty;
  return payload;
}
