// What a network may keep in the lab host after a check, and what a container may not. As docker0
// and docker's DOCKER chains stay on a machine with no container, a network's bridge and its
// network-level rules stay until `network rm`; a container's veth, its DNAT and hairpin rules, its
// port reservations and its address (once its entry is removed) go with it. Everything else the leak
// check compares as before: any change is a leak.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A network as its record on disk shows it (networks/<name>/network.json, solutions/src/network/types.ts). */
export interface NetworkMark {
  name: string;
  bridge: string;
  subnet: string;
}

/** The runtime's network-level chains (fixed by the chapter's design; their content is the lab's). */
export const NETWORK_CHAINS = ['MYDOCKER', 'MYDOCKER-POSTROUTING', 'MYDOCKER-FORWARD', 'MYDOCKER-INPUT'];
const BUILTIN_CHAINS = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];

function readDir(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => !name.startsWith('.'));
  } catch {
    return [];
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The networks recorded under a state root, by name. */
export function networksOnDisk(stateRoot: string): NetworkMark[] {
  const marks: NetworkMark[] = [];
  for (const name of readDir(join(stateRoot, 'networks'))) {
    const text = readText(join(stateRoot, 'networks', name, 'network.json'));
    if (text === undefined) continue; // not published yet, or half-made: the spec judges that
    try {
      const record = JSON.parse(text) as Partial<NetworkMark>;
      if (typeof record.bridge === 'string' && typeof record.subnet === 'string')
        marks.push({ name: record.name ?? name, bridge: record.bridge, subnet: record.subnet });
    } catch {
      // not JSON: the spec judges that
    }
  }
  return marks.sort((a, b) => a.name.localeCompare(b.name));
}

function toNumber(address: string): number | undefined {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function inSubnet(address: string, subnet: string): boolean {
  const [base, bits] = subnet.split('/');
  const a = toNumber(address);
  const b = toNumber(base ?? '');
  const n = Number(bits);
  if (a === undefined || b === undefined || !Number.isInteger(n) || n < 0 || n > 32) return false;
  const mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
  return (a & mask) === (b & mask);
}

/**
 * A line of LabHost.iptablesRules() (`[legacy:]table -A CHAIN ...` or `[legacy:]table :CHAIN -`):
 * 'container' if it serves one container (a DNAT, a port, one address of a network: /32 or a:port),
 * 'chains' if it is one of the network-level chains or a jump into one, or a rule in them that names
 * no network; the networks it names (their bridges or subnets: the isolation between two networks
 * names both) if it is those networks' rule; 'other' for anything else (not the runtime's, or in a
 * chain of another name).
 */
export function classifyRule(
  line: string,
  networks: readonly NetworkMark[],
): 'container' | 'chains' | 'other' | NetworkMark[] {
  const words = line.split(' ').slice(1); // drop `[legacy:]table`
  const declared = /^:(\S+)$/.exec(words[0] ?? '');
  if (declared) return NETWORK_CHAINS.includes(declared[1]!) ? 'chains' : 'other';
  if (words[0] !== '-A') return 'other';
  const chain = words[1] ?? '';
  const target = words[words.indexOf('-j') + 1];
  const ours = NETWORK_CHAINS.includes(chain);
  const jump = BUILTIN_CHAINS.includes(chain) && target !== undefined && NETWORK_CHAINS.includes(target);
  if (!ours && !jump) return 'other';
  const perContainer =
    /(^| )-j DNAT( |$)|--to-destination|--dport|--sport|--to-ports/.test(line) ||
    [...line.matchAll(/(\d+\.\d+\.\d+\.\d+)(\/32|:\d+)/g)].some((match) =>
      networks.some((network) => inSubnet(match[1]!, network.subnet)),
    );
  if (perContainer) return 'container';
  const named = networks.filter(
    (network) =>
      words.includes(network.bridge) || words.includes(network.subnet) || words.includes(`${network.bridge}+`),
  );
  return named.length > 0 ? named : 'chains';
}

export interface NetworkSnapshot {
  networks: NetworkMark[];
  links: string[];
  rules: string[];
}

function same(a: NetworkMark, b: NetworkMark): boolean {
  return a.name === b.name && a.bridge === b.bridge && a.subnet === b.subnet;
}

/**
 * The lab host's links' and rules' changes from `before` to `now`, less what networks may keep:
 * a gained bridge or rule of a network that exists now, the chains and jumps; a lost bridge or rule
 * of a network that was removed (and the chains once no network is left). And what a removed
 * network left behind.
 */
export function networkChanges(before: NetworkSnapshot, now: NetworkSnapshot): string[] {
  const removed = before.networks.filter((network) => !now.networks.some((kept) => same(kept, network)));
  const problems: string[] = [];
  for (const link of now.links.filter((link) => !before.links.includes(link))) {
    if (!now.networks.some((network) => network.bridge === link))
      problems.push(`the lab host gained a network device: ${link}`);
  }
  for (const link of before.links.filter((link) => !now.links.includes(link))) {
    if (!removed.some((network) => network.bridge === link))
      problems.push(`the lab host lost a network device: ${link}`);
  }
  const exists = (network: NetworkMark): boolean => now.networks.some((kept) => same(kept, network));
  for (const rule of now.rules.filter((rule) => !before.rules.includes(rule))) {
    const kind = classifyRule(rule, now.networks);
    // A network's rule may appear while every network it names exists.
    if (kind === 'chains' || (Array.isArray(kind) && kind.every(exists))) continue;
    problems.push(`the lab host gained an iptables rule: ${rule}`);
  }
  for (const rule of before.rules.filter((rule) => !now.rules.includes(rule))) {
    const kind = classifyRule(rule, before.networks);
    if (kind === 'chains' && now.networks.length === 0) continue;
    // ... and may go with any network it names.
    if (Array.isArray(kind) && !kind.every(exists)) continue;
    problems.push(`the lab host lost an iptables rule: ${rule}`);
  }
  for (const network of removed) {
    if (now.links.includes(network.bridge))
      problems.push(`network ${network.name} was removed, but its bridge ${network.bridge} is still there`);
    for (const rule of now.rules) {
      const kind = classifyRule(rule, before.networks);
      if (Array.isArray(kind) && kind.some((named) => same(named, network)))
        problems.push(`network ${network.name} was removed, but its rule is still there: ${rule}`);
    }
  }
  return problems;
}

/**
 * The state root's network files that must not outlive their container: a port reservation
 * (ports/<proto>-<ip>-<port>, content the container id) of a container that is not running, and an
 * address (networks/<name>/addresses/<a.b.c.d>) of a container whose entry is gone.
 */
export function staleReservations(stateRoot: string, running: ReadonlySet<string>): string[] {
  const exists = new Set(readDir(join(stateRoot, 'containers')));
  const problems: string[] = [];
  for (const port of readDir(join(stateRoot, 'ports'))) {
    const id = readText(join(stateRoot, 'ports', port))?.trim() ?? '';
    if (!running.has(id))
      problems.push(`port ${port} is still reserved for container ${id.slice(0, 12) || '?'}, which is not running`);
  }
  for (const network of readDir(join(stateRoot, 'networks'))) {
    for (const address of readDir(join(stateRoot, 'networks', network, 'addresses'))) {
      // the container's id is the first line (store.ts adds the allocating run's pid and start time)
      const id =
        readText(join(stateRoot, 'networks', network, 'addresses', address))
          ?.split('\n')[0]
          ?.trim() ?? '';
      if (!exists.has(id))
        problems.push(
          `address ${address} on network ${network} is still allocated to container ${id.slice(0, 12) || '?'}, which was removed`,
        );
    }
  }
  return problems;
}
