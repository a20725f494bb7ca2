// `mydocker exec`: run a command in a running container. The runtime finds the container and writes
// the plan (lab ch5-exec decides the joins and their order); then this process becomes the shim,
// which joins the namespaces, forks, and waits for the command: its exit code is exec's.
//
// Why the shim and not Node: the kernel refuses setns(2) into a mount namespace (EINVAL) to a process
// whose threads share its filesystem information, and Node runs several threads before any of its
// code (V8, libuv). The book's Go runtime has the same problem and solves it with a cgo constructor
// that runs before Go starts its threads. Here Node execve()s the single-threaded shim first, and
// every setns happens in the shim.
//
// The command gets the container's hardening again (chapter 7): its saved flags resolved as `run`
// resolved them, and the same last steps before its exec (dropPrivileges: no_new_privs, the filter,
// the capabilities). The shim that forks it is the caller's, with every privilege: without them an
// exec'd process would be stronger than the container's PID 1.
import { readlinkSync } from 'node:fs';
import { detectCgroups } from '../cgroups/system.ts';
import { containerEnv } from '../container/command.ts';
import { enterContainer, namespaceFile, type ExecTarget } from '../container/exec-plan.ts';
import { refuseHostChanges } from '../container/setup.ts';
import { CommandError } from '../errors.ts';
import { CLONE_NEWCGROUP, CLONE_NEWNS, CLONE_NEWUSER } from '../kernel/constants.ts';
import { explainPlan } from '../kernel/explain.ts';
import { EnterRecorder, PlanKernel, type Plan, type Step } from '../kernel/plan.ts';
import { DEFAULT_SECURITY } from '../security/options.ts';
import { dropPrivileges } from '../security/privileges.ts';
import { resolveSecurity, type ContainerSecurity } from '../security/resolve.ts';
import { execShim, shimPath } from '../shim/exec.ts';
import { StateStore } from '../state/store.ts';
import type { ExecOptions } from './exec-arguments.ts';
import { cgroupJoinFiles, runningPid } from './exec-target.ts';

export async function exec(options: ExecOptions): Promise<number> {
  if (options.tty && options.interactive && !process.stdin.isTTY) {
    throw new CommandError('the input device is not a TTY: drop -t, or run mydocker from a terminal');
  }
  const plan = execPlanOf(new StateStore(), options);
  if (options.explain) {
    process.stdout.write(explainPlan(plan));
    return 0;
  }
  return execShim(shimPath(), plan);
}

/** The plan of an exec into the running container `options.container` names (the daemon's too). */
export function execPlanOf(store: StateStore, options: ExecOptions): Plan {
  const state = resolve(store, options.container);
  const pid = runningPid(state);
  const target: ExecTarget = {
    pid,
    // A rootless container has no cgroup of its own (security/rootless.ts): none to join.
    cgroups: state.cgroups?.length === 0 ? [] : cgroupJoinFiles(pid),
    workingDir: options.workdir ?? state.workingDir,
    command: options.command,
    // docker: the container's environment, TERM only with exec's own -t, then exec's -e.
    env: containerEnv({
      hostname: state.hostname,
      tty: options.tty,
      // The container's environment (the image's, run's -e, docker's defaults) before exec's own -e.
      assignments: [...state.env.filter((entry) => !entry.startsWith('TERM=')), ...options.env],
    }),
  };
  const security = resolveSecurity(state.security ?? DEFAULT_SECURITY, {
    cgroups: detectCgroups(),
    rootless: process.getuid?.() !== 0,
  });
  return execPlan(target, options, security);
}

/** docker exec reports every error of the daemon's, an unknown container too, with exit code 1. */
function resolve(store: StateStore, reference: string): ReturnType<StateStore['resolve']> {
  try {
    return store.resolve(reference);
  } catch (error) {
    if (error instanceof CommandError) throw error; // No such container: the daemon's 404 too
    throw new CommandError((error as Error).message);
  }
}

function execPlan(target: ExecTarget, options: ExecOptions, security: ContainerSecurity): Plan {
  const shim = new EnterRecorder();
  const child = new PlanKernel();
  enterContainer(shim, child, target);
  // Chapter 7: a container with a user namespace of its own is joined there first of all: setns(2)
  // into it gives the capabilities, in the namespaces it owns, that joining the others needs; the
  // child then becomes its root, as the container's PID 1 did (after its cgroups, as run's order).
  const users = hasOwnNamespace(namespaceFile(target.pid, 'user'), '/proc/self/ns/user');
  const enter = users
    ? [{ op: 'setns' as const, path: namespaceFile(target.pid, 'user'), nstype: CLONE_NEWUSER }, ...shim.steps]
    : shim.steps;
  const joins = child.steps.filter((step) => step.op === 'join').length;
  const childSteps = users
    ? [...child.steps.slice(0, joins), { op: 'identity' as const, uid: 0, gid: 0 }, ...child.steps.slice(joins)]
    : child.steps;
  // Its cgroup namespace, after its cgroups, before its mount namespace (withCgroupNamespace).
  const joined = withCgroupNamespace(childSteps, target.pid);
  // Just before the command (enterContainer's last step): -t's terminal of the container's own,
  // opened once the child is in the container's mount namespace (its /dev/ptmx is the container's
  // devpts), as run -t's `pty` op; then the container's last steps, as its PID 1 had them.
  const last = new PlanKernel();
  if (options.tty) last.pty();
  dropPrivileges(last, security);
  const steps = [...joined.slice(0, -1), ...last.steps, ...joined.slice(-1)];
  const plan: Plan = {
    namespaces: [], // no new namespace: clone() with no flags, a child in the PID namespace joined
    cloneFlags: 0,
    stdin: options.interactive ? 'inherit' : 'null',
    enter,
    steps,
    host: { created: [], ended: [], failed: [] }, // exec records nothing
  };
  refuseHostChanges(plan);
  return plan;
}

/**
 * Chapter 7: the container's cgroup namespace (lab ch7-cgroupns), joined by the child after its
 * cgroups and before the mount namespace (where /proc/<pid> of the host is gone). setns(2) into a
 * cgroup namespace changes only how cgroup paths are shown to the caller, never which cgroups it is
 * in: the joins must still come first, with the host's paths. The namespace is the kernel's to say:
 * only a container that has one of its own (another than this process's) gets the step, so that a
 * container of a tree without the lab, or started before it, is joined as it is.
 */
function withCgroupNamespace(steps: readonly Step[], pid: number): Step[] {
  const path = namespaceFile(pid, 'cgroup');
  if (!hasOwnNamespace(path, '/proc/self/ns/cgroup')) return [...steps];
  const mount = steps.findIndex((step) => step.op === 'setns' && step.nstype === CLONE_NEWNS);
  const at = mount >= 0 ? mount : steps.length - 1; // without the mount namespace: before the command
  return [...steps.slice(0, at), { op: 'setns', path, nstype: CLONE_NEWCGROUP }, ...steps.slice(at)];
}

function hasOwnNamespace(container: string, own: string): boolean {
  try {
    return readlinkSync(container) !== readlinkSync(own);
  } catch {
    return false; // the container is gone: the shim's own join of its other namespaces says so
  }
}
