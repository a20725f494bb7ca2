// Lab ch6-nat: a network's netfilter rules. Its containers reach beyond the machine with the
// machine's address as their source (MASQUERADE), they do not reach the containers of another
// network (isolation), and a host whose FORWARD policy is DROP (docker sets it so; a firewall does)
// still forwards their traffic (the accepts).
//
// The runtime puts these rules in its own chains (network/rules.ts, iptables.ts: nat
// MYDOCKER-POSTROUTING, jumped from POSTROUTING; filter MYDOCKER-FORWARD, jumped from FORWARD), once
// per network, when the network is first used in this network namespace. A rule is written as
// `iptables-save` prints it: `rule('nat', CHAINS.postrouting, '-s 10.0.0.0/8 -j MASQUERADE')`;
// `'first'` as a fourth argument inserts it at the top of its chain instead of appending it.
import { CHAINS, rule, type Rule } from './rules.ts';
import type { NetworkRecord } from './types.ts';

/**
 * The rules of `network`, given the networks that exist besides it (`others`, whose own rules are
 * there already): NAT out, isolation from each of the others, and the accepts.
 */
export function networkRules(network: NetworkRecord, others: readonly NetworkRecord[]): Rule[] {
  void CHAINS;
  void rule;
  void network;
  void others;
  // TODO: NAT out. A container's packet reaches the upstream with 172.17.0.2 as its source: why does
  // its reply never come back? Which rule, in which chain, rewrites the source, and for packets
  // leaving through which interfaces (not the bridge: why)?
  // TODO: isolation. Why must a DROP between two networks be the first rule of MYDOCKER-FORWARD?
  // TODO: the accepts. With `iptables -P FORWARD DROP` on the lab host, which packets of a
  // container's connection to the upstream are dropped, the replies included?
  return [];
}
