// How a lab's spec is written: `describeLab(id, checks => { checks('...', { hint }, async (lab) => ...) })`.
// Each spec gets a lab host and a state directory of its own; after every check it proves that
// nothing leaked (processes, the lab host's mounts, network devices and iptables rules, running
// containers, port reservations and addresses) and cleans up. A network's bridge and network-level
// rules may stay, as docker0 does (network-leaks.ts).
import { readFileSync, rmdirSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, test } from 'vitest';
import { LabHost } from './labhost.ts';
import { Mydocker } from './mydocker.ts';
import { type NetworkMark, networkChanges, networksOnDisk, staleReservations } from './network-leaks.ts';
import { scaled } from './timing.ts';
import { waitNoVeth } from './network.ts';

declare module 'vitest' {
  interface TaskMeta {
    /** The lab this check belongs to. */
    lab?: string;
    /** The hint (1-based) that helps when this check fails. */
    hint?: number;
    /** The dev check's mistake this run of the check judges (see mistakeRuns). */
    mistake?: string;
  }
}

export interface LabContext {
  host: LabHost;
  mydocker: Mydocker;
}

type Check = (
  name: string,
  options: { hint: number; timeout?: number },
  body: (lab: LabContext) => Promise<void>,
) => void;

const CHECK_TIMEOUT_MS = 20_000;

/**
 * The dev check (cli/dev/check.ts) proves that a lab's checks catch its classic mistakes: it builds one
 * tree of the solution per mistake and names them in LAB_MISTAKES, `{ "<lab id>": [{ name, source }] }`.
 * Then each spec runs its checks once per mistake of its lab, against that tree, in one vitest run,
 * and stops a mistake's run at its first failing check (that one is what a learner would read).
 */
export interface MistakeRun {
  name: string;
  /** The tree with the mistake: an absolute path, as MYDOCKER_SOURCE takes it. */
  source: string;
}

function mistakeRuns(): Record<string, MistakeRun[]> | undefined {
  const json = process.env.LAB_MISTAKES;
  return json ? (JSON.parse(json) as Record<string, MistakeRun[]>) : undefined;
}

export function describeLab(labId: string, define: (check: Check) => void): void {
  const mistakes = mistakeRuns();
  if (!mistakes) {
    describeChecks(labId, labId, define);
    return;
  }
  for (const mistake of mistakes[labId] ?? [])
    describeChecks(labId, `${labId}, with the mistake: ${mistake.name}`, define, mistake);
}

function describeChecks(labId: string, title: string, define: (check: Check) => void, mistake?: MistakeRun): void {
  describe(title, () => {
    let context: LabContext | undefined;
    let baseline: Baseline = { mounts: [], links: [], rules: [], networks: [] };
    let caught = false; // with a mistake: a check failed, the rest are skipped

    beforeAll(async () => {
      if (mistake) process.env.MYDOCKER_SOURCE = mistake.source; // read by importTarget and Mydocker
      const host = await LabHost.create(`${labId}-${process.pid}`);
      context = { host, mydocker: new Mydocker(host) };
      baseline = await snapshot(host, context.mydocker);
    }, scaled(20_000));

    afterEach(async () => {
      if (!context) return;
      const { now, problems } = await findLeaks(context, baseline);
      baseline = now; // report a leak once, not again after every later check
      if (problems.length > 0) {
        caught = true;
        throw new Error(`leaked:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
      }
    }, scaled(40_000)); // findLeaks may wait for a veth (network.ts, NO_VETH_TIMEOUT_MS)

    afterAll(async () => {
      context?.mydocker.cleanup();
      await context?.host.destroy();
    }, scaled(20_000));

    define((name, options, body) => {
      test(name, { timeout: scaled(options.timeout ?? CHECK_TIMEOUT_MS) }, async ({ task, skip }) => {
        task.meta.lab = labId;
        task.meta.hint = options.hint;
        if (mistake) {
          task.meta.mistake = mistake.name;
          if (caught) skip();
        }
        if (!context) throw new Error('the lab host was not created (see the error above)');
        try {
          await body(context);
        } catch (error) {
          caught = true;
          throw error;
        }
      });
    });
  });
}

/** What the lab host looks like; after every check it must look the same. */
export interface Baseline {
  mounts: string[];
  /** The lab host's devices, less the harness's own fixtures (the upstream's veth). */
  links: string[];
  rules: string[];
  /** The networks recorded in the state root: what their bridges and rules belong to. */
  networks: NetworkMark[];
}

export async function snapshot(host: LabHost, mydocker?: Mydocker): Promise<Baseline> {
  // iptables-save is a process (in the lab host's network namespace): start it first, read the rest meanwhile.
  const [rules, links] = await Promise.all([host.iptablesRules(), host.links()]);
  return {
    mounts: host.mountTable(),
    links: links.filter((link) => !host.fixtures.links.has(link)),
    rules,
    networks: mydocker ? networksOnDisk(mydocker.stateRoot) : [],
  };
}

function changes(what: string, before: string[], after: string[]): string[] {
  return [
    ...after.filter((line) => !before.includes(line)).map((line) => `the lab host gained ${what}: ${line}`),
    ...before.filter((line) => !after.includes(line)).map((line) => `the lab host lost ${what}: ${line}`),
  ];
}

/** Everything the check left behind, after killing its stray processes. */
export async function findLeaks(
  { host, mydocker }: LabContext,
  baseline: Baseline,
): Promise<{ now: Baseline; problems: string[] }> {
  const problems: string[] = [];
  let stray = host.strayProcesses();
  for (let wait = 0; stray.length > 0 && wait < 50; wait++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    stray = host.strayProcesses();
  }
  for (const pid of stray) {
    problems.push(`process ${pid} (${commandOf(pid)}) is still running after the check`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // it ended meanwhile
    }
  }
  // A veth pair goes with its container's network namespace, in the kernel's cleanup_net workqueue,
  // some milliseconds after the container's last process (longer on a loaded machine): wait for it,
  // a bounded time, before counting what is left.
  // Only for the veths the check made: one already reported (in the baseline) is not waited for again.
  await waitNoVeth(host, undefined, baseline.links);
  const now = await snapshot(host, mydocker);
  problems.push(...changes('a mount', baseline.mounts, now.mounts));
  problems.push(...networkChanges(baseline, now));
  const running = mydocker.states().filter((s) => s.status === 'running');
  for (const state of running) {
    problems.push(`container ${state.id.slice(0, 12)} is still running after the check`);
  }
  problems.push(...staleReservations(mydocker.stateRoot, new Set(running.map((state) => state.id))));
  for (const cgroup of host.containment.containerCgroups()) {
    problems.push(`cgroup ${cgroup} is still there after the container ended`);
    try {
      rmdirSync(cgroup); // so that the next check starts clean
    } catch {
      // it still has processes: they were killed above, the spec's clean-up removes it
    }
  }
  return { now, problems };
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}
