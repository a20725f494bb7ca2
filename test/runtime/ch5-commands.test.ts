// Chapter 5's reading commands against a state directory written here (no container runs, no root):
// logs of a json-file log (fixture, as the detached shim writes it), ps/inspect of ended containers,
// and bad input: one line, docker's exit code, nothing changed.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, test } from 'vitest';
import { projectRoot } from '../../scripts/build.mjs';
import { containerConfig, GONE } from '../support/container-config.ts';
import { inOwnNetns } from '../support/own-netns.ts';

const root = mkdtempSync(join(tmpdir(), 'mydocker-ch5-commands-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ID_A = `aa11${'0'.repeat(60)}`;
const ID_B = `aa22${'0'.repeat(60)}`;

function container(id: string, name: string, created: string, exitCode: number, log?: object[]): void {
  const dir = join(root, 'containers', id);
  mkdirSync(dir, { recursive: true });
  const config = containerConfig(id, { name, command: ['sh', '-c', 'echo hi'], created, image: 'busybox' });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  running(id, GONE.pid, GONE.start); // no such process: it has ended
  writeFileSync(join(dir, 'exit.json'), JSON.stringify({ exitCode, finishedAt: created }));
  if (log) writeFileSync(join(dir, `${id}-json.log`), log.map((line) => `${JSON.stringify(line)}\n`).join(''));
}

container(ID_A, 'web', '2026-12-02T01:00:05.000Z', 0, [
  { log: 'out one\n', stream: 'stdout', time: '2026-12-02T01:00:01.000000001Z' },
  { log: 'err one\n', stream: 'stderr', time: '2026-12-02T01:00:02.5Z' },
  { log: 'out two\n', stream: 'stdout', time: '2026-12-02T01:00:03Z' },
]);
container(ID_B, 'fg', '2026-12-02T01:00:00.000Z', 137);

/** running.json as the shim writes it: PID 1 and its start time, here also as its shim. */
function running(id: string, pid: number, start: number): void {
  const record = { pid, start, shim: pid, shimStart: start, startedAt: '2026-12-02T01:00:00.5Z' };
  writeFileSync(join(root, 'containers', id, 'running.json'), JSON.stringify(record));
}

/** Field 22 of /proc/<pid>/stat: with the pid, the process's identity. */
function startTime(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  expect(condition(), 'waited 5 s').toBe(true);
}

function mydocker(...args: string[]) {
  return execa(...inOwnNetns(process.execPath, [join(projectRoot, 'bin', 'mydocker.cjs'), ...args]), {
    reject: false,
    stdin: 'ignore',
    env: { MYDOCKER_SOURCE: 'solutions', MYDOCKER_ROOT: root },
  });
}

describe('logs', () => {
  test('each stream to its own descriptor, in order; --tail; -t; --since', async () => {
    const all = await mydocker('logs', 'web');
    expect([all.exitCode, all.stdout, all.stderr]).toEqual([0, 'out one\nout two', 'err one']);
    expect((await mydocker('logs', '--tail', '1', 'web')).stdout).toBe('out two');
    expect((await mydocker('logs', '-n', '2', 'web')).stderr).toBe('err one');
    expect((await mydocker('logs', '-t', '--since', '2026-12-02T01:00:02Z', 'web')).stdout).toBe(
      '2026-12-02T01:00:03.000000000Z out two',
    );
    expect((await mydocker('logs', '-f', 'web')).stdout).toBe('out one\nout two'); // ended: -f returns
  });

  test('-f prints what is appended while the container runs, and ends when it has ended', async () => {
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    const id = `bb33${'0'.repeat(60)}`;
    try {
      container(id, 'live', '2026-12-02T01:00:09.000Z', 0, [
        { log: 'before\n', stream: 'stdout', time: '2026-12-02T01:00:10Z' },
      ]);
      const dir = join(root, 'containers', id);
      rmSync(join(dir, 'exit.json'));
      running(id, sleeper.pid!, startTime(sleeper.pid!)); // running while the sleep lives
      const follow = mydocker('logs', '-f', 'live');
      let returned = false;
      void follow.then(() => (returned = true));
      let seen = '';
      follow.stdout?.on('data', (chunk: Buffer) => (seen += chunk.toString()));
      await until(() => seen === 'before\n');
      const line = JSON.stringify({ log: 'during, cut in two\n', stream: 'stdout', time: '2026-12-02T01:00:11Z' });
      appendFileSync(join(dir, `${id}-json.log`), line.slice(0, 10)); // a line the shim is still writing
      await new Promise((resolve) => setTimeout(resolve, 300));
      appendFileSync(join(dir, `${id}-json.log`), `${line.slice(10)}\n`);
      await until(() => seen === 'before\nduring, cut in two\n');
      expect(returned, 'logs -f returned while the container runs').toBe(false);
      sleeper.kill('SIGKILL');
      writeFileSync(join(dir, 'exit.json'), JSON.stringify({ exitCode: 137, finishedAt: '2026-12-02T01:00:12Z' }));
      const ended = await follow;
      expect([ended.exitCode, ended.stdout]).toEqual([0, 'before\nduring, cut in two']);
    } finally {
      sleeper.kill('SIGKILL');
      rmSync(join(root, 'containers', id), { recursive: true, force: true });
    }
  });

  test('a container that ran in the foreground has no log: one line, exit 1', async () => {
    const result = await mydocker('logs', 'fg');
    expect([result.exitCode, result.stdout]).toEqual([1, '']);
    expect(result.stderr).toMatch(/^mydocker: container aa2200000000 has no log: it ran in the foreground/);
  });

  test("--since garbage: docker's line, exit 1", async () => {
    const result = await mydocker('logs', '--since', 'garbage', 'web');
    expect([result.exitCode, result.stderr]).toEqual([
      1,
      'mydocker: failed to parse value as time or duration: "garbage"',
    ]);
  });
});

describe('ps and inspect of ended containers', () => {
  test('ps -a lists both, newest first by creation; ps only running ones (none)', async () => {
    expect((await mydocker('ps', '-a', '--format', '{{.Names}} {{.State}} {{.Status}}')).stdout).toMatch(
      /^web exited Exited \(0\) .+ ago\nfg exited Exited \(137\) .+ ago$/,
    );
    expect((await mydocker('ps', '-q')).stdout).toBe('');
    expect((await mydocker('ps')).stdout).toMatch(
      /^CONTAINER ID {3}IMAGE {5}COMMAND {3}CREATED {3}STATUS {4}PORTS {5}NAMES$/,
    );
  });

  test("inspect: docker's shape; -f; an unknown one is a line on stderr and exit 1, the rest shown", async () => {
    const result = await mydocker('inspect', 'fg', 'nosuch');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe('mydocker: No such container: nosuch');
    const [shape] = JSON.parse(result.stdout) as [{ State: object; Config: object }];
    expect(shape).toMatchObject({ Id: ID_B, Name: '/fg', Path: 'sh', Args: ['-c', 'echo hi'], Image: 'busybox' });
    expect(shape.State).toMatchObject({ Status: 'exited', Running: false, Pid: 0, ExitCode: 137 });
    expect(shape.Config).toMatchObject({ Hostname: 'aa2200000000', Cmd: ['sh', '-c', 'echo hi'] });
    expect((await mydocker('inspect', '-f', '{{.State.ExitCode}} {{.Name}}', 'web', 'fg')).stdout).toBe(
      '0 /web\n137 /fg',
    );
  });
});

describe("bad input: one line, docker's exit code, nothing changed", () => {
  test.each([
    [['stop', 'nosuch'], 1, 'mydocker: No such container: nosuch'],
    [
      ['stop', '-t', 'abc', 'web'],
      125,
      `mydocker: invalid argument "abc" for "-t, --timeout" flag: not an integer (see 'mydocker stop --help')`,
    ],
    [['stop'], 125, `mydocker: "mydocker stop" requires at least 1 argument (see 'mydocker stop --help')`],
    [['kill', '-s', 'NOSUCH', 'web'], 1, 'mydocker: cannot kill container web: invalid signal: NOSUCH'],
    [['kill', 'web'], 1, 'mydocker: cannot kill container web: container aa1100000000 is not running'],
    [['logs', 'aa'], 1, 'mydocker: multiple IDs found with provided prefix: aa (aa1100000000, aa2200000000)'],
    [['ps', '--bad'], 125, "mydocker: unknown flag: --bad (see 'mydocker ps --help')"],
    [
      ['ps', '--format', '{{.Nope}}', '-a'],
      1,
      'mydocker: template: :1:3: executing "" at <.Nope>: can\'t evaluate field Nope',
    ],
    [['inspect'], 125, `mydocker: "mydocker inspect" requires at least 1 argument (see 'mydocker inspect --help')`],
  ])('%j', async (args, exitCode, stderr) => {
    const before = readdirSync(root, { recursive: true }).map(String).sort();
    const result = await mydocker(...args);
    expect([result.exitCode, result.stderr]).toEqual([exitCode, stderr]);
    expect(readdirSync(root, { recursive: true }).map(String).sort()).toEqual(before);
  });

  test('stop and wait of an ended container: no error; wait prints its code', async () => {
    expect((await mydocker('stop', 'web')).stdout).toBe('web');
    const wait = await mydocker('wait', 'web', 'fg');
    expect([wait.exitCode, wait.stdout]).toEqual([0, '0\n137']);
  });
});
