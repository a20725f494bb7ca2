// Random hex digits from the kernel's random source (random(4)), for docker-style ids: containers',
// images', networks'. Read from /dev/urandom directly: loading node:crypto, or the global Web Crypto
// that wraps it, would cost more on `mydocker run`'s start path than the rest of its start-up.
import { closeSync, openSync, readSync } from 'node:fs';

/** `bytes` random bytes as 2 * bytes hex digits (32 bytes: a 64-digit id, like docker's). */
export function randomHex(bytes: number): string {
  const buffer = Buffer.alloc(bytes);
  const fd = openSync('/dev/urandom', 'r');
  try {
    readSync(fd, buffer);
  } finally {
    closeSync(fd);
  }
  return buffer.toString('hex');
}
