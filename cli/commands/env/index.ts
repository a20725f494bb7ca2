// `lab env`: the line that puts the project's commands (bin/path: lab, mydocker) and its Node 24
// (node_modules/.bin) first on PATH, so `eval "$(npx lab env)"` lets a learner call them directly,
// without npx's start-up cost.
import { join } from 'node:path';
import { projectRoot } from '../../paths.ts';

export type EnvOptions = Record<string, never>;

/** The directories, first to last, that `lab env` puts before the shell's PATH. */
export function pathDirs(root: string): string[] {
  return [join(root, 'bin', 'path'), join(root, 'node_modules', '.bin')];
}

export function envLine(root: string): string {
  const quoted = pathDirs(root).map((dir) => dir.replace(/(["\\$`])/g, '\\$1'));
  return `export PATH="${quoted.join(':')}:$PATH"`;
}

export async function env(_options: EnvOptions = {}): Promise<number> {
  process.stdout.write(envLine(projectRoot) + '\n');
  return 0;
}
