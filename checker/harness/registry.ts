// Chapter 8's registries, inside the lab host (its own network namespace: 127.0.0.1 there is the lab
// host's loopback, where `mydocker pull` runs): Debian's docker-registry (distribution 2.8, unpacked by
// vm/provision.sh, never installed) on 127.0.0.1 only, with a config and storage in a directory of its
// own, optionally behind htpasswd (bcrypt) auth, seeded with skopeo from OCI layouts the checks make;
// and a hostile fake (node:http) that serves what no honest registry would.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as koffi from 'koffi';
import type { ResultPromise } from 'execa';
import { registryBinary } from '../../scripts/build.mjs';
import type { LabHost } from './labhost.ts';
import { httpGet } from './network.ts';
import { scaled } from './timing.ts';

const START_TIMEOUT_MS = 10_000;
const SEED_TIMEOUT_MS = 30_000;

export interface Credentials {
  username: string;
  password: string;
}

export interface Fixture {
  pid: number;
  /** 127.0.0.1:PORT, in the lab host. */
  address: string;
  stop(): Promise<void>;
}

/** docker-registry on 127.0.0.1:PORT of the lab host; a free port is found by trying (a fresh namespace has all). */
export class Registry implements Fixture {
  readonly address: string;
  readonly pid: number;
  readonly credentials: Credentials | undefined;
  private readonly host: LabHost;
  private readonly dir: string;
  private readonly process: ResultPromise;

  private constructor(host: LabHost, dir: string, address: string, process: ResultPromise, credentials?: Credentials) {
    this.host = host;
    this.dir = dir;
    this.address = address;
    this.process = process;
    this.pid = process.pid!;
    this.credentials = credentials;
  }

  static async start(host: LabHost, credentials?: Credentials): Promise<Registry> {
    const binary = registryBinary();
    for (let attempt = 0; ; attempt++) {
      const dir = mkdtempSync(join(tmpdir(), `mydocker-check-${process.pid}-registry-`));
      const port = 20_000 + Math.floor(Math.random() * 40_000);
      writeFileSync(join(dir, 'config.yml'), registryConfig(dir, port, credentials));
      if (credentials)
        writeFileSync(join(dir, 'htpasswd'), `${credentials.username}:${bcrypt(credentials.password)}\n`);
      const server = host.exec([binary, 'serve', join(dir, 'config.yml')], { stdin: 'ignore', all: true });
      host.fixtures.pids.add(server.pid!);
      const registry = new Registry(host, dir, `127.0.0.1:${port}`, server, credentials);
      const started = await waitForListening(server, scaled(START_TIMEOUT_MS));
      if (started.ok) {
        // It answers /v2/ (401 behind auth: an answer too).
        const probe = await httpGet(host, 'lab-host', `http://${registry.address}/v2/`);
        if (probe.ok || probe.error === 'HTTP status 401') return registry;
        started.error = `GET /v2/: ${probe.error}`;
      }
      await registry.stop();
      if (attempt === 3) throw new Error(`docker-registry did not start in the lab host: ${started.error}`);
    }
  }

  /** `skopeo copy` of an OCI layout's image (or index, with --all) into REPOSITORY:TAG, in the lab host. */
  async seed(layout: string, layoutTag: string, target: string): Promise<void> {
    const result = await this.host.exec(
      [
        'skopeo',
        'copy',
        '--quiet',
        '--all',
        '--dest-tls-verify=false',
        ...(this.credentials ? [`--dest-creds=${this.credentials.username}:${this.credentials.password}`] : []),
        `oci:${layout}:${layoutTag}`,
        `docker://${this.address}/${target}`,
      ],
      { stdin: 'ignore', timeout: scaled(SEED_TIMEOUT_MS) },
    );
    if (result.exitCode !== 0)
      throw new Error(`skopeo could not seed ${this.address}/${target}: ${String(result.stderr).trim()}`);
  }

  /** Stops it by its pid, and removes its directory. */
  async stop(): Promise<void> {
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // gone already (the lab host's clean-up kills what is left in its cgroup)
    }
    await this.process;
    this.host.fixtures.pids.delete(this.pid);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function registryConfig(dir: string, port: number, credentials: Credentials | undefined): string {
  return [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'storage')}`,
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '  secret: mydocker-check',
    ...(credentials ? ['auth:', '  htpasswd:', '    realm: mydocker-check', `    path: ${join(dir, 'htpasswd')}`] : []),
    '',
  ].join('\n');
}

/** "listening on 127.0.0.1:PORT" in its log, or its exit (the port was taken). */
async function waitForListening(server: ResultPromise, timeoutMs: number): Promise<{ ok: boolean; error?: string }> {
  let output = '';
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => resolve({ ok: false, error: `no "listening on" within ${timeoutMs} ms` }),
      timeoutMs,
    );
    server.all?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening on')) {
        clearTimeout(timer);
        resolve({ ok: true });
      }
    });
    void server.then(() => {
      clearTimeout(timer);
      resolve({ ok: false, error: `it exited: ${output.trim().split('\n').pop()}` });
    });
  });
}

/**
 * A bcrypt hash, as htpasswd -B writes it, from the machine's libcrypt (libxcrypt: $2b$): the registry
 * reads only bcrypt, and Node has none built in. crypt_gensalt draws the salt from the kernel.
 */
export function bcrypt(password: string): string {
  const libcrypt = koffi.load('libcrypt.so.1');
  const gensalt = libcrypt.func(
    'const char *crypt_gensalt(const char *prefix, unsigned long count, void *rbytes, int n)',
  );
  const crypt = libcrypt.func('const char *crypt(const char *phrase, const char *setting)');
  const salt = gensalt('$2b$', 5, null, 0) as string | null;
  const hash = salt === null ? null : (crypt(password, salt) as string | null);
  if (!hash?.startsWith('$2b$')) throw new Error('libcrypt made no bcrypt hash');
  return hash;
}

// The hostile registry: `node -e HOSTILE ROUTES PORT`. ROUTES is a JSON file: path -> { type, file }
// or { endless: true } (a body that never ends, 16 KiB every 10 ms: a cut-off comes fast, a missing
// one fills little of the disk before the check gives up).
const HOSTILE = `
const [routesFile, port] = process.argv.slice(1);
const fs = require('node:fs');
const routes = JSON.parse(fs.readFileSync(routesFile, 'utf8'));
const server = require('node:http').createServer((request, response) => {
  const route = routes[request.url];
  if (request.url === '/v2/') return response.end('{}');
  if (!route) { response.statusCode = 404; return response.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] })); }
  if (route.type) response.setHeader('content-type', route.type);
  if (!route.endless) return response.end(fs.readFileSync(route.file));
  const chunk = Buffer.alloc(16384, 0x41);
  const timer = setInterval(() => response.write(chunk), 10);
  response.on('close', () => clearInterval(timer));
});
server.on('error', (error) => { console.error(error.code ?? error.message); process.exit(1); });
server.listen(Number(port), '127.0.0.1', () => console.log('listening on 127.0.0.1:' + port));
`;

export interface HostileRoute {
  type?: string;
  content?: Buffer | string;
  endless?: boolean;
}

/** The hostile fake on 127.0.0.1:PORT of the lab host, serving `routes` (by request path). */
export async function startHostile(host: LabHost, routes: Record<string, HostileRoute>): Promise<Fixture> {
  for (let attempt = 0; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), `mydocker-check-${process.pid}-hostile-`));
    const table: Record<string, { type?: string; file?: string; endless?: boolean }> = {};
    Object.entries(routes).forEach(([path, route], i) => {
      const file = join(dir, `route-${i}`);
      if (route.content !== undefined) writeFileSync(file, route.content);
      table[path] = { ...(route.type && { type: route.type }), ...(route.endless ? { endless: true } : { file }) };
    });
    writeFileSync(join(dir, 'routes.json'), JSON.stringify(table));
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    const server = host.exec([process.execPath, '-e', HOSTILE, join(dir, 'routes.json'), String(port)], {
      stdin: 'ignore',
      all: true,
    });
    host.fixtures.pids.add(server.pid!);
    const stop = async () => {
      try {
        process.kill(server.pid!, 'SIGKILL');
      } catch {
        // gone already
      }
      await server;
      host.fixtures.pids.delete(server.pid!);
      rmSync(dir, { recursive: true, force: true });
    };
    const started = await waitForListening(server, scaled(START_TIMEOUT_MS));
    if (started.ok) return { pid: server.pid!, address: `127.0.0.1:${port}`, stop };
    await stop();
    if (attempt === 3) throw new Error(`the hostile registry did not start in the lab host: ${started.error}`);
  }
}
