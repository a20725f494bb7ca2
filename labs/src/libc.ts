// The libc calls the runtime needs and Node lacks. The image import: mknod(2), for overlayfs's
// whiteouts (a character device 0/0), and lsetxattr(2), for its opaque directories
// (trusted.overlay.opaque=y). The daemon: ioctl(2) TIOCSWINSZ, a terminal's size (docker's resize).
// Through koffi (FFI, ADR 4), loaded at the first call, by the import or the daemon only: `mydocker
// run` never pays for it.
import * as koffi from 'koffi';
import { constants } from 'node:os';

const S_IFCHR = 0o020000;
/** ioctl_tty(2): set the window size; the same number on every architecture Linux gives Node. */
const TIOCSWINSZ = 0x5414;

interface Libc {
  mknod(path: string, mode: number, dev: number): number;
  lsetxattr(path: string, name: string, value: Buffer, size: number, flags: number): number;
  lgetxattr(path: string, name: string, value: Buffer, size: number): number;
  ioctl(fd: number, request: number, type: 'void *', argument: Buffer): number;
}

let libc: Libc | undefined;

function load(): Libc {
  if (libc) return libc;
  const lib = koffi.load('libc.so.6');
  libc = {
    mknod: lib.func('int mknod(const char *path, uint32_t mode, uint64_t dev)'),
    lsetxattr: lib.func('int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)'),
    lgetxattr: lib.func('long lgetxattr(const char *path, const char *name, _Out_ uint8_t *value, size_t size)'),
    ioctl: lib.func('int ioctl(int fd, unsigned long request, ...)'),
  } as Libc;
  return libc;
}

/** An errno as its name (EPERM), as the runtime names every failed call: `mknod PATH: EPERM`. */
function failure(call: string, path: string | number): Error {
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

/**
 * The terminal's size in characters (struct winsize: rows, columns, then two pixel counts nobody
 * sets). The kernel sends SIGWINCH to the terminal's foreground process group when it changed.
 */
export function setWindowSize(fd: number, rows: number, columns: number): void {
  const size = Buffer.from(new Uint16Array([rows, columns, 0, 0]).buffer); // unsigned shorts, native order
  if (load().ioctl(fd, TIOCSWINSZ, 'void *', size) !== 0) throw failure('ioctl TIOCSWINSZ', fd);
}
