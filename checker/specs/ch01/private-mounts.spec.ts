// Lab ch1-private-mounts: the container makes every mount private before it mounts anything.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { FakeKernel } from '../../harness/fake-kernel.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';

type MountsModule = typeof import('../../../solutions/src/container/mounts.ts');
type SetupModule = typeof import('../../../solutions/src/container/setup.ts');

describeLab('ch1-private-mounts', (check) => {
  check('makeMountsPrivate leaves no mount shared, down to the ones below /', { hint: 2 }, async () => {
    const { makeMountsPrivate } = await importTarget<MountsModule>('container/mounts.ts');
    const kernel = new FakeKernel();
    makeMountsPrivate(kernel);
    expect(kernel.calls.length, 'kernel calls made').toBeGreaterThan(0);
    for (const mountpoint of ['/', '/proc', '/sys', '/dev']) {
      expect(kernel.propagation(mountpoint), `propagation of ${mountpoint} afterwards`).toBe('private');
    }
  });

  check('the plan makes mounts private before its first mount', { hint: 1 }, async () => {
    const { setUpContainer } = await importTarget<SetupModule>('container/setup.ts');
    const kernel = new FakeKernel();
    setUpContainer(kernel, { hostname: 'box', command: ['true'], env: [] });
    expect(kernel.reachedHost, 'mounts that reached the host in a simulated run').toEqual([]);
    expect(kernel.calls[0] ?? '(no calls)', 'the first step').toMatch(/^mount NULL \/ NULL \d+$/);
  });

  check('no mount inside the running container is shared with the lab host', { hint: 2 }, async ({ mydocker }) => {
    const container = await mydocker.hold(['--rm']);
    try {
      const mountinfo = readFileSync(`/proc/${container.pid}/mountinfo`, 'utf8').split('\n').filter(Boolean);
      // Field 7 onwards are optional fields: `shared:N` means the mount is in peer group N.
      const shared = mountinfo.filter((line) => /\sshared:\d+/.test(line)).map((line) => line.split(' ')[4]);
      expect(shared, 'mountpoints still shared (see /proc/<pid>/mountinfo)').toEqual([]);
    } finally {
      await container.release();
    }
  });
});
