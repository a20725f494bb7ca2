// Lab ch4-whiteouts: read what an image layer says about the files it deletes.
//
// An image is a stack of layers, each a tar of what changed. A tar can only add files, so a layer
// that deletes one adds a marker instead. `mydocker image import` calls whiteoutMark for every
// entry of a layer's tar; for a mark it writes what overlayfs reads in a lower directory in its
// place, and never the marker itself.

export type WhiteoutMark = { kind: 'whiteout'; hides: string } | { kind: 'opaque'; directory: string };

/**
 * What an entry of a layer tar means: an ordinary entry (undefined), a whiteout hiding `hides`, or an
 * opaque marker for `directory` (paths relative to the layer root, no trailing slash, '.' for the
 * root).
 */
export function whiteoutMark(entryPath: string): WhiteoutMark | undefined {
  // TODO(ch4-whiteouts): every entry is an ordinary file here, so a layer that deletes /etc/motd
  // gives you a file named /etc/.wh.motd, and /etc/motd still shows from the layer below. What does
  // an image layer say when it deletes a file (the OCI image spec, layer.md, "Whiteouts"), and what
  // does overlayfs expect in a lower directory instead (Documentation/filesystems/overlayfs.rst,
  // "whiteouts and opaque directories")?
  // TODO(ch4-whiteouts): and a directory whose old contents are all replaced: which marker says so,
  // and which directory does it mark? Try `tar -tvf` on a layer of an image that did `rm -rf`.
  // TODO(ch4-whiteouts): entries come as 'etc/x', './etc/x' or 'etc/dir/': which part of the path
  // is the name to look at? Is 'etc/x.wh.y' a mark?
  void entryPath;
  return undefined;
}
