// A container's endpoint on a network: its address there and the names of its links.
import { macFromAddress } from './address.ts';
import type { Endpoint, NetworkRecord } from './types.ts';

/** The host end of a container's veth: docker's `veth` and hex digits, from the id (15 bytes, IFNAMSIZ - 1). */
export function hostLinkName(containerId: string): string {
  return `veth${containerId.slice(0, 11)}`;
}

export function endpointOf(network: NetworkRecord, containerId: string, address: string): Endpoint {
  return {
    network: network.name,
    networkId: network.id,
    bridge: network.bridge,
    hostLink: hostLinkName(containerId),
    address,
    prefix: Number(network.subnet.split('/')[1]),
    gateway: network.gateway,
    mac: macFromAddress(address),
  };
}
