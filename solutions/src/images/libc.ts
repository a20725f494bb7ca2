// The two libc calls the image import needs and Node lacks: mknod(2), for overlayfs's whiteouts (a
// character device 0/0), and lsetxattr(2), for its opaque directories (trusted.overlay.opaque=y).
// Through koffi (FFI), loaded only by the import: `mydocker run` never pays for it.
import * as koffi from 'koffi';
import { constants } from 'node:os';

const S_IFCHR = 0o020000;

interface Libc {
  mknod(path: string, mode: number, dev: number): number;
  lsetxattr(path: string, name: string, value: Buffer, size: number, flags: number): number;
  lgetxattr(path: string, name: string, value: Buffer, size: number): number;
}

let libc: Libc | undefined;

function load(): Libc {
  if (libc) return libc;
  const lib = koffi.load('libc.so.6');
  libc = {
    mknod: lib.func('int mknod(const char *path, uint32_t mode, uint64_t dev)'),
    lsetxattr: lib.func('int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)'),
    lgetxattr: lib.func('long lgetxattr(const char *path, const char *name, _Out_ uint8_t *value, size_t size)'),
  } as Libc;
  return libc;
}

/** An errno as its name (EPERM), as the runtime names every failed call: `mknod PATH: EPERM`. */
function failure(call: string, path: string): Error {
  const errno = koffi.errno();
  const name = Object.entries(constants.errno).find(([, value]) => value === errno)?.[0] ?? `errno ${errno}`;
  return Object.assign(new Error(`${call} ${path}: ${name}`), { code: name });
}

/** An overlayfs whiteout: a character device with device number 0/0, mode 0 (as docker makes them). */
export function makeWhiteout(path: string): void {
  if (load().mknod(path, S_IFCHR, 0) !== 0) throw failure('mknod', path);
}

export function setXattr(path: string, name: string, value: string): void {
  const bytes = Buffer.from(value);
  if (load().lsetxattr(path, name, bytes, bytes.length, 0) !== 0) throw failure(`lsetxattr ${name}`, path);
}

/** The xattr's value, or undefined when the file has none of that name. */
export function getXattr(path: string, name: string): string | undefined {
  const value = Buffer.alloc(4096);
  const size = load().lgetxattr(path, name, value, value.length);
  if (size >= 0) return value.subarray(0, size).toString();
  const error = failure(`lgetxattr ${name}`, path);
  if ((error as { code?: string }).code === 'ENODATA') return undefined;
  throw error;
}
