// Lab ch4-whiteouts: read what an image layer says about the files it deletes.
//
// An image is a stack of layers, each a tar of what changed. A tar can only add files, so a layer
// that deletes one adds a marker instead. `mydocker image import` calls whiteoutMark for every
// entry of a layer's tar; for a mark it writes what overlayfs reads in a lower directory in its
// place, and never the marker itself.

export type WhiteoutMark = { kind: 'whiteout'; hides: string } | { kind: 'opaque'; directory: string };

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';

/**
 * What an entry of a layer tar means: an ordinary entry (undefined), a whiteout hiding `hides`, or an
 * opaque marker for `directory` (paths relative to the layer root, no trailing slash, '.' for the
 * root).
 */
export function whiteoutMark(entryPath: string): WhiteoutMark | undefined {
  // SOLUTION: tar paths come as 'etc/passwd', './etc/passwd' or 'etc/dir/' (a directory): compare
  // name by name, without the './' and the empty names of the slashes.
  const names = entryPath.split('/').filter((name) => name !== '' && name !== '.');
  const base = names.pop();
  // SOLUTION: only the last name counts. The OCI image spec (image-spec, layer.md, "Whiteouts"): "A
  // whiteout file is an empty file with a special filename that signifies a path should be deleted.
  // A whiteout filename consists of the prefix .wh. plus the basename of the path to be deleted."
  // So 'dir/x.wh.y' is an ordinary file, and so is anything below a directory named '.wh.x'.
  if (base === undefined || !base.startsWith(WHITEOUT_PREFIX)) return undefined;
  const directory = names.length > 0 ? names.join('/') : '.';
  // SOLUTION: layer.md, "Opaque Whiteout": ".wh..wh..opq" in a directory means "the directory's
  // siblings in lower layers are hidden": the directory stays, only what the lower layers had in it
  // goes. overlayfs (Documentation/filesystems/overlayfs.rst, "whiteouts and opaque directories")
  // reads that as the xattr trusted.overlay.opaque=y on the directory.
  if (base === OPAQUE_MARKER) return { kind: 'opaque', directory };
  const hidden = base.slice(WHITEOUT_PREFIX.length);
  // SOLUTION: '.wh.' alone, '.wh..' and '.wh...' hide nothing a path can name; and other
  // '.wh..wh.' names (.wh..wh.plnk, .wh..wh.aufs) are AUFS's own bookkeeping, which docker drops
  // too. Not marks (the import drops them anyway: no '.wh.' file reaches a layer).
  if (hidden === '' || hidden === '.' || hidden === '..' || hidden.startsWith(WHITEOUT_PREFIX)) return undefined;
  // SOLUTION: overlayfs.rst: "A whiteout is created as a character device with 0/0 device number":
  // the import makes one at `hides`, where the deleted file was, and a lookup stops there.
  return { kind: 'whiteout', hides: names.length > 0 ? `${directory}/${hidden}` : hidden };
}
