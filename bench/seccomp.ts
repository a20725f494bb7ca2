// The seccomp filter's cost per system call: a static loop of one system call (bench/syscall-loop.c:
// getppid, which the kernel's cache of always-allowed calls lets skip the program, and
// personality(0xffffffff), whose rule reads an argument and so runs the program) in a busybox container, without a filter, with ours (the default profile, compileFilter's binary
// search), and in runc with the same rules compiled by libseccomp, as docker hands them to runc (its
// OCI spec: the profile's rules for docker's default capabilities, architectures x86_64, x86, x32).
// `--docker-profile FILE` uses that file (docker's own default.json, say) for runc instead: it is
// read at run time and never kept. Each round runs every peer once, in turn; medians.
// Usage: npm run bench:seccomp [-- --runs 15 --calls 2000000 --docker-profile FILE]
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, projectRoot, shimBinary } from '../scripts/build.mjs';
import { removeCgroupParent, testCgroupParent } from '../test/support/cgroup-parent.ts';
import { DEFAULT_PROFILE } from '../solutions/src/security/seccomp/default-profile.ts';
import { checkProfile, parseProfile } from '../solutions/src/security/seccomp/profile.ts';
import { applicableRules } from '../solutions/src/security/seccomp/rules.ts';
import { ensureOwnNetns } from './own-netns.ts';

ensureOwnNetns();

const option = (name: string): string | undefined =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined;
const runs = Number(option('--runs')) || 15;
const calls = Number(option('--calls')) || 2_000_000;
const dockerProfile = option('--docker-profile');

/** docker's default capabilities: what docker resolves a profile's includes.caps against. */
const DOCKER_CAPS = [
  ...['CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP'],
  ...['NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE'],
].map((name) => `CAP_${name}`);

const work = mkdtempSync(join(tmpdir(), 'mydocker-bench-seccomp-'));
const cgroupParent = testCgroupParent('bench-seccomp');
const env = {
  ...process.env,
  MYDOCKER_SOURCE: 'solutions',
  MYDOCKER_ROOT: join(work, 'state'),
  MYDOCKER_SHIM: shimBinary,
  MYDOCKER_CGROUP_PARENT: cgroupParent,
};
const mydocker = [process.execPath, join(projectRoot, 'bin', 'mydocker.cjs')];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Runs a peer; its stdout is the loop's ns per call. */
function nsPerCall(command: string[]): number {
  const result = spawnSync(command[0]!, command.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const value = Number(String(result.stdout).trim().split('\n').at(-1));
  if (result.status !== 0 || !Number.isFinite(value))
    throw new Error(`${command.join(' ')} failed (${result.status}): ${result.stderr}${result.stdout}`);
  return value;
}

/** The OCI seccomp section docker would give runc for this profile, with docker's default capabilities. */
function ociSeccomp(): object {
  const profile = dockerProfile
    ? parseProfile(readFileSync(dockerProfile, 'utf8'), dockerProfile)
    : checkProfile(DEFAULT_PROFILE, 'default');
  return {
    defaultAction: profile.defaultAction,
    defaultErrnoRet: profile.defaultErrnoRet ?? 1,
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: applicableRules(profile, DOCKER_CAPS).map((rule) => ({
      names: rule.names,
      action: rule.action,
      ...(rule.errnoRet !== undefined && { errnoRet: rule.errnoRet }),
      args: rule.args.map((arg) => ({
        index: arg.index,
        value: Number(arg.value),
        valueTwo: Number(arg.valueTwo),
        op: arg.op,
      })),
    })),
  };
}

/** A runc bundle whose process is the loop of `call`; with the seccomp section or none. */
function runcBundle(name: string, call: string, seccomp: object | undefined): string {
  const bundle = join(work, `${name}-${call}`);
  mkdirSync(join(bundle, 'rootfs'), { recursive: true });
  for (const dir of ['proc', 'dev', 'sys', 'tmp']) mkdirSync(join(bundle, 'rootfs', dir));
  copyFileSync(join(work, 'syscall-loop'), join(bundle, 'rootfs', 'syscall-loop'));
  execFileSync('runc', ['spec', '--bundle', bundle]);
  const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  config.process.terminal = false;
  config.process.args = ['/syscall-loop', String(calls), call];
  config.process.noNewPrivileges = true;
  if (seccomp) config.linux.seccomp = seccomp;
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
  return bundle;
}

/** The peers for one system call: mydocker without and with its filter, runc without and with libseccomp's. */
function peersFor(call: string, loops: string): Array<[string, string[]]> {
  const inMydocker = (...flags: string[]): string[] => [
    ...mydocker,
    ...['run', '--rm', '--network', 'none', ...flags, '-v', `${loops}:/bench:ro`, 'busybox'],
    ...['/bench/syscall-loop', String(calls), call],
  ];
  const peers: Array<[string, string[]]> = [
    ['mydocker, seccomp=unconfined', inMydocker('--security-opt', 'seccomp=unconfined')],
    ['mydocker, the default filter', inMydocker()],
  ];
  if (spawnSync('runc', ['--version']).status !== 0) return peers;
  const id = (name: string): string => `bench-sc-${name}-${call}-${process.pid}`;
  peers.push(['runc, no seccomp', ['runc', 'run', '--bundle', runcBundle('none', call, undefined), id('none')]]);
  const label = dockerProfile ? `runc, ${dockerProfile} (libseccomp)` : 'runc, the same profile (libseccomp)';
  peers.push([label, ['runc', 'run', '--bundle', runcBundle('docker', call, ociSeccomp()), id('docker')]]);
  return peers;
}

async function main(): Promise<void> {
  await ensureBuilt('solutions');
  const loops = join(work, 'loop');
  mkdirSync(loops);
  const source = join(projectRoot, 'bench', 'syscall-loop.c');
  execFileSync('gcc', ['-static', '-O2', '-o', join(work, 'syscall-loop'), source]);
  copyFileSync(join(work, 'syscall-loop'), join(loops, 'syscall-loop'));
  if (spawnSync('runc', ['--version']).status !== 0) console.log('runc missing: it is left out (vm/provision.sh)');
  const loopCalls = ['getppid', 'personality'];
  const peers = loopCalls.flatMap((call) =>
    peersFor(call, loops).map(([name, command]) => [`${call}|${name}`, command] as const),
  );
  const times = new Map<string, number[]>(peers.map(([name]) => [name, []]));
  for (const [, command] of peers) nsPerCall(command); // warm up
  for (let round = 0; round < runs; round++)
    for (const [name, command] of peers) times.get(name)!.push(nsPerCall(command));
  const medians = new Map([...times].map(([name, values]) => [name, median(values)]));
  for (const call of loopCalls) {
    const of = (name: string): number | undefined => medians.get(`${call}|${name}`);
    console.log(`
${call}: ${calls} calls a run, ${runs} rounds, medians (ns per call):\n`);
    for (const [name, value] of medians)
      if (name.startsWith(`${call}|`))
        console.log(`  ${name.slice(call.length + 1).padEnd(48)} ${value.toFixed(1).padStart(7)} ns`);
    const ours = of('mydocker, the default filter')! - of('mydocker, seccomp=unconfined')!;
    console.log(`\n  our filter adds ${ours.toFixed(1)} ns per call`);
    const runcNone = of('runc, no seccomp');
    const runcFiltered = [...medians].find(
      ([name]) => name.startsWith(`${call}|runc, `) && !name.endsWith('no seccomp'),
    )?.[1];
    if (runcNone !== undefined && runcFiltered !== undefined)
      console.log(`  runc's (libseccomp's) adds ${(runcFiltered - runcNone).toFixed(1)} ns per call`);
  }
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
  removeCgroupParent(cgroupParent);
}
