// Lab ch8-pull-digest: a blob from a registry is trusted for its digest, not for where it came from.
// Make `verifiedChunks` pass a body's chunks on as they come, and refuse it, with one line that names
// the blob, when it is not the content its descriptor names: more bytes than the descriptor's size (cut
// off at once: an endless body must not fill the disk), fewer, or a sha256 that is not the digest.
// (OCI image-spec, descriptor.md: "the digest ... MUST be verified", "size ... MUST be verified".)
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
  // TODO(ch8-pull-digest): every chunk is passed on unchecked, so a registry (or whatever answers
  // in its place) can send any bytes for a layer, and they are unpacked as the image. What does the
  // descriptor promise about the content (OCI image-spec, descriptor.md: digest and size)? Try
  // `mydocker pull` from the checks' hostile registry: a blob of the right size that is another file.
  // TODO(ch8-pull-digest): which of the checks can be made before the stream has ended, and why must
  // that one be made before the chunk goes on? Think of a registry whose body never ends.
  // TODO(ch8-pull-digest): a digest is 'sha256:' and 64 hex digits: what exactly do you compare it with?
  void expected;
  void what;
  for await (const chunk of chunks) yield chunk;
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
