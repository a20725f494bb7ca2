import { mountFlagNames } from './constants.ts';
import type { Plan, Step } from './plan.ts';

/** One line per step, in the words of the syscalls, for `mydocker run --explain`. */
export function explainPlan(plan: Plan): string {
  const lines = [`clone(${plan.namespaces.map((ns) => `CLONE_NEW${cloneName(ns)}`).join('|') || '0'})`];
  lines.push('wait at the barrier until the parent says go');
  plan.steps.forEach((step, index) => lines.push(`${index + 1}. ${describeStep(step)}`));
  return lines.join('\n') + '\n';
}

export function describeStep(step: Step): string {
  switch (step.op) {
    case 'mount':
      return `mount(${quote(step.source)}, ${quote(step.target)}, ${quote(step.fstype)}, ${mountFlagNames(step.flags)}${step.data ? `, ${quote(step.data)}` : ''})`;
    case 'sethostname':
      return `sethostname(${quote(step.name)})`;
    case 'exec':
      return `execve(${JSON.stringify(step.argv)}) searching PATH=${step.search}`;
  }
}

function cloneName(ns: string): string {
  return ns === 'mnt' ? 'NS' : ns.toUpperCase();
}

function quote(text: string): string {
  return text ? JSON.stringify(text) : 'NULL';
}
