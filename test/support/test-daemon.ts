// `mydocker daemon` for the tests that drive it (test/daemon/): the reference runtime, a state root,
// a cgroup parent and a network namespace of the test's own, its socket in the test's directory.
// Its containers carry the test's marker in their environment (Env), so that what is left is found.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { projectRoot } from '../../scripts/build.mjs';
import { removeCgroupParent, testCgroupParent } from './cgroup-parent.ts';
import { inOwnNetns } from './own-netns.ts';

/** An answer read whole. */
export interface Answer {
  status: number;
  body: string;
}

export class TestDaemon {
  readonly marker = randomUUID();
  readonly work: string;
  readonly root: string;
  readonly socket: string;
  private readonly cgroupParent: string;
  process: ResultPromise | undefined;

  constructor(name: string) {
    this.cgroupParent = testCgroupParent(name);
    this.work = join(tmpdir(), `mydocker-${name}-${this.marker}`);
    this.root = join(this.work, 'root');
    this.socket = join(this.work, 'api.sock');
  }

  /** Started, once it answers GET /_ping. */
  async start(): Promise<void> {
    mkdirSync(this.root, { recursive: true });
    const daemon = execa(
      ...inOwnNetns(process.execPath, [
        join(projectRoot, 'bin', 'mydocker.cjs'),
        'daemon',
        '-H',
        `unix://${this.socket}`,
      ]),
      {
        reject: false,
        stdin: 'ignore',
        env: {
          MYDOCKER_SOURCE: 'solutions',
          MYDOCKER_ROOT: this.root,
          MYDOCKER_CGROUP_PARENT: this.cgroupParent,
          MYDOCKER_TEST_MARKER: this.marker,
          DOCKER_HOST: '',
        },
      },
    );
    this.process = daemon;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if ((await this.ping()) === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    daemon.kill('SIGKILL');
    throw new Error(`the daemon did not answer: ${(await daemon).stderr}`);
  }

  /** One request on a connection of its own, answered whole; a string body is sent as it is. */
  request(method: string, path: string, body?: unknown): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = request(
        {
          socketPath: this.socket,
          method,
          path,
          headers: text ? { 'Content-Type': 'application/json' } : {},
          agent: false,
        },
        (response) => {
          let data = '';
          response.on('data', (chunk: Buffer) => (data += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: data }));
        },
      );
      req.on('error', reject);
      req.end(text);
    });
  }

  private ping(): Promise<number | undefined> {
    return new Promise((resolve) => {
      const req = request({ socketPath: this.socket, path: '/_ping', agent: false }, (response) => {
        response.resume();
        resolve(response.statusCode);
      });
      req.on('error', () => resolve(undefined));
      req.end();
    });
  }

  /** Living processes that carry the marker: the daemon, shims, containers. */
  markedProcesses(): number[] {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .filter((pid) => {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          return (
            stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z' &&
            readFileSync(`/proc/${pid}/environ`, 'utf8').includes(this.marker)
          );
        } catch {
          return false;
        }
      });
  }

  /** SIGTERM and its end; then anything of the test's still alive killed, and its files and cgroups gone. */
  async destroy(): Promise<void> {
    if (this.process) {
      this.process.kill('SIGTERM');
      await this.process;
    }
    for (const pid of this.markedProcesses()) process.kill(pid, 'SIGKILL');
    removeCgroupParent(this.cgroupParent);
    rmSync(this.work, { recursive: true, force: true });
  }
}
