// Placeholder until w/netfilter (H3) is merged: H3's network/iptables.ts replaces this file whole.
import type { NetworkRecord } from './types.ts';

/** The network's netfilter rules (H3): none yet. */
export function setUpNetworkRules(network: NetworkRecord): void {
  void network;
}
