// Starts the shim (native/shim.c) and walks it through the protocol. Node stays only as long as the
// user waits for a foreground container; the shim is the container's parent.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { RuntimeError } from '../errors.ts';
import type { Plan } from '../kernel/plan.ts';
import { encodeFrame, encodePlan, FrameReader, type ShimMessage } from './protocol.ts';

/** How a started container ended, or why it never started. */
export type Outcome =
  | { kind: 'exited'; code: number }
  | { kind: 'signaled'; signal: number }
  | { kind: 'failed'; step: number; op: string; subject: string; errno: number };

export type Failure = Extract<Outcome, { kind: 'failed' }>;

function failure(message: Extract<ShimMessage, { type: 'FAILED' }>): Failure {
  return { kind: 'failed', step: message.step, op: message.op, subject: message.subject, errno: message.errno };
}

/** The bundle lives in .lab/build/<source>/; the shim beside that folder. MYDOCKER_SHIM overrides. */
export function shimPath(): string {
  return process.env.MYDOCKER_SHIM ?? fileURLToPath(new URL('../mydocker-shim', import.meta.url));
}

export class Shim {
  private readonly messages: ShimMessage[] = [];
  private waiting: ((message: ShimMessage | undefined) => void) | undefined;
  private closed = false;

  private readonly child: ChildProcess;
  private readonly control: Socket;

  private constructor(child: ChildProcess, control: Socket) {
    this.child = child;
    this.control = control;
    const reader = new FrameReader();
    control.on('data', (chunk: Buffer) => {
      for (const message of reader.push(chunk)) this.deliver(message);
    });
    control.on('close', () => {
      this.closed = true;
      this.deliver(undefined);
    });
    control.on('error', () => undefined); // a dead shim shows up as 'close'
  }

  /** Spawns the shim and sends it the plan. It answers with the container's pid (see `created`). */
  static start(plan: Plan, options: { interactive: boolean }): Shim {
    const path = shimPath();
    if (!existsSync(path)) {
      throw new RuntimeError(`the native helper is missing at ${path}: run \`npm install\` (it builds native/)`);
    }
    // stdio 1 and 2 are the user's own: libuv dup2()s them, which clears Node's O_CLOEXEC.
    const child = spawn(path, [], {
      stdio: [options.interactive ? 'inherit' : 'ignore', 'inherit', 'inherit', 'pipe'],
    });
    const control = child.stdio[3] as Socket;
    const shim = new Shim(child, control);
    control.write(encodePlan(plan));
    return shim;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves with the container's pid on the host once it exists, held at the barrier. */
  async created(): Promise<{ kind: 'created'; pid: number } | Failure> {
    const message = await this.next();
    if (message.type === 'PID') return { kind: 'created', pid: message.pid };
    if (message.type === 'FAILED') return failure(message);
    throw this.unexpected(message);
  }

  /** Lets the container run its plan; resolves with how it ended. */
  async go(): Promise<Outcome> {
    this.control.write(encodeFrame(['GO']));
    const started = await this.next();
    if (started.type === 'FAILED') {
      await this.next().catch(() => undefined); // the shim still reports the exit of the failed child
      return failure(started);
    }
    if (started.type !== 'STARTED') throw this.unexpected(started);
    const ended = await this.next();
    if (ended.type === 'EXITED') return { kind: 'exited', code: ended.code };
    if (ended.type === 'SIGNALED') return { kind: 'signaled', signal: ended.signal };
    throw this.unexpected(ended);
  }

  /** Ends the shim before GO: it kills the held child and exits. */
  abort(): void {
    this.control.destroy();
  }

  /** Passes a signal to the shim, which passes it to the container. */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  private deliver(message: ShimMessage | undefined): void {
    if (message) this.messages.push(message);
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.(this.messages.shift());
  }

  private async next(): Promise<ShimMessage> {
    const queued = this.messages.shift();
    if (queued) return queued;
    if (this.closed) throw new RuntimeError('the native helper ended unexpectedly (see the message above)');
    const message = await new Promise<ShimMessage | undefined>((resolve) => (this.waiting = resolve));
    if (!message) throw new RuntimeError('the native helper ended unexpectedly (see the message above)');
    return message;
  }

  private unexpected(message: ShimMessage): Error {
    return new RuntimeError(`unexpected message from the native helper: ${JSON.stringify(message)}`);
  }
}
