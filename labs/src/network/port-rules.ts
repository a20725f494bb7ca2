// Lab ch6-ports: a published port's netfilter rules. `-p 8080:80` makes the container's port 80
// reachable on port 8080 of every address of the host: from another machine, from the host itself
// (its own address and 127.0.0.1), and from the container itself through the host's address
// (hairpin). No process listens on 8080: the kernel rewrites the destination (DNAT) and forwards.
//
// The runtime puts the DNAT in nat MYDOCKER, the rest in MYDOCKER-POSTROUTING and MYDOCKER-FORWARD
// (network/rules.ts, iptables.ts); it adds `-m comment --comment mydocker-<id12>` to each rule of
// a container, so that they all go with it. A rule is written as `iptables-save` prints it:
// `rule('nat', CHAINS.dnat, '-p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80')`.
import { CHAINS, rule, type Rule } from './rules.ts';
import type { Endpoint, PortBinding } from './types.ts';

/** The jumps into MYDOCKER, made once with the network's rules. */
export function dnatJumps(): Rule[] {
  void CHAINS;
  void rule;
  // TODO: which hooks do a packet from the upstream and a packet from `curl` on the lab host pass
  // first? Both need a jump into MYDOCKER. Why only for destinations that are the host's own
  // (`-m addrtype --dst-type LOCAL`)? Try without it, then reach port 8080 of another machine.
  return [];
}

/** One binding's rules, for the container at `endpoint`. */
export function bindingRules(binding: PortBinding, endpoint: Endpoint): Rule[] {
  void binding;
  void endpoint;
  // TODO: the DNAT in MYDOCKER (from any interface: why does the container's own bridge matter?).
  // TODO: why does the container reaching itself through the host's address hang without a
  // MASQUERADE of that traffic? And why does 127.0.0.1 as a source need one too?
  // TODO: with the lab host's FORWARD policy DROP, what lets a new connection in to this port?
  return [];
}
