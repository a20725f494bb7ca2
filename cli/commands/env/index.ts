// `lab env`: the line that puts the project's Node 24 and its bins (lab, mydocker) first on PATH, so
// `eval "$(npx lab env)"` lets a learner call them directly, without npx's start-up cost.
import { join } from 'node:path';
import { projectRoot } from '../../paths.ts';

export type EnvOptions = Record<string, never>;

export function envLine(root: string): string {
  const bin = join(root, 'node_modules', '.bin');
  return `export PATH="${bin.replace(/(["\\$`])/g, '\\$1')}:$PATH"`;
}

export async function env(_options: EnvOptions = {}): Promise<number> {
  process.stdout.write(envLine(projectRoot) + '\n');
  return 0;
}
