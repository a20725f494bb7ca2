// Submissions for lab grade's tests, made from this checkout: a learner's clone is labs/ with some
// labs' files taken from solutions/ (and anything else the test writes over it).
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../checker/harness/target.ts';
import { allLabs, findLab } from '../../chapters/manifest.ts';

export const isRoot = process.platform === 'linux' && process.getuid?.() === 0;

/**
 * Every lab of the course but these: a learner who has done the rest. (A lab's checks may need earlier
 * labs: ch1-command's run a container with --hostname, which needs ch1-namespaces' uts namespace.)
 */
export function allBut(...ids: string[]): string[] {
  return allLabs()
    .map((lab) => lab.id)
    .filter((id) => !ids.includes(id));
}

/** A clone's labs/ at `dir`, with the named labs solved. */
export function clone(dir: string, solved: readonly string[] = []): string {
  mkdirSync(join(dir, 'labs'), { recursive: true });
  cpSync(join(PROJECT_ROOT, 'labs', 'src'), join(dir, 'labs', 'src'), { recursive: true });
  for (const id of solved) {
    for (const file of findLab(id)!.files) cpSync(join(PROJECT_ROOT, 'solutions', file), join(dir, 'labs', file));
  }
  return dir;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Learner', '-c', 'user.email=learner@example.com', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** A git repository of a clone, everything committed. */
export function gitClone(dir: string, solved: readonly string[]): string {
  clone(dir, solved);
  git(dir, 'init', '-q');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'my labs');
  return dir;
}

export function writeText(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

export interface LabRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `lab ARGS...` as an instructor runs it (bin/lab.js, no terminal), from `cwd`. */
export function lab(args: readonly string[], cwd: string, onStart?: (pid: number) => void): Promise<LabRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'lab.js'), ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('spawn', () => onStart?.(child.pid!));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
