// Hands the plan to the shim: Node replaces itself with it (execve(2), same pid, no fork), so the
// container's parent is a small C program and no Node process stays behind, even in the foreground.
// Forking Node to start a helper instead costs more than the rest of `mydocker run` together (see
// docs/decisions/0002-node-execs-the-shim.md).
import { existsSync } from 'node:fs';
import { RuntimeError } from '../errors.ts';
import type { Plan } from '../kernel/plan.ts';
import { planArguments, planEnvironment } from './argv.ts';

/** The launcher (bin/mydocker.cjs) says where it built the shim: .lab/build/mydocker-shim. */
export function shimPath(): string {
  const path = process.env.MYDOCKER_SHIM;
  if (!path) throw new RuntimeError('MYDOCKER_SHIM is not set: start mydocker through bin/mydocker.cjs (npx mydocker)');
  if (!existsSync(path))
    throw new RuntimeError(`the native helper is missing at ${path}: run \`npm install\` (it builds native/)`);
  return path;
}

/** Never returns: from here on, this process is the shim, and its exit code is the container's. */
export function execShim(path: string, plan: Plan): never {
  process.execve!(path, ['mydocker-shim', ...planArguments(plan)], planEnvironment(plan));
  throw new RuntimeError(`could not start the native helper ${path}`);
}
