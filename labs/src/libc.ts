// The libc calls the runtime needs and Node lacks. The image import: mknod(2), for overlayfs's
// whiteouts (a character device 0/0), and lsetxattr(2), for its opaque directories
// (trusted.overlay.opaque=y). The daemon: ioctl(2) TIOCSWINSZ, a terminal's size (docker's resize),
// and the shim's start (shim/spawn.ts): a sealed memfd(2) copy of the shim, and posix_spawn(3),
// which starts a program without copying the daemon's memory as fork(2) does. Through koffi (FFI,
// ADR 4), loaded at the first call, by the import or the daemon only: `mydocker run` never pays for it.
import * as koffi from 'koffi';
import { closeSync, writeSync } from 'node:fs';
import { constants } from 'node:os';

const S_IFCHR = 0o020000;
/** ioctl_tty(2): set the window size; the same number on every architecture Linux gives Node. */
const TIOCSWINSZ = 0x5414;

/** memfd_create(2) and fcntl(2) (linux/memfd.h, linux/fcntl.h): the same numbers on every architecture. */
const MFD_CLOEXEC = 0x1;
const MFD_ALLOW_SEALING = 0x2;
/** Linux 6.3: executable whatever vm.memfd_noexec's default; before it, EINVAL (and every memfd runs). */
const MFD_EXEC = 0x10;
const F_ADD_SEALS = 1033;
/** F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE: nobody may change it, or unseal it. */
const ALL_SEALS = 0x1 | 0x2 | 0x4 | 0x8;
/** O_CLOEXEC and O_RDONLY (asm-generic/fcntl.h, which x86-64 and arm64 use). */
const O_CLOEXEC = 0o2000000;
const O_RDONLY = 0;
/** glibc's spawn.h: reset every signal's handler, set the mask, leave the session (setsid). */
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;
/** Room for glibc's opaque posix_spawn_file_actions_t (80 bytes), posix_spawnattr_t (336), sigset_t (128). */
const OPAQUE_SIZE = 1024;
const WNOHANG = 1;

interface Libc {
  mknod(path: string, mode: number, dev: number): number;
  lsetxattr(path: string, name: string, value: Buffer, size: number, flags: number): number;
  lgetxattr(path: string, name: string, value: Buffer, size: number): number;
  ioctl(fd: number, request: number, type: 'void *', argument: Buffer): number;
  memfd_create(name: string, flags: number): number;
  fcntl(fd: number, command: number, type: 'int', argument: number): number;
  pipe2(fds: number[], flags: number): number;
  posix_spawn(
    pid: number[],
    path: string,
    actions: Buffer,
    attributes: Buffer,
    argv: (string | null)[],
    envp: (string | null)[],
  ): number;
  posix_spawn_file_actions_init(actions: Buffer): number;
  posix_spawn_file_actions_addopen(actions: Buffer, fd: number, path: string, flags: number, mode: number): number;
  posix_spawn_file_actions_adddup2(actions: Buffer, fd: number, target: number): number;
  posix_spawn_file_actions_destroy(actions: Buffer): number;
  posix_spawnattr_init(attributes: Buffer): number;
  posix_spawnattr_setflags(attributes: Buffer, flags: number): number;
  posix_spawnattr_setsigdefault(attributes: Buffer, signals: Buffer): number;
  posix_spawnattr_setsigmask(attributes: Buffer, signals: Buffer): number;
  posix_spawnattr_destroy(attributes: Buffer): number;
  sigfillset(signals: Buffer): number;
  sigemptyset(signals: Buffer): number;
  waitpid(pid: number, status: number[], options: number): number;
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
    memfd_create: lib.func('int memfd_create(const char *name, unsigned int flags)'),
    fcntl: lib.func('int fcntl(int fd, int command, ...)'),
    pipe2: lib.func('int pipe2(_Out_ int *fds, int flags)'),
    posix_spawn: lib.func(
      'int posix_spawn(_Out_ int *pid, const char *path, void *actions, void *attributes, const char **argv, const char **envp)',
    ),
    posix_spawn_file_actions_init: lib.func('int posix_spawn_file_actions_init(void *actions)'),
    posix_spawn_file_actions_addopen: lib.func(
      'int posix_spawn_file_actions_addopen(void *actions, int fd, const char *path, int flags, uint32_t mode)',
    ),
    posix_spawn_file_actions_adddup2: lib.func(
      'int posix_spawn_file_actions_adddup2(void *actions, int fd, int target)',
    ),
    posix_spawn_file_actions_destroy: lib.func('int posix_spawn_file_actions_destroy(void *actions)'),
    posix_spawnattr_init: lib.func('int posix_spawnattr_init(void *attributes)'),
    posix_spawnattr_setflags: lib.func('int posix_spawnattr_setflags(void *attributes, short flags)'),
    posix_spawnattr_setsigdefault: lib.func('int posix_spawnattr_setsigdefault(void *attributes, const void *signals)'),
    posix_spawnattr_setsigmask: lib.func('int posix_spawnattr_setsigmask(void *attributes, const void *signals)'),
    posix_spawnattr_destroy: lib.func('int posix_spawnattr_destroy(void *attributes)'),
    sigfillset: lib.func('int sigfillset(void *signals)'),
    sigemptyset: lib.func('int sigemptyset(void *signals)'),
    waitpid: lib.func('int waitpid(int pid, _Out_ int *status, int options)'),
  } as Libc;
  return libc;
}

/** An errno as its name (EPERM), as the runtime names every failed call: `mknod PATH: EPERM`. */
function failure(call: string, path: string | number, errno = koffi.errno()): Error {
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

/**
 * A memfd holding `contents`, sealed against any change (memfd_create(2): F_SEAL_WRITE, SHRINK and
 * GROW refuse everyone, F_SEAL_SEAL their removal), closed on exec. Its descriptor stays open.
 */
export function sealedMemfd(name: string, contents: Buffer): number {
  const libc = load();
  let fd = libc.memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && koffi.errno() === constants.errno.EINVAL) fd = libc.memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) throw failure('memfd_create', name);
  try {
    for (let written = 0; written < contents.length;)
      written += writeSync(fd, contents, written, contents.length - written);
    if (libc.fcntl(fd, F_ADD_SEALS, 'int', ALL_SEALS) !== 0) throw failure('fcntl F_ADD_SEALS', name);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}

/** A program started by spawnWithPipes: its pid, and our ends of its pipes. */
export interface SpawnedProgram {
  pid: number;
  /** The pipe to its stdin, when it was asked for (else its stdin is /dev/null). */
  stdin?: number;
  stdout: number;
  stderr: number;
}

/**
 * posix_spawn(3) of `path` with stdout and stderr into two new pipes, and stdin /dev/null or (with
 * `input`) a third pipe, in a session of its own, every signal at its default and none blocked (the
 * daemon's own ignored SIGPIPE stays behind; glibc's own 32 and 33 stay ignored, which sigfillset
 * cannot name: the shim resets them for its container). glibc starts it with clone(CLONE_VM | CLONE_VFORK): no
 * copy of this process's page tables, which is what makes Node's fork-based child_process cost
 * milliseconds in a big process. Our ends are close-on-exec. The caller reads the pipes and reaps the
 * pid (exitStatus).
 */
export function spawnWithPipes(
  path: string,
  argv: readonly string[],
  env: readonly string[],
  input = false,
): SpawnedProgram {
  const libc = load();
  const stdin = [-1, -1];
  const stdout = [-1, -1];
  const stderr = [-1, -1];
  const actions = Buffer.alloc(OPAQUE_SIZE);
  const attributes = Buffer.alloc(OPAQUE_SIZE);
  const signals = Buffer.alloc(OPAQUE_SIZE);
  let ours = true;
  try {
    if (
      (input && libc.pipe2(stdin, O_CLOEXEC) !== 0) ||
      libc.pipe2(stdout, O_CLOEXEC) !== 0 ||
      libc.pipe2(stderr, O_CLOEXEC) !== 0
    )
      throw failure('pipe2', path);
    const setUp = [
      libc.posix_spawn_file_actions_init(actions),
      input
        ? libc.posix_spawn_file_actions_adddup2(actions, stdin[0]!, 0)
        : libc.posix_spawn_file_actions_addopen(actions, 0, '/dev/null', O_RDONLY, 0),
      libc.posix_spawn_file_actions_adddup2(actions, stdout[1]!, 1),
      libc.posix_spawn_file_actions_adddup2(actions, stderr[1]!, 2),
      libc.posix_spawnattr_init(attributes),
      libc.sigfillset(signals),
      libc.posix_spawnattr_setsigdefault(attributes, signals),
      libc.sigemptyset(signals),
      libc.posix_spawnattr_setsigmask(attributes, signals),
      libc.posix_spawnattr_setflags(attributes, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK),
    ].find((result) => result !== 0);
    if (setUp !== undefined) throw failure('posix_spawn set-up', path, setUp);
    const pid = [0];
    const error = libc.posix_spawn(pid, path, actions, attributes, [...argv, null], [...env, null]);
    if (error !== 0) throw failure('posix_spawn', path, error); // it returns the errno
    ours = false;
    return { pid: pid[0]!, ...(input && { stdin: stdin[1]! }), stdout: stdout[0]!, stderr: stderr[0]! };
  } finally {
    libc.posix_spawn_file_actions_destroy(actions);
    libc.posix_spawnattr_destroy(attributes);
    const theirs = [stdin[0], stdout[1], stderr[1]];
    for (const fd of [...theirs, ...(ours ? [stdin[1], stdout[0], stderr[0]] : [])]) if (fd! >= 0) closeSync(fd!);
  }
}

/**
 * The end of a child started by spawnWithPipes, as a shell says it (its code, or 128 + the signal
 * that ended it), reaped; undefined while it runs (waitpid(2), WNOHANG).
 */
export function exitStatus(pid: number): number | undefined {
  const status = [0];
  const reaped = load().waitpid(pid, status, WNOHANG);
  if (reaped < 0) throw failure('waitpid', pid);
  if (reaped === 0) return undefined;
  const signal = status[0]! & 0x7f; // wait(2): WIFEXITED is signal 0, WEXITSTATUS the next byte
  return signal === 0 ? (status[0]! >> 8) & 0xff : 128 + signal;
}
