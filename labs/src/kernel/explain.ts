import { containerEntry, hostEntry } from './ops.ts';
import type { HostStep, Plan, Step } from './plan.ts';

/** The whole plan in the words of the syscalls, for `mydocker run --explain`. */
export function explainPlan(plan: Plan): string {
  const lines = [`clone(${plan.namespaces.map((ns) => `CLONE_NEW${cloneName(ns)}`).join('|') || '0'})`];
  lines.push('host, while the container waits at the barrier:');
  plan.host.created.forEach((step) => lines.push(`   ${describeHostStep(step)}`));
  lines.push('container:');
  if (plan.stdin === 'null') lines.push('   stdin from /dev/null (no -i)');
  if (plan.output !== undefined && plan.output !== 'inherit')
    lines.push(`   detached (-d): stdout and stderr to the shim, which logs them in ${plan.output}`);
  plan.steps.forEach((step, index) => lines.push(`${String(index + 1).padStart(2)}. ${describeStep(step)}`));
  lines.push('host, after it ended:');
  plan.host.ended.forEach((step) => lines.push(`   ${describeHostStep(step)}`));
  lines.push('host, if it never started:');
  plan.host.failed.forEach((step) => lines.push(`   ${describeHostStep(step)}`));
  return lines.join('\n') + '\n';
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
