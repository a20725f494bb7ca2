// The checker's command inside the micro-VM, built in one place for `npm run checker:v2`
// (vm/checker.mjs) and `lab check --vm` (cli/commands/check/vm-checks.ts).
import { join } from 'node:path';
import { scratchDir } from './guest.mjs';
import { projectRoot } from './paths.mjs';

/**
 * vitest's options for a run inside the VM, where the project is read-only: the config is loaded
 * without writing a bundled copy next to it (node_modules/.vite-temp), and the caches it keeps
 * between runs (node_modules/.vite/vitest, node_modules/.vitest-cache) go to the guest's scratch dir.
 * @param {string} [cwd]
 * @returns {string[]}
 */
export function vitestInVm(cwd = process.cwd()) {
  const scratch = scratchDir([projectRoot, cwd]);
  return ['--configLoader', 'runner', '--no-cache', '--fsModuleCachePath', `${scratch}/vitest-cache`];
}

/**
 * What the checker needs in the guest: its limits scaled for TCG (about ten times slower than the
 * host: checker/harness/timing.ts), and no rebuild of a tree it sees read-only (the host built it
 * before booting).
 * @type {Readonly<Record<string, string>>}
 */
export const CHECKER_ENV_IN_VM = { LAB_TIME_SCALE: '5', MYDOCKER_NO_BUILD: '1' };

/**
 * The checker run against `source` in the guest: the project's Node and vitest (by path, whatever
 * the guest's PATH holds), the read-only project's options, an optional reporter, the specs (vitest
 * filters), and the environment the run needs.
 * @param {{ source: string, specs: readonly string[], reporter?: string, cwd?: string }} options
 * @returns {{ command: string[], env: Record<string, string> }}
 */
export function checkerInVm({ source, specs, reporter, cwd }) {
  const vitest = join(projectRoot, 'node_modules', 'vitest', 'vitest.mjs');
  return {
    command: [
      process.execPath,
      vitest,
      'run',
      '--project',
      'checker',
      ...vitestInVm(cwd),
      ...(reporter === undefined ? [] : ['--reporter', reporter]),
      ...specs,
    ],
    env: { MYDOCKER_SOURCE: source, ...CHECKER_ENV_IN_VM },
  };
}
