// What a container's end and its removal give back of its network. The state store calls these
// (state/store.ts: remove, and reconcile's actions when a shim died without doing its `ended` ops),
// so they are idempotent: the shim may have done part of it already, or a killed command half of it.
//
// An address is kept from `run` until the entry goes (a restarted container keeps its address, as
// its /etc/hosts says): containerEnded gives back what only a running container needs, and
// containerRemoved the rest.
import type { ContainerConfig } from '../state/store.ts';
import { refreshNetworkHosts } from './hosts.ts';
import { unpublishPorts } from './ports.ts';
import { NetworkStore } from './store.ts';
import type { NetworkConfig } from './types.ts';

/** config.json with its network (absent in entries made before chapter 6, and with --network none). */
type Networked = ContainerConfig & { network?: NetworkConfig };

/** The container ended (its shim's `ended` ops did this already when it could; idempotent). */
export function containerEnded(root: string, config: ContainerConfig): void {
  // Its published ports: what is left of its rules (found by their comment) and its reservations.
  unpublishPorts(root, config as Networked);
}

/** The container's entry is being removed: containerEnded, then its addresses are released. */
export function containerRemoved(root: string, config: ContainerConfig): void {
  containerEnded(root, config);
  const endpoint = (config as Networked).network?.endpoint;
  if (endpoint) {
    const store = new NetworkStore(root);
    // By the name it had: the record cannot go while this container holds an address on it.
    const network = store.find(endpoint.network);
    if (network?.id === endpoint.networkId) {
      store.release(network, config.id);
      // Its name goes from its peers' /etc/hosts (a user network's): written again from who is left.
      refreshNetworkHosts(store, network, root);
    }
  }
}
