// Fault injection into the state store, on the real kernel (root): `mydocker run` killed at every
// phase of its start, its shim killed with and without --rm, a PID 1 that outlives its shim, a full
// disk, corrupt entries, 20 racing `run --name`, a pid reused by another process. After the next
// command that reads the store: no state directory, no cgroup, no mount and no process left (the
// container's processes carry a marker in their environment), exactly one winner, nothing blocked.
// The counts are printed at the end (they go into the chapter's closing note).
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt, projectRoot } from '../../scripts/build.mjs';
import { removeCgroupParent, testCgroupParent } from '../support/cgroup-parent.ts';
import { inOwnNetns } from '../support/own-netns.ts';

const isRoot = process.getuid?.() === 0;
const marker = randomUUID();
const cgroupParent = testCgroupParent('faults');
// Made in beforeAll, not at import: a run that filters this suite out (-t) then leaves nothing behind.
const work = join(tmpdir(), `mydocker-faults-${marker}`);
const figures: string[] = [];

function env(root: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    MYDOCKER_SOURCE: 'solutions',
    MYDOCKER_ROOT: root,
    MYDOCKER_CGROUP_PARENT: cgroupParent,
    MYDOCKER_TEST_MARKER: marker,
    ...extra,
  };
}

/** `mydocker ARGS` to its end. */
async function mydocker(root: string, args: string[], extra: Record<string, string> = {}) {
  return execa(...inOwnNetns(process.execPath, [join(projectRoot, 'bin', 'mydocker.cjs'), ...args]), {
    reject: false,
    stdin: 'ignore',
    env: env(root, extra),
  });
}

/** `mydocker run` started, not awaited; the container's processes carry the marker too (-e). */
function startRun(root: string, args: string[], extra: Record<string, string> = {}): ResultPromise {
  return execa(
    ...inOwnNetns(process.execPath, [
      join(projectRoot, 'bin', 'mydocker.cjs'),
      'run',
      '-e',
      `MYDOCKER_TEST_MARKER=${marker}`,
      ...args,
    ]),
    { reject: false, stdin: 'pipe', env: env(root, extra) },
  );
}

/** The next command that reads the store: it reconciles every entry. */
async function nextCommand(root: string): Promise<string[]> {
  const result = await mydocker(root, ['rm', 'no-such-container']);
  const lines = result.stderr.split('\n');
  expect(lines.at(-1), 'the next command').toBe('mydocker: No such container: no-such-container');
  expect(result.exitCode).toBe(1);
  return lines.slice(0, -1); // its warnings
}

function stat(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const stopped = (pid: number) => stat(pid)?.[0] === 'T';
const alive = (pid: number) => {
  const fields = stat(pid);
  return fields !== undefined && fields[0] !== 'Z';
};

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Living processes that carry this test's marker: a run, a shim or a container left behind. */
function markedProcesses(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return alive(pid) && readFileSync(`/proc/${pid}/environ`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    });
}

function containerCgroups(): string[] {
  return readdirSync('/sys/fs/cgroup').flatMap((hierarchy) => {
    try {
      return readdirSync(join('/sys/fs/cgroup', hierarchy, cgroupParent), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => join(hierarchy, cgroupParent, entry.name));
    } catch {
      return [];
    }
  });
}

/** What is left: entries (dot-directories included), cgroups, mounts under the root, processes. */
function leftovers(root: string): string[] {
  let entries: string[] = [];
  try {
    entries = readdirSync(join(root, 'containers')).map((name) => `state containers/${name}`);
  } catch {
    // no containers directory
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => (line.split(' ')[4] ?? '').startsWith(`${root}/`))
    .map((line) => `mount ${line.split(' ')[4]}`);
  let names: string[] = [];
  try {
    // A reservation stays with its name (names.ts); a temporary file of one must not.
    names = readdirSync(join(root, 'names'), { recursive: true })
      .map(String)
      .filter((path) => path.split('/').some((part) => part.startsWith('.')))
      .map((path) => `name file names/${path}`);
  } catch {
    // no names directory
  }
  return [
    ...entries,
    ...names,
    ...containerCgroups().map((dir) => `cgroup ${dir}`),
    ...mounts,
    ...markedProcesses().map((pid) => `process ${pid} (${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()})`),
  ];
}

function newRoot(name: string): string {
  const root = join(work, name);
  mkdirSync(root, { recursive: true });
  return root;
}

function onlyEntry(root: string): string {
  const entries = readdirSync(join(root, 'containers')).filter((name) => !name.startsWith('.'));
  expect(entries, 'one entry').toHaveLength(1);
  return entries[0]!;
}

/**
 * Starts a run stopped at a phase of its Node part (the runtime's test breakpoint). Wrapped: an
 * async function that returned the run itself (a thenable) would wait for its end.
 */
async function stoppedRun(root: string, phase: string, args: string[]): Promise<{ run: ResultPromise }> {
  const run = startRun(root, args, { MYDOCKER_TEST_STOP_AT: phase });
  await until(`the run stops at ${phase}`, () => stopped(run.pid!));
  return { run };
}

describe.skipIf(!isRoot)('the state store under faults', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    mkdirSync(work, { recursive: true });
    await ensureBuilt('solutions');
  }, 120_000);
  afterAll(() => {
    for (const pid of markedProcesses()) process.kill(pid, 'SIGKILL');
    removeCgroupParent(cgroupParent);
    rmSync(work, { recursive: true, force: true });
    process.stdout.write(`\nstore fault injection:\n${figures.map((line) => `  ${line}`).join('\n')}\n`);
  });

  test.each([
    ['reserved', ['--name', 'phase']],
    ['published', ['--name', 'phase']],
    ['published', ['--rm']],
  ])(
    'kill -9 of `mydocker run` in its Node phase (%s, %s): the next command removes what it left',
    async (phase, flags) => {
      const tries = 5;
      let leaks = 0;
      for (let i = 0; i < tries; i++) {
        const root = newRoot(`node-${phase}-${flags[0]}-${i}`);
        const { run } = await stoppedRun(root, phase, [...flags, 'host', 'true']);
        process.kill(run.pid!, 'SIGKILL');
        await run;
        expect(await nextCommand(root), 'no warning').toEqual([]);
        leaks += leftovers(root).length;
        expect(leftovers(root)).toEqual([]);
        if (flags[0] === '--name') {
          // The name it had reserved is free again.
          const again = await mydocker(root, ['run', '--rm', '--name', 'phase', 'host', 'true']);
          expect(again.stderr).toBe('');
          expect(again.exitCode).toBe(0);
        }
      }
      figures.push(`kill -9 at the Node phase "${phase}" (${flags.join(' ')}): ${tries} tries, ${leaks} leaks`);
    },
  );

  test('SIGTERM and SIGINT of `mydocker run` in its Node phase: nothing left after the next command', async () => {
    const tries = 6;
    for (let i = 0; i < tries; i++) {
      const root = newRoot(`term-${i}`);
      const { run } = await stoppedRun(root, 'published', ['--name', 'x', 'host', 'true']);
      process.kill(run.pid!, i % 2 ? 'SIGINT' : 'SIGTERM');
      process.kill(run.pid!, 'SIGCONT');
      await run;
      await nextCommand(root);
      expect(leftovers(root)).toEqual([]);
    }
    figures.push(`SIGTERM/SIGINT at the Node phase: ${tries} tries, 0 leaks`);
  });

  test('kill -9 of the shim in its created steps (the container cloned, held at the barrier)', async () => {
    const tries = 5;
    for (let i = 0; i < tries; i++) {
      const root = newRoot(`created-${i}`);
      const { run } = await stoppedRun(root, 'published', ['host', 'true']);
      // The shim's first created step writes running.json through a temporary file named after its
      // pid: a FIFO there blocks its open(2), a breakpoint that needs no hook in the shim.
      const id = onlyEntry(root);
      execFileSync('mkfifo', [join(root, 'containers', id, `running.json.${run.pid}.tmp`)]);
      process.kill(run.pid!, 'SIGCONT');
      await until('the shim clones the container', () => children(run.pid!).length > 0);
      const container = children(run.pid!)[0]!;
      process.kill(run.pid!, 'SIGKILL');
      await run;
      await until('the container dies with its shim (PR_SET_PDEATHSIG)', () => !alive(container));
      await nextCommand(root);
      expect(leftovers(root)).toEqual([]);
    }
    figures.push(`kill -9 of the shim in its created steps: ${tries} tries, 0 leaks`);
  });

  test('kill -9 at a random moment of the start (between the exec of the shim and the container running)', async () => {
    const tries = 20;
    let leaks = 0;
    const seen = { 'no running.json yet': 0, 'running.json written': 0 };
    for (let i = 0; i < tries; i++) {
      const rm = i % 2 === 0;
      const root = newRoot(`random-${i}`);
      const { run } = await stoppedRun(root, 'published', [...(rm ? ['--rm'] : []), 'host', 'sleep', '5']);
      const id = onlyEntry(root);
      process.kill(run.pid!, 'SIGCONT');
      const spin = Date.now() + 2 * i; // 0 to 38 ms after the shim goes on
      while (Date.now() < spin);
      process.kill(run.pid!, 'SIGKILL');
      await run;
      seen[existsSync(join(root, 'containers', id, 'running.json')) ? 'running.json written' : 'no running.json yet']++;
      await until('its processes are gone', () => markedProcesses().length === 0);
      await nextCommand(root);
      if (!rm && existsSync(join(root, 'containers', id))) {
        // It had started: an exited container now (255, its shim died first), removable.
        const removed = await mydocker(root, ['rm', id]);
        expect(removed.exitCode, removed.stderr).toBe(0);
      }
      leaks += leftovers(root).length;
      expect(leftovers(root)).toEqual([]);
    }
    figures.push(
      `kill -9 at a random moment of the start: ${tries} tries (${seen['no running.json yet']} before running.json, ${seen['running.json written']} after), ${leaks} leaks`,
    );
  });

  test('kill -9 of `mydocker run -d` at a random moment of the start: the container runs or nothing is left', async () => {
    // After its fork the supervisor is on its own (setsid): killing the CLI process cannot take it
    // along. So each try ends with the container running (the supervisor got there), or with
    // nothing at all (killed before the fork); rm -f then leaves nothing either way.
    const tries = 12;
    let leaks = 0;
    const seen = { running: 0, 'nothing left': 0 };
    for (let i = 0; i < tries; i++) {
      const rm = i % 2 === 0;
      const root = newRoot(`detached-${i}`);
      const { run } = await stoppedRun(root, 'published', ['-d', ...(rm ? ['--rm'] : []), 'host', 'sleep', '5']);
      const id = onlyEntry(root);
      process.kill(run.pid!, 'SIGCONT');
      const spin = Date.now() + 3 * i; // 0 to 33 ms after the shim goes on
      while (Date.now() < spin);
      process.kill(run.pid!, 'SIGKILL');
      await run;
      await new Promise((resolve) => setTimeout(resolve, 300)); // a surviving supervisor starts it
      await nextCommand(root);
      const ps = await mydocker(root, ['ps', '-q', '--no-trunc']);
      if (ps.stdout.trim() === id) {
        seen.running++;
        expect((await mydocker(root, ['rm', '-f', id])).exitCode).toBe(0);
      } else {
        seen['nothing left']++;
        expect(ps.stdout.trim(), 'no container running').toBe('');
        await nextCommand(root);
        if (!rm && existsSync(join(root, 'containers', id)))
          expect((await mydocker(root, ['rm', id])).exitCode).toBe(0);
      }
      await until('its processes are gone', () => markedProcesses().length === 0);
      leaks += leftovers(root).length;
      expect(leftovers(root)).toEqual([]);
    }
    figures.push(
      `kill -9 of run -d at a random moment of the start: ${tries} tries (${seen.running} running, ${seen['nothing left']} with nothing left), ${leaks} leaks`,
    );
  });

  test.each([[false], [true]])('kill -9 of the shim of a running container (--rm: %s)', async (rm) => {
    const tries = 3;
    for (let i = 0; i < tries; i++) {
      const root = newRoot(`shim-${rm}-${i}`);
      const run = startRun(root, ['-i', ...(rm ? ['--rm'] : []), 'host', 'sh', '-c', 'echo ready; read _']);
      await until('the container runs', () => {
        try {
          return existsSync(join(root, 'containers', onlyEntry(root), 'running.json'));
        } catch {
          return false;
        }
      });
      const id = onlyEntry(root);
      process.kill(run.pid!, 'SIGKILL');
      await run;
      await until('its processes are gone', () => markedProcesses().length === 0);
      await nextCommand(root);
      if (rm) {
        expect(leftovers(root), '--rm honoured by the next command').toEqual([]);
      } else {
        const exit = JSON.parse(readFileSync(join(root, 'containers', id, 'exit.json'), 'utf8'));
        expect(exit.exitCode, 'exit.json recorded by the next command: 255 (the shim died first)').toBe(255);
        expect(containerCgroups(), 'its cgroups removed by the next command').toEqual([]);
        expect((await mydocker(root, ['rm', id])).exitCode).toBe(0);
        expect(leftovers(root)).toEqual([]);
      }
    }
    figures.push(`kill -9 of the shim of a running container${rm ? ' with --rm' : ''}: ${tries} tries, 0 leaks`);
  });

  test('a PID 1 that clears its PDEATHSIG outlives its killed shim: still running, and rm -f kills it and all of its processes', async () => {
    const source = join(work, 'no-deathsig.c');
    const program = join(work, 'no-deathsig-program');
    // PID 1 forks a setsid()'d grandchild, clears PR_SET_PDEATHSIG (it survives execve), and waits.
    writeFileSync(
      source,
      `#include <sys/prctl.h>
#include <unistd.h>
#include <stdio.h>
int main(void) {
  if (fork() == 0) { setsid(); for (;;) pause(); }
  prctl(PR_SET_PDEATHSIG, 0);
  puts("ready");
  fflush(stdout);
  for (;;) pause();
}
`,
    );
    execFileSync('cc', ['-O2', '-static', '-o', program, source]);
    chmodSync(program, 0o755);
    const root = newRoot('no-deathsig');
    const run = startRun(root, ['host', program]);
    await until('the container runs', () => {
      try {
        return existsSync(join(root, 'containers', onlyEntry(root), 'running.json'));
      } catch {
        return false;
      }
    });
    const id = onlyEntry(root);
    const pid1 = JSON.parse(readFileSync(join(root, 'containers', id, 'running.json'), 'utf8')).pid as number;
    await until('its grandchild exists', () => children(pid1).length > 0);
    process.kill(run.pid!, 'SIGKILL');
    await until('the shim is gone', () => !alive(run.pid!));
    expect(alive(pid1), 'PID 1 outlived its shim').toBe(true);
    const refused = await mydocker(root, ['rm', id.slice(0, 12)]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toBe(
      `mydocker: cannot remove container "/${id.slice(0, 12)}": container is running: stop the container before removing or force remove`,
    );
    const forced = await mydocker(root, ['rm', '-f', id.slice(0, 12)]);
    expect(forced.stderr).toBe('');
    expect(forced.exitCode).toBe(0);
    run.kill('SIGKILL');
    await run;
    expect(leftovers(root)).toEqual([]);
    figures.push('a PID 1 without PDEATHSIG, its shim killed: running until rm -f, then 0 leaks');
  });

  test('a full disk (a small tmpfs as MYDOCKER_ROOT): the run fails with one line and leaves nothing', async () => {
    const root = newRoot('enospc');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', root]);
    try {
      // Fill it with one-page files, then free 0, 1, 2... pages: every step of the start meets the
      // full disk in turn (config.json, the name's reservation, running.json, exit.json).
      mkdirSync(join(root, 'containers'));
      let pages = 0;
      try {
        for (;;) writeFileSync(join(root, `filler-${pages++}`), Buffer.alloc(4096));
      } catch {
        pages--;
      }
      const outcomes: string[] = [];
      for (let free = 0; free <= 8; free++) {
        if (free > 0) unlinkSync(join(root, `filler-${pages - free}`));
        // A name only where its reservation meets the full disk: a failed run's reservation stays, free
        // for the next run of that name (names.ts), and takes a page.
        const named = free === 0 ? ['--name', 'full'] : [];
        const result = await mydocker(root, ['run', ...named, 'host', 'true']);
        outcomes.push(
          `${free} free: exit ${result.exitCode}${
            result.exitCode
              ? ` (${result.stderr
                  .trim()
                  .replace(/^mydocker: /, '')
                  .replace(root, 'ROOT')})`
              : ''
          }`,
        );
        if (result.exitCode !== 0) {
          expect(result.exitCode, result.stderr).toBe(125);
          expect(result.stderr.trim().split('\n'), 'one line').toHaveLength(1);
          expect(result.stderr).toMatch(/no space left/i);
        }
        const warnings = await nextCommand(root);
        for (const warning of warnings)
          outcomes.push(`then: ${warning.replace(/^mydocker: /, '').replace(root, 'ROOT')}`);
        const entries = readdirSync(join(root, 'containers'));
        if (result.exitCode === 0) {
          expect(entries, 'a container that ran is listed whole').toHaveLength(1);
          expect((await mydocker(root, ['rm', entries[0]!])).exitCode).toBe(0);
        }
        expect(leftovers(root)).toEqual([]);
      }
      figures.push(`a full disk, 0 to 8 pages free: ${outcomes.join(', ')}; 0 leaks`);
    } finally {
      execFileSync('umount', [root]);
    }
  });

  test('corrupt entries are skipped with one warning each, block nothing, and rm removes them', async () => {
    const root = newRoot('corrupt');
    expect((await mydocker(root, ['run', '--name', 'good', 'host', 'true'])).exitCode).toBe(0);
    const containers = join(root, 'containers');
    mkdirSync(join(containers, 'bare'));
    mkdirSync(join(containers, 'cut'));
    writeFileSync(join(containers, 'cut', 'config.json'), '{"id":"cut","host');
    mkdirSync(join(containers, 'empty'));
    writeFileSync(join(containers, 'empty', 'config.json'), '');
    const other = await mydocker(root, ['run', '--name', 'other', 'host', 'true']);
    expect(other.exitCode, 'run --name is not blocked').toBe(0);
    const removed = await mydocker(root, ['rm', 'good']);
    expect(removed.exitCode, 'rm of another container is not blocked').toBe(0);
    const warnings = removed.stderr.trim().split('\n');
    expect(warnings).toEqual([
      `mydocker: warning: skipping ${containers}/bare: it has no config.json (remove it: mydocker rm bare)`,
      `mydocker: warning: skipping ${containers}/cut: its config.json is not valid JSON (truncated?) (remove it: mydocker rm cut)`,
      `mydocker: warning: skipping ${containers}/empty: its config.json is not valid JSON (truncated?) (remove it: mydocker rm empty)`,
    ]);
    const cleaned = await mydocker(root, ['rm', 'bare', 'cut', 'empty', 'other']);
    expect(cleaned.exitCode, cleaned.stderr).toBe(0);
    expect(leftovers(root)).toEqual([]);
    figures.push('corrupt entries (bare directory, truncated and empty config.json): skipped, 0 commands blocked');
  });

  test("20 racing `run --name dup`: exactly one winner, the others get docker's conflict, nothing else left", async () => {
    const rounds = 5;
    const winners: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const root = newRoot(`race-${round}`);
      if (round === 2) {
        // A stale reservation of a run that was killed: the racers must reclaim it, still one winner.
        const { run } = await stoppedRun(root, 'reserved', ['--name', 'dup', 'host', 'true']);
        process.kill(run.pid!, 'SIGKILL');
        await run;
      }
      const results = await Promise.all(
        Array.from({ length: 20 }, () => mydocker(root, ['run', '--name', 'dup', 'host', 'true'])),
      );
      const won = results.filter((result) => result.exitCode === 0);
      winners.push(won.length);
      expect(won, 'exactly one winner').toHaveLength(1);
      for (const lost of results.filter((result) => result.exitCode !== 0)) {
        expect(lost.exitCode).toBe(125);
        expect(lost.stderr).toMatch(
          /^mydocker: Conflict\. The container name "\/dup" is already in use by container "[0-9a-f]{64}"\. You have to remove \(or rename\) that container to be able to reuse that name\.$/,
        );
      }
      expect(readdirSync(join(root, 'containers')), 'one entry').toHaveLength(1);
      expect(readdirSync(join(root, 'names', 'dup')), 'one reservation').toHaveLength(1);
      expect((await mydocker(root, ['rm', 'dup'])).exitCode).toBe(0);
      expect(leftovers(root)).toEqual([]);
    }
    figures.push(
      `20 racing run --name dup: ${rounds} rounds (one after a killed run's stale reservation), winners ${winners.join(', ')}`,
    );
  });

  test('a pid reused by an unrelated process is not the container: not running, and never signalled', async () => {
    const root = newRoot('reused');
    expect((await mydocker(root, ['run', '--name', 'old', 'host', 'true'])).exitCode).toBe(0);
    const id = onlyEntry(root);
    const unrelated = execa('sleep', ['60']);
    await until('sleep runs', () => alive(unrelated.pid!));
    const start = Number(stat(unrelated.pid!)![22 - 3]);
    rmSync(join(root, 'containers', id, 'exit.json'));
    writeFileSync(
      join(root, 'containers', id, 'running.json'),
      JSON.stringify({
        pid: unrelated.pid,
        start: start - 1,
        shim: unrelated.pid,
        shimStart: start - 1,
        startedAt: 'x',
      }),
    );
    const removed = await mydocker(root, ['rm', '-f', 'old']);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(alive(unrelated.pid!), 'the unrelated process still lives').toBe(true);
    unrelated.kill('SIGKILL');
    await unrelated.catch(() => {});
    expect(leftovers(root)).toEqual([]);
    figures.push('a reused pid (live unrelated process, wrong start time): shown exited, not signalled');
  });
});
