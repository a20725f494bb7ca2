// Lab ch2-cpuset: under --cpuset-cpus 0 the container may run on CPU 0 only.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';

type CpusetModule = typeof import('../../../solutions/src/cgroups/cpuset.ts');

function allowedCpus(pid: number): string | undefined {
  return /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
}

describeLab('ch2-cpuset', (check) => {
  check('cpusetSettings writes cpuset.cpus, in v1 and v2 alike', { hint: 1 }, async () => {
    const { cpusetSettings } = await importTarget<CpusetModule>('cgroups/cpuset.ts');
    for (const version of [1, 2] as const) {
      expect(
        cpusetSettings({ cpusetCpus: '0' }, version).map((s) => `${s.controller} ${s.file}=${s.value}`),
        `v${version}`,
      ).toEqual(['cpuset cpuset.cpus=0']);
      expect(cpusetSettings({}, version), `v${version} without --cpuset-cpus`).toEqual([]);
    }
  });

  check('under --cpuset-cpus 0 its Cpus_allowed_list is 0', { hint: 2 }, async ({ mydocker }) => {
    const container = await mydocker.hold(['--rm', '--cpuset-cpus', '0']);
    try {
      expect(allowedCpus(container.pid), `Cpus_allowed_list in /proc/${container.pid}/status`).toBe('0');
    } finally {
      await container.release();
    }
  });

  check('without it, the container may use every CPU the lab host may', { hint: 2 }, async ({ host, mydocker }) => {
    const container = await mydocker.hold(['--rm']);
    try {
      expect(allowedCpus(container.pid), 'Cpus_allowed_list of the container').toBe(allowedCpus(host.anchorPid));
    } finally {
      await container.release();
    }
  });
});
