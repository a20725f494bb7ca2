// What the micro-VM needs from the host, found once per run: qemu, a kernel in /boot with its modules
// in /lib/modules, and a static busybox for the initramfs. Each missing piece is one line that says
// what to install (`sudo bash vm/provision.sh` installs all of them).
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { BUSYBOX, checkRequirement, filesAt, PROVISION, REQUIREMENTS } from '../scripts/requirements.mjs';

export { PROVISION };

/**
 * The guest's kernel: its vmlinuz, its version, and its /lib/modules directory.
 * @typedef {{ path: string, version: string, modules: string }} Kernel
 */

/** An error the user can act on: the CLI prints its message as one line, without a stack. */
export class VmError extends Error {
  /** @param {string} message @param {number} [exitCode] */
  constructor(message, exitCode = 1) {
    super(message);
    this.name = 'VmError';
    this.exitCode = exitCode;
  }
}

/** @param {string} name @returns {string | undefined} */
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

/** @returns {{ qemu: string, setpriv: string }} */
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

/** Compares kernel versions the way people read them: 6.10 after 6.9. @param {string} a @param {string} b */
function byVersion(a, b) {
  return a.localeCompare(b, 'en', { numeric: true });
}

/**
 * The guest's kernel: LAB_VM_KERNEL (a path to a vmlinuz), else the newest /boot/vmlinuz-<version>
 * whose modules are in /lib/modules/<version>. It need not be the kernel the host runs.
 * @returns {Kernel}
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

/**
 * The initramfs runs busybox before any library exists in the guest: it must be the static build,
 * the very file and test of busybox-static's requirement (scripts/requirements.mjs), which the
 * set-up and `lab doctor` check too.
 * @returns {string}
 */
export function findBusybox() {
  const busybox = REQUIREMENTS.find((requirement) => requirement.package === 'busybox-static');
  if (busybox && checkRequirement(busybox, filesAt('/')).ok) return BUSYBOX;
  throw new VmError(`a static busybox is needed for the VM's initramfs: ${PROVISION} (it installs busybox-static)`);
}
