// Lab ch5-detach: `run -d` returns while the container runs, with the shim (not Node) as its parent,
// and its output in docker's json-file log; `-t` gives it a terminal of its own devpts, which the
// caller's terminal never is. All seen from the host: /proc, the log file, the terminal's queue.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import type { Mydocker, RunResult } from '../../harness/mydocker.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';
import { scaled } from '../../harness/timing.ts';

type StdioModule = typeof import('../../../solutions/src/container/stdio.ts');

const ID = /^[0-9a-f]{64}$/;

interface LogRecord {
  log: string;
  stream: string;
  time: string;
}

/** The id `run -d` printed, or a failed expectation that says what it printed instead. */
function printedId(result: RunResult): string {
  expectExitCode(result, 0);
  const id = result.stdout.trim();
  expect(id, `${describeRun(result)}\n\`run -d\` prints the container's full id and returns`).toMatch(ID);
  return id;
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

async function until(condition: () => boolean, what: string, ms = scaled(10_000)): Promise<void> {
  for (const start = Date.now(); !condition(); await new Promise((resolve) => setTimeout(resolve, 20))) {
    if (Date.now() - start > ms) throw new Error(`${what} did not happen within ${ms / 1000} s`);
  }
}

const status = (mydocker: Mydocker, id: string) => mydocker.states().find((state) => state.id === id)?.status;

/** Ends a detached container from the host (SIGKILL to its PID 1), and waits for its shim to be gone. */
async function killDetached(mydocker: Mydocker, id: string): Promise<void> {
  const state = mydocker.states().find((s) => s.id === id);
  if (state?.status !== 'running' || state.pid === undefined) return;
  const shim = existsSync(`/proc/${state.pid}`) ? parentOf(state.pid) : 0;
  process.kill(state.pid, 'SIGKILL');
  await until(() => status(mydocker, id) !== 'running' && (shim === 0 || !existsSync(`/proc/${shim}`)), 'its end');
}

function logRecords(mydocker: Mydocker, id: string): LogRecord[] {
  const path = join(mydocker.containerDir(id), `${id}-json.log`);
  expect(existsSync(path), `the container's log, ${path}`).toBe(true);
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      expect(() => JSON.parse(line), `each line of the log is one JSON object: ${line}`).not.toThrow();
      return JSON.parse(line) as LogRecord;
    });
}

const ofStream = (records: LogRecord[], stream: string) => records.filter((r) => r.stream === stream).map((r) => r.log);

describeLab('ch5-detach', (check) => {
  check(
    '`run -d` prints the id and returns while the container runs; its PID 1 is a child of the shim, not of Node',
    { hint: 1 },
    async ({ mydocker }) => {
      const result = await mydocker.run(['run', '-d', 'busybox', 'sh', '-c', 'echo started; exec sleep 8']);
      const id = printedId(result);
      try {
        expect(status(mydocker, id), `${describeRun(result)}\nthe container, once \`run -d\` returned`).toBe('running');
        const pid = mydocker.states().find((s) => s.id === id)!.pid!;
        const parent = parentOf(pid);
        expect(readFileSync(`/proc/${parent}/comm`, 'utf8').trim(), "the parent of the container's PID 1").toBe(
          'mydocker-shim',
        );
      } finally {
        await killDetached(mydocker, id);
      }
    },
  );

  check(
    "the log holds what the container printed: docker's json-file lines, both streams, each in order",
    { hint: 1 },
    async ({ mydocker }) => {
      const script = 'echo one; echo two >&2; echo three; printf "four" >&2';
      const result = await mydocker.run(['run', '-d', 'busybox', 'sh', '-c', script]);
      const id = printedId(result);
      await until(() => status(mydocker, id) === 'exited', 'the end of the container');
      const records = logRecords(mydocker, id);
      for (const record of records) {
        expect(Object.keys(record), "docker's fields, in its order").toEqual(['log', 'stream', 'time']);
        expect(record.time, 'RFC 3339 in UTC, nanoseconds').toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      }
      expect(ofStream(records, 'stdout'), 'the stdout lines').toEqual(['one\n', 'three\n']);
      expect(ofStream(records, 'stderr'), 'the stderr lines').toEqual(['two\n', 'four']);
    },
  );

  check(
    "-di keeps the container's stdin open (a shell waits on it), -d alone gives it /dev/null",
    { hint: 2 },
    async ({ mydocker }) => {
      const script = '(sleep 1; echo still-waiting) & read line; echo "read ended: $?"; wait';
      const open = printedId(await mydocker.run(['run', '-di', 'busybox', 'sh', '-c', script]));
      const closed = printedId(await mydocker.run(['run', '-d', 'busybox', 'sh', '-c', script]));
      try {
        await until(() => status(mydocker, closed) === 'exited', 'the end of the -d container');
        expect(ofStream(logRecords(mydocker, closed), 'stdout'), '-d: read gets end of file at once').toEqual([
          'read ended: 1\n',
          'still-waiting\n',
        ]);
        await until(() => logRecords(mydocker, open).length > 0, 'the first line of the -di container');
        expect(ofStream(logRecords(mydocker, open), 'stdout')[0], '-di: read is still waiting after a second').toBe(
          'still-waiting\n',
        );
      } finally {
        await killDetached(mydocker, open);
      }
    },
  );

  check(
    "-t: the container's terminal is in its own devpts, not the caller's, with the caller's window size",
    { hint: 2 },
    async ({ mydocker }) => {
      const result = await mydocker.runOnTerminal(
        [
          'run',
          '-t',
          '--rm',
          'busybox',
          'sh',
          '-c',
          'echo "tty: $(tty)"; echo "size: $(stty size)"; stat -c "dev: %d" $(tty)',
        ],
        { rows: 37, cols: 101, after: 'stat -c "caller: %d" /proc/self/fd/0' },
      );
      const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(result.stdout)?.[1];
      expect(field('tty'), `${describeRun(result)}\n\`tty\` in the container`).toMatch(/^\/dev\/pts\/\d+$/);
      expect(field('size'), '`stty size` in the container (rows columns)').toBe('37 101');
      expect(field('dev'), "the devpts of the container's terminal, against the caller's").not.toBe(field('caller'));
      expectExitCode(result, 0);
    },
  );

  check('-dt: what the terminal shows is logged, as stream stdout only', { hint: 2 }, async ({ mydocker }) => {
    const result = await mydocker.run(['run', '-dt', 'busybox', 'sh', '-c', 'tty; echo to-stderr >&2']);
    const id = printedId(result);
    await until(() => status(mydocker, id) === 'exited', 'the end of the container');
    const records = logRecords(mydocker, id);
    expect(
      records.map((r) => [r.stream, r.log]),
      'the log of a container with a terminal',
    ).toEqual([
      ['stdout', '/dev/pts/0\r\n'],
      ['stdout', 'to-stderr\r\n'],
    ]);
  });

  check(
    "-it: TIOCSTI from inside pushes keys into the container's own terminal, never the caller's",
    { hint: 2 },
    async ({ mydocker }) => {
      // TIOCSTI (0x5412) fakes typed input on a terminal; FIONREAD (0x541B) counts what waits in its queue.
      const count = 'ioctl(STDIN, 0x541B, my $n = pack("L", 0)); print unpack("L", $n)';
      const inject = `ioctl(STDIN, 0x5412, $_) for split //, "echo INJECTED\\n"; ${count}`;
      const result = await mydocker.runOnTerminal(
        ['run', '-it', '--rm', 'host', 'perl', '-e', `${inject.replace('print', 'print "inside: ", ')}`],
        { after: `perl -e '${count.replace('print', 'print "caller: ", ')}'` },
      );
      expectExitCode(result, 0);
      const field = (name: string) => new RegExp(`${name}: (\\d+)`).exec(result.stdout)?.[1];
      expect(
        field('inside'),
        `${describeRun(result)}\n${result.stdout}\nbytes waiting on the container's terminal`,
      ).toBe('14');
      expect(field('caller'), "bytes waiting on the caller's terminal after the container ended").toBe('0');
    },
  );
  check("a failed `run -d`: docker's message and code, no id, and nothing left", { hint: 1 }, async ({ mydocker }) => {
    const before = mydocker.states().map((state) => state.id);
    const result = await mydocker.run(['run', '-d', 'busybox', 'no-such-command']);
    expectExitCode(result, 127);
    expect(result.stderr, describeRun(result)).toBe(
      'mydocker: exec: "no-such-command": executable file not found in $PATH\n',
    );
    expect(result.stdout, 'stdout of a start that failed').toBe('');
    expect(
      mydocker.states().filter((state) => !before.includes(state.id)),
      'containers left by the failed start',
    ).toEqual([]);
  });

  check("chooseStdio follows docker's table for every mix of -d, -i and -t", { hint: 2 }, async () => {
    const { chooseStdio } = await importTarget<StdioModule>('container/stdio.ts');
    const log = '/var/lib/mydocker/containers/c/c-json.log';
    for (const detach of [false, true])
      for (const interactive of [false, true])
        for (const tty of [false, true]) {
          const flags = `${detach ? '-d ' : ''}${interactive ? '-i ' : ''}${tty ? '-t' : ''}`.trim() || 'no flag';
          expect(chooseStdio({ detach, interactive, tty }, log), flags).toEqual({
            stdin: interactive ? 'inherit' : 'null',
            output: detach ? log : 'inherit',
            terminal: tty,
          });
        }
  });
});
