// Lab ch5-stop: `mydocker stop -t N` is SIGTERM, up to N seconds, then SIGKILL. Fast checks drive the
// learner's stopProcess with a fake process and a fake clock (the order of the signals, when SIGKILL
// goes, and that a reused pid is never signalled); host checks stop real containers and read, from a
// file the container's own trap writes, which signals it saw, plus the exit code its shim recorded.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import type { HeldContainer, Mydocker } from '../../harness/mydocker.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';
import { scaled } from '../../harness/timing.ts';

type LadderModule = typeof import('../../../solutions/src/lifecycle/signal-ladder.ts');
type Control = import('../../../solutions/src/lifecycle/signal-ladder.ts').ProcessControl;

const PID = 4242;
const START = 777;
const HOUR = 3_600_000;

/**
 * A process on a fake clock: it ends `exitsAfterTerm` ms after SIGTERM (never: it ignores SIGTERM,
 * as a PID 1 without a handler does), or at once on SIGKILL; with `reusedPid`, the kernel gives its
 * pid to a new process (another start time) the moment it ends. Time passes only in sleep().
 */
class FakeProcess implements Control {
  time = 0;
  readonly sent: { signal: string; at: number; to: 'it' | 'the process that reused its pid' | 'no process' }[] = [];
  private endsAt = Infinity;
  private looksWithoutSleep = 0;

  private readonly exitsAfterTerm: number;
  private readonly reusedPid: boolean;

  constructor(exitsAfterTerm: number, reusedPid = false, endedAlready = false) {
    this.exitsAfterTerm = exitsAfterTerm;
    this.reusedPid = reusedPid;
    if (endedAlready) this.endsAt = -1;
  }

  private alive(): boolean {
    return this.time < this.endsAt;
  }

  kill(pid: number, signal: 'SIGTERM' | 'SIGKILL' | 0): void {
    if (pid !== PID) throw new Error(`kill(${pid}): the container's PID 1 is ${PID}`);
    const to = this.alive() ? 'it' : this.reusedPid ? 'the process that reused its pid' : 'no process';
    if (to === 'no process') throw Object.assign(new Error('kill: ESRCH'), { code: 'ESRCH' });
    if (signal === 0) return;
    this.sent.push({ signal, at: this.time, to });
    if (to !== 'it') return;
    if (signal === 'SIGKILL') this.endsAt = this.time;
    if (signal === 'SIGTERM') this.endsAt = Math.min(this.endsAt, this.time + this.exitsAfterTerm);
  }

  isSameProcess(pid: number, start: number): boolean {
    this.look();
    return pid === PID && start === START && this.alive();
  }

  async sleep(milliseconds: number): Promise<void> {
    if (!(milliseconds >= 0)) throw new Error(`sleep(${milliseconds}): not a duration`);
    this.looksWithoutSleep = 0;
    this.time += milliseconds;
    if (this.time > 24 * HOUR) throw new Error('stopProcess still waits after a whole (fake) day: it waits forever');
  }

  now(): number {
    this.look();
    return this.time;
  }

  /** A loop that looks without ever sleeping would spin for ever on a clock that does not move. */
  private look(): void {
    if (++this.looksWithoutSleep > 1_000_000) throw new Error('stopProcess looks without sleeping in between');
  }
}

async function ladder(timeout: number, process: FakeProcess) {
  const { stopProcess } = await importTarget<LadderModule>('lifecycle/signal-ladder.ts');
  const result = await stopProcess({ pid: PID, start: START }, timeout, process);
  return { result, sent: process.sent, at: process.time };
}

/** Signals as `SIGTERM@0` for the messages. */
const seen = (sent: FakeProcess['sent']): string => JSON.stringify(sent.map((s) => `${s.signal}@${s.at}ms to ${s.to}`));

/**
 * A container whose script runs TRAP (a trap or none), says "armed", and waits in `wait`, which a
 * trapped signal interrupts (a `sleep` in the foreground would hold the trap until it ends).
 */
async function armed(mydocker: Mydocker, name: string, trap: string): Promise<HeldContainer> {
  const held = await mydocker.hold(['--name', name], `${trap} echo armed; while :; do sleep 1 & wait $!; done`);
  await held.proceed('armed');
  return held;
}

async function timedStop(mydocker: Mydocker, args: string[]) {
  const began = performance.now();
  const result = await mydocker.run(['stop', ...args]);
  return { result, elapsed: performance.now() - began };
}

function recordedExit(mydocker: Mydocker, name: string): number | undefined {
  return mydocker.states().find((state) => state.name === name)?.exitCode;
}

async function withSignalsFile(body: (file: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `mydocker-check-${process.pid}-stop-`));
  try {
    await body(join(dir, 'signals'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The container, if stop left it running (a mistake): SIGKILL, so the next check starts clean. */
async function cleanUp(held: HeldContainer): Promise<void> {
  try {
    await held.kill('SIGKILL');
  } catch {
    // it had ended: nothing to do
  }
}

describeLab('ch5-stop', (check) => {
  check('SIGTERM first, and a process that ends on it gets no SIGKILL', { hint: 1 }, async () => {
    const { result, sent, at } = await ladder(10, new FakeProcess(300));
    expect(seen(sent), 'the signals stopProcess sent (the process ends 300 ms after SIGTERM)').toBe(
      seen([{ signal: 'SIGTERM', at: 0, to: 'it' }]),
    );
    expect(result, "stopProcess's result").toBe('exited');
    expect(
      at,
      'when stopProcess returned (ms on the fake clock): soon after the exit, not at the deadline',
    ).toBeLessThan(1300);
  });

  check(
    'a process that ignores SIGTERM gets SIGKILL when the timeout, in seconds, has passed',
    { hint: 2 },
    async () => {
      for (const timeout of [3, 0]) {
        const { result, sent } = await ladder(timeout, new FakeProcess(Infinity));
        const kill = sent.find((s) => s.signal === 'SIGKILL');
        expect(seen(sent), `stopProcess(-t ${timeout}) on a process that ignores SIGTERM`).toMatch(/^\["SIGTERM@0ms/);
        expect(kill?.at, `when SIGKILL went (ms), -t ${timeout}; sent: ${seen(sent)}`).toBeGreaterThanOrEqual(
          timeout * 1000,
        );
        expect(kill!.at, `when SIGKILL went (ms), -t ${timeout}: at the deadline, not long after`).toBeLessThan(
          timeout * 1000 + 1000,
        );
        expect(result, "stopProcess's result").toBe('killed');
      }
    },
  );

  check('-t -1 waits as long as it takes: no SIGKILL', { hint: 2 }, async () => {
    const { result, sent } = await ladder(-1, new FakeProcess(5 * 60_000));
    expect(seen(sent), 'stopProcess(-t -1) on a process that ends 5 minutes after SIGTERM').toBe(
      seen([{ signal: 'SIGTERM', at: 0, to: 'it' }]),
    );
    expect(result, "stopProcess's result").toBe('exited');
  });

  check(
    'the process is its pid and start time: a process that got its pid is never signalled',
    { hint: 3 },
    async () => {
      const reused = await ladder(10, new FakeProcess(500, true));
      expect(seen(reused.sent), 'the process ends 500 ms after SIGTERM and its pid goes to a new process at once').toBe(
        seen([{ signal: 'SIGTERM', at: 0, to: 'it' }]),
      );
      expect(reused.result, "stopProcess's result").toBe('exited');
      const gone = await ladder(10, new FakeProcess(500, true, true));
      expect(seen(gone.sent), 'the container had ended before stop, and its pid is now another process').toBe('[]');
    },
  );

  check(
    'stop: a PID 1 that traps SIGTERM sees it, ends with its own code (143), and stop returns at once',
    { hint: 1 },
    async ({ mydocker }) => {
      await withSignalsFile(async (file) => {
        const held = await armed(mydocker, 'polite', `trap 'echo TERM >> ${file}; exit 143' TERM;`);
        try {
          // A bound on how long stop may take, and a timeout well beyond it: a stop that waited out the
          // timeout before SIGKILL shows, on any machine.
          const bound = scaled(8000);
          const timeout = Math.ceil(bound / 1000) + 10;
          const { result, elapsed } = await timedStop(mydocker, ['-t', String(timeout), 'polite']);
          expectExitCode(result, 0);
          expect(result.stdout, describeRun(result)).toBe('polite\n');
          expect(read(file), 'the signals the container saw (its trap writes them)').toBe('TERM\n');
          expect(recordedExit(mydocker, 'polite'), 'the exit code the shim recorded').toBe(143);
          expect(elapsed, `${describeRun(result)}: ms until stop returned (-t ${timeout})`).toBeLessThan(bound);
        } finally {
          await cleanUp(held);
        }
      });
    },
  );

  check(
    'stop: a PID 1 without a handler ignores SIGTERM, so SIGKILL ends it after -t seconds (137)',
    { hint: 2, timeout: 30_000 },
    async ({ mydocker }) => {
      const held = await armed(mydocker, 'deaf', '');
      try {
        const { result, elapsed } = await timedStop(mydocker, ['-t', '2', 'deaf']);
        expectExitCode(result, 0);
        expect(recordedExit(mydocker, 'deaf'), `${describeRun(result)}: the exit code the shim recorded`).toBe(137);
        expect(
          elapsed,
          `${describeRun(result)}: ms until stop returned (-t 2: SIGKILL after 2 s)`,
        ).toBeGreaterThanOrEqual(2000);
        expect(elapsed, `${describeRun(result)}: ms until stop returned (-t 2)`).toBeLessThan(2000 + scaled(8000));
      } finally {
        await cleanUp(held);
      }
    },
  );

  check(
    'stop: SIGTERM first, SIGKILL only once the timeout has passed (seen from inside)',
    { hint: 2, timeout: 30_000 },
    async ({ mydocker }) => {
      await withSignalsFile(async (file) => {
        // The trap records SIGTERM and carries on: only SIGKILL, which no trap sees, can end it.
        const held = await armed(mydocker, 'stubborn', `trap 'echo TERM >> ${file}' TERM;`);
        try {
          const { result, elapsed } = await timedStop(mydocker, ['-t', '1', 'stubborn']);
          expectExitCode(result, 0);
          expect(read(file), `${describeRun(result)}: the signals the container saw`).toBe('TERM\n');
          expect(recordedExit(mydocker, 'stubborn'), 'the exit code the shim recorded').toBe(137);
          expect(elapsed, `${describeRun(result)}: ms until stop returned (-t 1)`).toBeGreaterThanOrEqual(1000);
        } finally {
          await cleanUp(held);
        }
      });
    },
  );
});
