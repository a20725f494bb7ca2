// `lab check --vm` on a fresh clone: .lab/vm does not exist before the first VM run, and the run
// must make it, not fail on it. The VM itself is not booted here (test/vm/run.test.ts does that).
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test, vi } from 'vitest';
import { vmDir } from '../../vm/run.mjs';

const fresh = vi.hoisted(() => ({ dir: '' }));
vi.mock('../../scripts/build.mjs', async (original) => ({
  ...(await original<typeof import('../../scripts/build.mjs')>()),
  ensureBuilt: vi.fn(async () => {}),
}));
vi.mock('../../vm/run.mjs', async (original) => {
  const { mkdtempSync: mkdtemp } = await import('node:fs');
  const { tmpdir: tmp } = await import('node:os');
  const { join: joinPath } = await import('node:path');
  fresh.dir = mkdtemp(joinPath(tmp(), 'lab-fresh-clone-'));
  return {
    ...(await original<typeof import('../../vm/run.mjs')>()),
    vmDir: joinPath(fresh.dir, '.lab', 'vm'),
    runInVm: vi.fn(async ({ resultsDir }: { resultsDir: string }) => ({
      exitCode: 0,
      resultsDir,
      bootMs: 1,
      durationMs: 1,
    })),
  };
});

afterAll(() => rmSync(fresh.dir, { recursive: true, force: true }));

test('runChecksInVm makes .lab/vm when it is missing', async () => {
  const { runChecksInVm } = await import('../../cli/commands/check/vm-checks.ts');
  expect(vmDir).toBe(join(fresh.dir, '.lab', 'vm'));
  expect(existsSync(vmDir)).toBe(false);
  await expect(runChecksInVm({ specs: ['checker/specs/ch1/proc.spec.ts'], source: 'labs' })).resolves.toEqual({
    events: [],
    output: '',
  });
  expect(existsSync(vmDir)).toBe(true);
});
