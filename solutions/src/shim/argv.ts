// The plan as the shim's argv (native/README.md, "The plan, on the command line"):
//   mydocker-shim 2 CLONE_FLAGS STDIN OUTPUT  enter N OP...  container N OP...  created N OP...  ended N OP...  failed N OP...
// where each OP is its name, its argument count, then its arguments. argv carries any bytes but NUL,
// and nothing in a plan can hold a NUL: it all came from argv and the environment.
// The command's environment is not in argv, which any user can read in /proc/<pid>/cmdline (think of
// `-e PASSWORD=...`): it becomes the shim's own environment (planEnvironment), readable only by root.
import { containerEntry, enterEntry, hostEntry } from '../kernel/ops.ts';
import type { EnterStep, HostStep, Plan, Step } from '../kernel/plan.ts';

export const PLAN_FORMAT_VERSION = '2';

export function planArguments(plan: Plan): string[] {
  return [
    PLAN_FORMAT_VERSION,
    String(plan.cloneFlags),
    plan.stdin,
    plan.output ?? 'inherit',
    ...section('enter', (plan.enter ?? []).map(enterStepArguments)),
    ...section('container', plan.steps.map(stepArguments)),
    ...section('created', plan.host.created.map(hostStepArguments)),
    ...section('ended', plan.host.ended.map(hostStepArguments)),
    ...section('failed', plan.host.failed.map(hostStepArguments)),
  ];
}

function section(name: string, ops: [string, string[]][]): string[] {
  return [name, String(ops.length), ...ops.flatMap(([op, args]) => [op, String(args.length), ...args])];
}

// Each op's arguments come from its entry in the table (kernel/ops.ts).
function stepArguments(step: Step): [string, string[]] {
  return [step.op, containerEntry(step).args(step)];
}

function hostStepArguments(step: HostStep): [string, string[]] {
  return [step.op, hostEntry(step).args(step)];
}

function enterStepArguments(step: EnterStep): [string, string[]] {
  return [step.op, enterEntry(step).args(step)];
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
