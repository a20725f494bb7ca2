// Lab ch6-bridge: the network's bridge, a virtual switch in the host's network namespace. Each
// container's veth end becomes one of its ports; the bridge's own address is the network's gateway,
// the containers' way out and the host's way in.
//
// Task: make `bridgeCommands` return the iproute2 commands (ip-link(8), ip-address(8)) that make the
// network's bridge: the device, the gateway's address with the subnet's prefix, the device up. The
// runtime runs them once per network, under the networks' lock, the first time a container needs
// the network in this boot and network namespace (network/ensure.ts); never on a container's start.
import type { NetworkRecord } from './types.ts';

/** One command: argv, run without a shell. */
export type Command = readonly string[];

export function bridgeCommands(network: NetworkRecord): Command[] {
  // TODO: the commands that make network.bridge, give it network.gateway with the prefix of
  // network.subnet, and bring it up. Why the subnet's prefix and not /32: which route would the lab
  // host have to 172.17.0.2 then (`ip route get 172.17.0.2`)? And what does a bridge that is down
  // forward? And which MAC does a bridge have when nobody gives it one, once ports come and go (`ip
  // -br link` after each container)? Until it returns them, no bridge exists, and the containers'
  // veths have nothing to join.
  void network;
  return [];
}
