// Lab ch8-pull-digest: a blob from a registry is trusted for its digest, not for where it came from.
// Make `verifiedChunks` pass a body's chunks on as they come, and refuse it, with one line that names
// the blob, when it is not the content its descriptor names: more bytes than the descriptor's size (cut
// off at once: an endless body must not fill the disk), fewer, or a sha256 that is not the digest.
// (OCI image-spec, descriptor.md: "the digest ... MUST be verified", "size ... MUST be verified".)
import { createHash } from 'node:crypto';

/** What a manifest says of a blob: its digest ('sha256:' and 64 hex digits) and its size in bytes. */
export interface Descriptor {
  digest: string;
  size: number;
}

/** The content is not what its descriptor names: pull refuses it, and the whole image. */
export class DigestError extends Error {}

/**
 * `chunks` passed on unchanged, each as soon as it arrives (so a caller writes while it downloads);
 * throws DigestError, before the next chunk is passed on or at the end, as soon as the content is known
 * not to be `expected`. `what` names it in the message ("layer sha256:3f4a..."), expected and got.
 */
export async function* verifiedChunks(
  chunks: AsyncIterable<Uint8Array>,
  expected: Descriptor,
  what: string,
): AsyncGenerator<Uint8Array> {
  // SOLUTION: one hash over every byte, in order (a hash per chunk checks only the last one).
  const hash = createHash('sha256');
  let received = 0;
  for await (const chunk of chunks) {
    received += chunk.length;
    // SOLUTION: the cap is checked before the chunk goes on: a registry that sends more than it
    // promised (an endless body) is cut off after `size` bytes, not when it stops.
    if (received > expected.size)
      throw new DigestError(`${what} is larger than the ${expected.size} bytes its descriptor gives: cut off`);
    hash.update(chunk);
    yield chunk;
  }
  if (received < expected.size)
    throw new DigestError(`${what} ended after ${received} of the ${expected.size} bytes its descriptor gives`);
  // SOLUTION: the digest is compared only once the stream has ended, whole: the algorithm's name
  // and its hex digits, against the descriptor's digest (not a tag's, not the registry's header).
  const got = `sha256:${hash.digest('hex')}`;
  if (got !== expected.digest)
    throw new DigestError(`${what} does not match its digest: expected ${expected.digest}, got ${got}`);
}

/** The whole content of a small document (a manifest, a config), verified. */
export async function verifiedBuffer(
  chunks: AsyncIterable<Uint8Array>,
  expected: Descriptor,
  what: string,
): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of verifiedChunks(chunks, expected, what)) parts.push(chunk);
  return Buffer.concat(parts);
}
