// How a lab's spec is written: `describeLab(id, checks => { checks('...', { hint }, async (lab) => ...) })`.
// Each spec gets a lab host and a state directory of its own; after every check it proves that
// nothing leaked (processes, lab host mounts, running state) and cleans up.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, test } from 'vitest';
import { LabHost } from './labhost.ts';
import { Mydocker } from './mydocker.ts';

declare module 'vitest' {
  interface TaskMeta {
    /** The lab this check belongs to. */
    lab?: string;
    /** The hint (1-based) that helps when this check fails. */
    hint?: number;
  }
}

export interface LabContext {
  host: LabHost;
  mydocker: Mydocker;
}

type Check = (name: string, options: { hint: number; timeout?: number }, body: (lab: LabContext) => Promise<void>) => void;

const CHECK_TIMEOUT_MS = 20_000;

export function describeLab(labId: string, define: (check: Check) => void): void {
  describe(labId, () => {
    let context: LabContext | undefined;
    let baseline: string[] = [];

    beforeAll(async () => {
      const host = await LabHost.create(`${labId}-${process.pid}`);
      context = { host, mydocker: new Mydocker(host) };
      baseline = host.mountTable();
    });

    afterEach(async () => {
      if (context) baseline = await proveNothingLeaked(context, baseline);
    });

    afterAll(async () => {
      context?.mydocker.cleanup();
      await context?.host.destroy();
    });

    define((name, options, body) => {
      test(name, { timeout: options.timeout ?? CHECK_TIMEOUT_MS }, async ({ task }) => {
        task.meta.lab = labId;
        task.meta.hint = options.hint;
        if (!context) throw new Error('the lab host was not created (see the error above)');
        await body(context);
      });
    });
  });
}

async function proveNothingLeaked({ host, mydocker }: LabContext, baseline: string[]): Promise<string[]> {
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
  const mounts = host.mountTable();
  const added = mounts.filter((line) => !baseline.includes(line));
  const removed = baseline.filter((line) => !mounts.includes(line));
  for (const line of added) problems.push(`the lab host gained a mount: ${line}`);
  for (const line of removed) problems.push(`the lab host lost a mount: ${line}`);
  for (const state of mydocker.states().filter((s) => s.status === 'running')) {
    problems.push(`state of container ${state.id.slice(0, 12)} still says running after it ended`);
  }
  if (problems.length > 0) throw new Error(`leaked:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return mounts; // report a leaked mount once, not again after every later check
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}
