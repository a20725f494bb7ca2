// Lab ch1-namespaces: the container is cloned into new UTS, PID, mount, IPC and network namespaces.
import { readFileSync, readlinkSync } from 'node:fs';
import { execa } from 'execa';
import { expect } from 'vitest';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';

type NamespacesModule = typeof import('../../../solutions/src/container/namespaces.ts');
const NAMESPACES = ['uts', 'pid', 'mnt', 'ipc', 'net'] as const;

describeLab('ch1-namespaces', (check) => {
  check('cloneFlags combines one CLONE_NEW* bit per namespace', { hint: 2 }, async () => {
    const { cloneFlags, CLONE_FLAG } = await importTarget<NamespacesModule>('container/namespaces.ts');
    expect(cloneFlags([]), 'no namespaces').toBe(0);
    expect(cloneFlags(['uts']), "['uts']").toBe(CLONE_FLAG.uts);
    expect(cloneFlags(['uts', 'pid', 'net']), "['uts', 'pid', 'net']").toBe(
      CLONE_FLAG.uts | CLONE_FLAG.pid | CLONE_FLAG.net,
    );
  });

  check('a container gets the five namespaces uts, pid, mnt, ipc, net', { hint: 1 }, async () => {
    const { containerNamespaces } = await importTarget<NamespacesModule>('container/namespaces.ts');
    expect([...containerNamespaces()].sort()).toEqual([...NAMESPACES].sort());
  });

  check(
    "seen from the host, each of its namespaces differs from the lab host's",
    { hint: 1 },
    async ({ host, mydocker }) => {
      const container = await mydocker.hold(['--rm']);
      try {
        const differing = NAMESPACES.filter(
          (ns) => readlinkSync(`/proc/${container.pid}/ns/${ns}`) !== host.namespace(ns),
        );
        expect(differing, 'namespaces in which the container differs from the lab host').toEqual([...NAMESPACES]);
      } finally {
        await container.release();
      }
    },
  );

  check('the command is PID 1 in its own PID namespace', { hint: 1 }, async ({ mydocker }) => {
    const container = await mydocker.hold(['--rm']);
    try {
      // NSpid lists the pid in each namespace from the host's down to the container's own.
      const nspid = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${container.pid}/status`, 'utf8'))?.[1]?.split(/\s+/);
      expect(nspid?.at(-1), `NSpid of the container process (host pid ${container.pid})`).toBe('1');
    } finally {
      await container.release();
    }
  });

  check('its network namespace holds only the loopback device', { hint: 1 }, async ({ mydocker }) => {
    // --network none: from chapter 6 on, a container's namespace gets an eth0 on the default network
    const container = await mydocker.hold(['--rm', '--network', 'none']);
    try {
      const links = await execa('nsenter', ['-t', String(container.pid), '-n', 'ip', '-j', 'link', 'show']);
      const names = (JSON.parse(links.stdout) as { ifname: string }[]).map((link) => link.ifname);
      expect(names, 'network devices in the container').toEqual(['lo']);
    } finally {
      await container.release();
    }
  });
});
