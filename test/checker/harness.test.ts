// The checker's own harness: the lab host sandbox keeps changes away from the real host, and the
// leak check sees every kind of leftover a check can leave.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LabHost, LAB_HOSTNAME } from '../../checker/harness/labhost.ts';
import { Mydocker } from '../../checker/harness/mydocker.ts';
import { findLeaks, snapshot } from '../../checker/harness/suite.ts';

const isRoot = process.getuid?.() === 0;

describe.runIf(isRoot)('the lab host', () => {
  let host: LabHost;
  let mydocker: Mydocker;
  const realHostname = readFileSync('/proc/sys/kernel/hostname', 'utf8').trim();

  beforeAll(async () => {
    host = await LabHost.create(`harness-test-${process.pid}`);
    mydocker = new Mydocker(host);
  });
  afterAll(async () => {
    mydocker.cleanup();
    await host.destroy();
  });

  test('has its own hostname and only a loopback device', async () => {
    expect(await host.hostname()).toBe(LAB_HOSTNAME);
    expect(readFileSync('/proc/sys/kernel/hostname', 'utf8').trim()).toBe(realHostname);
    expect(await host.links()).toEqual(['lo']);
  });

  test('a mount made in the lab host does not reach the real host', async () => {
    const realBefore = readFileSync('/proc/self/mountinfo', 'utf8');
    await host.exec(['mount', '-t', 'tmpfs', 'lab-test', '/mnt']);
    expect(host.mountTable().some((line) => line.includes('lab-test'))).toBe(true);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).toBe(realBefore);
    await host.exec(['umount', '/mnt']);
  });

  test('the leak check reports a leftover process, mount, device and rule, and kills the process', async () => {
    const baseline = await snapshot(host);
    const sleeper = host.exec(['sleep', '60']);
    await host.exec(['mount', '-t', 'tmpfs', 'leaked-mount', '/mnt']);
    await host.exec(['ip', 'link', 'add', 'leaked0', 'type', 'veth', 'peer', 'name', 'leaked1']);
    const iptables = await host.exec(['iptables', '-A', 'INPUT', '-s', '192.0.2.1', '-j', 'DROP']);
    const { problems, now } = await findLeaks({ host, mydocker }, baseline);
    expect(problems.some((p) => /process \d+ \(sleep\) is still running/.test(p))).toBe(true);
    expect(problems.some((p) => p.startsWith('the lab host gained a mount') && p.includes('leaked-mount'))).toBe(true);
    expect(problems).toContain('the lab host gained a network device: leaked0');
    expect(problems).toContain('the lab host gained a network device: leaked1');
    if (iptables.exitCode === 0)
      expect(problems).toContain('the lab host gained an iptables rule: filter -A INPUT -s 192.0.2.1/32 -j DROP');
    expect(problems).toHaveLength(iptables.exitCode === 0 ? 5 : 4);
    await sleeper;
    expect(host.strayProcesses()).toEqual([]);
    // The next check starts from what is there now: the same leak is not reported twice.
    expect((await findLeaks({ host, mydocker }, now)).problems).toEqual([]);
    await host.exec(['umount', '/mnt']);
    await host.exec(['ip', 'link', 'del', 'leaked0']);
    if (iptables.exitCode === 0) await host.exec(['iptables', '-D', 'INPUT', '-s', '192.0.2.1', '-j', 'DROP']);
  }, 30_000); // the leak check waits for the veth it then reports (network.ts: NO_VETH_TIMEOUT_MS, 12 s)
});

describe.runIf(isRoot)('containment', () => {
  test('removes the empty cgroups of runs whose process is gone, and keeps live ones', async () => {
    const { Containment } = await import('../../checker/harness/containment.ts');
    const { mkdirSync, existsSync } = await import('node:fs');
    const { spawnSync } = await import('node:child_process');
    const dead = spawnSync('true').pid; // a pid that just exited
    const live = new Containment(`harness-live-${process.pid}`);
    const staleDirs = live.harnessDirs.map((dir) => dir.replace(/harness-live-\d+\/harness$/, `harness-stale-${dead}`));
    for (const dir of staleDirs) mkdirSync(join(dir, 'containers', 'c0ffee'), { recursive: true });
    const next = new Containment(`harness-next-${process.pid}`);
    try {
      for (const dir of staleDirs) expect(existsSync(dir), dir).toBe(false);
      for (const dir of live.harnessDirs) expect(existsSync(dir), dir).toBe(true);
    } finally {
      await next.destroy();
      await live.destroy();
    }
  });
});
