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
import { formatAddress, parseAddress, parseCidr, prefixMask } from './address.ts';

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
  // SOLUTION: the network address is the subnet's address with the host bits cleared; the
  // broadcast address sets them all. The hosts are the addresses strictly between the two.
  const mask = prefixMask(cidr.prefix);
  const network = (cidr.address & mask) >>> 0;
  const broadcast = (network | ~mask) >>> 0;
  const first = network + 1;
  const size = broadcast - first; // the number of host addresses
  // SOLUTION: start after the last one handed out (when it is in this subnet), and wrap: offset i
  // of size counts from there, round the host range, so every host address is tried once.
  const lastValue = last === undefined ? undefined : parseAddress(last);
  const start = lastValue !== undefined && lastValue >= first && lastValue < broadcast ? lastValue + 1 - first : 0;
  for (let i = 0; i < size; i++) {
    const candidate = formatAddress(first + ((start + i) % size));
    if (candidate !== gateway && !taken.has(candidate)) return candidate;
  }
  return undefined;
}
