// docker's exec instances: POST /containers/{id}/exec makes one (nothing runs yet), POST
// /exec/{id}/start runs it, with its output on the hijacked connection (framed, or raw with -t) and
// the connection's input as its stdin when it was asked for (-i); GET /exec/{id}/json says whether it
// runs and how it ended, which is how docker's CLI learns the exit code. The shim runs it, as
// `mydocker exec` does (commands/exec.ts builds the same plan), as the daemon's child: an exec lives
// only as long as its connection, so it needs no supervisor of its own.
import type { Duplex } from 'node:stream';
import { execPlanOf } from '../commands/exec.ts';
import type { Plan } from '../kernel/plan.ts';
import type { ExecOptions } from '../commands/exec-arguments.ts';
import { randomHex } from '../random-hex.ts';
import { exitCodeOf, shimPath, startShim } from '../shim/exec.ts';
import type { StateStore } from '../state/store.ts';
import { badRequest, conflict, notFound } from './api-error.ts';
import { relayOutput } from './output-stream.ts';
import { childrenOf, resizeOnceMade, type WindowSize } from './terminal-size.ts';

export interface ExecSession {
  id: string;
  containerId: string;
  options: ExecOptions;
  attach: { stdin: boolean; stdout: boolean; stderr: boolean };
  running: boolean;
  exitCode: number | null;
  pid: number;
}

/** How many ended sessions are kept for their inspect; docker keeps them until the container goes. */
const KEPT_SESSIONS = 1000;

export class ExecSessions {
  private readonly sessions = new Map<string, ExecSession>();
  private readonly store: StateStore;

  constructor(store: StateStore) {
    this.store = store;
  }

  create(containerId: string, options: ExecOptions, attach: ExecSession['attach']): ExecSession {
    const session: ExecSession = {
      id: randomHex(32),
      containerId,
      options,
      attach,
      running: false,
      exitCode: null,
      pid: 0,
    };
    this.sessions.set(session.id, session);
    for (const [id, old] of this.sessions) {
      if (this.sessions.size <= KEPT_SESSIONS) break;
      if (!old.running) this.sessions.delete(id);
    }
    return session;
  }

  get(id: string): ExecSession {
    const session = this.sessions.get(id);
    if (!session) throw notFound(`No such exec instance: ${id}`);
    return session;
  }

  /** Its plan: made before the answer, so that a container ended meanwhile is a JSON error. */
  prepare(session: ExecSession): Plan {
    if (session.running || session.exitCode !== null)
      throw conflict(`exec instance ${session.id} has been started already`);
    return execPlanOf(this.store, session.options);
  }

  /** Without -t there is no terminal, and nothing to do; the command is the shim's one child. */
  async resize(session: ExecSession, size: WindowSize): Promise<void> {
    if (!session.options.tty) return;
    await resizeOnceMade(() => {
      if (session.exitCode !== null) throw conflict(`exec instance ${session.id} is not running`);
      return session.running ? childrenOf(session.pid)[0] : undefined;
    }, size);
  }

  /**
   * Runs the plan with `socket` as its terminal: output there, and (with -i) input from there; resolves
   * with its exit code once it ended and its output is all written. Without a socket (Detach), it
   * runs with its output dropped, as docker's exec -d.
   */
  async start(session: ExecSession, plan: Plan, socket: Duplex | undefined): Promise<number> {
    const withInput = socket !== undefined && session.attach.stdin;
    const child = startShim(shimPath(), plan, withInput ? 'pipe' : 'ignore');
    session.running = true;
    session.pid = child.pid ?? 0;
    const tty = session.options.tty;
    if (withInput && child.stdin) {
      socket.pipe(child.stdin); // the client's CloseWrite is the command's end of input
      child.stdin.on('error', () => {}); // the command ended before reading all of it
    }
    // The client went away: the command goes too (docker's exec does not outlive its attach either).
    socket?.once('close', () => child.kill('SIGKILL'));
    // A client that reads slowly pauses the shim's pipe, then the command (relayOutput).
    const output = Promise.all([
      relayOutput(child.stdout!, 'stdout', { sink: socket, wanted: session.attach.stdout, tty }),
      relayOutput(child.stderr!, 'stderr', { sink: socket, wanted: session.attach.stderr, tty }),
    ]);
    const code = await new Promise<number>((resolve) => {
      child.on('error', () => resolve(126));
      child.on('close', (exit, signal) => resolve(exitCodeOf(exit, signal)));
    });
    await output;
    session.running = false;
    session.exitCode = code;
    return code;
  }
}

/** The exec create body (docker's ExecConfig) as `mydocker exec` takes its flags. */
export function execOptionsOfBody(
  containerId: string,
  body: unknown,
): { options: ExecOptions; attach: ExecSession['attach'] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest('the body must be a JSON object: the exec config');
  const config = body as Record<string, unknown>;
  const cmd = config.Cmd;
  if (!Array.isArray(cmd) || cmd.length === 0 || !cmd.every((word) => typeof word === 'string'))
    throw badRequest('No exec command specified: Cmd must be a non-empty array of strings');
  for (const field of ['User', 'Privileged', 'DetachKeys'] as const) {
    const value = config[field];
    if (value !== undefined && value !== null && value !== '' && value !== false)
      throw badRequest(`${field} is not supported by mydocker's exec (it was set to ${JSON.stringify(value)})`);
  }
  const env = config.Env ?? [];
  if (!Array.isArray(env) || !env.every((entry) => typeof entry === 'string'))
    throw badRequest('Env must be an array of strings');
  const workdir = typeof config.WorkingDir === 'string' && config.WorkingDir !== '' ? config.WorkingDir : undefined;
  return {
    options: {
      container: containerId,
      command: cmd as string[],
      interactive: config.AttachStdin === true,
      tty: config.Tty === true,
      env: env as string[],
      ...(workdir !== undefined && { workdir }),
      explain: false,
    },
    attach: {
      stdin: config.AttachStdin === true,
      stdout: config.AttachStdout !== false,
      stderr: config.AttachStderr !== false,
    },
  };
}
