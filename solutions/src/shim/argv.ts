// The plan as the shim's argv (see the comment at the top of native/shim.c):
//   mydocker-shim 1 CLONE_FLAGS STDIN  container N OP...  created N OP...  ended N OP...  failed N OP...
// where each OP is its name, its argument count, then its arguments. argv carries any bytes but NUL,
// and nothing in a plan can hold a NUL: it all came from argv and the environment.
// The command's environment is not in argv, which any user can read in /proc/<pid>/cmdline (think of
// `-e PASSWORD=...`): it becomes the shim's own environment (planEnvironment), readable only by root.
import type { HostStep, Plan, Step } from '../kernel/plan.ts';

export const PLAN_FORMAT_VERSION = '1';

export function planArguments(plan: Plan): string[] {
  return [
    PLAN_FORMAT_VERSION,
    String(plan.cloneFlags),
    plan.stdin,
    ...section('container', plan.steps.map(stepArguments)),
    ...section('created', plan.host.created.map(hostStepArguments)),
    ...section('ended', plan.host.ended.map(hostStepArguments)),
    ...section('failed', plan.host.failed.map(hostStepArguments)),
  ];
}

function section(name: string, ops: [string, string[]][]): string[] {
  return [name, String(ops.length), ...ops.flatMap(([op, args]) => [op, String(args.length), ...args])];
}

function stepArguments(step: Step): [string, string[]] {
  switch (step.op) {
    case 'join':
      return ['join', [step.path]];
    case 'mount':
      return ['mount', [step.source, step.target, step.fstype, String(step.flags), step.data]];
    case 'sethostname':
      return ['sethostname', [step.name]];
    case 'pivot_root':
      return ['pivot_root', [step.newRoot, step.putOld]];
    case 'chroot':
      return ['chroot', [step.path]];
    case 'chdir':
      return ['chdir', [step.path]];
    case 'umount2':
      return ['umount2', [step.target, String(step.flags)]];
    case 'mkdir':
      return ['mkdir', [step.path, step.mode.toString(8)]];
    case 'rmdir':
      return ['rmdir', [step.path]];
    case 'mknod':
      return ['mknod', [step.path, step.mode.toString(8), String(step.major), String(step.minor)]];
    case 'symlink':
      return ['symlink', [step.target, step.path]];
    case 'exec':
      return ['exec', [step.search, String(step.argv.length), ...step.argv]];
  }
}

function hostStepArguments(step: HostStep): [string, string[]] {
  return step.op === 'write' || step.op === 'set' ? [step.op, [step.path, step.content]] : [step.op, [step.path]];
}

/** The environment the shim is started with: the command's, exactly, as NAME → value. */
export function planEnvironment(plan: Plan): Record<string, string> {
  const exec = plan.steps.find((step) => step.op === 'exec');
  const env: Record<string, string> = {};
  for (const entry of exec?.env ?? []) {
    const equals = entry.indexOf('=');
    env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return env;
}
