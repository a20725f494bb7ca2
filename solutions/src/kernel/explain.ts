import { containerEntry, enterEntry, hostEntry } from './ops.ts';
import type { HostStep, Plan, Step } from './plan.ts';

/** The whole plan in the words of the syscalls, for `mydocker run --explain`. */
export function explainPlan(plan: Plan): string {
  const lines: string[] = [];
  const enter = plan.enter ?? [];
  // exec's plan joins every namespace and makes none; run's with --network container:X joins one.
  const exec = enter.length > 0 && plan.namespaces.length === 0;
  if (enter.length > 0)
    lines.push(
      exec ? 'shim, before clone: join the running container' : "shim, before clone: join the other container's",
    );
  enter.forEach((step) => lines.push(`   ${enterEntry(step).explain(step)}`));
  const clone = `clone(${plan.namespaces.map((ns) => `CLONE_NEW${cloneName(ns)}`).join('|') || '0'})`;
  lines.push(exec ? `${clone}: a child in the namespaces joined` : clone);
  hostSection(lines, 'host, while the container waits at the barrier:', plan.host.created, exec);
  lines.push(exec ? 'child:' : 'container:');
  if (plan.stdin === 'null') lines.push('   stdin from /dev/null (no -i)');
  if (plan.output !== undefined && plan.output !== 'inherit')
    lines.push(`   detached (-d): stdout and stderr to the shim, which logs them in ${plan.output}`);
  plan.steps.forEach((step, index) => lines.push(`${String(index + 1).padStart(2)}. ${describeStep(step)}`));
  hostSection(lines, 'host, after it ended:', plan.host.ended, exec);
  hostSection(lines, 'host, if it never started:', plan.host.failed, exec);
  return lines.join('\n') + '\n';
}

/** A host section with its steps (exec's plan has none: left out). */
function hostSection(lines: string[], title: string, steps: readonly HostStep[], exec: boolean): void {
  if (exec && steps.length === 0) return;
  lines.push(title);
  steps.forEach((step) => lines.push(`   ${describeHostStep(step)}`));
}

// Each op's line comes from its entry in the table (ops.ts).
export function describeStep(step: Step): string {
  return containerEntry(step).explain(step);
}

export function describeHostStep(step: HostStep): string {
  return hostEntry(step).explain(step);
}

function cloneName(ns: string): string {
  return ns === 'mnt' ? 'NS' : ns.toUpperCase();
}
