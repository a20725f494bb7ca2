// `mydocker run`: the whole recipe on one screen. The runtime decides everything and writes it down
// as a plan; then this process becomes the shim (native/shim.c), which runs the plan: clone, the host
// steps, the container's steps, and waiting for it. The shim's exit code is docker's.
import { closeSync, openSync, readSync } from 'node:fs';
import { cgroupParent, containerCgroups } from '../cgroups/driver.ts';
import { parseResources, thisMachine, type ResourceFlags } from '../cgroups/resources.ts';
import { detectCgroups } from '../cgroups/system.ts';
import { containerEnv } from '../container/command.ts';
import { containerHostname } from '../container/hostname.ts';
import { buildPlan } from '../container/setup.ts';
import { UsageError } from '../errors.ts';
import { explainPlan } from '../kernel/explain.ts';
import { execShim, shimPath } from '../shim/exec.ts';
import { StateStore } from '../state/store.ts';

export interface RunOptions {
  image: string;
  command: string[];
  interactive: boolean;
  tty: boolean;
  hostname?: string;
  env: string[];
  rm: boolean;
  explain: boolean;
  resources: ResourceFlags;
}

export function run(options: RunOptions): number {
  validate(options);
  const resources = parseResources(options.resources, thisMachine());
  const id = newContainerId();
  const hostname = containerHostname(options.hostname, id);
  const env = containerEnv({ hostname, tty: options.tty, assignments: options.env });
  const store = new StateStore();
  const state = store.hostSteps(id, options.rm);
  const cgroups = containerCgroups(detectCgroups(), resources, cgroupParent(), id);
  const plan = buildPlan(
    { hostname, command: options.command, env },
    {
      interactive: options.interactive,
      tty: options.tty,
      join: cgroups.join,
      // The state first (the pid is known), then the cgroups, all before the container may run (it
      // then joins them itself); afterwards the cgroups go first, then the state records the end.
      host: {
        created: [...state.created, ...cgroups.created],
        ended: [...cgroups.ended, ...state.ended],
        failed: [...cgroups.failed, ...state.failed],
      },
    },
  );
  if (options.explain) {
    process.stdout.write(explainPlan(plan));
    return 0;
  }

  const shim = shimPath();
  store.create({ id, hostname, command: options.command, created: new Date().toISOString() });
  try {
    return execShim(shim, plan);
  } catch (error) {
    store.remove(id); // it never started: leave nothing behind
    throw error;
  }
}

function validate(options: RunOptions): void {
  if (options.image !== 'host') {
    throw new UsageError(
      `unable to find image '${options.image}': images arrive in chapter 3; until then use the pseudo-image 'host'`,
    );
  }
  if (options.command.length === 0) {
    throw new UsageError("no command specified: the image 'host' has none of its own (try: mydocker run host /bin/sh)");
  }
  if (options.tty && options.interactive && !process.stdin.isTTY) {
    throw new UsageError('the input device is not a TTY: drop -t, or run mydocker from a terminal');
  }
}

/**
 * 64 hex digits from the kernel's random source, like docker's ids. Read directly: loading
 * node:crypto would cost more than the rest of the start-up.
 */
function newContainerId(): string {
  const bytes = Buffer.alloc(32);
  const fd = openSync('/dev/urandom', 'r');
  try {
    readSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
  return bytes.toString('hex');
}
