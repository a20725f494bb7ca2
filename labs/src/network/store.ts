// The networks, on disk under the state root:
//   networks/.lock                       the networks' lock (lock.ts)
//   networks/<name>/network.json         NetworkRecord, published whole (a staging directory renamed)
//   networks/<name>/addresses/<a.b.c.d>  one file per allocated address: the container id, then the
//                                        pid and start time of the run that allocated it; made by
//                                        link(2) of a complete file, so never twice
//   networks/<name>/last                 the address handed out last (IPAM's serial allocation)
//   networks/<name>/ready                "<boot_id> <net ns inode>": set up in this boot and netns
//
// A network is made, has its subnet chosen, hands out an address and is removed under the lock, so
// no two networks get one subnet, no address goes to two containers and no network goes while a
// container is being given an address on it.
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { CommandError, ConflictError, ForbiddenError, NotFoundError, RuntimeError } from '../errors.ts';
import { NAME_PATTERN } from '../state/names.ts';
import { stateRoot } from '../state/store.ts';
import { isSameProcess, thisProcess } from '../state/processes.ts';
import { writeFileAtomically } from '../write-atomically.ts';
import { randomHex } from '../random-hex.ts';
import {
  contains,
  formatAddress,
  formatSubnet,
  overlaps,
  parseAddress,
  parseCidr,
  prefixMask,
  type Subnet,
} from './address.ts';
import { nextAddress } from './ipam.ts';
import { findPredefined } from './predefined.ts';
import { withLock } from './lock.ts';
import type { NetworkRecord } from './types.ts';

/** The default network's name and bridge device (docker's: bridge, docker0). */
export const DEFAULT_NETWORK = 'bridge';
export const DEFAULT_BRIDGE = 'mydocker0';
/** docker's pre-defined networks (predefined.ts for host and none): never removed. */
const PREDEFINED = ['bridge', 'host', 'none'];
/** Names no network may take: the pre-defined ones, and `default` (--network's other name for bridge). */
const RESERVED_NAMES = [...PREDEFINED, 'default'];

/**
 * docker's default-address-pools (daemon.json's default, libnetwork's ipamutils): 172.17.0.0/16 to
 * 172.31.0.0/16, then 192.168.0.0/16 cut into /20s. The first that overlaps neither a route of this
 * network namespace nor another network is a new network's subnet.
 */
export function defaultPools(): Subnet[] {
  const pools: Subnet[] = [];
  for (let second = 17; second <= 31; second++) pools.push({ base: parseAddress(`172.${second}.0.0`)!, prefix: 16 });
  for (let third = 0; third < 256; third += 16) pools.push({ base: parseAddress(`192.168.${third}.0`)!, prefix: 20 });
  return pools;
}

/** The smallest and largest prefix a network may have: a /30 has one address for a container. */
const MIN_PREFIX = 8;
const MAX_PREFIX = 30;

export class NetworkStore {
  readonly root: string;

  constructor(root: string = stateRoot()) {
    this.root = root;
  }

  get dir(): string {
    return join(this.root, 'networks');
  }

  private networkDir(name: string): string {
    return join(this.dir, name);
  }

  private addressesDir(network: NetworkRecord): string {
    return join(this.networkDir(network.name), 'addresses');
  }

  /** Every network, by name. A directory without a whole network.json (made by hand?) is skipped. */
  list(): NetworkRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((name) => !name.startsWith('.'))
      .sort()
      .flatMap((name) => {
        const record = readRecord(join(this.networkDir(name), 'network.json'));
        return record && record.name === name ? [record] : [];
      });
  }

  /** By name, or full id, or a prefix of the id that only one network has (as docker). */
  find(reference: string): NetworkRecord | undefined {
    const all = this.list();
    const exact = all.find((network) => network.name === reference || network.id === reference);
    if (exact) return exact;
    const matches = /^[0-9a-f]+$/.test(reference) ? all.filter((network) => network.id.startsWith(reference)) : [];
    return matches.length === 1 ? matches[0] : undefined;
  }

  /** As find, or docker's words, exit 1. */
  get(reference: string): NetworkRecord {
    const network = this.find(reference);
    if (!network) throw new NotFoundError(`network ${reference} not found`);
    return network;
  }

  /**
   * A new network, published whole; refuses a taken or pre-defined name, a malformed subnet or
   * gateway, a subnet that overlaps another network or a route of this network namespace, with
   * docker's words where docker has them (exit 1, as docker's daemon errors). Nothing is written
   * before every check has passed.
   */
  create(options: { name: string; subnet?: string; gateway?: string }): NetworkRecord {
    const { name } = options;
    if (!NAME_PATTERN.test(name)) {
      throw new CommandError(`invalid network name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    }
    if (options.gateway !== undefined && options.subnet === undefined) {
      throw new CommandError('every ip-range or gateway must have a corresponding subnet');
    }
    // docker's words (daemon/network.go, PredefinedNetworkError), checked before the subnet as there
    if (RESERVED_NAMES.includes(name))
      throw new ForbiddenError(`operation is not permitted on predefined ${name} network`);
    const requested = options.subnet === undefined ? undefined : parseSubnet(options.subnet);
    const gateway = options.gateway === undefined ? undefined : parseGateway(options.gateway, requested!);
    return this.withLock(() => {
      if (this.find(name)?.name === name) {
        throw new ConflictError(`network with name ${name} already exists`);
      }
      const others = this.list();
      const routes = routesOfThisNamespace();
      let subnet: Subnet;
      if (requested) {
        const network = others.find((other) => overlaps(parseSubnetOf(other), requested));
        if (network) {
          throw new CommandError(
            `invalid pool request: Pool overlaps with other one on this address space (network ${network.name} has ${network.subnet})`,
          );
        }
        const route = routes.find((candidate) => overlaps(candidate.subnet, requested));
        if (route) {
          throw new CommandError(
            `subnet ${formatSubnet(requested)} overlaps the route to ${formatSubnet(route.subnet)} on ${route.device} of this network namespace`,
          );
        }
        subnet = requested;
      } else {
        subnet = this.freePool(others, routes);
      }
      return this.publish(name, subnet, gateway ?? subnet.base + 1, name === DEFAULT_NETWORK);
    });
  }

  /** The default network, `bridge`: made on first use, once however many runs race to use it. */
  defaultNetwork(): NetworkRecord {
    const existing = this.find(DEFAULT_NETWORK);
    if (existing?.name === DEFAULT_NETWORK) return existing;
    return this.withLock(() => {
      const made = this.list().find((network) => network.name === DEFAULT_NETWORK);
      if (made) return made;
      const subnet = this.freePool(this.list(), routesOfThisNamespace());
      return this.publish(DEFAULT_NETWORK, subnet, subnet.base + 1, true);
    });
  }

  /**
   * Removes a network's record, refusing the pre-defined ones (bridge, host, none) and a network a
   * container holds an address on (docker's words and its 403 and 409). `teardown` takes away what the network has in the kernel (its bridge, its
   * rules: the caller's, commands/network.ts) and runs under the lock before the record goes, so a
   * failure there leaves the network whole, to be removed again.
   */
  remove(reference: string, teardown: (network: NetworkRecord) => void = () => {}): void {
    // docker's pre-defined networks are refused by name, whether this one was made yet or not.
    // host and none by their ids too, which no record on disk has.
    const predefined = PREDEFINED.includes(reference) ? reference : findPredefined(reference, this.list())?.name;
    const network = predefined === undefined ? this.get(reference) : undefined;
    const name = predefined ?? (network!.name === DEFAULT_NETWORK ? DEFAULT_NETWORK : undefined);
    if (name !== undefined) throw new ForbiddenError(`${name} is a pre-defined network and cannot be removed`);
    this.withLock(() => {
      const current = this.get(network!.name);
      if (current.id !== network!.id) throw new NotFoundError(`network ${reference} not found`);
      this.sweepStale(current);
      if (this.users(current).length > 0) {
        throw new ConflictError(
          `error while removing network: network ${current.name} id ${current.id} has active endpoints`,
        );
      }
      teardown(current);
      const me = thisProcess();
      const claimed = join(this.dir, `.rm-${me.pid}-${me.start}-${current.name}`);
      renameSync(this.networkDir(current.name), claimed);
      rmSync(claimed, { recursive: true, force: true });
    });
  }

  /**
   * The next address of `network` for `containerId`, chosen by IPAM (ipam.ts) among those no
   * container holds, and reserved by link(2): its file appears whole, and only if no other has it.
   */
  allocate(network: NetworkRecord, containerId: string): string {
    return this.withLock(() => {
      const current = this.find(network.name);
      if (current?.id !== network.id) throw new NotFoundError(`network ${network.name} not found`);
      const dir = this.addressesDir(current);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.sweepStale(current);
      const taken = new Set(addressFiles(dir));
      const lastPath = join(this.networkDir(current.name), 'last');
      const last = readText(lastPath)?.trim();
      const address = nextAddress(current.subnet, current.gateway, taken, last);
      if (address === undefined) {
        throw new RuntimeError(
          `no available IPv4 addresses on this network's address pools: ${current.name} (${current.id.slice(0, 12)})`,
        );
      }
      const me = thisProcess();
      const temporary = join(dir, `.${me.pid}-${me.start}`);
      try {
        writeFileSync(temporary, `${containerId}\n${me.pid} ${me.start}\n`);
        linkSync(temporary, join(dir, address));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
          const holder = readText(join(dir, address))?.split('\n')[0];
          throw new RuntimeError(
            `IPAM chose ${address} on ${current.name}, which container ${holder?.slice(0, 12)} holds`,
          );
        }
        throw error;
      } finally {
        rmSync(temporary, { force: true });
      }
      writeFileAtomically(lastPath, `${address}\n`);
      return address;
    });
  }

  /** Every address the container holds on the network (a container gone already holds none). */
  release(network: NetworkRecord, containerId: string): void {
    const dir = this.addressesDir(network);
    for (const address of addressFiles(dir)) {
      if (holderOf(join(dir, address))?.id === containerId) rmSync(join(dir, address), { force: true });
    }
  }

  /** The containers holding an address on the network. */
  users(network: NetworkRecord): string[] {
    const dir = this.addressesDir(network);
    const ids = addressFiles(dir).flatMap((address) => holderOf(join(dir, address))?.id ?? []);
    return [...new Set(ids)].sort();
  }

  /** The address file of `address`, for the shim's `unlink` when a --rm container ends. */
  addressPath(network: NetworkRecord, address: string): string {
    return join(this.addressesDir(network), address);
  }

  withLock<T>(fn: () => T): T {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    return withLock(join(this.dir, '.lock'), fn);
  }

  /**
   * Whether the network was set up (its bridge, its rules) in this boot and this network namespace.
   * The namespace's inode alone cannot say: nsfs hands a freed namespace's inode number to the next
   * one made, so a namespace made after the first one died may carry its number. Its bridge must be
   * among this namespace's devices too (/proc/self/net/dev lists the reader's own, proc(5); sysfs'
   * /sys/class/net shows the namespace it was mounted in).
   */
  isReady(network: NetworkRecord): boolean {
    return readText(join(this.networkDir(network.name), 'ready')) === readyMark() && hasDevice(network.bridge);
  }

  markReady(network: NetworkRecord): void {
    writeFileAtomically(join(this.networkDir(network.name), 'ready'), readyMark());
  }

  /**
   * An address whose container has no entry and whose run is gone: the run was killed between
   * allocating and creating the entry (or the entry was removed by hand). It holds nothing.
   */
  private sweepStale(network: NetworkRecord): void {
    const dir = this.addressesDir(network);
    for (const address of addressFiles(dir)) {
      const holder = holderOf(join(dir, address));
      if (!holder) continue;
      // An entry being made is made by its allocator: while it lives, the address holds.
      if (holder.id !== '' && existsSync(join(this.root, 'containers', holder.id))) continue;
      if (holder.allocator && isSameProcess(holder.allocator.pid, holder.allocator.start)) continue;
      rmSync(join(dir, address), { force: true });
    }
  }

  /** The first default pool that overlaps no other network and no route here (docker's message if none). */
  private freePool(others: readonly NetworkRecord[], routes: readonly Route[]): Subnet {
    const used = [...others.map(parseSubnetOf), ...routes.map((route) => route.subnet)];
    const pool = defaultPools().find((candidate) => !used.some((subnet) => overlaps(subnet, candidate)));
    if (!pool) {
      throw new CommandError(
        'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network',
      );
    }
    return pool;
  }

  /** network.json in a staging directory, then renamed into place: a reader sees all of it or none. */
  private publish(name: string, subnet: Subnet, gateway: number, isDefault: boolean): NetworkRecord {
    const id = randomHex(32);
    const record: NetworkRecord = {
      id,
      name,
      driver: 'bridge',
      bridge: isDefault ? DEFAULT_BRIDGE : `mdbr-${id.slice(0, 10)}`,
      subnet: formatSubnet(subnet),
      gateway: formatAddress(gateway),
      created: new Date().toISOString(),
    };
    const me = thisProcess();
    const staging = join(this.dir, `.new-${me.pid}-${me.start}-${name}`);
    try {
      mkdirSync(join(staging, 'addresses'), { recursive: true, mode: 0o700 });
      writeFileSync(join(staging, 'network.json'), JSON.stringify(record, null, 2) + '\n');
      renameSync(staging, this.networkDir(name));
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      throw new RuntimeError(`cannot create network ${name}: ${(error as Error).message}`);
    }
    return record;
  }
}

/** 'a.b.c.d/n' as a subnet, or docker's words for what is wrong with it. */
function parseSubnet(text: string): Subnet {
  const cidr = parseCidr(text);
  if (!cidr) throw new CommandError(`invalid CIDR address: ${text}`);
  const base = (cidr.address & prefixMask(cidr.prefix)) >>> 0;
  if (base !== cidr.address) {
    throw new CommandError(`invalid subnet ${text}: it should be ${formatAddress(base)}/${cidr.prefix}`);
  }
  if (cidr.prefix < MIN_PREFIX || cidr.prefix > MAX_PREFIX) {
    throw new CommandError(
      `invalid subnet ${text}: the prefix must be from /${MIN_PREFIX} to /${MAX_PREFIX} (a /30 has one address for a container)`,
    );
  }
  return { base, prefix: cidr.prefix };
}

/** The gateway: an address of the subnet that is neither its network address nor its broadcast. */
function parseGateway(text: string, subnet: Subnet): number {
  const gateway = parseAddress(text);
  if (gateway === undefined) throw new CommandError(`invalid gateway address: ${text}`);
  if (!contains(subnet, gateway)) throw new CommandError(`no matching subnet for gateway ${text}`);
  const broadcast = (subnet.base | ~prefixMask(subnet.prefix)) >>> 0;
  if (gateway === subnet.base || gateway === broadcast) {
    throw new CommandError(
      `invalid gateway ${text}: it is the ${gateway === subnet.base ? 'network' : 'broadcast'} address of ${formatSubnet(subnet)}`,
    );
  }
  return gateway;
}

function parseSubnetOf(network: NetworkRecord): Subnet {
  const cidr = parseCidr(network.subnet)!;
  return { base: cidr.address, prefix: cidr.prefix };
}

interface Route {
  device: string;
  subnet: Subnet;
}

/**
 * The routes of this network namespace but the default one, from /proc/self/net/route (proc(5)):
 * one line per route, Destination and Mask as 8 hex digits of the address in the machine's byte
 * order (so 0011A8C0 is 192.168.17.0 on a little-endian machine).
 */
export function routesOfThisNamespace(table = readText('/proc/self/net/route') ?? ''): Route[] {
  const read = (hex: string): number => {
    const bytes = Buffer.from(hex, 'hex');
    return endianness() === 'LE' ? bytes.readUInt32LE(0) : bytes.readUInt32BE(0);
  };
  return table
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter(
      (fields) => fields.length >= 8 && /^[0-9A-Fa-f]{8}$/.test(fields[1]!) && /^[0-9A-Fa-f]{8}$/.test(fields[7]!),
    )
    .map((fields) => {
      const mask = read(fields[7]!);
      const prefix = 32 - countZeros(mask);
      return { device: fields[0]!, subnet: { base: (read(fields[1]!) & mask) >>> 0, prefix } };
    })
    .filter((route) => route.subnet.prefix > 0);
}

/** The host bits of a mask (its trailing zero bits). */
function countZeros(mask: number): number {
  let zeros = 0;
  while (zeros < 32 && ((mask >>> zeros) & 1) === 0) zeros++;
  return zeros;
}

/** Whether this network namespace has the link (its devices, read without a fork; see isReady). */
export function hasDevice(name: string): boolean {
  const table = readText('/proc/self/net/dev') ?? '';
  return table.split('\n').some((line) => line.trimStart().startsWith(`${name}:`));
}

function readyMark(): string {
  const bootId = readText('/proc/sys/kernel/random/boot_id')?.trim() ?? '';
  return `${bootId} ${statSync('/proc/self/ns/net').ino}\n`;
}

/** The addresses allocated: the files named like one (a temporary starts with a dot). */
function addressFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((entry) => parseAddress(entry) !== undefined);
  } catch {
    return [];
  }
}

function holderOf(path: string): { id: string; allocator?: { pid: number; start: number } } | undefined {
  const text = readText(path);
  if (text === undefined) return undefined;
  const [id = '', allocator] = text.split('\n');
  const [pid, start] = (allocator ?? '').split(' ').map(Number);
  return { id, ...(pid && start && { allocator: { pid, start } }) };
}

function readRecord(path: string): NetworkRecord | undefined {
  const text = readText(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as NetworkRecord;
  } catch {
    return undefined;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
