// Lab ch5-reconcile: every command reconciles the store with the kernel. A pid counts only with its
// start time; a shim that died means the container exited (255), its cgroups go and --rm is
// honoured; a half-made entry of a run that died goes. Checked on the function with a process table
// of the check's own, then from the host: the entries are made by real runs, then broken as a
// crash would leave them, and the next command must put things right.
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';
import type { Mydocker } from '../../harness/mydocker.ts';

type ReconcileModule = typeof import('../../../solutions/src/state/reconcile.ts');

const LIVE = { pid: 100, start: 5000 };
const REUSED = { pid: 200, start: 6000 }; // pid 200 lives, but it is another process now
const DEAD = { pid: 300, start: 7000 };

/** A process table of the check's own: LIVE lives; pid 200 lives with another start time; 300 is gone. */
const kernel = {
  isSameProcess: (pid: number, start: number) => pid === LIVE.pid && start === LIVE.start,
  isAlive: (pid: number) => pid === LIVE.pid || pid === REUSED.pid,
};

function running(pid1: { pid: number; start: number }, shim: { pid: number; start: number }) {
  return { pid: pid1.pid, start: pid1.start, shim: shim.pid, shimStart: shim.start, startedAt: '2026-12-02T00:00:00Z' };
}

/** Field 22 of /proc/<pid>/stat: the start time. */
function startTime(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[22 - 3]);
}

/** A container that ran and exited, by a real run; its id. */
async function exitedContainer(mydocker: Mydocker, name: string): Promise<string> {
  const result = await mydocker.run(['run', '--name', name, 'host', 'true']);
  expectExitCode(result, 0);
  const state = mydocker.states().find((s) => s.name === name);
  if (!state) throw new Error(`${describeRun(result)}\nleft no entry named ${name} in the state directory`);
  return state.id;
}

/** The next command that reads the store; it must not fail for the entries the check broke. */
async function nextCommand(mydocker: Mydocker): Promise<void> {
  const result = await mydocker.run(['rm', 'no-such-container']);
  expect(result.stderr, `${describeRun(result)}\nthe next command's message`).toMatch(/No such container/);
}

describeLab('ch5-reconcile', (check) => {
  check('reconcile: no running.json and its creator gone is a half-made entry, removed', { hint: 1 }, async () => {
    const { reconcile } = await importTarget<ReconcileModule>('state/reconcile.ts');
    expect(reconcile({ config: { rm: false, creator: LIVE } }, kernel), 'its creator still runs').toEqual({
      status: 'created',
      action: 'keep',
    });
    expect(reconcile({ config: { rm: false, creator: DEAD } }, kernel), 'its creator is gone').toEqual({
      status: 'created',
      action: 'remove',
    });
  });

  check('reconcile: PID 1 is judged by its pid and its start time, never the pid alone', { hint: 2 }, async () => {
    const { reconcile } = await importTarget<ReconcileModule>('state/reconcile.ts');
    const config = { rm: false, creator: DEAD };
    expect(reconcile({ config, running: running(LIVE, LIVE) }, kernel), 'PID 1 and the shim live').toEqual({
      status: 'running',
      action: 'keep',
    });
    expect(
      reconcile({ config, running: running(REUSED, DEAD) }, kernel),
      "PID 1's pid lives, with another start time (reused by another process); the shim is gone",
    ).toEqual({ status: 'exited', exitCode: 255, action: 'record-exit' });
    expect(
      reconcile({ config, running: running(LIVE, DEAD) }, kernel),
      'PID 1 lives on without its shim (it cleared its PDEATHSIG)',
    ).toEqual({ status: 'running', action: 'keep' });
  });

  check('reconcile: a dead shim without exit.json is exited (255); with --rm the entry goes', { hint: 3 }, async () => {
    const { reconcile } = await importTarget<ReconcileModule>('state/reconcile.ts');
    expect(
      reconcile({ config: { rm: false, creator: DEAD }, running: running(DEAD, DEAD) }, kernel),
      'PID 1 and the shim gone, no exit.json',
    ).toEqual({ status: 'exited', exitCode: 255, action: 'record-exit' });
    expect(
      reconcile({ config: { rm: true, creator: DEAD }, running: running(DEAD, DEAD) }, kernel),
      'the same with --rm',
    ).toEqual({ status: 'exited', exitCode: 255, action: 'remove' });
    expect(
      reconcile({ config: { rm: false, creator: DEAD }, running: running(DEAD, LIVE) }, kernel),
      'PID 1 gone, the shim alive (it is writing exit.json)',
    ).toEqual({ status: 'running', action: 'keep' });
    expect(
      reconcile(
        {
          config: { rm: false, creator: DEAD },
          running: running(DEAD, DEAD),
          exit: { exitCode: 3, finishedAt: '2026-12-02T00:00:01Z' },
        },
        kernel,
      ),
      'exit.json recorded 3',
    ).toEqual({ status: 'exited', exitCode: 3, action: 'keep' });
  });

  check(
    'a pid reused by an unrelated process is not the container: rm takes it as exited, and the process lives on',
    { hint: 2 },
    async ({ host, mydocker }) => {
      const id = await exitedContainer(mydocker, 'reused');
      const dir = mydocker.containerDir(id);
      // As after a reboot or a pid wrap: running.json names a live process that is not the container.
      const unrelated = { pid: host.anchorPid, start: startTime(host.anchorPid) - 1 };
      rmSync(join(dir, 'exit.json'), { force: true });
      writeFileSync(join(dir, 'running.json'), JSON.stringify(running(unrelated, unrelated)));
      const result = await mydocker.run(['rm', 'reused']);
      expectExitCode(result, 0);
      expect(existsSync(`/proc/${host.anchorPid}`), 'the unrelated process (the lab host anchor) lives on').toBe(true);
    },
  );

  check(
    "kill -9 of a container's shim: the next command records it exited (255) and removes its cgroups",
    { hint: 3 },
    async ({ host, mydocker }) => {
      const container = await mydocker.hold([]);
      const dir = mydocker.containerDir(container.state.id);
      const shim = JSON.parse(readFileSync(join(dir, 'running.json'), 'utf8')).shim as number;
      process.kill(shim, 'SIGKILL');
      await container.release();
      await nextCommand(mydocker);
      let exit: { exitCode?: number } = {};
      try {
        exit = JSON.parse(readFileSync(join(dir, 'exit.json'), 'utf8'));
      } catch {
        // none written
      }
      expect(exit.exitCode, `exit.json of the container whose shim died, after the next command`).toBe(255);
      expect(host.containment.containerCgroups(), 'its cgroups, after the next command').toEqual([]);
      expectExitCode(await mydocker.run(['rm', container.state.id]), 0);
    },
  );

  check(
    "kill -9 of a --rm container's shim: the next command removes it all",
    { hint: 3 },
    async ({ host, mydocker }) => {
      const container = await mydocker.hold(['--rm']);
      const dir = mydocker.containerDir(container.state.id);
      const shim = JSON.parse(readFileSync(join(dir, 'running.json'), 'utf8')).shim as number;
      process.kill(shim, 'SIGKILL');
      await container.release();
      await nextCommand(mydocker);
      expect(existsSync(dir), `${dir} after the next command (--rm)`).toBe(false);
      expect(host.containment.containerCgroups(), 'its cgroups, after the next command').toEqual([]);
    },
  );

  check(
    'a half-made entry of a run that was killed is removed by the next command',
    { hint: 1 },
    async ({ host, mydocker }) => {
      const id = await exitedContainer(mydocker, 'model');
      const config = JSON.parse(readFileSync(join(mydocker.containerDir(id), 'config.json'), 'utf8'));
      expectExitCode(await mydocker.run(['rm', 'model']), 0);
      // What a run killed before its shim wrote running.json leaves: config.json alone, its creator gone.
      const halfMade = 'f'.repeat(64);
      const dir = mydocker.containerDir(halfMade);
      mkdirSync(dir);
      const creator = { pid: host.anchorPid, start: startTime(host.anchorPid) - 1 };
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, id: halfMade, name: undefined, creator }));
      await nextCommand(mydocker);
      expect(existsSync(dir), `${dir} (no running.json, its run gone) after the next command`).toBe(false);
    },
  );
});
