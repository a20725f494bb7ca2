// What the guest is given for one run, written into the run directory, which the guest reads through
// the root share (vm/init.sh): guest.env for its init (the results share, the hostname, the writable
// places) and command.sh, the command with its environment and working directory.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { VmError } from './host.mjs';
import { projectRoot } from './paths.mjs';

const HOSTNAME = 'mydocker-vm';
/** Variables that cross into the guest unless the caller says otherwise; MYDOCKER_* and LAB_* too. */
const PASSED = ['TERM', 'LANG', 'LC_ALL', 'TZ', 'CI', 'FORCE_COLOR', 'NO_COLOR'];
const STANDARD_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
/**
 * Where the guest writes: a tmpfs each, with its mount options. /tmp and /var/tmp as systemd mounts
 * them; /root and /var/lib/mydocker (the runtime's default state) as a plain disk would be, since
 * container root filesystems under the latter need set-uid programs and device nodes to work.
 */
const WRITABLE = {
  '/tmp': 'mode=1777,nosuid,nodev',
  '/var/tmp': 'mode=1777,nosuid,nodev',
  '/root': 'mode=700',
  '/var/lib/mydocker': 'mode=711',
};

/**
 * The writable places, less any that holds the project or the working directory: a tmpfs there
 * would hide them (a project cloned into /root, say). That place then stays read-only.
 * @param {readonly string[]} paths
 * @returns {[dir: string, options: string][]}
 */
export function writablePlaces(paths) {
  /** @param {string} dir */
  const holds = (dir) => paths.some((path) => path === dir || path.startsWith(`${dir}/`));
  return Object.entries(WRITABLE).filter(([dir]) => !holds(dir));
}

/**
 * The guest's scratch directory, for TMPDIR and caches: /tmp, unless the project lives there and
 * /tmp therefore stays read-only (a checkout under /tmp, as CI may make); then the next writable one.
 * @param {readonly string[]} paths
 * @returns {string}
 */
export function scratchDir(paths) {
  const writable = writablePlaces(paths).map(([dir]) => dir);
  const scratch = ['/tmp', '/var/tmp', '/var/lib/mydocker'].find((dir) => writable.includes(dir));
  if (!scratch)
    throw new VmError(`the project's path (${paths[0]}) hides every writable place in the VM: move the project`);
  return scratch;
}

/** `'it'\''s'`: one argument for sh, whatever it contains. @param {unknown} text */
export function quote(text) {
  return `'${String(text).replaceAll("'", `'\\''`)}'`;
}

/**
 * The guest's environment: the caller's variables that matter, then `extra`, and a PATH with the project's bins first.
 * @param {Record<string, string>} [extra]
 * @param {NodeJS.ProcessEnv} [from]
 * @returns {Record<string, string> & { PATH: string, HOME: string }}
 */
export function guestEnv(extra = {}, from = process.env) {
  /** @type {Record<string, string>} */
  const env = {};
  for (const [name, value] of Object.entries(from)) {
    const passed =
      PASSED.includes(name) ||
      ((name.startsWith('MYDOCKER_') || name.startsWith('LAB_')) && !name.startsWith('LAB_VM_'));
    if (passed && value !== undefined) env[name] = value;
  }
  Object.assign(env, extra);
  const path = [
    join(projectRoot, 'node_modules', '.bin'),
    dirname(process.execPath),
    ...(env.PATH ?? from.PATH ?? '').split(':'),
    ...STANDARD_PATH,
  ];
  const guest = { ...env, PATH: [...new Set(path.filter(Boolean))].join(':'), HOME: env.HOME ?? '/root' };
  for (const name of Object.keys(guest)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new VmError(`cannot pass the variable '${name}' into the VM: not a valid name`);
  }
  return guest;
}

/**
 * Writes guest.env and command.sh into `runDir`. The command runs under `env -i`, so command.sh
 * exports every variable it gets; it runs in `cwd` and replaces the shell (exec).
 * @param {string} runDir
 * @param {{ results: string, writable: readonly [string, string][], env: Record<string, string>, cwd: string, command: readonly string[] }} files
 */
export function writeGuestFiles(runDir, { results, writable, env, cwd, command }) {
  writeFileSync(
    join(runDir, 'guest.env'),
    [
      `results=${quote(results)}`,
      `hostname=${HOSTNAME}`,
      `writable=${quote(writable.map(([dir, options]) => `${dir}:${options}`).join(' '))}`,
    ].join('\n') + '\n',
  );
  writeFileSync(
    join(runDir, 'command.sh'),
    [
      ...Object.entries(env).map(([name, value]) => `export ${name}=${quote(value)}`),
      `cd ${quote(cwd)} || exit 125`,
      `exec ${command.map(quote).join(' ')}`,
    ].join('\n') + '\n',
  );
}
