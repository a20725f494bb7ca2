// The guest's initramfs: a static busybox, vm/init.sh as /init, and the kernel modules the guest
// needs before it can mount the host's root over 9p (virtio PCI, virtio console, 9p). Everything
// else it loads with modprobe from the shared /lib/modules, once the share is its root.
//
// Built here, in Node, as an uncompressed cpio ("newc", the format the kernel unpacks), and cached
// under .lab/vm/ by a key of its inputs: a new kernel, busybox or init.sh builds a new one.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { VmError, PROVISION } from './host.mjs';

/** The guest needs these before its root is mounted; their dependencies come along (modules.dep). */
export const EARLY_MODULES = ['virtio_pci', 'virtio_console', '9pnet_virtio', '9p'];

/** `kernel/fs/9p/9p.ko.xz` → `9p`; modprobe treats - and _ alike, so do we. @param {string} path */
function moduleName(path) {
  return basename(path)
    .replace(/\.ko(\.[a-z]+)?$/, '')
    .replaceAll('-', '_');
}

/**
 * The modules to insmod, dependencies first, as paths relative to /lib/modules/<version>.
 * A module built into the kernel needs nothing.
 * @param {string} modulesDir
 * @param {readonly string[]} [wanted]
 * @returns {string[]}
 */
export function moduleLoadOrder(modulesDir, wanted = EARLY_MODULES) {
  const deps = new Map();
  for (const line of readFileSync(join(modulesDir, 'modules.dep'), 'utf8').split('\n')) {
    const [path, rest] = line.split(':');
    if (!path || rest === undefined) continue;
    deps.set(moduleName(path), { path, deps: rest.trim().split(/\s+/).filter(Boolean) });
  }
  let builtin = new Set();
  try {
    builtin = new Set(
      readFileSync(join(modulesDir, 'modules.builtin'), 'utf8').split('\n').filter(Boolean).map(moduleName),
    );
  } catch {
    // no list: then everything not in modules.dep is taken as missing
  }
  /** @type {string[]} */
  const order = [];
  /** @param {string} name */
  const visit = (name) => {
    const entry = deps.get(name);
    if (!entry) {
      if (builtin.has(name)) return;
      throw new VmError(
        `the VM's kernel has no module ${name} (${modulesDir}): ${PROVISION}, or set LAB_VM_KERNEL to another kernel`,
      );
    }
    if (order.includes(entry.path)) return;
    for (const dep of entry.deps) visit(moduleName(dep));
    order.push(entry.path);
  };
  for (const name of wanted) visit(name);
  return order;
}

/**
 * busybox's insmod takes a plain .ko; Debian ships them plain, xz'd or zstd'd depending on release.
 * @param {string} path
 * @param {string} busybox
 * @returns {Buffer}
 */
function readModule(path, busybox) {
  if (path.endsWith('.ko')) return readFileSync(path);
  if (path.endsWith('.gz')) return gunzipSync(readFileSync(path));
  if (path.endsWith('.zst')) return zstdDecompressSync(readFileSync(path));
  if (path.endsWith('.xz')) return execFileSync(busybox, ['xzcat', path], { maxBuffer: 64 * 1024 * 1024 });
  throw new VmError(`cannot read kernel module ${path}: unknown compression`);
}

/**
 * One cpio "newc" archive, the format the kernel's initramfs unpacker reads (Documentation/driver-api/early-userspace/buffer-format.rst).
 * @typedef {{ name: string, mode: number, data?: Buffer, rdev?: readonly [number, number] }} CpioEntry
 * @param {readonly CpioEntry[]} entries
 * @returns {Buffer}
 */
export function cpio(entries) {
  /** @type {Buffer[]} */
  const chunks = [];
  const pad = () => {
    const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    if (length % 4) chunks.push(Buffer.alloc(4 - (length % 4)));
  };
  let ino = 1;
  /** @type {readonly CpioEntry[]} */
  const all = [...entries, { name: 'TRAILER!!!', mode: 0 }];
  for (const { name, mode, data = Buffer.alloc(0), rdev = [0, 0] } of all) {
    const fields = [ino++, mode, 0, 0, 1, 0, data.length, 0, 0, rdev[0], rdev[1], Buffer.byteLength(name) + 1, 0];
    chunks.push(
      Buffer.from('070701' + fields.map((field) => field.toString(16).padStart(8, '0')).join('') + name + '\0'),
    );
    pad();
    chunks.push(data);
    pad();
  }
  return Buffer.concat(chunks);
}

const DIR = 0o040755;
const FILE = 0o100644;
const EXECUTABLE = 0o100755;
const CHAR_DEVICE = 0o020600;

/**
 * The initramfs for `kernel`, built if the cache has none for these inputs. Returns its path.
 * @param {{ cacheDir: string, kernel: import('./host.mjs').Kernel, busybox: string, initScript: string }} options
 * @returns {string}
 */
export function ensureInitramfs({ cacheDir, kernel, busybox, initScript }) {
  const modules = moduleLoadOrder(kernel.modules);
  const inputs = [
    kernel.version,
    statSync(join(kernel.modules, 'modules.dep')).mtimeMs,
    statSync(busybox).mtimeMs,
    statSync(busybox).size,
    readFileSync(initScript, 'utf8'),
    ...modules,
  ];
  const key = createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 12);
  const path = join(cacheDir, `initramfs-${kernel.version}-${key}.cpio`);
  if (existsSync(path)) return path;

  mkdirSync(cacheDir, { recursive: true });
  /** @type {CpioEntry[]} */
  const entries = [
    ...['bin', 'dev', 'proc', 'sys', 'newroot', 'modules'].map((name) => ({ name, mode: DIR })),
    // The kernel opens /dev/console for init's stdin, stdout and stderr before /dev is mounted.
    { name: 'dev/console', mode: CHAR_DEVICE, rdev: [5, 1] },
    { name: 'bin/busybox', mode: EXECUTABLE, data: readFileSync(busybox) },
    { name: 'init', mode: EXECUTABLE, data: readFileSync(initScript) },
    ...modules.map((module) => ({
      name: `modules/${moduleName(module)}.ko`,
      mode: FILE,
      data: readModule(join(kernel.modules, module), busybox),
    })),
    {
      name: 'modules/order',
      mode: FILE,
      data: Buffer.from(modules.map((module) => moduleName(module) + '\n').join('')),
    },
  ];
  // Written aside and renamed, so a run started at the same moment never reads half a file.
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, cpio(entries));
  renameSync(temporary, path);
  for (const name of readdirSync(cacheDir)) {
    if (/^initramfs-.*\.cpio$/.test(name) && join(cacheDir, name) !== path)
      rmSync(join(cacheDir, name), { force: true });
  }
  return path;
}
