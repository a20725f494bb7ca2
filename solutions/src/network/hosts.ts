// /etc/hosts on a network: the container's own name maps to its address there, and on a user network
// the other containers' names map to theirs. Names resolve through this file rather than an embedded
// DNS server (docker's 127.0.0.11): no process of the runtime's has to outlive the command, and
// busybox's and libc's resolvers read /etc/hosts first anyway. The cost: every peer's file is written
// again when a container joins or leaves the network, in place, because it is bind-mounted into each
// container (a rename would leave the container's mount on the old inode).
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import type { HostStep } from '../kernel/plan.ts';
import { hostsFile } from '../rootfs/etc-files.ts';
import { containerLayout } from '../rootfs/layout.ts';
import { StateStore, type ContainerConfig } from '../state/store.ts';
import type { NetworkStore } from './store.ts';
import type { Endpoint, NetworkRecord } from './types.ts';
import { DEFAULT_NETWORK } from './mode.ts';

/** A peer as its /etc/hosts line names it: its --name, at its address. */
export interface Peer {
  name: string;
  address: string;
}

/**
 * The container's /etc/hosts (lab ch3-etc-files' file), its own name at its address when it has an
 * endpoint (docker's line), then one line per named peer on a user network.
 */
export function networkHostsFile(hostname: string, endpoint: Endpoint | undefined, peers: readonly Peer[]): string {
  const base = hostsFile(hostname);
  if (!endpoint) return base;
  const lines = base
    .split('\n')
    .filter((line) => line !== '' && !(line.startsWith('127.0.0.1') && line.split(/\s+/).slice(1).includes(hostname)));
  lines.push(`${endpoint.address}\t${hostname}`);
  for (const peer of peers) lines.push(`${peer.address}\t${peer.name}`);
  return lines.join('\n') + '\n';
}

/** The network's members that have a config (published) and an endpoint on it. */
function members(netStore: NetworkStore, network: NetworkRecord, states: StateStore): ContainerConfig[] {
  const found: ContainerConfig[] = [];
  for (const id of new Set(netStore.users(network))) {
    try {
      const { config } = states.read(id);
      if (config.network?.endpoint?.network === network.name) found.push(config);
    } catch {
      // not published yet (its run is still making it) or being removed: its own run writes it
    }
  }
  return found;
}

/**
 * Writes every member's /etc/hosts again, from who is on the network now. Under the networks' lock,
 * so two runs joining at once both end in every file. The default network resolves no names (as
 * docker's `bridge`), so there only the container's own file is written, by run.
 */
export function refreshNetworkHosts(netStore: NetworkStore, network: NetworkRecord, root?: string): void {
  if (network.name === DEFAULT_NETWORK) return;
  const states = new StateStore(root);
  netStore.withLock(() => {
    const all = members(netStore, network, states);
    for (const config of all) {
      const peers = all
        .filter((other) => other.id !== config.id && other.name !== undefined)
        .map((other) => ({ name: other.name!, address: other.network!.endpoint!.address }));
      rewriteInPlace(
        containerLayout(states.root, config.id).etc.hosts,
        networkHostsFile(config.hostname, config.network!.endpoint, peers),
      );
    }
  });
}

/**
 * What a --rm container's shim does last when it ended on a user network: its entry and address are
 * gone by then (the state's and the address's `ended` ops), and its name must leave its peers' files.
 * Only the runtime can write them (who is left, under the networks' lock), and no process of the
 * runtime's is left (the command became the shim, or returned at once with -d): the shim runs
 * `mydocker network refresh-hosts` (the launcher, as this command was started, with its tree and
 * state root), and waits for it. A container without a name is in no peer's file: nothing to do.
 */
export function forgetNameSteps(network: NetworkRecord, name: string | undefined, root: string): HostStep[] {
  if (network.name === DEFAULT_NETWORK || name === undefined) return [];
  const source = process.env.MYDOCKER_SOURCE;
  const argv = [
    `MYDOCKER_ROOT=${root}`,
    ...(source ? [`MYDOCKER_SOURCE=${source}`] : []),
    process.execPath,
    process.argv[1]!,
    'network',
    REFRESH_HOSTS,
    network.id,
  ];
  return [{ op: 'run-program', argv }];
}

/** The subcommand for forgetNameSteps (commands/network.ts): not docker's, and not in its usage. */
export const REFRESH_HOSTS = 'refresh-hosts';

/** Same inode, new content: open without O_CREAT (a file gone with its entry stays gone), truncate, write. */
function rewriteInPlace(path: string, content: string): void {
  let fd;
  try {
    fd = openSync(path, 'r+');
  } catch {
    return; // the pseudo-image 'host' has no /etc files; a removed entry has none left
  }
  try {
    ftruncateSync(fd, 0);
    writeSync(fd, content, 0);
  } finally {
    closeSync(fd);
  }
}
