// lab doctor's probes, against a directory of fake /proc, /sys and /bin files.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  cgroupMode,
  hostAt,
  isStaticElf,
  probeBusyboxImage,
  probePeerTools,
  probeCgroups,
  probeCommands,
  probeKernel,
  probeNamespaces,
  probeNode,
  probeOverlay,
  probeRequirement,
  probeRoot,
  probeShim,
  probeV2Vm,
  realHost,
  runProbes,
  shellPath,
  type Host,
  type HostFacts,
} from '../../cli/commands/doctor/probes.ts';
import { projectRoot } from '../../cli/paths.ts';
import { REQUIREMENTS } from '../../scripts/requirements.mjs';
import { detectCgroups, drivesCgroupV2 } from '../../solutions/src/cgroups/system.ts';
import { vmPrerequisites } from '../../vm/run.mjs';

const requirement = (name: string) => REQUIREMENTS.find((r) => r.package === name)!;

const facts: HostFacts = {
  uid: 0,
  platform: 'linux',
  kernelRelease: '6.1.0-18-amd64',
  nodeVersion: '24.9.0',
  projectRoot: '/project',
  pathEnv: '/project/bin/path:/project/node_modules/.bin:/usr/bin:/bin',
  vm: () => ({ kernel: '/boot/vmlinuz-6.1.0-18-amd64' }),
};

const V1_MOUNTINFO = [
  '25 30 0:23 / /sys rw,nosuid - sysfs sysfs rw',
  '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime shared:9 - cgroup cgroup rw,cpu',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
].join('\n');
const HYBRID_MOUNTINFO = `${V1_MOUNTINFO}\n41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw`;
const V2_MOUNTINFO = '30 25 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate';
/** v2, plus a v1 hierarchy that holds no controller (an old container tool's name=systemd): still v2 to the runtime. */
const V2_NAMED_V1_MOUNTINFO = `${V2_MOUNTINFO}\n42 30 0:40 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd`;

/** The first bytes of a 64-bit little-endian ELF file with the given program header types. */
function elfHeader(programTypes: number[]): Buffer {
  const header = Buffer.alloc(64 + programTypes.length * 56);
  header.writeUInt32BE(0x7f454c46, 0);
  header[4] = 2; // ELFCLASS64
  header[5] = 1; // little-endian
  header.writeBigUInt64LE(64n, 0x20); // e_phoff
  header.writeUInt16LE(56, 0x36); // e_phentsize
  header.writeUInt16LE(programTypes.length, 0x38); // e_phnum
  programTypes.forEach((type, i) => header.writeUInt32LE(type, 64 + i * 56));
  return header;
}
const PT_LOAD = 1;
const PT_INTERP = 3;

describe('probes on a fake machine', () => {
  let root: string;
  let host: Host;
  const write = (path: string, content: string | Buffer) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'lab-doctor-'));
    host = hostAt(root, facts);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('a well set-up machine: every probe is ok', () => {
    for (const ns of ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts']) write(`/proc/self/ns/${ns}`, '');
    write('/proc/self/mountinfo', V2_MOUNTINFO);
    write('/sys/fs/cgroup/cgroup.controllers', 'cpuset cpu io memory pids\n');
    write('/proc/filesystems', 'nodev\tsysfs\nnodev\toverlay\n\text4\n');
    for (const command of ['gcc', 'make', 'ip', 'ps', 'unshare', 'nsenter', 'getfattr'])
      write(`/usr/bin/${command}`, '');
    write('/usr/include/stdio.h', '');
    write('/usr/sbin/iptables', '');
    write('/bin/busybox', elfHeader([PT_LOAD, PT_LOAD]));
    write('/project/native/shim.c', '');
    write('/project/.lab/build/mydocker-shim', '');
    write('/project/.lab/build/images/busybox.tar', '');
    write('/project/.lab/tools/docker-registry/usr/bin/docker-registry', '');
    write('/project/.lab/tools/docker.io/usr/bin/docker', '');
    write('/project/bin/path/lab', '');
    write('/project/bin/path/mydocker', '');
    const results = runProbes(host);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.map((r) => r.name)).toEqual([
      'root on Linux',
      'Linux kernel',
      'namespaces',
      'cgroups',
      'overlayfs',
      'gcc',
      'make',
      'libc6-dev',
      'busybox-static',
      'iptables',
      'iproute2',
      'procps',
      'util-linux',
      'attr',
      'native helper',
      'busybox image',
      'chapter 8 tools',
      'Node.js',
      'lab and mydocker',
      'cgroup v2 VM',
    ]);
  });

  test('an empty machine: each problem comes with the command that fixes it', () => {
    const fixes = Object.fromEntries(
      runProbes(host)
        .filter((r) => !r.ok)
        .map((r) => [r.name, r.fix]),
    );
    expect(fixes).toMatchObject({
      namespaces: expect.stringContaining('CONFIG_USER_NS'),
      cgroups: 'mount -t cgroup2 none /sys/fs/cgroup',
      overlayfs: 'modprobe overlay',
      iptables: 'apt-get install iptables (sudo bash vm/provision.sh installs all the course needs)',
      'busybox-static': expect.stringMatching(/^apt-get install busybox-static /),
      'util-linux': expect.stringMatching(/^apt-get install util-linux /),
      'native helper': expect.stringContaining('make -C native'),
      'busybox image': expect.stringContaining('scripts/build.mjs'),
      'chapter 8 tools': expect.stringContaining('sudo bash vm/provision.sh'),
      'lab and mydocker': expect.stringContaining('eval "$(npx lab env)"'),
    });
    expect(Object.keys(fixes)).not.toContain('Node.js');
  });

  test('namespaces: names the missing ones', () => {
    for (const ns of ['ipc', 'mnt', 'net', 'pid', 'uts']) write(`/proc/self/ns/${ns}`, '');
    expect(probeNamespaces(host)).toMatchObject({ ok: false, detail: 'missing: user cgroup' });
  });

  test.each([
    ['v1', V1_MOUNTINFO],
    ['hybrid', HYBRID_MOUNTINFO],
    ['v2', V2_MOUNTINFO],
    ['v2', V2_NAMED_V1_MOUNTINFO],
  ] as const)('cgroups: %s, as the runtime decides it', (mode, mountinfo) => {
    write('/proc/self/mountinfo', mountinfo);
    expect(cgroupMode(host)).toBe(mode);
    expect(cgroupMode(host)).toBe(detectCgroups(mountinfo).mode);
    expect(probeCgroups(host)).toMatchObject({ ok: true, detail: expect.stringMatching(new RegExp(`^${mode}`)) });
  });

  test('cgroups: none mounted', () => {
    write('/proc/self/mountinfo', '25 30 0:23 / /sys rw,nosuid - sysfs sysfs rw');
    expect(probeCgroups(host)).toMatchObject({ ok: false, fix: 'mount -t cgroup2 none /sys/fs/cgroup' });
  });

  test('busybox image: built by the set-up, or how to build it', () => {
    expect(probeBusyboxImage(host)).toMatchObject({ ok: false, detail: '.lab/build/images/busybox.tar is not built' });
    write('/project/.lab/build/images/busybox.tar', '');
    expect(probeBusyboxImage(host)).toMatchObject({ ok: true, detail: '.lab/build/images/busybox.tar' });
  });

  test('chapter 8 tools: the unpacked docker-registry and docker CLI, or which is missing', () => {
    write('/project/.lab/tools/docker.io/usr/bin/docker', '');
    expect(probePeerTools(host)).toMatchObject({ ok: false, detail: '.lab/tools/docker-registry missing' });
    write('/project/.lab/tools/docker-registry/usr/bin/docker-registry', '');
    expect(probePeerTools(host)).toMatchObject({ ok: true });
  });

  test('overlayfs: looks for the overlay line, not a substring', () => {
    write('/proc/filesystems', 'nodev\toverlayfake\n');
    expect(probeOverlay(host).ok).toBe(false);
    write('/proc/filesystems', 'nodev\toverlay\n');
    expect(probeOverlay(host).ok).toBe(true);
  });

  test('iptables: found in /sbin too', () => {
    expect(probeRequirement(host, requirement('iptables'))).toMatchObject({
      ok: false,
      detail: "iptables not found: the checker reads the lab host's rules",
    });
    write('/sbin/iptables', '');
    expect(probeRequirement(host, requirement('iptables'))).toMatchObject({ ok: true, detail: '/sbin/iptables' });
  });

  test('util-linux: each of its commands, and which one is missing', () => {
    write('/usr/bin/unshare', '');
    expect(probeRequirement(host, requirement('util-linux'))).toMatchObject({
      ok: false,
      detail: "nsenter not found: the checker's lab host",
    });
    write('/usr/bin/nsenter', '');
    expect(probeRequirement(host, requirement('util-linux'))).toMatchObject({
      ok: true,
      detail: '/usr/bin/unshare, /usr/bin/nsenter',
    });
  });

  test('busybox: a dynamically linked one is a problem', () => {
    const busybox = requirement('busybox-static');
    write('/bin/busybox', elfHeader([PT_LOAD, PT_INTERP]));
    expect(probeRequirement(host, busybox)).toMatchObject({
      ok: false,
      detail: '/bin/busybox is dynamically linked: the default image, made at set-up, and the VM',
    });
    write('/bin/busybox', elfHeader([PT_LOAD]));
    expect(probeRequirement(host, busybox)).toMatchObject({ ok: true, detail: '/bin/busybox, statically linked' });
  });

  test('isStaticElf: not an ELF file is unknown', () => {
    expect(isStaticElf(Buffer.from('#!/bin/sh\necho hi\n'.padEnd(80)))).toBeUndefined();
  });

  test("lab and mydocker: the first ones on PATH must be this project's", () => {
    // Before `eval "$(npx lab env)"`: npm links no root bins into node_modules/.bin.
    expect(probeCommands(host)).toMatchObject({
      ok: false,
      detail: 'lab is not on PATH; mydocker is not on PATH',
      fix: expect.stringContaining('eval "$(npx lab env)"'),
    });
    write('/project/bin/path/lab', '');
    write('/project/bin/path/mydocker', '');
    // Another checkout's lab comes first: it would check that checkout's labs.
    write('/usr/bin/lab', '');
    const early = hostAt(root, { ...facts, pathEnv: `/usr/bin:${facts.pathEnv}` });
    expect(probeCommands(early)).toMatchObject({ ok: false, detail: "lab is /usr/bin/lab, not this project's" });
    expect(probeCommands(host)).toMatchObject({ ok: true, detail: 'on PATH, from bin/path' });
    // A link to ours is ours.
    mkdirSync(join(root, 'home/bin'), { recursive: true });
    symlinkSync(join(root, 'project/bin/path/lab'), join(root, 'home/bin/lab'));
    const linked = hostAt(root, { ...facts, pathEnv: `/home/bin:${facts.pathEnv}` });
    expect(probeCommands(linked).ok).toBe(true);
  });

  test('native helper: older than its source is a problem', () => {
    write('/project/native/shim.c', '');
    write('/project/.lab/build/mydocker-shim', '');
    utimesSync(join(root, '/project/.lab/build/mydocker-shim'), new Date(1000), new Date(1000));
    expect(probeShim(host)).toMatchObject({ ok: false, detail: 'older than native/shim.c' });
  });
});

test("shellPath: under npx, the shell's PATH is what follows npm's own directories", () => {
  const npx = [
    '/root/.npm/_npx/67d7ce8f2b45c09e/node_modules/.bin',
    '/work/course/node_modules/.bin',
    '/node_modules/.bin',
    '/usr/lib/node_modules/npm/node_modules/@npmcli/run-script/lib/node-gyp-bin',
    '/usr/local/bin',
    '/usr/bin',
  ].join(':');
  expect(shellPath({ PATH: npx, npm_command: 'exec' })).toBe('/usr/local/bin:/usr/bin');
  expect(shellPath({ PATH: '/course/bin/path:/usr/bin' })).toBe('/course/bin/path:/usr/bin');
});

describe('probes of facts', () => {
  const at = (overrides: Partial<HostFacts>) => hostAt('/nonexistent', { ...facts, ...overrides });

  test('root', () => {
    expect(probeRoot(at({})).ok).toBe(true);
    expect(probeRoot(at({ uid: 1000 }))).toMatchObject({
      ok: false,
      detail: 'running as uid 1000',
      fix: 'sudo -s, then run lab again',
    });
    expect(probeRoot(at({ platform: 'darwin' }))).toMatchObject({
      ok: false,
      fix: expect.stringContaining('Using a VM'),
    });
  });

  test.each([
    ['6.1.0-18-amd64', true],
    ['5.4.0-150-generic', true],
    ['4.18.0-553.el8', true],
    ['4.9.0-8-amd64', false],
    ['3.10.0', false],
  ])('kernel %s ok: %s', (kernelRelease, ok) => {
    expect(probeKernel(at({ kernelRelease })).ok).toBe(ok);
  });

  test.each([
    ['24.9.0', true],
    ['22.15.0', true],
    ['22.14.0', false],
    ['20.20.0', false],
  ])('Node %s ok: %s', (nodeVersion, ok) => {
    const result = probeNode(at({ nodeVersion }));
    expect(result.ok).toBe(ok);
    if (!ok) expect(result.fix).toContain('eval "$(npx lab env)"');
  });

  test("Node: the minimum is package.json's engines, as the bins enforce it", () => {
    const engines = (
      JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    const [major, minor] = engines.replace('>=', '').split('.').map(Number) as [number, number];
    expect(probeNode(at({ nodeVersion: `${major}.${minor}.0` })).ok).toBe(true);
    expect(probeNode(at({ nodeVersion: `${major}.${minor - 1}.9` }))).toMatchObject({
      ok: false,
      detail: `${major}.${minor - 1}.9 (${major}.${minor} or newer is needed)`,
    });
  });
});

describe('probeV2Vm', () => {
  const withMountinfo = (mountinfo: string): Host => ({
    ...hostAt('/nonexistent', facts),
    readFile: (path: string) => (path === '/proc/self/mountinfo' ? mountinfo : undefined),
  });
  const v1Files = withMountinfo(HYBRID_MOUNTINFO);

  test('ready is what the VM runner decides (vm/run.mjs vmPrerequisites), not a look at qemu and /boot', () => {
    expect(probeV2Vm(v1Files)).toEqual({
      name: 'cgroup v2 VM',
      ok: true,
      detail: 'qemu and vmlinuz-6.1.0-18-amd64 (lab check --vm)',
    });
    // qemu and a kernel are there, but the runner refuses: so does the doctor.
    const missing = 'setpriv (util-linux) is not installed: sudo bash vm/provision.sh';
    const refused = probeV2Vm({ ...v1Files, vm: () => ({ missing }) });
    expect(refused).toEqual({ name: 'cgroup v2 VM', ok: true, detail: `optional, not ready: ${missing}` });
  });

  test('on this machine it says what vmPrerequisites says', () => {
    let expected: string;
    try {
      expected = `qemu and ${basename(vmPrerequisites().kernel)} (lab check --vm)`;
    } catch (error) {
      expected = `optional, not ready: ${(error as Error).message}`;
    }
    expect([expected, 'not needed: this host is cgroup v2']).toContain(probeV2Vm(realHost(projectRoot)).detail);
  });

  test.each([V2_MOUNTINFO, V2_NAMED_V1_MOUNTINFO])(
    'a host the runtime drives as cgroup v2 needs no VM',
    (mountinfo) => {
      expect(drivesCgroupV2(mountinfo)).toBe(true);
      expect(probeV2Vm({ ...withMountinfo(mountinfo), vm: () => ({ missing: 'x' }) }).detail).toBe(
        'not needed: this host is cgroup v2',
      );
    },
  );

  test.each([V1_MOUNTINFO, HYBRID_MOUNTINFO])('a host the runtime drives as v1 may use the VM', (mountinfo) => {
    expect(drivesCgroupV2(mountinfo)).toBe(false);
    expect(probeV2Vm(withMountinfo(mountinfo)).detail).toBe('qemu and vmlinuz-6.1.0-18-amd64 (lab check --vm)');
  });
});
