// The micro-VM (vm/run.mjs), booted once: a script inside prints what a pure cgroup v2 machine must
// show, one `key=value` line each, and the checks read those lines. Skipped, with the reason, where
// the VM cannot run (not root, or qemu or a kernel missing: `sudo bash vm/provision.sh`).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { projectRoot } from '../../scripts/build.mjs';
import { runInVm, vmDir, vmPrerequisites, type RunInVmResult } from '../../vm/run.mjs';

function whyNot(): string | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'not root on Linux';
  try {
    vmPrerequisites();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
const skip = whyNot();

const FACTS = `
echo "fstype=$(stat -fc %T /sys/fs/cgroup)"
echo "controllers=$(cat /sys/fs/cgroup/cgroup.controllers)"
echo "subtree=$(cat /sys/fs/cgroup/cgroup.subtree_control)"
echo "self=$(cat /proc/self/cgroup)"
echo "v1=$(awk '$9 == "cgroup"' /proc/self/mountinfo | wc -l)"
echo "root-propagation=$(findmnt -no PROPAGATION /)"
echo "cwd=$(pwd)"
echo "package=$(test -f package.json && echo yes)"
echo "write=$(touch vm-write-test 2>&1 || true)"
echo "links=$(ls /sys/class/net | tr '\\n' ' ')"
echo "hostname=$(hostname)"
echo "cpus=$(nproc)"
echo "source=$MYDOCKER_SOURCE"
echo "path=$PATH"
echo "overlay=$(modprobe overlay && grep -w overlay /proc/filesystems | cut -f2)"
echo "tmp=$(stat -fc %T /tmp)"
echo "tmpdir-writable=$(touch "$TMPDIR/vm-scratch-test" && echo yes)"
echo written >"$LAB_VM_RESULTS/from-guest"
echo "to stderr" >&2
exit 7
`;

describe.skipIf(skip !== undefined)(`the micro-VM${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let result: RunInVmResult;
  let stdout = '';
  let stderr = '';
  let resultsDir = '';
  const facts = new Map<string, string>();

  beforeAll(async () => {
    mkdirSync(vmDir, { recursive: true }); // a fresh checkout has no .lab/vm yet
    resultsDir = mkdtempSync(join(vmDir, 'test-'));
    result = await runInVm({
      command: ['sh', '-c', FACTS],
      env: { MYDOCKER_SOURCE: 'solutions' },
      resultsDir,
      timeoutMs: 170_000,
      onStdout: (chunk) => (stdout += chunk.toString()),
      onStderr: (chunk) => (stderr += chunk.toString()),
    });
    for (const line of stdout.split('\n')) {
      const at = line.indexOf('=');
      if (at > 0) facts.set(line.slice(0, at), line.slice(at + 1).trim());
    }
  }, 180_000);

  afterAll(() => {
    if (resultsDir) rmSync(resultsDir, { recursive: true, force: true });
  });

  test("the exit code of the command is the run's, and its stdout and stderr arrive apart", () => {
    expect(result.exitCode).toBe(7);
    expect(stdout).toMatch(/^fstype=/);
    expect(stderr).toBe('to stderr\n');
  });

  test('/sys/fs/cgroup is cgroup2 and nothing else: no v1 hierarchy is mounted', () => {
    expect(facts.get('fstype')).toBe('cgroup2fs');
    expect(facts.get('v1')).toBe('0');
    expect(facts.get('self')).toMatch(/^0::\//);
  });

  test('the root cgroup offers cpuset, cpu, memory and pids, and enables them for its children', () => {
    const controllers = facts.get('controllers')?.split(' ');
    const enabled = facts.get('subtree')?.split(' ');
    for (const controller of ['cpuset', 'cpu', 'memory', 'pids']) {
      expect(controllers, 'cgroup.controllers').toContain(controller);
      expect(enabled, 'cgroup.subtree_control').toContain(controller);
    }
  });

  test('the project is visible at the same path, and read-only', () => {
    expect(facts.get('cwd')).toBe(process.cwd());
    expect(facts.get('package')).toBe('yes');
    expect(facts.get('write')).toMatch(/Read-only file system/);
    expect(existsSync('vm-write-test')).toBe(false);
  });

  test('a file written to the results share is on the host afterwards', () => {
    expect(readFileSync(join(resultsDir, 'from-guest'), 'utf8')).toBe('written\n');
  });

  test('the only network device is lo', () => {
    expect(facts.get('links')).toBe('lo');
  });

  test('as systemd leaves it: / shared, 2 CPUs, a hostname, modules load, tmpfs on /tmp', () => {
    expect(facts.get('root-propagation')).toBe('shared');
    expect(facts.get('cpus')).toBe('2');
    expect(facts.get('hostname')).toBe('mydocker-vm');
    expect(facts.get('overlay')).toBe('overlay');
    // /tmp is a tmpfs, unless the project lives under /tmp (a tmpfs would hide it): then it stays as is.
    // /tmp is a tmpfs, unless the project lives under /tmp (a tmpfs would hide it); TMPDIR is writable either way.
    if (!projectRoot.startsWith('/tmp/')) expect(facts.get('tmp')).toBe('tmpfs');
    expect(facts.get('tmpdir-writable'), 'TMPDIR is writable in the guest').toBe('yes');
  });

  test("the caller's environment comes in, with the project's bins first on PATH", () => {
    expect(facts.get('source')).toBe('solutions');
    expect(facts.get('path')?.split(':')[0]).toBe(join(process.cwd(), 'node_modules', '.bin'));
  });
});
