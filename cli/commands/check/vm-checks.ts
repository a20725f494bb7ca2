// `lab check --vm`: the same checker run as cli/check/run-checks.ts starts, but inside the cgroup v2
// micro-VM (vm/run.mjs, docs/vm.md). The guest sees the project read-only, so the runtime is built
// here first; the results file lives in a directory the VM shares read-write, at the same path, and
// is read while the checks run, exactly as on the host.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../../checker/harness/target.ts';
import { ResultsFollower, type RunChecksOptions, type RunChecksResult } from '../../check/run-checks.ts';

/** Boot and power-off come on top of the checks' own limit. */
const BOOT_ALLOWANCE_MS = 60_000;

export async function runChecksInVm({
  specs,
  source,
  onEvent,
  timeoutMs = 300_000,
}: RunChecksOptions): Promise<RunChecksResult> {
  const { ensureBuilt, ensureCheckPrograms } = await import('../../../scripts/build.mjs');
  const { runInVm, VmError, vmDir } = await import('../../../vm/run.mjs');
  const { checkerInVm } = await import('../../../vm/checker-command.mjs');
  await ensureBuilt(source);
  ensureCheckPrograms();
  // .lab/vm is made by the first VM run; on a fresh clone this is the first.
  mkdirSync(vmDir, { recursive: true });
  const dir = mkdtempSync(join(vmDir, 'check-'));
  const resultsFile = join(dir, 'results.ndjson');
  const follower = new ResultsFollower(resultsFile, onEvent);
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString();
  };
  try {
    const checker = checkerInVm({
      source,
      specs,
      reporter: join(PROJECT_ROOT, 'checker', 'reporter.ts'),
      cwd: PROJECT_ROOT,
    });
    await runInVm({
      command: checker.command,
      env: { ...checker.env, LAB_RESULTS_FILE: resultsFile, FORCE_COLOR: '0' },
      cwd: PROJECT_ROOT,
      resultsDir: dir,
      timeoutMs: timeoutMs + BOOT_ALLOWANCE_MS,
      onStdout: collect,
      onStderr: collect,
    });
  } catch (error) {
    // The VM stopped (a timeout, Ctrl-C): what finished stays, and the reason is the output.
    if (!(error instanceof VmError)) throw error;
    output += `\nvm: ${error.message}\n`;
  } finally {
    follower.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return { events: follower.events, output };
}
