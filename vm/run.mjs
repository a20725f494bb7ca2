#!/usr/bin/env node
// The micro-VM runner: boots Debian's kernel under qemu with the host's / as its read-only root,
// cgroup v2 only, and runs one command in it as root, so that the course is checked on a pure v2
// machine even where the host is v1 (docs/vm.md).
//
//   node vm/run.mjs [--timeout S] [--env NAME[=VALUE]]... [--keep] [--verbose] -- COMMAND [ARG...]
//
// The command's stdout and stderr come back on the runner's, and its exit code is the runner's.
// LAB_VM_RESULTS in the guest names a read-write directory shared with the host (kept with --keep).
// Other modules use runInVm(); the CLI below is a thin layer over it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { guestEnv, scratchDir, writablePlaces, writeGuestFiles } from './guest.mjs';
import { findBusybox, findKernel, findQemu, VmError } from './host.mjs';
import { ensureInitramfs } from './initramfs.mjs';
import { CHANNELS, qemuArgs } from './qemu.mjs';
import { bootableKernel } from './vmlinux.mjs';

export { VmError } from './host.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const projectRoot = join(here, '..');
/** Everything the runner writes on the host: the cached initramfs, runs/ (per run), results/ (kept). */
export const vmDir = join(projectRoot, '.lab', 'vm');
const runsDir = join(vmDir, 'runs');
const { signals } = constants;

/**
 * vitest's options for a run inside the VM, where the project is read-only: the config is loaded
 * without writing a bundled copy next to it (node_modules/.vite-temp), and the caches it keeps
 * between runs (node_modules/.vite/vitest, node_modules/.vitest-cache) go to the guest's scratch dir.
 * Under TCG everything runs about ten times slower than on the host, so a check gets 60 s, not 20.
 */
export function vitestInVm(cwd = process.cwd()) {
  const scratch = scratchDir([projectRoot, cwd]);
  return ['--configLoader', 'runner', '--no-cache', '--fsModuleCachePath', `${scratch}/vitest-cache`];
}

/**
 * What the checker needs in the guest: its limits scaled for TCG (about ten times slower than the
 * host), and no rebuild of a tree it sees read-only (the host built it before booting).
 */
export const CHECKER_ENV_IN_VM = { LAB_TIME_SCALE: '5', MYDOCKER_NO_BUILD: '1' };

/** Throws the VmError that says what to install when this host cannot run the VM; else describes it. */
export function vmPrerequisites() {
  const { qemu } = findQemu();
  const kernel = findKernel();
  findBusybox();
  return { qemu, kernel: kernel.path };
}

/** Removes the run directories of runners that are gone (killed before they could clean up). */
function sweepRuns() {
  let names = [];
  try {
    names = readdirSync(runsDir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(name.split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && !existsSync(`/proc/${pid}`))
      rmSync(join(runsDir, name), { recursive: true, force: true });
  }
}

/** Listens on a unix socket for qemu's one connection; `onData` gets what the guest writes. */
function listen(path, onData) {
  const server = createServer();
  let connected = false;
  const closed = new Promise((resolve) => {
    server.once('connection', (socket) => {
      connected = true;
      server.close(); // one connection only
      socket.on('data', onData);
      socket.on('close', resolve);
      socket.on('error', () => {});
    });
    server.once('close', () => connected || resolve()); // qemu never connected: nothing to wait for
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve({ server, closed }));
  });
}

/**
 * Boots the VM, runs `command` in it and powers it off. Resolves with the command's exit code once
 * the VM is gone; rejects with a VmError (one line for the user) when the VM could not run it.
 *
 * @param {import('./run.d.mts').RunInVmOptions} options
 * @returns {Promise<import('./run.d.mts').RunInVmResult>}
 */
export async function runInVm({
  command,
  env = {},
  cwd = process.cwd(),
  keep = false,
  resultsDir,
  timeoutMs = 600_000,
  onStdout = (chunk) => process.stdout.write(chunk),
  onStderr = (chunk) => process.stderr.write(chunk),
  onConsole,
  signal,
  accel = process.env.LAB_VM_ACCEL === 'kvm' ? 'kvm' : 'tcg',
  cpus = 2,
  memoryMiB = 2048,
}) {
  if (!command?.length) throw new VmError('no command to run in the VM (vm/run.mjs -- COMMAND...)', 2);
  const { qemu, setpriv } = findQemu();
  const kernel = findKernel();
  const busybox = findBusybox();
  const writable = writablePlaces([projectRoot, cwd]);
  const scratch = scratchDir([projectRoot, cwd]);
  const guest = guestEnv({ TMPDIR: scratch, ...(writable.some(([dir]) => dir === '/root') ? {} : { HOME: scratch }), ...env });
  sweepRuns();

  const id = `${process.pid}-${Date.now().toString(36)}`;
  const runDir = join(runsDir, id);
  // The run directory is a kernel parameter: keep to characters the command line carries as they are.
  if (!/^[\w@%+=:,./-]+$/.test(runDir))
    throw new VmError(`the project's path has characters the VM cannot be given (${runDir}): move the project`);
  const ownResults = resultsDir === undefined;
  const results = resultsDir ?? (keep ? join(vmDir, 'results', id) : join(runDir, 'results'));
  mkdirSync(runDir, { recursive: true });
  const started = Date.now();
  let child;
  const killQemu = () => child?.exitCode === null && child.signalCode === null && child.kill('SIGKILL');
  process.on('exit', killQemu);
  try {
    mkdirSync(results, { recursive: true });
    // The guest mounts a tmpfs here, and a mount needs a directory to cover (the host's / is read-only to it).
    try {
      mkdirSync('/var/lib/mydocker', { recursive: true });
    } catch {
      // not root: the guest says so if it matters
    }
    const bootKernel = bootableKernel({ cacheDir: vmDir, kernel });
    const initramfs = ensureInitramfs({ cacheDir: vmDir, kernel, busybox, initScript: join(here, 'init.sh') });
    writeGuestFiles(runDir, { results, writable, env: { ...guest, LAB_VM_RESULTS: results }, cwd, command });

    let consoleText = '';
    let statusText = '';
    let bootMs;
    const sockets = Object.fromEntries(CHANNELS.map((name) => [name, join(runDir, `${name}.sock`)]));
    const handlers = {
      stdout: onStdout,
      stderr: onStderr,
      status: (chunk) => {
        statusText += chunk.toString();
        if (bootMs === undefined && statusText.includes('started\n')) bootMs = Date.now() - started;
      },
      console: (chunk) => {
        consoleText = (consoleText + chunk.toString()).slice(-20_000);
        onConsole?.(chunk);
      },
    };
    const channels = await Promise.all(CHANNELS.map((name) => listen(sockets[name], handlers[name])));

    // quiet loglevel=0: nothing from the kernel on the console (LAB_VM_CMDLINE replaces these, to debug);
    // panic=-1 and qemu's -no-reboot: if init dies, qemu exits at once instead of hanging until the timeout;
    // random.trust_cpu=on: the RNG is ready from RDRAND at boot, so Node's first random bytes never wait;
    // cryptomgr.notests tsc=reliable no_timer_check: crypto self-tests and clock checks, 0.2 s under TCG.
    const cmdline = [
      'console=ttyS0',
      process.env.LAB_VM_CMDLINE ?? 'quiet loglevel=0',
      'panic=-1 random.trust_cpu=on cryptomgr.notests tsc=reliable no_timer_check',
      `vmrun=${runDir}`,
    ].join(' ');
    const args = qemuArgs({
      kernel: bootKernel,
      initramfs,
      cmdline,
      resultsDir: results,
      sockets,
      accel,
      cpus,
      memoryMiB,
    });
    // qemu stays in the runner's process group (a Ctrl-C stops both), and dies with the runner:
    // setpriv --pdeathsig has the kernel kill it if the runner goes first, even by SIGKILL.
    child = spawn(setpriv, ['--pdeathsig', 'KILL', '--', qemu, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let qemuErrors = '';
    child.stderr.on('data', (chunk) => (qemuErrors = (qemuErrors + chunk.toString()).slice(-4_000)));
    let stoppedBy;
    const stop = (reason) => {
      stoppedBy ??= reason;
      killQemu();
    };
    const timer = setTimeout(() => stop('timeout'), timeoutMs);
    const onAbort = () => stop(signal?.reason ?? 'abort');
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort);
    const [code, qemuSignal] = await new Promise((resolve) => child.once('close', (...exit) => resolve(exit)));
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    channels.forEach(({ server }) => server.close());
    await Promise.all(channels.map(({ closed }) => closed));

    const exit = /^exit (\d+)$/m.exec(statusText);
    const durationMs = Date.now() - started;
    if (exit && !stoppedBy) return { exitCode: Number(exit[1]), resultsDir: results, bootMs, durationMs };
    if (stoppedBy === 'timeout') {
      throw new VmError(
        `the command did not finish within ${Math.round(timeoutMs / 1000)} s: the VM was stopped (--timeout S allows more)`,
        124,
      );
    }
    if (stoppedBy || qemuSignal) {
      const name = typeof stoppedBy === 'string' ? stoppedBy : qemuSignal;
      throw new VmError(`the VM was stopped (${name}) before the command finished`, 128 + (signals[name] ?? 2));
    }
    const why = lastLines(consoleText, 15) || lastLines(qemuErrors, 5) || `qemu exited with code ${code}`;
    throw new VmError(`the VM stopped before the command finished:\n${why}`);
  } finally {
    process.off('exit', killQemu);
    killQemu();
    rmSync(runDir, { recursive: true, force: true });
    if (ownResults && keep === false) rmSync(results, { recursive: true, force: true });
  }
}

function lastLines(text, count) {
  return text.replaceAll('\r', '').trim().split('\n').slice(-count).join('\n');
}

// --- The command line ----------------------------------------------------------------------------

const USAGE = 'usage: node vm/run.mjs [--timeout S] [--env NAME[=VALUE]]... [--keep] [--verbose] -- COMMAND [ARG...]';

/** Parses the runner's own options, up to `--`. */
export function parseArgs(argv) {
  const options = { timeoutMs: 600_000, env: {}, keep: false, verbose: false };
  let i = 0;
  for (; i < argv.length && argv[i] !== '--'; i++) {
    const arg = argv[i];
    if (arg === '--timeout') {
      const seconds = Number(argv[++i]);
      if (!(seconds > 0)) throw new VmError(`--timeout takes a number of seconds, not '${argv[i] ?? ''}'`, 2);
      options.timeoutMs = seconds * 1000;
    } else if (arg === '--env') {
      const spec = argv[++i] ?? '';
      const [name, ...value] = spec.split('=');
      const given = value.length > 0 ? value.join('=') : process.env[name];
      if (!name) throw new VmError('--env takes NAME or NAME=VALUE', 2);
      if (given !== undefined) options.env[name] = given;
    } else if (arg === '--keep') options.keep = true;
    else if (arg === '--verbose') options.verbose = true;
    else throw new VmError(`unknown option '${arg}'\n${USAGE}`, 2);
  }
  options.command = argv.slice(i + 1);
  if (options.command.length === 0) throw new VmError(USAGE, 2);
  return options;
}

async function main() {
  const abort = new AbortController();
  for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(name, () => abort.abort(name));
  try {
    const options = parseArgs(process.argv.slice(2));
    const result = await runInVm({
      ...options,
      signal: abort.signal,
      onConsole: options.verbose ? (chunk) => process.stderr.write(chunk) : undefined,
    });
    if (options.verbose) {
      const seconds = (ms) => (ms === undefined ? '?' : (ms / 1000).toFixed(1));
      process.stderr.write(
        `vm: boot to command ${seconds(result.bootMs)} s, whole run ${seconds(result.durationMs)} s\n`,
      );
    }
    if (options.keep) process.stderr.write(`vm: results kept in ${result.resultsDir}\n`);
    process.exitCode = result.exitCode;
  } catch (error) {
    if (!(error instanceof VmError)) throw error;
    process.stderr.write(`vm: ${error.message}\n`);
    process.exitCode = error.exitCode;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
