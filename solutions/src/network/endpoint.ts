// A container's endpoint on a network: its address there and the names of its links.
import type { Endpoint, NetworkRecord } from './types.ts';

/** The host end of a container's veth: docker's `veth` and hex digits, from the id (15 bytes, IFNAMSIZ - 1). */
export function hostLinkName(containerId: string): string {
  return `veth${containerId.slice(0, 11)}`;
}

/**
 * docker's rule for a container's MAC (libnetwork's GenerateMACFromIP): 02:42, then the four bytes of
 * its IPv4 address: locally administered, not multicast, and unique on the bridge as the address is.
 */
export function macOf(address: string): string {
  const bytes = [0x02, 0x42, ...address.split('.').map(Number)];
  return bytes.map((byte) => byte.toString(16).padStart(2, '0')).join(':');
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
    mac: macOf(address),
  };
}
