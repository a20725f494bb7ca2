// Chapter 8: the runtime under test as a daemon in the lab host, with docker's own CLI (Debian's
// docker.io client, unpacked by vm/provision.sh, never installed) and raw HTTP on its socket as its
// clients. The socket is in the run's state root, so the daemon and its containers are the check's.
import { mkdtempSync, rmSync } from 'node:fs';
import { dockerCli } from '../../scripts/build/peer-tools.mjs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import type { ResultPromise } from 'execa';
import type { LabHost } from './labhost.ts';
import type { Mydocker, RunResult } from './mydocker.ts';
import { PROJECT_ROOT, targetSource } from './target.ts';
import { scaled } from './timing.ts';

const START_TIMEOUT_MS = 15_000;
const CLIENT_TIMEOUT_MS = 20_000;

/** Why docker's CLI cannot be used here (vm/provision.sh unpacks it), or undefined when it can. */
export function dockerCliMissing(): string | undefined {
  try {
    dockerCli();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export class Daemon {
  readonly socket: string;
  private readonly host: LabHost;
  private readonly mydocker: Mydocker;
  private process: ResultPromise | undefined;
  /** The docker CLI's own configuration: empty, so that nothing of this machine's user is read. */
  private readonly config: string;

  private constructor(host: LabHost, mydocker: Mydocker) {
    this.host = host;
    this.mydocker = mydocker;
    this.socket = join(mydocker.stateRoot, 'api.sock');
    this.config = mkdtempSync(join(mydocker.stateRoot, 'docker-config-'));
  }

  /** `mydocker daemon -H unix://<state root>/api.sock`, once it answers /_ping. */
  static async start(host: LabHost, mydocker: Mydocker): Promise<Daemon> {
    const daemon = new Daemon(host, mydocker);
    await daemon.launch();
    return daemon;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** What the daemon printed so far (its stderr), for a failed check's message. */
  output = '';

  async launch(): Promise<void> {
    const started = this.host.exec(
      [process.execPath, join(PROJECT_ROOT, 'bin', 'mydocker.cjs'), 'daemon', '-H', `unix://${this.socket}`],
      {
        env: {
          MYDOCKER_ROOT: this.mydocker.stateRoot,
          MYDOCKER_SOURCE: targetSource(),
          MYDOCKER_CGROUP_PARENT: this.host.containment.containersParent,
          DOCKER_HOST: '',
        },
        stdin: 'ignore',
      },
    );
    this.process = started;
    started.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    let exited: number | undefined;
    void started.then((result) => (exited = result.exitCode ?? -1));
    const deadline = Date.now() + scaled(START_TIMEOUT_MS);
    while (exited === undefined && Date.now() < deadline) {
      const answer = await this.request('GET', '/_ping').catch(() => undefined);
      if (answer?.status === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(
      `mydocker daemon did not answer GET /_ping on ${this.socket} within ${START_TIMEOUT_MS / 1000} s` +
        (exited === undefined ? '' : ` (it exited with ${exited})`) +
        (this.output ? `; it printed: ${this.output.trim()}` : ''),
    );
  }

  /** `docker ARGS...` against this daemon, to the end (`input`: its stdin). */
  async docker(args: readonly string[], input?: string): Promise<RunResult> {
    const result = await this.host.exec([dockerCli(), ...args], {
      env: { DOCKER_HOST: `unix://${this.socket}`, DOCKER_CONFIG: this.config },
      ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
      timeout: scaled(CLIENT_TIMEOUT_MS),
      stripFinalNewline: false,
    });
    return {
      exitCode: result.exitCode,
      stdout: String(result.stdout),
      stderr: String(result.stderr),
      command: `docker ${args.join(' ')}`,
    };
  }

  /**
   * `docker ARGS...` on a real terminal (util-linux `script` gives it a pseudo-terminal), `input`
   * typed into it; what the terminal showed, carriage returns removed, and the exit code. With
   * `size`, the terminal has that many rows and columns (else script's 0 by 0).
   */
  async dockerOnTerminal(
    args: readonly string[],
    input: string,
    size?: { rows: number; columns: number },
  ): Promise<RunResult> {
    const quote = (arg: string): string => `'${arg.replaceAll("'", `'\\''`)}'`;
    const line = [dockerCli(), ...args].map(quote).join(' ');
    const sized = size ? `stty rows ${size.rows} cols ${size.columns}; ${line}` : line;
    const result = await this.host.exec(['script', '-qec', `${sized}; echo "exit code: $?"`, '/dev/null'], {
      env: { DOCKER_HOST: `unix://${this.socket}`, DOCKER_CONFIG: this.config },
      input,
      timeout: scaled(CLIENT_TIMEOUT_MS),
    });
    const output = String(result.stdout).replaceAll('\r', '');
    // The last line may come without its newline: script can end before the terminal passes it on.
    const code = /exit code: (\d+)/.exec(output);
    return {
      exitCode: code ? Number(code[1]) : result.exitCode,
      stdout: output,
      stderr: String(result.stderr),
      command: `docker ${args.join(' ')} (on a terminal)`,
    };
  }

  /** One HTTP request on the socket, answered whole. */
  request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const request = httpRequest(
        {
          socketPath: this.socket,
          method,
          path,
          headers: { ...(text !== undefined && { 'Content-Type': 'application/json' }), ...headers },
          timeout: scaled(CLIENT_TIMEOUT_MS),
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
          );
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error(`${method} ${path}: no answer`)));
      request.on('error', reject);
      request.end(text);
    });
  }

  /** kill -9 of the daemon; `restart` then starts a new one on the same socket and state root. */
  async killNow(): Promise<void> {
    const old = this.pid;
    await this.kill();
    if (old !== undefined) this.host.fixtures.pids.delete(old);
  }

  async restart(): Promise<void> {
    this.output = '';
    await this.launch();
    this.host.fixtures.pids.add(this.pid!);
  }

  /** SIGKILL to the daemon (its containers must not care), and its end awaited. */
  async kill(): Promise<void> {
    this.process?.kill('SIGKILL');
    await this.process;
    this.process = undefined;
  }

  /** SIGTERM, as a service manager stops it; then whatever is left of it is killed. */
  async stop(): Promise<void> {
    if (!this.process) return;
    this.process.kill('SIGTERM');
    const ended = await Promise.race([
      this.process.then(() => true),
      new Promise((r) => setTimeout(() => r(false), scaled(5_000))),
    ]);
    if (!ended) await this.kill();
    this.process = undefined;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.config, { recursive: true, force: true });
  }
}

/**
 * The checker's own reading of an attach stream's frames (never the learner's): 8-byte headers,
 * stream in byte 0, big-endian length in bytes 4-7. `leftover`: bytes of a frame cut short.
 */
export function splitFrames(bytes: Buffer): { frames: { stream: number; payload: Buffer }[]; leftover: number } {
  const frames: { stream: number; payload: Buffer }[] = [];
  let at = 0;
  while (bytes.length - at >= 8) {
    const length = bytes.readUInt32BE(at + 4);
    if (bytes.length - at - 8 < length) break;
    frames.push({ stream: bytes[at]!, payload: bytes.subarray(at + 8, at + 8 + length) });
    at += 8 + length;
  }
  return { frames, leftover: bytes.length - at };
}

const daemons = new WeakMap<LabHost, Daemon>();

/**
 * One daemon for a lab host's checks, started on first use: a fixture of the lab host (not a leak
 * after each check), ended with it.
 */
export async function daemonOf(host: LabHost, mydocker: Mydocker): Promise<Daemon> {
  const missing = dockerCliMissing();
  if (missing) throw new Error(missing);
  let daemon = daemons.get(host);
  if (!daemon) {
    daemon = await Daemon.start(host, mydocker);
    host.fixtures.pids.add(daemon.pid!);
    daemons.set(host, daemon);
  }
  return daemon;
}
