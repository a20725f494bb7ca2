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
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { guestEnv, scratchDir, writablePlaces, writeGuestFiles } from './guest.mjs';
import { findBusybox, findKernel, findQemu, VmError } from './host.mjs';
import { ensureInitramfs } from './initramfs.mjs';
import { projectRoot, vmDir, vmSourceDir } from './paths.mjs';
import { CHANNELS, qemuArgs } from './qemu.mjs';
import { bootableKernel } from './vmlinux.mjs';

export { VmError } from './host.mjs';
export { projectRoot, vmDir } from './paths.mjs';

const runsDir = join(vmDir, 'runs');
/** @type {Partial<Record<string, number>>} */
const signals = constants.signals;

/**
 * @typedef {object} RunInVmOptions
 * @property {readonly string[]} command The command and its arguments, run as root in the guest (looked up on the guest's PATH).
 * @property {Record<string, string>} [env] Variables for the command, over those passed from the caller's environment (MYDOCKER_*, LAB_*, TERM, ...).
 * @property {string} [cwd] The command's working directory; the caller's by default. It must be visible in the guest (not under /tmp).
 * @property {boolean} [keep] Keep the results directory after the run (under .lab/vm/results/ unless `resultsDir` is given).
 * @property {string} [resultsDir] A host directory to share read-write at the same path in the guest; the caller owns it. By default the runner makes one.
 * @property {number} [timeoutMs] The whole run's limit, boot included; 600 s by default.
 * @property {(chunk: Buffer) => void} [onStdout]
 * @property {(chunk: Buffer) => void} [onStderr]
 * @property {(chunk: Buffer) => void} [onConsole] The serial console: the kernel's and the guest init's messages.
 * @property {AbortSignal} [signal] Aborting stops the VM at once; the run then rejects with a VmError.
 * @property {'tcg' | 'kvm'} [accel] 'tcg' (qemu emulates the CPU, works everywhere) by default; 'kvm' where /dev/kvm works (LAB_VM_ACCEL=kvm).
 * @property {number} [cpus]
 * @property {number} [memoryMiB]
 */

/**
 * @typedef {object} RunInVmResult
 * @property {number} exitCode
 * @property {string} resultsDir The read-write share; removed after the run unless `keep` or the caller gave it.
 * @property {number | undefined} bootMs From starting qemu to the command starting in the guest.
 * @property {number} durationMs
 */

/**
 * Throws the VmError that says what to install when this host cannot run the VM; else describes it.
 * @returns {{ qemu: string, kernel: string }}
 */
export function vmPrerequisites() {
  const { qemu } = findQemu();
  const kernel = findKernel();
  findBusybox();
  return { qemu, kernel: kernel.path };
}

/** Removes the run directories of runners that are gone (killed before they could clean up). */
function sweepRuns() {
  /** @type {string[]} */
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

/**
 * Listens on a unix socket for qemu's one connection; `onData` gets what the guest writes.
 * @param {string} path
 * @param {(chunk: Buffer) => void} onData
 * @returns {Promise<{ server: import('node:net').Server, closed: Promise<void> }>}
 */
function listen(path, onData) {
  const server = createServer();
  let connected = false;
  /** @type {Promise<void>} */
  const closed = new Promise((resolve) => {
    server.once('connection', (socket) => {
      connected = true;
      server.close(); // one connection only
      socket.on('data', onData);
      socket.on('close', () => resolve());
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
 * Step 1: what this run needs from the host (a VmError names what is missing), and its own run
 * directory, whose path the guest gets on its kernel command line.
 * @param {{ command: readonly string[], cwd: string, env: Record<string, string> }} options
 */
function planRun({ command, cwd, env }) {
  if (!command.length) throw new VmError('no command to run in the VM (vm/run.mjs -- COMMAND...)', 2);
  const { qemu, setpriv } = findQemu();
  const kernel = findKernel();
  const busybox = findBusybox();
  const writable = writablePlaces([projectRoot, cwd]);
  const scratch = scratchDir([projectRoot, cwd]);
  const guest = guestEnv({
    TMPDIR: scratch,
    ...(writable.some(([dir]) => dir === '/root') ? {} : { HOME: scratch }),
    ...env,
  });
  const id = `${process.pid}-${Date.now().toString(36)}`;
  const runDir = join(runsDir, id);
  // The run directory is a kernel parameter: keep to characters the command line carries as they are.
  if (!/^[\w@%+=:,./-]+$/.test(runDir))
    throw new VmError(`the project's path has characters the VM cannot be given (${runDir}): move the project`);
  return { qemu, setpriv, kernel, busybox, writable, guest, id, runDir };
}

/**
 * Step 2: the files the boot reads: the kernel qemu boots, the initramfs (both cached), and the
 * guest's own files in the run directory.
 * @param {ReturnType<typeof planRun>} run
 * @param {{ results: string, cwd: string, command: readonly string[] }} options
 */
function prepareBoot({ kernel, busybox, writable, guest, runDir }, { results, cwd, command }) {
  mkdirSync(results, { recursive: true });
  // The guest mounts a tmpfs here, and a mount needs a directory to cover (the host's / is read-only to it).
  try {
    mkdirSync('/var/lib/mydocker', { recursive: true });
  } catch {
    // not root: the guest says so if it matters
  }
  const bootKernel = bootableKernel({ cacheDir: vmDir, kernel });
  const initramfs = ensureInitramfs({ cacheDir: vmDir, kernel, busybox, initScript: join(vmSourceDir, 'init.sh') });
  writeGuestFiles(runDir, { results, writable, env: { ...guest, LAB_VM_RESULTS: results }, cwd, command });
  return { bootKernel, initramfs };
}

/**
 * The guest's kernel command line.
 * quiet loglevel=0: nothing from the kernel on the console (LAB_VM_CMDLINE replaces these, to debug);
 * panic=-1 and qemu's -no-reboot: if init dies, qemu exits at once instead of hanging until the timeout;
 * random.trust_cpu=on: the RNG is ready from RDRAND at boot, so Node's first random bytes never wait;
 * cryptomgr.notests tsc=reliable no_timer_check: crypto self-tests and clock checks, 0.2 s under TCG.
 * @param {string} runDir
 */
function kernelCmdline(runDir) {
  return [
    'console=ttyS0',
    process.env.LAB_VM_CMDLINE ?? 'quiet loglevel=0',
    'panic=-1 random.trust_cpu=on cryptomgr.notests tsc=reliable no_timer_check',
    `vmrun=${runDir}`,
  ].join(' ');
}

/**
 * Step 3: a unix socket per channel (qemu.mjs), listened on before qemu starts. What the guest says
 * on them is collected: the status lines (the command's start and exit), the console's last 20 kB.
 * @param {string} runDir
 * @param {{ started: number, onStdout: (chunk: Buffer) => void, onStderr: (chunk: Buffer) => void, onConsole?: (chunk: Buffer) => void }} options
 */
async function openChannels(runDir, { started, onStdout, onStderr, onConsole }) {
  /** @type {{ consoleText: string, statusText: string, bootMs: number | undefined }} */
  const heard = { consoleText: '', statusText: '', bootMs: undefined };
  /** @type {Record<string, (chunk: Buffer) => void>} */
  const handlers = {
    stdout: onStdout,
    stderr: onStderr,
    status: (chunk) => {
      heard.statusText += chunk.toString();
      if (heard.bootMs === undefined && heard.statusText.includes('started\n')) heard.bootMs = Date.now() - started;
    },
    console: (chunk) => {
      heard.consoleText = (heard.consoleText + chunk.toString()).slice(-20_000);
      onConsole?.(chunk);
    },
  };
  const sockets = Object.fromEntries(CHANNELS.map((name) => [name, join(runDir, `${name}.sock`)]));
  const channels = await Promise.all(
    CHANNELS.map((name) =>
      listen(/** @type {string} */ (sockets[name]), /** @type {(chunk: Buffer) => void} */ (handlers[name])),
    ),
  );
  const close = async () => {
    channels.forEach(({ server }) => server.close());
    await Promise.all(channels.map(({ closed }) => closed));
  };
  return { sockets, heard, close };
}

/**
 * Step 4: qemu, until it exits or is stopped (the timeout, the caller's signal). qemu stays in the
 * runner's process group (a Ctrl-C stops both), and dies with the runner: setpriv --pdeathsig has
 * the kernel kill it if the runner goes first, even by SIGKILL.
 * @param {{ setpriv: string, qemu: string, args: string[], timeoutMs: number, signal?: AbortSignal, onSpawn: (child: import('node:child_process').ChildProcess) => void, kill: () => void }} options
 * @returns {Promise<{ code: number | null, qemuSignal: NodeJS.Signals | null, stoppedBy: unknown, qemuErrors: string }>}
 */
async function runQemu({ setpriv, qemu, args, timeoutMs, signal, onSpawn, kill }) {
  const child = spawn(setpriv, ['--pdeathsig', 'KILL', '--', qemu, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  onSpawn(child);
  let qemuErrors = '';
  child.stderr.on('data', (chunk) => (qemuErrors = (qemuErrors + chunk.toString()).slice(-4_000)));
  /** @type {unknown} */
  let stoppedBy;
  /** @param {unknown} reason */
  const stop = (reason) => {
    stoppedBy ??= reason;
    kill();
  };
  const timer = setTimeout(() => stop('timeout'), timeoutMs);
  const onAbort = () => stop(signal?.reason ?? 'abort');
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort);
  /** @type {[number | null, NodeJS.Signals | null]} */
  const [code, qemuSignal] = await new Promise((resolve) => child.once('close', (...exit) => resolve(exit)));
  clearTimeout(timer);
  signal?.removeEventListener('abort', onAbort);
  return { code, qemuSignal, stoppedBy, qemuErrors };
}

/**
 * Step 5: the command's exit code, from the guest's status channel; else the VmError that says why
 * there is none (the timeout, a signal, or the console's last lines when the VM died).
 * @param {Awaited<ReturnType<typeof runQemu>>} exit
 * @param {{ statusText: string, consoleText: string, bootMs: number | undefined }} heard
 * @param {{ results: string, started: number, timeoutMs: number }} run
 * @returns {RunInVmResult}
 */
function outcome(
  { code, qemuSignal, stoppedBy, qemuErrors },
  { statusText, consoleText, bootMs },
  { results, started, timeoutMs },
) {
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
    const name = typeof stoppedBy === 'string' ? stoppedBy : String(qemuSignal);
    throw new VmError(`the VM was stopped (${name}) before the command finished`, 128 + (signals[name] ?? 2));
  }
  const why = lastLines(consoleText, 15) || lastLines(qemuErrors, 5) || `qemu exited with code ${code}`;
  throw new VmError(`the VM stopped before the command finished:\n${why}`);
}

/**
 * Boots the VM, runs `command` in it and powers it off. Resolves with the command's exit code once
 * the VM is gone; rejects with a VmError (one line for the user) when the VM could not run it.
 * @param {RunInVmOptions} options
 * @returns {Promise<RunInVmResult>}
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
  const run = planRun({ command: command ?? [], cwd, env });
  sweepRuns();
  const ownResults = resultsDir === undefined;
  const results = resultsDir ?? (keep ? join(vmDir, 'results', run.id) : join(run.runDir, 'results'));
  mkdirSync(run.runDir, { recursive: true });
  const started = Date.now();
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let child;
  const killQemu = () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.on('exit', killQemu);
  try {
    const { bootKernel, initramfs } = prepareBoot(run, { results, cwd, command });
    const channels = await openChannels(run.runDir, { started, onStdout, onStderr, onConsole });
    const args = qemuArgs({
      kernel: bootKernel,
      initramfs,
      cmdline: kernelCmdline(run.runDir),
      resultsDir: results,
      sockets: channels.sockets,
      accel,
      cpus,
      memoryMiB,
    });
    const onSpawn = (/** @type {import('node:child_process').ChildProcess} */ spawned) => (child = spawned);
    const exit = await runQemu({
      setpriv: run.setpriv,
      qemu: run.qemu,
      args,
      timeoutMs,
      signal,
      onSpawn,
      kill: killQemu,
    });
    await channels.close();
    return outcome(exit, channels.heard, { results, started, timeoutMs });
  } finally {
    process.off('exit', killQemu);
    killQemu();
    rmSync(run.runDir, { recursive: true, force: true });
    if (ownResults && keep === false) rmSync(results, { recursive: true, force: true });
  }
}

/** @param {string} text @param {number} count */
function lastLines(text, count) {
  return text.replaceAll('\r', '').trim().split('\n').slice(-count).join('\n');
}

// --- The command line ----------------------------------------------------------------------------

const USAGE = 'usage: node vm/run.mjs [--timeout S] [--env NAME[=VALUE]]... [--keep] [--verbose] -- COMMAND [ARG...]';

/**
 * Parses the runner's own options, up to `--`.
 * @param {readonly string[]} argv
 * @returns {{ timeoutMs: number, env: Record<string, string>, keep: boolean, verbose: boolean, command: string[] }}
 */
export function parseArgs(argv) {
  /** @type {{ timeoutMs: number, env: Record<string, string>, keep: boolean, verbose: boolean }} */
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
      const [name = '', ...value] = spec.split('=');
      if (!name) throw new VmError('--env takes NAME or NAME=VALUE', 2);
      const given = value.length > 0 ? value.join('=') : process.env[name];
      if (given !== undefined) options.env[name] = given;
    } else if (arg === '--keep') options.keep = true;
    else if (arg === '--verbose') options.verbose = true;
    else throw new VmError(`unknown option '${arg}'\n${USAGE}`, 2);
  }
  const command = argv.slice(i + 1);
  if (command.length === 0) throw new VmError(USAGE, 2);
  return { ...options, command };
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
      /** @param {number | undefined} ms */
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
