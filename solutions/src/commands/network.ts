// `mydocker network create | ls | inspect | rm`: the networks of network/store.ts from the command
// line, with docker's output, words and exit codes (1 for what docker's daemon refuses, 125 for a
// malformed command line).
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { CommandError, UsageError } from '../errors.ts';
import { tabulate } from '../format/table.ts';
import { ensureNetwork } from '../network/ensure.ts';
import { REFRESH_HOSTS, refreshNetworkHosts } from '../network/hosts.ts';
import { removeNetworkRules } from '../network/iptables.ts';
import { findPredefined, PREDEFINED_NETWORKS, type PredefinedNetwork } from '../network/predefined.ts';
import { NetworkStore } from '../network/store.ts';
import type { Endpoint, NetworkRecord } from '../network/types.ts';
import { StateStore, type ContainerState } from '../state/store.ts';
import { flagError } from './flags.ts';

export const NETWORK_USAGE = `Usage: mydocker network COMMAND

Manage networks

Commands:
  create      Create a network
  inspect     Display detailed information on one or more networks
  ls          List networks
  rm          Remove one or more networks

Run 'mydocker network COMMAND --help' for more information on a command.
`;

const CREATE_USAGE = `Usage: mydocker network create [OPTIONS] NETWORK

Create a network

Options:
  -d, --driver string    Driver to manage the Network (default "bridge", the only one)
      --gateway string   IPv4 Gateway for the master subnet
      --subnet string    Subnet in CIDR format that represents a network segment
`;

const LS_USAGE = `Usage: mydocker network ls [OPTIONS]

List networks

Aliases:
  ls, list

Options:
  -q, --quiet   Only display network IDs
`;

const INSPECT_USAGE = `Usage: mydocker network inspect NETWORK [NETWORK...]

Display detailed information on one or more networks
`;

const RM_USAGE = `Usage: mydocker network rm NETWORK [NETWORK...]

Remove one or more networks

Aliases:
  rm, remove
`;

type Subcommand = (args: string[]) => number;

const SUBCOMMANDS: Record<string, Subcommand> = {
  create,
  ls: list,
  list,
  inspect,
  rm: remove,
  remove,
  [REFRESH_HOSTS]: refreshHosts,
};

export function network(args: string[]): number {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(NETWORK_USAGE);
    return 0;
  }
  const subcommand = SUBCOMMANDS[name];
  if (!subcommand) throw new UsageError(`unknown command 'network ${name}' (see 'mydocker network --help')`);
  return subcommand(rest);
}

type Options = Record<string, { type: 'boolean' | 'string'; short?: string }>;

function parse(
  args: string[],
  command: string,
  options: Options = {},
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    }) as { values: Record<string, string | boolean | undefined>; positionals: string[] };
  } catch (error) {
    throw flagError(error, command);
  }
}

function create(args: string[]): number {
  const { values, positionals } = parse(args, 'network create', {
    driver: { type: 'string', short: 'd' },
    subnet: { type: 'string' },
    gateway: { type: 'string' },
  });
  if (values.help) return usage(CREATE_USAGE);
  if (positionals.length !== 1) {
    throw new UsageError(
      `"mydocker network create" requires exactly 1 argument (see 'mydocker network create --help')`,
    );
  }
  const driver = values.driver as string | undefined;
  if (driver !== undefined && driver !== 'bridge') throw new CommandError(`plugin "${driver}" not found`);
  const record = createNetwork(new NetworkStore(), {
    name: positionals[0]!,
    ...(values.subnet !== undefined && { subnet: values.subnet as string }),
    ...(values.gateway !== undefined && { gateway: values.gateway as string }),
  });
  process.stdout.write(`${record.id}\n`);
  return 0;
}

/** A new network, recorded and set up (its bridge and rules), or nothing at all (the daemon's too). */
export function createNetwork(
  store: NetworkStore,
  options: { name: string; subnet?: string; gateway?: string },
): NetworkRecord {
  // The default network first, so that it has the first pool (172.17.0.0/16), as docker's bridge.
  store.defaultNetwork();
  const record = store.create(options);
  try {
    ensureNetwork(store, record); // its bridge and rules, in this network namespace
  } catch (error) {
    // Nothing half-made: the record goes, and what the set-up made as far as it can be taken away
    // (the error that stopped the set-up is the one to report).
    store.remove(record.name, (network) => {
      try {
        tearDown(store)(network);
      } catch {
        // reported below: the set-up's own error
      }
    });
    throw error;
  }
  return record;
}

function list(args: string[]): number {
  const { values, positionals } = parse(args, 'network ls', { quiet: { type: 'boolean', short: 'q' } });
  if (values.help) return usage(LS_USAGE);
  if (positionals.length > 0) {
    throw new UsageError(`"mydocker network ls" accepts no arguments (see 'mydocker network ls --help')`);
  }
  const networks = allNetworks(new NetworkStore());
  if (values.quiet) {
    process.stdout.write(networks.map((network) => `${network.id.slice(0, 12)}\n`).join(''));
    return 0;
  }
  const rows = networks.map((network) => [network.id.slice(0, 12), network.name, network.driver, 'local']);
  process.stdout.write(tabulate([['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'], ...rows]));
  return 0;
}

function inspect(args: string[]): number {
  const { values, positionals } = parse(args, 'network inspect');
  if (values.help) return usage(INSPECT_USAGE);
  if (positionals.length === 0) {
    throw new UsageError(
      `"mydocker network inspect" requires at least 1 argument (see 'mydocker network inspect --help')`,
    );
  }
  const store = new NetworkStore();
  store.defaultNetwork();
  const containers = new StateStore().list();
  const found: object[] = [];
  let failed = false;
  for (const reference of positionals) {
    try {
      found.push(inspectShape(findNetwork(store, reference), containers));
    } catch (error) {
      process.stderr.write(`mydocker: ${(error as Error).message}\n`);
      failed = true;
    }
  }
  process.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
  return failed ? 1 : 0;
}

function remove(args: string[]): number {
  const { values, positionals } = parse(args, 'network rm');
  if (values.help) return usage(RM_USAGE);
  if (positionals.length === 0) {
    throw new UsageError(`"mydocker network rm" requires at least 1 argument (see 'mydocker network rm --help')`);
  }
  const store = new NetworkStore();
  // Its containers reconciled first: one whose --rm entry died with its shim holds nothing any more.
  new StateStore().list();
  let failed = false;
  for (const reference of positionals) {
    try {
      store.remove(reference, tearDown(store));
      process.stdout.write(`${reference}\n`);
    } catch (error) {
      process.stderr.write(`mydocker: ${(error as Error).message}\n`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

/**
 * `network refresh-hosts NETWORK_ID`: a --rm container's shim runs it when the container has ended
 * (network/hosts.ts, forgetNameSteps), so that its name leaves its peers' /etc/hosts. Quiet, and 0
 * when there is nothing to do (the network went meanwhile); by id, so that a network made again
 * under the same name is not touched.
 */
function refreshHosts(args: string[]): number {
  const [id, ...rest] = args;
  if (id === undefined || rest.length > 0) throw new UsageError(`usage: mydocker network ${REFRESH_HOSTS} NETWORK_ID`);
  const store = new NetworkStore();
  const network = store.list().find((candidate) => candidate.id === id);
  if (network) refreshNetworkHosts(store, network, store.root);
  return 0;
}

/**
 * A network as the commands show it: a record of the store's, or host or none, made (as dockerd
 * makes them with its bridge) when the default network was.
 */
export type ListedNetwork = NetworkRecord | (PredefinedNetwork & { created: string });

/** Every network, as dockerd lists them: the store's (the default one made first) and host and none, by name. */
export function allNetworks(store: NetworkStore): ListedNetwork[] {
  const { created } = store.defaultNetwork();
  const predefined = PREDEFINED_NETWORKS.map((network) => ({ ...network, created }));
  return [...store.list(), ...predefined].sort((a, b) => a.name.localeCompare(b.name));
}

/** A network by name, id or unique id prefix, host and none among them; docker's words when none is. */
export function findNetwork(store: NetworkStore, reference: string): ListedNetwork {
  const predefined = findPredefined(reference, store.list());
  return predefined ? { ...predefined, created: store.defaultNetwork().created } : store.get(reference);
}

/** docker's field names and nesting (the Engine API's NetworkResource), for what the store knows. */
export function inspectShape(network: ListedNetwork, containers: readonly ContainerState[]) {
  // host and none: no IPAM configuration, no bridge, and as their containers those run with that
  // --network, which have no address of a network's (docker's empty fields).
  if (!('subnet' in network)) {
    const members = containers.filter((container) => container.network?.mode === network.name);
    return resource(
      network,
      [],
      members.map((container) => [container, undefined]),
      {},
    );
  }
  const attached = containers.flatMap((container) => {
    const endpoint = container.network?.endpoint;
    return endpoint?.networkId === network.id ? [[container, endpoint] as const] : [];
  });
  const config = [{ Subnet: network.subnet, Gateway: network.gateway }];
  return resource(network, config, attached, { 'com.docker.network.bridge.name': network.bridge });
}

/** The fields every network has, the same for bridges and for host and none. */
function resource(
  network: ListedNetwork,
  ipamConfig: { Subnet: string; Gateway: string }[],
  members: readonly (readonly [ContainerState, Endpoint | undefined])[],
  options: Record<string, string>,
) {
  return {
    Name: network.name,
    Id: network.id,
    Created: network.created,
    Scope: 'local',
    Driver: network.driver,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: {}, Config: ipamConfig },
    Internal: false,
    Attachable: false,
    Containers: Object.fromEntries(
      members.map(([container, endpoint]) => [
        container.id,
        {
          Name: container.name ?? '',
          MacAddress: endpoint?.mac ?? '',
          IPv4Address: endpoint ? `${endpoint.address}/${endpoint.prefix}` : '',
          IPv6Address: '',
        },
      ]),
    ),
    Options: options,
    Labels: {},
  };
}

/** What `network rm` takes away in the kernel before the record goes: the rules, then the bridge. */
export function tearDown(store: NetworkStore): (network: NetworkRecord) => void {
  return (network) => {
    // The rules exist only where the network was set up (its `ready` mark: this boot, this netns);
    // removing them anywhere else would touch another namespace's tables.
    if (store.isReady(network)) removeNetworkRules(network);
    deleteBridge(network.bridge);
  };
}

/** `ip link delete`: off any container's start path, so iproute2's fork+exec costs nothing here. */
function deleteBridge(name: string): void {
  const result = spawnSync('ip', ['link', 'delete', 'dev', name, 'type', 'bridge'], { encoding: 'utf8' });
  // Without iproute2 no bridge was ever made (network/ensure.ts makes it with ip).
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return;
  if (result.error) throw new CommandError(`cannot remove the bridge ${name}: ${result.error.message}`);
  if (result.status !== 0 && !/Cannot find device|does not exist/.test(result.stderr)) {
    throw new CommandError(`cannot remove the bridge ${name}: ${result.stderr.trim()}`);
  }
}

function usage(text: string): number {
  process.stdout.write(text);
  return 0;
}
