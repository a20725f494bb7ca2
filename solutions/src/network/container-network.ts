// The network part of a container's plan, for each mode of `--network` (docker's):
//   bridge (the default network, or a user network): a network namespace of its own, a veth pair, an
//     address from the network's IPAM (host ops veth + attach, container ops lo/eth0 up, addr, route);
//   none: a network namespace of its own with only lo, up;
//   host: no network namespace of its own (no CLONE_NEWNET): the host's links, the host's /etc/hosts;
//   container:X: no namespace of its own either: the shim joins X's (setns, before clone), so the
//     container has X's eth0 and address, and X's /etc/hosts and resolv.conf.
import { readFileSync } from 'node:fs';
import { CommandError, UsageError } from '../errors.ts';
import { CLONE_NEWNET } from '../kernel/constants.ts';
import type { EnterStep } from '../kernel/plan.ts';
import { containerLayout } from '../rootfs/layout.ts';
import type { StateStore } from '../state/store.ts';
import type { NetworkRequest } from './mode.ts';
import type { NetworkStore } from './store.ts';
import type { NetworkConfig, NetworkRecord } from './types.ts';

export interface ContainerNetwork {
  config: NetworkConfig;
  /** Bridge mode: the network joined. */
  network?: NetworkRecord;
  /** host and container:X share a namespace: the plan has no CLONE_NEWNET. */
  ownNamespace: boolean;
  /** container:X: the shim joins X's network namespace before clone. */
  enter: EnterStep[];
  /** host and container:X: /etc/hosts and resolv.conf are copies of these files, as they are. */
  etcFrom?: { hosts: string; resolvConf: string };
}

/** Looks up what the request names (the network, the other container) and refuses what cannot be. */
export function resolveNetwork(
  request: NetworkRequest,
  stores: { networks: () => NetworkStore; containers: StateStore },
): ContainerNetwork {
  switch (request.mode) {
    case 'none':
      return { config: { mode: 'none', ports: [] }, ownNamespace: true, enter: [] };
    case 'host':
      return {
        config: { mode: 'host', ports: [] },
        ownNamespace: false,
        enter: [],
        etcFrom: { hosts: '/etc/hosts', resolvConf: '/etc/resolv.conf' },
      };
    case 'container':
      return joinContainer(request.container, stores.containers);
    case 'bridge': {
      const networks = stores.networks();
      let network: NetworkRecord;
      try {
        network = request.network === 'bridge' ? networks.defaultNetwork() : networks.get(request.network);
      } catch (error) {
        // docker's words, and run's exit code for bad input (125) rather than a command's (1)
        if (error instanceof CommandError) throw new UsageError(error.message);
        throw error;
      }
      return { config: { mode: 'bridge', network: network.name, ports: [] }, network, ownNamespace: true, enter: [] };
    }
  }
}

function joinContainer(reference: string, containers: StateStore): ContainerNetwork {
  let other;
  try {
    other = containers.resolve(reference);
  } catch (error) {
    if (error instanceof CommandError) throw new UsageError(error.message);
    throw error;
  }
  if (other.status !== 'running' || other.pid === undefined) {
    throw new UsageError(`cannot join network of a non running container: ${other.name ?? other.id}`);
  }
  const etc = containerLayout(containers.root, other.id).etc;
  return {
    config: { mode: 'container', container: other.id, ports: [] },
    ownNamespace: false,
    // setns(2) with CLONE_NEWNET moves the shim itself; the child clone() makes then inherits it
    enter: [{ op: 'setns', path: `/proc/${other.pid}/ns/net`, nstype: CLONE_NEWNET }],
    ...(other.image !== 'host' && { etcFrom: { hosts: etc.hosts, resolvConf: etc.resolvConf } }),
  };
}

/** A file to copy into the container's /etc; empty when unreadable. */
export function readEtcSource(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
