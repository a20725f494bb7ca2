// The two questions `lab` asks git: which commit is checked out (recorded once, as the pristine
// state of labs/), and what a file looked like at that commit (`lab reset`).
import { spawnSync } from 'node:child_process';

/** HEAD of the checkout at `dir`, or undefined outside a git checkout or without git. */
export function headCommit(dir: string): string | undefined {
  const result = spawnSync('git', ['rev-parse', 'HEAD'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const commit = result.status === 0 ? result.stdout.trim() : '';
  return /^[0-9a-f]{40,64}$/.test(commit) ? commit : undefined;
}

/** The content of `path` (relative to `dir`) at `commit`, or undefined when that commit lacks it. */
export function fileAtCommit(dir: string, commit: string, path: string): string | undefined {
  const result = spawnSync('git', ['show', `${commit}:./${path}`], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return result.status === 0 ? result.stdout : undefined;
}
