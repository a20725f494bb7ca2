// Lab ch6-ipam: IP address management, the choice of a container's address on its network.
//
// Task: make `nextAddress` return the address to give the next container on a network: the first
// free one after the address handed out last (docker's serial allocation: a released address is not
// handed out again at once, so what still points at the container that left, a peer's connection or
// a name it resolved, does not reach a new one), wrapping
// round to the start of the subnet after its end; `undefined` when none is free. Three addresses of
// a subnet are never a container's: the network address (all host bits 0) names the subnet itself,
// the broadcast address (all host bits 1) reaches every host on it (ip-address(8): `brd +`), and the
// gateway is the bridge's own. Any prefix from /8 to /30 (a /30 has 4 addresses: network, gateway,
// one container, broadcast).
import { formatAddress, parseCidr, prefixMask } from './address.ts';

/**
 * The next free address of `subnet` ('a.b.c.d/n') after `last` (none yet: from the start), given
 * the `taken` ones and the `gateway`; undefined when the subnet is full.
 */
export function nextAddress(
  subnet: string,
  gateway: string,
  taken: ReadonlySet<string>,
  last?: string,
): string | undefined {
  const cidr = parseCidr(subnet)!;
  // TODO: this counts from the subnet's address as written. Which address has all host bits 0, and
  // why can no container have it? (prefixMask(cidr.prefix) gives the mask.) And all host bits 1?
  // TODO: the gateway is the bridge's own address: what happens to the first container if it gets it?
  // TODO: docker goes on after `last` and wraps round: why not hand out the lowest free one, the one
  // a container released a moment ago? (Think of a peer still connected to the container that left.)
  void gateway;
  void last;
  for (let value = cidr.address; value <= (cidr.address | ~prefixMask(cidr.prefix)) >>> 0; value++) {
    const candidate = formatAddress(value);
    if (!taken.has(candidate)) return candidate;
  }
  return undefined;
}
