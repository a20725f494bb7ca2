// Chapter 5's commands on real containers (root): kill, wait, stop, start, ps, top, as docker behaves.
// Most containers run in the foreground (`mydocker run` as a child of this test); restart's, detached.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt, projectRoot } from '../../scripts/build.mjs';
import { removeCgroupParent, testCgroupParent } from '../support/cgroup-parent.ts';
import { inOwnNetns } from '../support/own-netns.ts';

const isRoot = process.getuid?.() === 0;
// Made in beforeAll, not at import: a run that filters this suite out (-t) then leaves nothing behind.
const stateRoot = join(tmpdir(), `mydocker-ch5-lifecycle-${process.pid}-${Date.now()}`);
const cgroupParent = testCgroupParent('ch5-lifecycle');
const env = { MYDOCKER_SOURCE: 'solutions', MYDOCKER_ROOT: stateRoot, MYDOCKER_CGROUP_PARENT: cgroupParent };

function readFileIfAny(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function mydocker(...args: string[]): ResultPromise {
  return execa(...inOwnNetns(process.execPath, [join(projectRoot, 'bin', 'mydocker.cjs'), ...args]), {
    reject: false,
    stdin: 'ignore',
    env,
    timeout: 15_000,
  });
}

/**
 * `mydocker run --name NAME host sh -c SCRIPT` in the background, once `ps` shows it running (in an
 * object: an async function that returned the thenable itself would wait for its end).
 */
async function background(name: string, script: string): Promise<{ run: ResultPromise }> {
  const run = mydocker('run', '--name', name, 'host', 'sh', '-c', script);
  for (let i = 0; i < 200; i++) {
    const ps = await mydocker('ps', '--format', '{{.Names}}');
    if (String(ps.stdout).split('\n').includes(name)) return { run };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${name} did not show as running`);
}

describe.skipIf(!isRoot)('kill, wait, stop, start on real containers', { timeout: 20_000 }, () => {
  beforeAll(() => {
    mkdirSync(stateRoot, { recursive: true });
    return ensureBuilt('solutions');
  });
  afterAll(async () => {
    // A check that failed half-way may leave its container running: SIGKILL each PID 1 that is still
    // in this test's cgroups, and give its shim a moment to remove the container's cgroups.
    const pids = readdirSync(join(stateRoot, 'containers')).map(
      (id) =>
        (JSON.parse(readFileIfAny(join(stateRoot, 'containers', id, 'running.json')) || '{}') as { pid?: number })
          .pid ?? 0,
    );
    for (const pid of pids.filter((pid) => pid > 0 && readFileIfAny(`/proc/${pid}/cgroup`).includes(cgroupParent))) {
      process.kill(pid, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    rmSync(stateRoot, { recursive: true, force: true });
    removeCgroupParent(cgroupParent);
  });

  test('kill -s USR1 reaches a trap in PID 1; kill (KILL) ends it with 137; wait prints the code', async () => {
    const { run } = await background('k', "trap 'echo got USR1' USR1; while :; do sleep 1 & wait $!; done");
    const usr1 = await mydocker('kill', '-s', 'usr1', 'k');
    expect([usr1.exitCode, usr1.stdout]).toEqual([0, 'k']);
    const waiting = mydocker('wait', 'k');
    expect((await mydocker('kill', 'k')).exitCode).toBe(0);
    expect((await waiting).stdout).toBe('137');
    const ended = await run;
    expect([ended.exitCode, ended.stdout]).toEqual([137, 'got USR1']);
    expect((await mydocker('ps', '-a', '--format', '{{.Names}} {{.State}}')).stdout).toBe('k exited');
  });

  test('start runs an ended container again with its files (-a in the foreground, else detached); start of a running one changes nothing', async () => {
    const first = await mydocker('run', '--name', 's', 'busybox', 'sh', '-c', 'echo x >> /runs; wc -l < /runs; exit 3');
    expect([first.exitCode, first.stdout]).toEqual([3, '1']);
    const again = await mydocker('start', '-a', 's');
    expect([again.exitCode, again.stdout], 'the second run sees the first one’s file').toEqual([3, '2']);
    const detached = await mydocker('start', 's');
    expect([detached.exitCode, detached.stdout], 'start without -a: detached, as run -d').toEqual([
      0,
      expect.stringMatching(/^[0-9a-f]{64}$/),
    ]);
    expect((await mydocker('wait', 's')).stdout).toBe('3');
    expect((await mydocker('logs', 's')).stdout, 'its output is in its log').toBe('3');
    const { run } = await background('r', 'sleep 1000 & wait');
    // The shell runs before it has forked its sleep: top until both are there (or 5 s).
    let top: string[] = [];
    for (let i = 0; i < 100 && top.length < 3; i++) {
      top = String((await mydocker('top', 'r')).stdout).split('\n');
      if (top.length < 3) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(top[0]).toMatch(/^UID {17}PID {17}PPID {16}C {19}STIME {15}TTY {17}TIME {16}CMD$/);
    expect(
      top.slice(1).map((line) => line.slice(7 * 20)),
      'the processes of its PID namespace, and no other',
    ).toEqual(['sh -c sleep 1000 & wait', 'sleep 1000']);
    const noop = await mydocker('start', '-a', 'r');
    expect([noop.exitCode, noop.stdout]).toEqual([0, 'r']);
    const stop = await mydocker('stop', '-t', '0', 'r');
    expect([stop.exitCode, stop.stdout]).toEqual([0, 'r']);
    expect((await run).exitCode).toBe(137);
    expect((await mydocker('inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'r', 's')).stdout).toBe(
      'exited 137\nexited 3',
    );
  });

  test('restart: stopped, then started again detached, its files and its log kept; the reference printed', async () => {
    const run = await mydocker(
      'run',
      '-d',
      '--name',
      'rs',
      'busybox',
      'sh',
      '-c',
      'echo x >> /runs; wc -l < /runs; exec sleep 1000',
    );
    expect(run.exitCode).toBe(0);
    const first = (await mydocker('inspect', '-f', '{{.State.Pid}}', 'rs')).stdout;
    const restarted = await mydocker('restart', '-t', '0', 'rs');
    expect([restarted.exitCode, restarted.stdout, restarted.stderr]).toEqual([0, 'rs', '']);
    const state = (await mydocker('inspect', '-f', '{{.State.Status}} {{.State.Pid}}', 'rs')).stdout;
    expect(state, 'running again, as another PID 1').toMatch(/^running \d+$/);
    expect(state).not.toBe(`running ${first}`);
    for (let i = 0; i < 100 && (await mydocker('logs', 'rs')).stdout !== '1\n2'; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await mydocker('logs', 'rs')).stdout, 'the second run saw the first one’s file, in one log').toBe('1\n2');
    const bad = await mydocker('restart', 'nosuch');
    expect([bad.exitCode, bad.stderr]).toEqual([1, 'mydocker: No such container: nosuch']);
    expect((await mydocker('rm', '-f', 'rs')).exitCode).toBe(0);
  });
});
