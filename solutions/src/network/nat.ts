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
  const bridge = network.bridge;
  return [
    // SOLUTION: NAT out. A packet from the subnet that leaves through any interface but the bridge
    // gets the address of that interface as its source (MASQUERADE: the address it has now, so a
    // DHCP renewal needs no rule change); conntrack rewrites the replies back. `! -o bridge` keeps
    // the traffic between two containers of the network (bridged, yet seen by POSTROUTING once
    // br_netfilter is on) with its real source: without it they see each other as the gateway.
    rule('nat', CHAINS.postrouting, `-s ${network.subnet} ! -o ${bridge} -j MASQUERADE`),
    // SOLUTION: isolation, both ways, from every other network. First in the chain: the first rule
    // that matches decides, and an earlier network's `-i B ! -o B -j ACCEPT` would let it pass.
    ...others.flatMap((other) => [
      rule('filter', CHAINS.forward, `-i ${bridge} -o ${other.bridge} -j DROP`, 'first'),
      rule('filter', CHAINS.forward, `-i ${other.bridge} -o ${bridge} -j DROP`, 'first'),
    ]),
    // SOLUTION: the accepts: replies into the network (conntrack knows the connections its
    // containers opened), everything out of it, and between its own containers (bridged packets
    // pass FORWARD too when net.bridge.bridge-nf-call-iptables is 1, the default with br_netfilter).
    // New connections from outside come in only to published ports (lab ch6-ports).
    rule('filter', CHAINS.forward, `-o ${bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`),
    rule('filter', CHAINS.forward, `-i ${bridge} ! -o ${bridge} -j ACCEPT`),
    rule('filter', CHAINS.forward, `-i ${bridge} -o ${bridge} -j ACCEPT`),
  ];
}
