// Network probes for chapter 6, and the "upstream": a network namespace that plays the world outside
// the lab host. Every probe runs the host's own node and ip inside the namespace it looks at
// (`nsenter -n -t PID`: setns(2) into the netns of that pid only), never the container's busybox, so
// a check never depends on the learner's exec or image, and all traffic stays between namespaces the
// checker made.
//
//     container netns          lab host netns                         upstream netns
//     eth0 172.17.0.2 --veth-- vethXXX -- mydocker0 ... upstream0 --veth-- eth0 203.0.113.2
//                                         (bridge)     203.0.113.1/24      HTTP :80, `source=<client>`
//
// The upstream uses TEST-NET-3 (RFC 5737), an address block that is never routed anywhere. It answers
// every request with the address it saw the request come from: behind MASQUERADE that is the lab
// host's 203.0.113.1, not the container's.
import { execa, type Options, type ResultPromise } from 'execa';
import type { LabHost } from './labhost.ts';
import { scaled } from './timing.ts';

export const UPSTREAM = { address: '203.0.113.2', labHostAddress: '203.0.113.1', prefix: 24 } as const;

/** The lab host's end of the veth to the upstream. */
export const UPSTREAM_LINK = 'upstream0';

/** `ip -j addr show`: one entry per interface (iproute2's JSON, the fields the checks read). */
export interface IpAddrEntry {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu: number;
  operstate: string;
  link_type: string;
  address?: string;
  addr_info: { family: 'inet' | 'inet6'; local: string; prefixlen: number; scope: string; label?: string }[];
}

/** `ip -j route show`: one entry per route of the main table. */
export interface IpRouteEntry {
  dst: string; // 'default' or 'a.b.c.d/n'
  gateway?: string;
  dev: string;
  protocol?: string;
  scope?: string;
  prefsrc?: string;
  flags: string[];
}

const START_TIMEOUT_MS = 10_000;
const PROBE_TIMEOUT_MS = 10_000;
const HTTP_TIMEOUT_MS = 3_000;
/**
 * How long a veth may outlive its container's last process. Its namespace goes in the kernel's
 * cleanup_net workqueue, milliseconds later on a quiet machine; but a TCP connection of a container's
 * that was closed and whose peer is gone (an orphan in FIN_WAIT1 or LAST_ACK, resending its FIN)
 * keeps the namespace alive until it gives up, and in the micro-VM (TCG) both take far longer. One CI
 * run saw a veth still there 15 s (3 s scaled by 5) after a check whose client container had ended.
 * A runtime that leaks waits this long once, then it is reported.
 */
const NO_VETH_TIMEOUT_MS = 12_000;

// The HTTP server, in the probed namespace: `node -e SERVER PORT BIND`. An IPv4 client on an IPv4
// socket is reported as plain a.b.c.d; the ::ffff: prefix is stripped in case of a dual-stack bind.
const SERVER = `
const [port, bind] = process.argv.slice(1);
const server = require('node:http').createServer((request, response) => {
  const source = String(request.socket.remoteAddress).replace(/^::ffff:/, '');
  response.setHeader('connection', 'close');
  response.end('source=' + source + '\\n');
});
server.on('error', (error) => { console.error(error.code ?? error.message); process.exit(1); });
server.listen(Number(port), bind, () => console.log('listening'));
`;

// The client: `node -e CLIENT URL TIMEOUT_MS`, prints one JSON line, exits 0 whatever happened.
const CLIENT = `
const [url, timeout] = process.argv.slice(1);
const done = (result) => { process.stdout.write(JSON.stringify(result)); process.exit(0); };
setTimeout(() => done({ error: 'no answer within ' + timeout + ' ms' }), Number(timeout));
const request = require('node:http').get(url, { agent: false }, (response) => {
  let body = '';
  response.setEncoding('utf8');
  response.on('data', (chunk) => (body += chunk));
  response.on('end', () => done({ status: response.statusCode, body }));
  response.on('error', (error) => done({ error: error.code ?? error.message, body }));
});
request.on('error', (error) => done({ error: error.code ? error.code + ' (' + error.message + ')' : error.message }));
`;

/** A network namespace joined to the lab host by a veth (lab host end `upstream0`), an HTTP server on UPSTREAM.address:80. */
export class Upstream {
  /** The anchor: the process that holds the upstream's network namespace open. */
  readonly pid: number;
  private readonly host: LabHost;
  private readonly anchor: ResultPromise;
  private server: HttpServer | undefined;

  private constructor(host: LabHost, pid: number, anchor: ResultPromise) {
    this.host = host;
    this.pid = pid;
    this.anchor = anchor;
  }

  static async create(host: LabHost): Promise<Upstream> {
    const command = host.containment.wrap([
      'unshare',
      '--net',
      '--',
      'sh',
      '-c',
      'ip link set lo up && echo ready && exec sleep infinity',
    ]);
    const anchor = execa(command[0]!, command.slice(1), { stdin: 'ignore', reject: false });
    const started = await waitForLine(anchor, 'ready', scaled(START_TIMEOUT_MS));
    if (!started.ok || !anchor.pid) {
      anchor.kill('SIGKILL');
      const result = await anchor;
      const why = started.ok ? 'no pid' : started.error;
      throw new Error(`could not create the upstream namespace: ${why}; ${String(result.stderr).trim()}`);
    }
    const upstream = new Upstream(host, anchor.pid, anchor);
    // Registered first, so that a failure below still leaves the leak check knowing what is ours.
    host.fixtures.pids.add(anchor.pid);
    host.fixtures.links.add(UPSTREAM_LINK);
    try {
      // The peer is made directly in the upstream's namespace (IFLA_NET_NS_PID): no move, no clash.
      await ipBatch(host, host.anchorPid, [
        `link add ${UPSTREAM_LINK} type veth peer name eth0 netns ${anchor.pid}`,
        `addr add ${UPSTREAM.labHostAddress}/${UPSTREAM.prefix} dev ${UPSTREAM_LINK}`,
        `link set ${UPSTREAM_LINK} up`,
      ]);
      await ipBatch(host, anchor.pid, [`addr add ${UPSTREAM.address}/${UPSTREAM.prefix} dev eth0`, 'link set eth0 up']);
      upstream.server = await serveHttp(host, upstream, 80, UPSTREAM.address);
      host.fixtures.pids.add(upstream.server.pid);
    } catch (error) {
      await upstream.destroy();
      throw error;
    }
    return upstream;
  }

  /** Runs a command inside the upstream's network namespace (the real host's mounts, in the spec's cgroup). */
  exec(command: readonly string[], options: Options = {}): ResultPromise {
    return inNetns(this.host, this.pid, command, options);
  }

  /**
   * Deletes the lab host's end (its peer goes with it, synchronously), then ends the server and the
   * anchor: nothing of the upstream is left when this returns.
   */
  async destroy(): Promise<void> {
    await inNetns(this.host, this.host.anchorPid, ['ip', 'link', 'del', UPSTREAM_LINK], {
      timeout: scaled(PROBE_TIMEOUT_MS),
    });
    await this.server?.close();
    this.anchor.kill('SIGKILL');
    await this.anchor;
    if (this.server) this.host.fixtures.pids.delete(this.server.pid);
    this.host.fixtures.pids.delete(this.pid);
    this.host.fixtures.links.delete(UPSTREAM_LINK);
  }
}

/** Where a probe runs: inside a container's netns (its PID 1, host view), the lab host, or the upstream. */
export type Place = { pid: number } | 'lab-host' | Upstream;

function pidOf(host: LabHost, place: Place): number {
  if (place === 'lab-host') return host.anchorPid;
  return place.pid;
}

function describePlace(place: Place): string {
  if (place === 'lab-host') return 'the lab host';
  if (place instanceof Upstream) return 'the upstream namespace';
  return `the network namespace of pid ${place.pid}`;
}

/** `command` in the network namespace of `pid` only, in the spec's cgroup. */
function inNetns(host: LabHost, pid: number, command: readonly string[], options: Options = {}): ResultPromise {
  const full = host.containment.wrap(['nsenter', '-n', '-t', String(pid), '--', ...command]);
  return execa(full[0]!, full.slice(1), { reject: false, ...options });
}

async function ipBatch(host: LabHost, pid: number, lines: readonly string[]): Promise<void> {
  const result = await inNetns(host, pid, ['ip', '-batch', '-'], {
    input: `${lines.join('\n')}\n`,
    timeout: scaled(PROBE_TIMEOUT_MS),
  });
  if (result.exitCode !== 0) throw new Error(`ip -batch in pid ${pid}'s netns failed: ${String(result.stderr).trim()}`);
}

/** Resolves once `process` printed a line starting with `marker`, or ended, or the time ran out. */
async function waitForLine(
  process: ResultPromise,
  marker: string,
  timeoutMs: number,
): Promise<{ ok: true } | { ok: false; error: string }> {
  let output = '';
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ ok: false, error: `no "${marker}" within ${timeoutMs} ms` }), timeoutMs);
    process.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.split('\n').some((line) => line.startsWith(marker))) {
        clearTimeout(timer);
        resolve({ ok: true });
      }
    });
    void process.then((result) => {
      clearTimeout(timer);
      resolve({ ok: false, error: `it exited (${result.exitCode}) ${String(result.stderr).trim()}`.trim() });
    });
  });
}

export interface HttpServer {
  pid: number;
  close(): Promise<void>;
}

/**
 * An HTTP server in that namespace on port, answering every request with `source=<client address>\n`.
 * Close it before the container it runs in ends: a process in a network namespace keeps it (and so
 * the container's veth pair) alive.
 */
export async function serveHttp(host: LabHost, place: Place, port: number, bind = '0.0.0.0'): Promise<HttpServer> {
  const server = inNetns(host, pidOf(host, place), [process.execPath, '-e', SERVER, String(port), bind], {
    stdin: 'ignore',
  });
  const started = await waitForLine(server, 'listening', scaled(START_TIMEOUT_MS));
  const close = async (): Promise<void> => {
    server.kill('SIGKILL');
    await server;
  };
  if (!started.ok) {
    await close();
    throw new Error(`could not serve HTTP on ${bind}:${port} in ${describePlace(place)}: ${started.error}`);
  }
  return { pid: server.pid!, close };
}

/** GET url from that place (node's http, via nsenter -n), bounded by a timeout; never throws. */
export async function httpGet(
  host: LabHost,
  place: Place,
  url: string,
  timeoutMs = HTTP_TIMEOUT_MS,
): Promise<{ ok: boolean; body: string; error?: string }> {
  const limit = scaled(timeoutMs);
  try {
    const result = await inNetns(host, pidOf(host, place), [process.execPath, '-e', CLIENT, url, String(limit)], {
      stdin: 'ignore',
      timeout: limit + scaled(PROBE_TIMEOUT_MS), // node's own start on top of the request's limit
    });
    if (result.exitCode !== 0 || !String(result.stdout).trim())
      return {
        ok: false,
        body: '',
        error: `the probe failed in ${describePlace(place)}: ${String(result.stderr).trim() || `exit ${result.exitCode}`}`,
      };
    const answer = JSON.parse(String(result.stdout)) as { status?: number; body?: string; error?: string };
    if (answer.error !== undefined) return { ok: false, body: answer.body ?? '', error: answer.error };
    const ok = answer.status !== undefined && answer.status >= 200 && answer.status < 300;
    return { ok, body: answer.body ?? '', ...(!ok && { error: `HTTP status ${answer.status}` }) };
  } catch (error) {
    return { ok: false, body: '', error: error instanceof Error ? error.message : String(error) };
  }
}

async function ipJson<T>(host: LabHost, place: Place, args: readonly string[]): Promise<T[]> {
  const result = await inNetns(host, pidOf(host, place), ['ip', '-j', ...args], { timeout: scaled(PROBE_TIMEOUT_MS) });
  if (result.exitCode !== 0)
    throw new Error(`ip -j ${args.join(' ')} in ${describePlace(place)} failed: ${String(result.stderr).trim()}`);
  return JSON.parse(String(result.stdout) || '[]') as T[];
}

/** `ip -j addr show` in that place, parsed. */
export async function addresses(host: LabHost, place: Place): Promise<IpAddrEntry[]> {
  return ipJson<IpAddrEntry>(host, place, ['addr', 'show']);
}

/** `ip -j route show` in that place, parsed. */
export async function routes(host: LabHost, place: Place): Promise<IpRouteEntry[]> {
  return ipJson<IpRouteEntry>(host, place, ['route', 'show']);
}

/** The lab host's veth devices (by kind, whatever their names), apart from the harness's own. */
export async function veths(host: LabHost): Promise<string[]> {
  const links = await ipJson<{ ifname: string }>(host, 'lab-host', ['link', 'show', 'type', 'veth']);
  return links.map((link) => link.ifname).filter((name) => !host.fixtures.links.has(name));
}

/**
 * Polls until no veth is left in the lab host (the pair goes with the netns, off the command's path:
 * the kernel's cleanup_net workqueue deletes it some milliseconds after the last process left).
 */
export async function waitNoVeth(
  host: LabHost,
  timeoutMs = NO_VETH_TIMEOUT_MS,
  /** Veths there before, not waited for (the leak check's baseline). */
  before: readonly string[] = [],
): Promise<string[]> {
  const deadline = Date.now() + scaled(timeoutMs);
  for (;;) {
    const left = (await veths(host)).filter((name) => !before.includes(name));
    if (left.length === 0 || Date.now() >= deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
