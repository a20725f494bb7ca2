// A tar archive written from memory, entry by entry: the default image's layer and archive
// (busybox-image.mjs), and the tests' tars that no tool would write (whiteouts by hand, hostile
// entries: test/support/image-fixtures.ts).

/** The default time stamp, so the same entries give the same bytes. */
export const FIXED_TIME = new Date('2000-01-01T00:00:00Z');

/**
 * One entry; every field but `path` has a default (a file, 0644 or 0755 for a directory, owner 0/0,
 * FIXED_TIME).
 * @typedef {{
 *   path: string,
 *   type?: import('tar').types.EntryTypeName,
 *   mode?: number,
 *   uid?: number,
 *   gid?: number,
 *   mtime?: Date,
 *   linkpath?: string,
 *   data?: string | Buffer,
 *   devmaj?: number,
 *   devmin?: number,
 * }} TarBufferEntry
 */

/**
 * A tar archive of these entries, in this order, ending with the two zero blocks. node-tar's Header
 * encodes each header (a pax header first when a path is long).
 * @param {readonly TarBufferEntry[]} entries
 * @returns {Promise<Buffer>}
 */
export async function tarBuffer(entries) {
  const { Header, Pax } = await import('tar');
  /** @type {Buffer[]} */
  const blocks = [];
  for (const entry of entries) {
    const data = entry.data === undefined ? Buffer.alloc(0) : Buffer.from(entry.data);
    const type = entry.type ?? 'File';
    const header = new Header({
      path: entry.path,
      type,
      mode: entry.mode ?? (type === 'Directory' ? 0o755 : 0o644),
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
      size: data.length,
      mtime: entry.mtime ?? FIXED_TIME,
      linkpath: entry.linkpath,
      devmaj: entry.devmaj,
      devmin: entry.devmin,
    });
    header.encode();
    if (header.needPax)
      blocks.push(new Pax({ path: entry.path, linkpath: entry.linkpath, mtime: entry.mtime ?? FIXED_TIME }).encode());
    blocks.push(/** @type {Buffer} */ (header.block), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
