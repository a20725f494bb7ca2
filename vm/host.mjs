// What the micro-VM needs from the host, found once per run: qemu, a kernel in /boot with its modules
// in /lib/modules, and a static busybox for the initramfs. Each missing piece is one line that says
// what to install (`sudo bash vm/provision.sh` installs all of them).
import { accessSync, constants, existsSync, openSync, readdirSync, readSync, closeSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { PROVISION } from '../scripts/requirements.mjs';

export { PROVISION };

/** An error the user can act on: the CLI prints its message as one line, without a stack. */
export class VmError extends Error {
  /** @param {string} message @param {number} [exitCode] */
  constructor(message, exitCode = 1) {
    super(message);
    this.name = 'VmError';
    this.exitCode = exitCode;
  }
}

/** @param {string} name */
function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

export function findQemu() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new VmError(
      `the micro-VM runs on x86_64 Linux only (this is ${process.platform}/${process.arch}): use a VM (README, "Using a VM")`,
    );
  }
  const qemu = onPath('qemu-system-x86_64');
  if (!qemu) throw new VmError(`qemu-system-x86_64 is not installed: ${PROVISION} (it installs qemu-system-x86)`);
  // setpriv --pdeathsig makes the kernel kill qemu when the runner dies, even by SIGKILL.
  const setpriv = onPath('setpriv');
  if (!setpriv) throw new VmError(`setpriv (util-linux) is not installed: ${PROVISION}`);
  return { qemu, setpriv };
}

/** Compares kernel versions the way people read them: 6.10 after 6.9. */
function byVersion(a, b) {
  return a.localeCompare(b, 'en', { numeric: true });
}

/**
 * The guest's kernel: LAB_VM_KERNEL (a path to a vmlinuz), else the newest /boot/vmlinuz-<version>
 * whose modules are in /lib/modules/<version>. It need not be the kernel the host runs.
 */
export function findKernel() {
  const wanted = process.env.LAB_VM_KERNEL;
  const candidates = wanted
    ? [wanted]
    : (existsSync('/boot') ? readdirSync('/boot') : [])
        .filter((name) => name.startsWith('vmlinuz-'))
        .sort(byVersion)
        .reverse()
        .map((name) => join('/boot', name));
  for (const path of candidates) {
    const version = path.replace(/^.*vmlinuz-/, '');
    const modules = join('/lib/modules', version);
    if (existsSync(join(modules, 'modules.dep'))) {
      try {
        accessSync(path, constants.R_OK);
      } catch {
        throw new VmError(`cannot read the VM's kernel ${path}: run as root`);
      }
      return { path, version, modules };
    }
  }
  if (wanted)
    throw new VmError(`LAB_VM_KERNEL=${wanted}: no such kernel, or no /lib/modules/<its version>/modules.dep`);
  throw new VmError(
    `no kernel for the VM in /boot (with its modules in /lib/modules): ${PROVISION} (it installs linux-image-amd64)`,
  );
}

/** True when the ELF file at `path` asks for a program interpreter (ld.so), so it is not static. */
function isDynamic(path) {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(64);
    readSync(fd, header, 0, 64, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2) return true; // not a 64-bit ELF: unusable
    const phoff = Number(header.readBigUInt64LE(32));
    const phentsize = header.readUInt16LE(54);
    const phnum = header.readUInt16LE(56);
    const table = Buffer.alloc(phentsize * phnum);
    readSync(fd, table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) if (table.readUInt32LE(i * phentsize) === 3 /* PT_INTERP */) return true;
    return false;
  } finally {
    closeSync(fd);
  }
}

/** The initramfs runs busybox before any library exists in the guest: it must be the static build. */
export function findBusybox() {
  for (const path of ['/bin/busybox', '/usr/bin/busybox']) {
    if (existsSync(path) && !isDynamic(path)) return path;
  }
  throw new VmError(`a static busybox is needed for the VM's initramfs: ${PROVISION} (it installs busybox-static)`);
}
