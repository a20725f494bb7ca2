// The cgroup scaffolding without root: detection from mountinfo, docker's flag parsing, and the plan
// the driver builds on this machine.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { detectCgroups } from '../../solutions/src/cgroups/system.ts';
import { formatCpuList, parseBytes, parseCpuList, parseResources } from '../../solutions/src/cgroups/resources.ts';

const line = (id: number, point: string, fstype: string, superOptions: string) =>
  `${id} 1 0:${id} / ${point} rw,nosuid shared:${id} - ${fstype} ${fstype} ${superOptions}`;

describe('detectCgroups', () => {
  test('v2: one cgroup2 mount', () => {
    expect(detectCgroups([line(30, '/sys/fs/cgroup', 'cgroup2', 'rw,nsdelegate')].join('\n'))).toEqual({
      version: 2,
      mode: 'v2',
      root: '/sys/fs/cgroup',
    });
  });

  test('hybrid: v1 controller hierarchies beside an empty cgroup2, cpu and cpuacct sharing one', () => {
    const system = detectCgroups(
      [
        line(30, '/sys/fs/cgroup/unified', 'cgroup2', 'rw'),
        line(31, '/sys/fs/cgroup/systemd', 'cgroup', 'rw,xattr,name=systemd'),
        line(32, '/sys/fs/cgroup/cpu,cpuacct', 'cgroup', 'rw,cpu,cpuacct'),
        line(33, '/sys/fs/cgroup/memory', 'cgroup', 'rw,memory'),
        line(34, '/sys/fs/cgroup/pids', 'cgroup', 'rw,pids'),
        line(35, '/sys/fs/cgroup/cpuset', 'cgroup', 'rw,cpuset'),
      ].join('\n'),
    );
    expect(system).toEqual({
      version: 1,
      mode: 'hybrid',
      hierarchies: {
        cpu: '/sys/fs/cgroup/cpu,cpuacct',
        cpuacct: '/sys/fs/cgroup/cpu,cpuacct',
        memory: '/sys/fs/cgroup/memory',
        pids: '/sys/fs/cgroup/pids',
        cpuset: '/sys/fs/cgroup/cpuset',
      },
    });
  });

  test("this machine's system is read at the first call and kept; a table given is read as given", () => {
    const mine = detectCgroups();
    expect(detectCgroups(), 'the same answer, not read again').toBe(mine);
    expect(detectCgroups(readFileSync('/proc/self/mountinfo', 'utf8'))).toEqual(mine);
    expect(detectCgroups(line(30, '/sys/fs/cgroup', 'cgroup2', 'rw')).mode).toBe('v2');
  });

  test('no cgroup filesystem at all is an error that says what to mount', () => {
    expect(() => detectCgroups(line(1, '/', 'ext4', 'rw'))).toThrow(/mount cgroup2 on \/sys\/fs\/cgroup/);
  });
});

describe('resource flags', () => {
  const machine = { cpuCount: 2, cpus: [0, 1] };

  test.each([
    ['64m', 64 * 1024 ** 2],
    ['1g', 1024 ** 3],
    ['1.5G', 1.5 * 1024 ** 3],
    ['512k', 512 * 1024],
    ['100', 100],
    ['64mb', 64 * 1024 ** 2],
  ])('parseBytes %s', (text, bytes) => {
    expect(parseBytes(text, '-m')).toBe(bytes);
  });

  test('cpu lists both ways', () => {
    expect(parseCpuList('0-2,5')).toEqual([0, 1, 2, 5]);
    expect(parseCpuList('3-1')).toBeUndefined();
    expect(parseCpuList('a')).toBeUndefined();
    expect(formatCpuList([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8');
  });

  test('valid flags become resources, and the unlimited values disappear', () => {
    expect(
      parseResources(
        { memory: '64m', memorySwap: '-1', cpus: '0.5', cpuShares: '512', cpusetCpus: '1,0', pidsLimit: '20' },
        machine,
      ),
    ).toEqual({
      memory: 64 * 1024 ** 2,
      memorySwap: -1,
      cpus: 0.5,
      cpuShares: 512,
      cpusetCpus: '0-1',
      pidsLimit: 20,
    });
    expect(parseResources({ memory: '0', pidsLimit: '-1' }, machine)).toEqual({});
    // docker's unset values: --cpus 0, --memory-swap 0, and -1 swap without a memory limit
    expect(parseResources({ cpus: '0', memorySwap: '0' }, machine)).toEqual({});
    expect(parseResources({ memory: '0', memorySwap: '-1' }, machine)).toEqual({});
  });
});
