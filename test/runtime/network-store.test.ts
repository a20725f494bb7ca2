// The network store (solutions/src/network/store.ts): records published whole, the default network
// made once however many processes race for it, addresses reserved by link(2) (20 processes at once
// get 20 different ones), the lock taken over from a holder killed with SIGKILL, and the release
// hooks the state store calls (network/release.ts).
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { parseAddress, parseCidr, prefixMask } from '../../solutions/src/network/address.ts';
import { lockHolder } from '../../solutions/src/network/lock.ts';
import { NetworkStore } from '../../solutions/src/network/store.ts';
import type { NetworkConfig } from '../../solutions/src/network/types.ts';
import { thisProcess } from '../../solutions/src/state/processes.ts';
import { StateStore } from '../../solutions/src/state/store.ts';
import { containerConfig, GONE } from '../support/container-config.ts';

const WORKER = join(import.meta.dirname, '..', 'support', 'network-worker.ts');

const roots: string[] = [];
function root(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mydocker-networks-'));
  roots.push(dir);
  return dir;
}
afterEach(() => roots.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** The worker started; resolves with its output once it has printed `until` (or ended). */
function worker(args: string[], until?: string) {
  const child = spawn(process.execPath, [WORKER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const printed = new Promise<string>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (until && stdout.includes(until)) resolve(stdout);
    });
    child.on('close', () => resolve(stdout));
  });
  const ended = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, printed, ended };
}

function endpointConfig(id: string, networkName: string, networkId: string, address: string) {
  const network: NetworkConfig = {
    mode: 'bridge',
    network: networkName,
    endpoint: {
      network: networkName,
      networkId,
      bridge: 'mydocker0',
      hostLink: `veth${id.slice(0, 11)}`,
      address,
      prefix: 16,
      gateway: '172.17.0.1',
      mac: '02:42:ac:11:00:02',
    },
    ports: [],
  };
  return { ...containerConfig(id), network };
}

describe('networks on disk', () => {
  test('a network is published whole: network.json and addresses/, no staging left', () => {
    const store = new NetworkStore(root());
    const network = store.create({ name: 'web', subnet: '10.9.0.0/24' });
    expect(network).toMatchObject({ name: 'web', driver: 'bridge', subnet: '10.9.0.0/24', gateway: '10.9.0.1' });
    expect(network.id).toMatch(/^[0-9a-f]{64}$/);
    expect(network.bridge).toBe(`mdbr-${network.id.slice(0, 10)}`);
    expect(readdirSync(store.dir).sort()).toEqual(['.lock', 'web']);
    expect(JSON.parse(readFileSync(join(store.dir, 'web', 'network.json'), 'utf8'))).toEqual(network);
    expect(store.find(network.id.slice(0, 5))).toEqual(network);
    expect(() => store.get('nosuch')).toThrow('network nosuch not found');
  });

  test('the default network is bridge on mydocker0, with the first free pool', () => {
    const store = new NetworkStore(root());
    const network = store.defaultNetwork();
    expect(network).toMatchObject({ name: 'bridge', bridge: 'mydocker0' });
    expect(store.defaultNetwork()).toEqual(network);
    const { address, prefix } = parseCidr(network.subnet)!;
    expect(network.gateway).toBe(network.subnet.replace(/\.0\/\d+$/, '.1'));
    expect(prefix === 16 || prefix === 20, network.subnet).toBe(true);
    expect(address & ~prefixMask(prefix)).toBe(0);
  });

  test('a network record that is not whole (made by hand) is skipped', () => {
    const store = new NetworkStore(root());
    mkdirSync(join(store.dir, 'broken'), { recursive: true });
    writeFileSync(join(store.dir, 'broken', 'network.json'), '{"name": "bro');
    expect(store.list()).toEqual([]);
  });
});

describe('ready', () => {
  test("ready: marked in this boot and network namespace, and its bridge among this namespace's devices", () => {
    const store = new NetworkStore(root());
    const network = store.create({ name: 'web', subnet: '10.9.0.0/24' });
    expect(store.isReady(network), 'never set up').toBe(false);
    store.markReady(network);
    // No such device here: a namespace that reuses a dead one's inode number is not set up.
    expect(store.isReady(network), `marked, but no ${network.bridge} in this namespace`).toBe(false);
    // `lo` exists in every namespace: as if the network's bridge were there.
    expect(store.isReady({ ...network, bridge: 'lo' }), 'marked, its device here').toBe(true);
    writeFileSync(
      join(store.dir, 'web', 'ready'),
      `${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()} 1\n`,
    );
    expect(store.isReady({ ...network, bridge: 'lo' }), 'marked in another namespace').toBe(false);
  });
});

describe('allocation', () => {
  test('20 processes at once: one default network, 20 different addresses of its subnet', async () => {
    const dir = root();
    const go = join(dir, 'go');
    const workers = Array.from({ length: 20 }, (_, n) => worker(['allocate', dir, String(n).padStart(64, 'c'), go]));
    await new Promise((resolve) => setTimeout(resolve, 300)); // every worker started and waiting
    writeFileSync(go, '');
    const results = await Promise.all(workers.map((w) => w.ended));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const lines = results.map((result) => result.stdout.trim().split(' '));
    expect(new Set(lines.map(([id]) => id)).size, 'networks made').toBe(1);
    const addresses = lines.map(([, address]) => address!);
    expect(new Set(addresses).size, addresses.join(' ')).toBe(20);
    const store = new NetworkStore(dir);
    const [network] = store.list();
    expect(store.list().map((n) => n.name)).toEqual(['bridge']);
    const { address: base, prefix } = parseCidr(network!.subnet)!;
    const mask = prefixMask(prefix);
    for (const address of addresses) {
      const value = parseAddress(address)!;
      expect((value & mask) >>> 0, `${address} in ${network!.subnet}`).toBe(base);
      expect(address).not.toBe(network!.gateway);
    }
    expect(store.users(network!)).toHaveLength(20);
    expect(readdirSync(join(store.dir, 'bridge', 'addresses')).sort()).toEqual([...addresses].sort());
  }, 30_000);

  test('release gives back what the container holds; a run killed before its entry holds nothing', () => {
    const dir = root();
    const store = new NetworkStore(dir);
    const network = store.create({ name: 'tiny', subnet: '10.9.0.0/29' }); // .2 to .6
    const a = store.allocate(network, 'a'.repeat(64));
    expect(a).toBe('10.9.0.2');
    // a's entry exists; b's run was killed before it made its entry (its allocator is gone)
    mkdirSync(join(dir, 'containers', 'a'.repeat(64)), { recursive: true });
    const b = store.allocate(network, 'b'.repeat(64));
    const addresses = join(store.dir, 'tiny', 'addresses');
    writeFileSync(join(addresses, b), `${'b'.repeat(64)}\n${GONE.pid} ${GONE.start}\n`);
    expect(store.users(network)).toEqual(['a'.repeat(64), 'b'.repeat(64)]);
    expect(store.allocate(network, 'c'.repeat(64))).toBe('10.9.0.4');
    expect(store.users(network), "b's address swept, a's kept").toEqual(['a'.repeat(64), 'c'.repeat(64)]);
    store.release(network, 'a'.repeat(64));
    expect(store.users(network)).toEqual(['c'.repeat(64)]);
  });

  test('a full subnet: docker words, nothing reserved', () => {
    const store = new NetworkStore(root());
    const network = store.create({ name: 'one', subnet: '10.9.0.0/30' });
    const me = thisProcess();
    expect(store.allocate(network, 'a'.repeat(64))).toBe('10.9.0.2');
    expect(() => store.allocate(network, 'b'.repeat(64))).toThrow(
      `no available IPv4 addresses on this network's address pools: one (${network.id.slice(0, 12)})`,
    );
    expect(readdirSync(join(store.dir, 'one', 'addresses'))).toEqual(['10.9.0.2']);
    expect(readFileSync(join(store.dir, 'one', 'addresses', '10.9.0.2'), 'utf8')).toBe(
      `${'a'.repeat(64)}\n${me.pid} ${me.start}\n`,
    );
  });

  test("the state store's remove releases the container's address (containerRemoved), and so does sweep", () => {
    const dir = root();
    const networks = new NetworkStore(dir);
    const network = networks.defaultNetwork();
    const states = new StateStore(dir, () => {});
    for (const id of ['d'.repeat(64), 'e'.repeat(64)]) {
      const address = networks.allocate(network, id);
      states.create(endpointConfig(id, network.name, network.id, address));
    }
    expect(networks.users(network)).toHaveLength(2);
    states.remove('d'.repeat(64));
    expect(networks.users(network)).toEqual(['e'.repeat(64)]);
    // A `rm` killed after claiming the entry: the next command's sweep finishes it.
    const claimed = join(states.containersDir, `.rm-${GONE.pid}-${GONE.start}-${'e'.repeat(64)}`);
    renameSync(states.dir('e'.repeat(64)), claimed);
    states.list();
    expect(existsSync(claimed)).toBe(false);
    expect(networks.users(network)).toEqual([]);
  });
});

describe("the networks' lock", () => {
  test('a holder killed with SIGKILL holds nothing: the next process takes the lock', async () => {
    const dir = root();
    const holder = worker(['hold', dir, '-'], 'held');
    await holder.printed;
    const lockDir = join(dir, 'networks', '.lock');
    expect(lockHolder(lockDir)?.pid).toBe(holder.child.pid);
    holder.child.kill('SIGKILL');
    await holder.ended;
    const store = new NetworkStore(dir);
    const inside = store.withLock(() => lockHolder(lockDir));
    expect(inside).toEqual(thisProcess());
    expect(lockHolder(lockDir), 'released').toBeUndefined();
    expect(readdirSync(lockDir), 'the killed holder left no file behind').toEqual([]);
  });

  test('while its holder lives, the lock waits: two holders never overlap', async () => {
    const dir = root();
    const first = worker(['lock', dir, '-'], 'in');
    await first.printed;
    const order: string[] = [];
    const second = worker(['lock', dir, '-']);
    const firstEnd = first.ended.then(() => order.push('first out'));
    const secondOut = second.ended.then((result) => order.push(`second ${result.stdout.trim().replace('\n', ' ')}`));
    await Promise.all([firstEnd, secondOut]);
    expect(order).toEqual(['first out', 'second in out']);
  });

  test('nested withLock in one process does not wait for itself', () => {
    const store = new NetworkStore(root());
    expect(store.withLock(() => store.withLock(() => 42))).toBe(42);
    expect(store.withLock(() => store.defaultNetwork().name)).toBe('bridge');
  });
});
