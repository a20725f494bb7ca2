// Lab ch2-memory: past -m, the OOM killer ends the container, and the kernel counts it in the
// container's own cgroup; without -m the same program lives.
import { expect } from 'vitest';
import { oomKills } from '../../harness/cgroups.ts';
import { expectExitCode, expectOutput } from '../../harness/expect.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';

type MemoryModule = typeof import('../../../solutions/src/cgroups/memory.ts');

const MiB = 1024 * 1024;
/** Holds 100 MB in a shell variable: far past a 32 MiB limit. */
const ALLOCATE = `x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo \${#x}`;

describeLab('ch2-memory', (check) => {
  check("memorySettings: v1 limit then memsw, v2 max and swap.max, docker's swap defaults", { hint: 2 }, async () => {
    const { memorySettings } = await importTarget<MemoryModule>('cgroups/memory.ts');
    const brief = (settings: { file: string; value: string; optional?: boolean }[]) =>
      settings.map((s) => `${s.file}=${s.value}${s.optional ? ' (optional)' : ''}`);
    expect(brief(memorySettings({}, 1)), 'no -m, v1').toEqual([]);
    expect(brief(memorySettings({ memory: 64 * MiB }, 1)), '-m 64m, v1').toEqual([
      `memory.limit_in_bytes=${64 * MiB}`,
      `memory.memsw.limit_in_bytes=${128 * MiB} (optional)`,
    ]);
    expect(brief(memorySettings({ memory: 64 * MiB }, 2)), '-m 64m, v2').toEqual([
      `memory.max=${64 * MiB}`,
      `memory.swap.max=${64 * MiB} (optional)`,
    ]);
    expect(
      brief(memorySettings({ memory: 64 * MiB, memorySwap: 100 * MiB }, 2)),
      '-m 64m --memory-swap 100m, v2',
    ).toEqual([`memory.max=${64 * MiB}`, `memory.swap.max=${36 * MiB}`]);
    expect(brief(memorySettings({ memory: 64 * MiB, memorySwap: -1 }, 1)), '-m 64m --memory-swap -1, v1').toEqual([
      `memory.limit_in_bytes=${64 * MiB}`,
    ]);
    expect(brief(memorySettings({ memory: 64 * MiB, memorySwap: -1 }, 2)), '-m 64m --memory-swap -1, v2').toEqual([
      `memory.max=${64 * MiB}`,
      'memory.swap.max=max',
    ]);
  });

  check('a container allocating past -m 32m is OOM-killed: exit 137', { hint: 1 }, async ({ mydocker }) => {
    expectExitCode(await mydocker.run(['run', '--rm', '-m', '32m', 'host', 'sh', '-c', ALLOCATE]), 137);
  });

  check("the kill is counted in the container's own cgroup (oom_kill)", { hint: 1 }, async ({ host, mydocker }) => {
    // The allocation runs in a subshell, so the container outlives it and the check can read its cgroup.
    // The OOM killer picks the task with the highest oom_score in the cgroup, and may pick the
    // container's PID 1 (the shell that holds it), ending the check early. The subshell raises its
    // own oom_score_adj to 1000, which needs no privilege, so it and the processes it starts score
    // above anything else (proc(5), /proc/pid/oom_score_adj); PID 1 also asks for -1000 (exempt),
    // which needs CAP_SYS_RESOURCE and is simply refused without it.
    const container = await mydocker.hold(
      ['--rm', '-m', '32m'],
      `echo -1000 > /proc/self/oom_score_adj 2>/dev/null; (echo 1000 > /proc/self/oom_score_adj; ${ALLOCATE}); echo "status=$?"; read _`,
    );
    try {
      const output = await container.proceed('status=');
      expect(output, 'what the container printed').toContain('status=137');
      expect(
        oomKills(host.containment.containersParent, container.state.id),
        "oom_kill in the container's memory cgroup",
      ).toBeGreaterThanOrEqual(1);
    } finally {
      await container.release();
    }
  });

  check('the same program without -m lives', { hint: 1 }, async ({ mydocker }) => {
    const result = await mydocker.run(['run', '--rm', 'host', 'sh', '-c', ALLOCATE]);
    expectOutput(result, '100000000\n');
  });
});
