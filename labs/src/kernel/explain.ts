import { MNT_DETACH, S_IFBLK, S_IFCHR, mountFlagNames } from './constants.ts';
import type { HostStep, Plan, Step } from './plan.ts';

/** The whole plan in the words of the syscalls, for `mydocker run --explain`. */
export function explainPlan(plan: Plan): string {
  const lines = [`clone(${plan.namespaces.map((ns) => `CLONE_NEW${cloneName(ns)}`).join('|') || '0'})`];
  lines.push('host, while the container waits at the barrier:');
  plan.host.created.forEach((step) => lines.push(`   ${describeHostStep(step)}`));
  lines.push('container:');
  if (plan.stdin === 'null') lines.push('   stdin from /dev/null (no -i)');
  if (plan.stdin === 'terminal') lines.push("   the terminal's foreground process group (-it)");
  plan.steps.forEach((step, index) => lines.push(`${String(index + 1).padStart(2)}. ${describeStep(step)}`));
  lines.push('host, after it ended:');
  plan.host.ended.forEach((step) => lines.push(`   ${describeHostStep(step)}`));
  lines.push('host, if it never started:');
  plan.host.failed.forEach((step) => lines.push(`   ${describeHostStep(step)}`));
  return lines.join('\n') + '\n';
}

export function describeStep(step: Step): string {
  switch (step.op) {
    case 'join':
      return `join the cgroup: write "0" to ${step.path}`;
    case 'mount':
      return `mount(${quote(step.source)}, ${quote(step.target)}, ${quote(step.fstype)}, ${mountFlagNames(step.flags)}${step.data ? `, ${quote(step.data)}` : ''})`;
    case 'sethostname':
      return `sethostname(${quote(step.name)})`;
    case 'pivot_root':
      return `pivot_root(${quote(step.newRoot)}, ${quote(step.putOld)})`;
    case 'chroot':
      return `chroot(${quote(step.path)})`;
    case 'chdir':
      return `chdir(${quote(step.path)})`;
    case 'umount2':
      return `umount2(${quote(step.target)}, ${step.flags === MNT_DETACH ? 'MNT_DETACH' : step.flags})`;
    case 'mkdir':
      return `mkdir(${quote(step.path)}, 0${step.mode.toString(8)})`;
    case 'rmdir':
      return `rmdir(${quote(step.path)})`;
    case 'mknod':
      return `mknod(${quote(step.path)}, ${fileTypeName(step.mode)}|0${(step.mode & 0o7777).toString(8)}, makedev(${step.major}, ${step.minor}))`;
    case 'symlink':
      return `symlink(${quote(step.target)}, ${quote(step.path)})`;
    case 'exec':
      return `execve(${JSON.stringify(step.argv)}) searching PATH=${step.search}`;
  }
}

export function describeHostStep(step: HostStep): string {
  return step.op === 'write' || step.op === 'set'
    ? `${step.op} ${step.path} ${JSON.stringify(step.content)}`
    : `${step.op} ${step.path}`;
}

function fileTypeName(mode: number): string {
  const type = mode & 0o170000;
  return type === S_IFCHR ? 'S_IFCHR' : type === S_IFBLK ? 'S_IFBLK' : `0${type.toString(8)}`;
}

function cloneName(ns: string): string {
  return ns === 'mnt' ? 'NS' : ns.toUpperCase();
}

function quote(text: string): string {
  return text ? JSON.stringify(text) : 'NULL';
}
