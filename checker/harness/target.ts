// Which runtime the checker drives: the learner's (labs/, the default) or the reference
// (MYDOCKER_SOURCE=solutions), and where its files are.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export type Source = 'labs' | 'solutions';

export function targetSource(): Source {
  const source = process.env.MYDOCKER_SOURCE ?? 'labs';
  if (source !== 'labs' && source !== 'solutions') throw new Error(`MYDOCKER_SOURCE must be labs or solutions, not ${source}`);
  return source;
}

/** Imports one of the target's TypeScript modules, for the checks that call lesson functions directly. */
export async function importTarget<T>(path: string): Promise<T> {
  return (await import(join(PROJECT_ROOT, targetSource(), 'src', path))) as T;
}
