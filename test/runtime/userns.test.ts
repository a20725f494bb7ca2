// Chapter 7's user namespaces, checked without root: /etc/subuid's lines, the shim's id-map steps,
// and the plan of a container with a user namespace (its order, its /dev nodes bound).
import { afterEach, describe, expect, test, vi } from 'vitest';
import { FakeKernel } from '../../checker/harness/fake-kernel.ts';
import { buildPlan, setUpContainer } from '../../solutions/src/container/setup.ts';
import { CLONE_NEWUSER, MS_BIND, S_IFREG } from '../../solutions/src/kernel/constants.ts';
import { explainPlan } from '../../solutions/src/kernel/explain.ts';
import { hostEntry } from '../../solutions/src/kernel/ops.ts';
import { DEFAULT_SECURITY } from '../../solutions/src/security/options.ts';
import { resolveSecurity, type ContainerSecurity } from '../../solutions/src/security/resolve.ts';
import { idMapSteps, mappedRoot, subordinateRange, type UserNamespace } from '../../solutions/src/security/userns.ts';
import { stateRoot } from '../../solutions/src/state/store.ts';
import { sampleRootfs } from '../support/rootfs-spec.ts';

const remapped: UserNamespace = {
  uids: [{ inside: 0, outside: 100_000, count: 65_536 }],
  gids: [{ inside: 0, outside: 200_000, count: 65_536 }],
};

function security(users: UserNamespace | undefined): ContainerSecurity {
  const resolved = resolveSecurity(DEFAULT_SECURITY, {
    cgroups: { version: 2, mode: 'v2', root: '/sys/fs/cgroup' },
    rootless: false,
  });
  return { ...resolved, users };
}

describe('subordinateRange reads subuid(5)', () => {
  const file = 'alice:300000:65536\n# a comment\nbad line\nmydocker:100000:65536\nmydocker:500000:10\n1000:700000:5\n';
  test("the owner's first line, by name", () => {
    expect(subordinateRange(file, { name: 'mydocker', uid: undefined })).toEqual({ start: 100_000, count: 65_536 });
  });
  test('or by uid, as newuidmap takes it', () => {
    expect(subordinateRange(file, { name: 'bob', uid: 1000 })).toEqual({ start: 700_000, count: 5 });
  });
  test('none: undefined; a count of 0 or a malformed number is skipped', () => {
    expect(subordinateRange(file, { name: 'carol', uid: 1001 })).toBeUndefined();
    expect(subordinateRange('x:0:0\nx:1a:5\nx:7:3\n', { name: 'x', uid: undefined })).toEqual({ start: 7, count: 3 });
  });
});

describe('the id maps as the shim writes them', () => {
  test('root: the shim writes both maps itself, triples in one string', () => {
    expect(idMapSteps(remapped)).toEqual([
      { op: 'id-map', map: 'uid', program: '', ranges: '0 100000 65536' },
      { op: 'id-map', map: 'gid', program: '', ranges: '0 200000 65536' },
    ]);
    const [uid] = idMapSteps(remapped);
    expect(hostEntry(uid!).args(uid!)).toEqual(['uid', '', '0 100000 65536']);
    expect(hostEntry(uid!).explain(uid!)).toBe('write /proc/{pid}/uid_map "0 100000 65536"');
  });
  test('rootless: newuidmap and newgidmap, with every range', () => {
    const rootless: UserNamespace = {
      uids: [
        { inside: 0, outside: 1000, count: 1 },
        { inside: 1, outside: 100_000, count: 65_536 },
      ],
      gids: [{ inside: 0, outside: 1000, count: 1 }],
      mappers: { uid: '/usr/bin/newuidmap', gid: '/usr/bin/newgidmap' },
    };
    const [uid, gid] = idMapSteps(rootless);
    expect(uid).toEqual({ op: 'id-map', map: 'uid', program: '/usr/bin/newuidmap', ranges: '0 1000 1 1 100000 65536' });
    expect(hostEntry(uid!).explain(uid!)).toBe('/usr/bin/newuidmap {pid} 0 1000 1 1 100000 65536');
    expect(gid).toMatchObject({ map: 'gid', program: '/usr/bin/newgidmap' });
  });
  test("the mapped root is each map's outside id of 0", () => {
    expect(mappedRoot(remapped)).toEqual({ uid: 100_000, gid: 200_000 });
  });
});

describe('a container with a user namespace', () => {
  const spec = { hostname: 'box', command: ['sh'], env: ['PATH=/bin'], rootfs: sampleRootfs() };
  const stdio = { stdin: 'null' as const, terminal: false, output: 'inherit' as const };
  const host = { created: [], ended: [], failed: [] };

  test('is cloned into it, and becomes its root right after the cgroups', () => {
    const plan = buildPlan({ ...spec, security: security(remapped) }, { stdio, host, join: ['/cg/tasks'] });
    expect(plan.namespaces).toContain('user');
    expect(plan.cloneFlags & CLONE_NEWUSER).toBe(CLONE_NEWUSER);
    expect(plan.steps.slice(0, 2).map((step) => step.op)).toEqual(['join', 'identity']);
    expect(plan.steps[1]).toEqual({ op: 'identity', uid: 0, gid: 0 });
    expect(explainPlan(plan)).toContain('setresgid(0), setgroups(0, NULL), setresuid(0)');
  });

  test("mounts /proc, /sys and /dev under the new root before pivot_root, binding the host's nodes", () => {
    const kernel = new FakeKernel();
    setUpContainer(kernel, { ...spec, security: security(remapped) });
    const calls = kernel.calls;
    const pivot = calls.findIndex((call) => call.startsWith('pivot_root'));
    const root = spec.rootfs.target;
    const proc = calls.findIndex((call) => call.startsWith(`mount proc ${root}/proc proc`));
    expect(proc, calls.join('\n')).toBeGreaterThan(-1);
    expect(proc).toBeLessThan(pivot);
    expect(calls).toContain(`mknod ${root}/dev/null 0${(S_IFREG | 0o666).toString(8)} 0 0`);
    expect(calls).toContain(`mount /dev/null ${root}/dev/null NULL ${MS_BIND}`);
    expect(
      calls.some((call) => call.startsWith('mknod') && !call.includes(` 0${(S_IFREG | 0o666).toString(8)} `)),
    ).toBe(false);
  });

  test('without one, chapter 3 mounts after pivot_root, as before', () => {
    const kernel = new FakeKernel();
    setUpContainer(kernel, { ...spec, security: security(undefined) });
    const pivot = kernel.calls.findIndex((call) => call.startsWith('pivot_root'));
    const proc = kernel.calls.findIndex((call) => call.startsWith('mount proc /proc proc'));
    expect(proc).toBeGreaterThan(pivot);
  });
});

describe('the state root', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });
  test("root: /var/lib/mydocker; rootless: the user's own, under $XDG_DATA_HOME or ~/.local/share", () => {
    vi.stubEnv('MYDOCKER_ROOT', '');
    vi.stubEnv('HOME', '/home/alice');
    vi.stubEnv('XDG_DATA_HOME', '');
    vi.spyOn(process, 'getuid').mockReturnValue(0);
    expect(stateRoot()).toBe('/var/lib/mydocker');
    vi.spyOn(process, 'getuid').mockReturnValue(1000);
    expect(stateRoot()).toBe('/home/alice/.local/share/mydocker');
    vi.stubEnv('XDG_DATA_HOME', '/data/alice');
    expect(stateRoot()).toBe('/data/alice/mydocker');
    vi.stubEnv('MYDOCKER_ROOT', '/tmp/mine');
    expect(stateRoot()).toBe('/tmp/mine');
  });
});
