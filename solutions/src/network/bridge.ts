// Lab ch6-bridge: the network's bridge, a virtual switch in the host's network namespace. Each
// container's veth end becomes one of its ports; the bridge's own address is the network's gateway,
// the containers' way out and the host's way in.
//
// Task: make `bridgeCommands` return the iproute2 commands (ip-link(8), ip-address(8)) that make the
// network's bridge: the device, the gateway's address with the subnet's prefix, the device up. The
// runtime runs them once per network, under the networks' lock, the first time a container needs
// the network in this boot and network namespace (network/ensure.ts); never on a container's start.
import { bridgeMac } from './address.ts';
import type { NetworkRecord } from './types.ts';

/** One command: argv, run without a shell. */
export type Command = readonly string[];

export function bridgeCommands(network: NetworkRecord): Command[] {
  // SOLUTION: `type bridge` makes the device (drivers/net/bridge, ip-link(8) "TYPE := bridge");
  // the gateway's address with the subnet's own prefix, so that the kernel adds the connected route
  // to the subnet through the bridge (the host reaches its containers by it; with /32 it would have
  // no route to them); and up, without which the bridge forwards nothing and the gateway answers no
  // ARP request. A bridge comes up with no carrier until a port is up: that is fine. And a MAC of its
  // own: a bridge whose address was never set takes the lowest MAC of its ports and changes it as
  // ports come and go (br_stp_recalculate_bridge_id()), so the gateway's MAC in the containers' ARP
  // caches goes stale when a container leaves, and their packets are lost until the entry ages out
  // (seconds). docker gives its bridge an address for the same reason. bridgeMac never equals a
  // container's MAC (02:42 and its address): a port with the bridge's own MAC would get no frames.
  const prefix = network.subnet.split('/')[1];
  return [
    ['ip', 'link', 'add', 'name', network.bridge, 'address', bridgeMac(network.id), 'type', 'bridge'],
    ['ip', 'address', 'add', `${network.gateway}/${prefix}`, 'dev', network.bridge],
    ['ip', 'link', 'set', 'dev', network.bridge, 'up'],
  ];
}
