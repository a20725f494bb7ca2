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
  // TODO: the pair (op 'veth': endpoint.hostLink, its peer CONTAINER_LINK made in the container's
  // namespace, endpoint.mac), then its host end onto endpoint.bridge (op 'attach'). Why both before
  // the container may run? What does a veth end that is on no bridge carry?
  void endpoint;
  return [];
}

/** The container's half, in its own network namespace: `endpoint` is absent with `--network none`. */
export function configureInterfaces(kernel: Kernel, endpoint: Endpoint | undefined): void {
  // TODO: lo up, always (try `ping 127.0.0.1` in `unshare -n`: why does it fail?). With an endpoint:
  // eth0's address with endpoint.prefix, eth0 up, the default route via endpoint.gateway. Which order
  // does the kernel accept? Try the route first and read the errno (ENETUNREACH: why, when the gateway is in eth0's subnet?).
  void kernel;
  void endpoint;
}
