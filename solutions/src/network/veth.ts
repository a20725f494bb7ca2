// Lab ch6-veth: a veth pair gives the container its network. One end stays on the host and becomes a
// port of the network's bridge; the other is made in the container's network namespace as eth0, and
// the container gives it its address, brings it and lo up, and routes everything else via the bridge.
//
// Task: write both halves. `hostSide` returns the host ops the shim runs while the container waits at
// its barrier (the pair, then its host end onto the bridge); `configureInterfaces` records the
// container's own steps, in its network namespace before exec: lo up, and with an endpoint eth0's
// address, eth0 up, the default route via the gateway, in an order the kernel accepts.
import type { Kernel } from '../kernel/kernel.ts';
import type { HostStep } from '../kernel/plan.ts';
import type { Endpoint } from './types.ts';

/** The name of the container's end, in its own namespace: docker's. */
export const CONTAINER_LINK = 'eth0';

/** The host's half of the container's network, for `created` (the container's pid is known then). */
export function hostSide(endpoint: Endpoint): HostStep[] {
  // SOLUTION: the pair first, its peer made directly in the container's network namespace as eth0
  // (the shim gives it IFLA_NET_NS_PID = the container's pid) with docker's MAC; then the host end
  // becomes a port of the bridge (IFLA_MASTER) and up. A veth's two ends go together: an end that is
  // down or on no bridge carries nothing, so both ops are needed before the container may run.
  return [
    { op: 'veth', link: endpoint.hostLink, peer: CONTAINER_LINK, mac: endpoint.mac },
    { op: 'attach', link: endpoint.hostLink, bridge: endpoint.bridge },
  ];
}

/** The container's half, in its own network namespace: `endpoint` is absent with `--network none`. */
export function configureInterfaces(kernel: Kernel, endpoint: Endpoint | undefined): void {
  // SOLUTION: a new network namespace has a loopback that is down (net/core/net_namespace.c makes
  // it, nothing raises it): 127.0.0.1 is unreachable until lo is up, with or without a network.
  kernel.linkUp('lo');
  if (!endpoint) return;
  // SOLUTION: the address with the subnet's prefix, not /32: the kernel adds the subnet's route
  // with it (a "proto kernel scope link" route), and that route is what makes the gateway, and every
  // peer on the bridge, reachable from eth0. Then up: the kernel looks the gateway up when the
  // route is added (fib_check_nh) and refuses a gateway no connected route reaches (ENETUNREACH,
  // "Nexthop has invalid gateway"), and a down link's connected route does not count. So the default
  // route comes last.
  kernel.addAddress(CONTAINER_LINK, endpoint.address, endpoint.prefix);
  kernel.linkUp(CONTAINER_LINK);
  kernel.addDefaultRoute(CONTAINER_LINK, endpoint.gateway);
}
