// Containers with an open stdin (docker run -i, -it) through the daemon. A detached container's
// supervisor reads nothing from anyone (native/shim.c: its input is a pipe nobody writes), so such a
// container is started the way `mydocker run -i` starts one, in the foreground, with the daemon as
// its caller: the shim's stdin, stdout and stderr are pipes to the daemon, and the daemon relays them
// to and from the client's hijacked connection (the output framed, raw with -t). The shim still
// leaves nothing of the container in the daemon: killed, the daemon takes its pipes with it, the
// container sees its input end (a shell then exits), and its output goes nowhere (the shim ignores
// SIGPIPE); it is not in the log (`docker logs` has nothing for it), as `mydocker run -i` keeps none.
import type { ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';
import type { Plan } from '../kernel/plan.ts';
import { exitCodeOf, startShim } from '../shim/exec.ts';
import type { StateStore } from '../state/store.ts';
import { ApiError } from './api-error.ts';
import { relayOutput } from './output-stream.ts';
import { watchChange } from './changes.ts';

/** A client's connection waiting for the container's start, or serving it. */
export interface Terminal {
  socket: Duplex;
  tty: boolean;
  stdout: boolean;
  stderr: boolean;
  stdin: boolean;
  /** Settles when the container's output has ended (then the connection ends). */
  done: Promise<void>;
  finish(): void;
}

export class AttachedContainers {
  private readonly terminals = new Map<string, Terminal>();
  private readonly children = new Map<string, ChildProcess>();

  /** The connection of `docker run -i`'s attach, before its start. */
  register(id: string, terminal: Omit<Terminal, 'done' | 'finish'>): Terminal {
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const entry: Terminal = { ...terminal, done, finish };
    this.terminals.set(id, entry);
    terminal.socket.once('close', () => {
      if (this.terminals.get(id) === entry && !this.children.has(id)) this.terminals.delete(id);
      finish();
    });
    return entry;
  }

  /**
   * The launch for `run`: the shim as a child with pipes, in the foreground (its plan's output is
   * `inherit`); returns once the container runs (its running.json), or throws the shim's error line.
   */
  launcher(store: StateStore, id: string): (shim: string, plan: Plan) => Promise<number> {
    return async (shim, plan) => {
      const child = startShim(shim, plan, 'pipe');
      const terminal = this.terminals.get(id);
      const output: Buffer[] = [];
      let started = false;
      // Before the start, what the shim says is its error line: kept for the failure's message.
      const keep = (chunk: Buffer): void => void (started || output.push(chunk));
      for (const stream of ['stdout', 'stderr'] as const) {
        const wanted = terminal !== undefined && (stream === 'stdout' ? terminal.stdout : terminal.stderr);
        void relayOutput(child[stream]!, stream, { sink: terminal?.socket, wanted, tty: terminal?.tty ?? false }, keep);
      }
      child.stdin!.on('error', () => {}); // the container ended before it read all of it
      if (terminal?.stdin) terminal.socket.pipe(child.stdin!);
      else child.stdin!.end();
      const exited = new Promise<number>((resolve) => {
        child.on('error', () => resolve(126));
        child.on('close', (code, signal) => resolve(exitCodeOf(code, signal)));
      });
      this.children.set(id, child);
      void exited.then(() => {
        this.children.delete(id);
        this.terminals.delete(id);
        terminal?.finish();
      });
      // Started once the shim recorded the container (running.json), or failed once it ended first.
      for (;;) {
        const change = watchChange(store.dir(id), 100);
        const state = store.get(id);
        if (state && state.status !== 'created') {
          change.cancel();
          started = true;
          return 0;
        }
        const ended = await Promise.race([exited.then((code) => ({ code })), change.done.then(() => undefined)]);
        change.cancel();
        if (ended) {
          const message = Buffer.concat(output).toString('utf8').trim().split('\n').at(-1) ?? '';
          throw Object.assign(
            new ApiError(
              ended.code === 126 || ended.code === 127 ? 400 : 500,
              message.replace(/^mydocker: /, '') || `the shim exited with ${ended.code}`,
            ),
            { exitCode: ended.code },
          );
        }
      }
    };
  }
}
