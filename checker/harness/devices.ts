// The checker's eyes on a container's devices, from the host: v1's devices.list, v2's attached BPF
// programs (bpf(BPF_PROG_QUERY), by a small static helper compiled once per checker process), and a
// device program run by the real kernel on a machine whose cgroups are v1 (a hybrid one has an empty
// cgroup2 beside them: a program attached to a cgroup there applies to its processes too, before
// v1's list; kernel/bpf/cgroup.c, security/device_cgroup.c), so that lab ch7-devices' v2 half is
// proved on the v1 host as well as in the v2 micro-VM.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './target.ts';
import { staticProgram } from './programs.ts';

/** docker's default allow-list as devices.list prints it (runc's specconv AllowedDevices): the checker's copy. */
export const DOCKER_DEVICES = [
  'c *:* m',
  'b *:* m',
  'c 1:3 rwm',
  'c 1:5 rwm',
  'c 1:7 rwm',
  'c 1:8 rwm',
  'c 1:9 rwm',
  'c 5:0 rwm',
  'c 5:1 rwm',
  'c 5:2 rwm',
  'c 136:* rwm',
];

/** How many device programs the kernel has attached to `cgroupDir` (cgroup v2). */
export function attachedDevicePrograms(cgroupDir: string): number {
  const helper = staticProgram('checker/harness/native/device-programs.c');
  return Number(execFileSync(helper, [cgroupDir], { encoding: 'utf8' }).trim());
}

/** The hybrid machine's empty cgroup2, where a device program can be tried; undefined elsewhere. */
export function hybridUnified(): string | undefined {
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  const line = mountinfo.split('\n').find((l) => / - cgroup2 /.test(l) && / \/sys\/fs\/cgroup\/unified /.test(l));
  return line && existsSync('/sys/fs/cgroup/unified/cgroup.procs') ? '/sys/fs/cgroup/unified' : undefined;
}

/**
 * `program` attached to a cgroup of its own in the hybrid machine's cgroup2 by the runtime's shim
 * (its host op `device-program`, run as a plan of one host step and a container that runs `true`
 * without new namespaces), then `script` run by a shell that moved itself into that cgroup. The
 * cgroup, and the program with it, is removed after.
 */
export function tryDeviceProgram(
  unified: string,
  program: Uint8Array,
  script: string,
): { stdout: string; stderr: string } {
  const cgroup = join(unified, `mydocker-check-devices-${process.pid}-${Date.now()}`);
  mkdirSync(cgroup);
  try {
    const hex = Buffer.from(program).toString('hex');
    const shim = join(PROJECT_ROOT, '.lab', 'build', 'mydocker-shim');
    // The plan's wire format: native/shim.c's header comment (version 2, no clone flags, no stdin).
    execFileSync(
      shim,
      [
        '2',
        '0',
        'null',
        'inherit',
        'enter',
        '0',
        'container',
        '1',
        'exec',
        '3',
        '/bin:/usr/bin',
        '1',
        'true',
        'created',
        '1',
        'device-program',
        '2',
        cgroup,
        hex,
        'ended',
        '0',
        'failed',
        '0',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const shell = spawnSync('sh', ['-c', `echo $$ > ${cgroup}/cgroup.procs; ${script}`], { encoding: 'utf8' });
    return { stdout: shell.stdout, stderr: shell.stderr };
  } finally {
    rmdirSync(cgroup);
  }
}
