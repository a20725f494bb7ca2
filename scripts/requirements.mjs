// What the course needs from the machine's packages: one list. The set-up (scripts/setup.mjs) stops
// when one is missing, `lab doctor` shows one line for each, and test/cli/requirements.test.ts proves
// that vm/provision.sh installs each package and that the README names each. Plain JavaScript: npm
// may run the set-up with the machine's older Node.
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';

/** The command that installs every package below (as root: it calls apt-get). */
export const PROVISION = 'sudo bash vm/provision.sh';

/** Debian's busybox-static: the default image is made from it (scripts/build), the VM's initramfs runs it. */
export const BUSYBOX = '/bin/busybox';

/** Where Debian and Ubuntu put commands; root's PATH has all of them, a user's may lack the sbin ones. */
export const BIN_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/**
 * @typedef {object} Requirement
 * @property {string} package The Debian/Ubuntu package.
 * @property {readonly string[]} [commands] Commands it provides, each looked for in BIN_DIRS.
 * @property {readonly string[]} [files]
 * @property {string} [staticElf] A file that must be a statically linked ELF.
 * @property {string} why What the course uses it for.
 */

/**
 * Each Debian/Ubuntu package, what the course uses from it, and how to see that it is there: commands
 * (each in one of BIN_DIRS), files, or a statically linked ELF file.
 * @type {readonly Requirement[]}
 */
export const REQUIREMENTS = [
  { package: 'gcc', commands: ['gcc'], why: 'builds the native helper (native/)' },
  { package: 'make', commands: ['make'], why: 'builds the native helper (native/)' },
  { package: 'libc6-dev', files: ['/usr/include/stdio.h'], why: 'the C headers the native helper includes' },
  {
    package: 'busybox-static',
    staticElf: BUSYBOX,
    why: 'the default image, made at set-up, and the VM',
  },
  { package: 'iptables', commands: ['iptables'], why: "the checker reads the lab host's rules" },
  { package: 'iproute2', commands: ['ip'], why: "the checker reads the lab host's links" },
  { package: 'procps', commands: ['ps'], why: 'the checks list processes' },
  { package: 'util-linux', commands: ['unshare', 'nsenter'], why: "the checker's lab host" },
  { package: 'attr', commands: ['getfattr'], why: "chapter 4's checks read a layer's xattrs" },
];

/**
 * An ELF file is dynamically linked when it has a PT_INTERP program header (elf(5)); undefined: not a 64-bit little-endian ELF.
 * @param {Buffer} head the file's first bytes (its program headers included)
 * @returns {boolean | undefined}
 */
export function isStaticElf(head) {
  if (head.length < 64 || head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return undefined;
  const phoff = Number(head.readBigUInt64LE(0x20));
  const phentsize = head.readUInt16LE(0x36);
  const phnum = head.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 4 > head.length) return undefined;
    if (head.readUInt32LE(at) === 3 /* PT_INTERP */) return false;
  }
  return true;
}

/**
 * How a machine looks to `check`: `exists(path)` and `head(path, bytes)` (undefined when unreadable).
 * @typedef {{ exists(path: string): boolean, head(path: string, bytes: number): Buffer | undefined }} Files
 */

/** The files of the machine whose root is `root` ('/' for this one). @returns {Files} */
export function filesAt(root = '/') {
  return {
    exists: (path) => existsSync(join(root, path)),
    head: (path, bytes) => {
      try {
        const fd = openSync(join(root, path), 'r');
        try {
          const buffer = Buffer.alloc(bytes);
          return buffer.subarray(0, readSync(fd, buffer, 0, bytes, 0));
        } finally {
          closeSync(fd);
        }
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * What was found of one requirement: `ok`, and in a few words what is there or what is not.
 * @param {Requirement} requirement
 * @param {Files} files
 * @returns {{ ok: boolean, detail: string }}
 */
export function checkRequirement(requirement, files) {
  if (requirement.staticElf) {
    const path = requirement.staticElf;
    const head = files.head(path, 4096);
    if (head === undefined) return { ok: false, detail: `${path} not found` };
    const isStatic = isStaticElf(head);
    if (isStatic === false) return { ok: false, detail: `${path} is dynamically linked` };
    return { ok: true, detail: isStatic ? `${path}, statically linked` : path };
  }
  /** @type {string[]} */
  const found = [];
  /** @type {string[]} */
  const missing = [];
  for (const file of requirement.files ?? []) (files.exists(file) ? found : missing).push(file);
  for (const command of requirement.commands ?? []) {
    const path = BIN_DIRS.map((dir) => `${dir}/${command}`).find((candidate) => files.exists(candidate));
    if (path) found.push(path);
    else missing.push(command);
  }
  return missing.length === 0
    ? { ok: true, detail: found.join(', ') }
    : { ok: false, detail: `${missing.join(', ')} not found` };
}

/** The requirements this machine lacks. @param {Files} files @returns {Requirement[]} */
export function missingRequirements(files = filesAt('/')) {
  return REQUIREMENTS.filter((requirement) => !checkRequirement(requirement, files).ok);
}

/** The one line the set-up stops with when packages are missing. @param {readonly Requirement[]} missing */
export function missingLine(missing) {
  const names = missing.map((requirement) => requirement.package);
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return `write-your-own-docker: set-up stopped: the package${names.length === 1 ? '' : 's'} ${list} ${names.length === 1 ? 'is' : 'are'} missing: run \`${PROVISION}\` (in a root shell: \`bash vm/provision.sh\`), then \`npm install\` again; \`npx lab doctor\` says what each is for`;
}
