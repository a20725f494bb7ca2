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
  // SOLUTION: packets arriving from outside pass PREROUTING; packets this host makes (curl on the
  // host, to 127.0.0.1 or to its own address) never do: they pass OUTPUT. Both jump only for a
  // destination that is one of this host's addresses (addrtype LOCAL): without it in OUTPUT, every
  // connection the host makes to port 8080 of *any* machine would land in the container.
  return [
    rule('nat', 'PREROUTING', `-m addrtype --dst-type LOCAL -j ${CHAINS.dnat}`),
    rule('nat', 'OUTPUT', `-m addrtype --dst-type LOCAL -j ${CHAINS.dnat}`),
  ];
}

/** One binding's rules, for the container at `endpoint`. */
export function bindingRules(binding: PortBinding, endpoint: Endpoint): Rule[] {
  const { protocol, hostIp, hostPort, containerPort } = binding;
  const { address, bridge } = endpoint;
  const proto = `-p ${protocol} -m ${protocol}`;
  const onHostIp = hostIp === '0.0.0.0' ? '' : `-d ${hostIp}/32`;
  return [
    // SOLUTION: the destination rewritten, for the host port on the address given (0.0.0.0: any of
    // the host's). From any interface, the container's own bridge included: that is the hairpin.
    rule(
      'nat',
      CHAINS.dnat,
      `${onHostIp} ${proto} --dport ${hostPort} -j DNAT --to-destination ${address}:${containerPort}`,
    ),
    // SOLUTION: hairpin. The container connects to the host's address and is DNATed to itself: its
    // reply would go straight to itself (same subnet), from an address it never connected to, and
    // the connection hangs. MASQUERADE makes the gateway the source, so the reply goes back through
    // the host, where conntrack undoes both rewrites.
    rule(
      'nat',
      CHAINS.postrouting,
      `-s ${address}/32 -d ${address}/32 ${proto} --dport ${containerPort} -j MASQUERADE`,
    ),
    // SOLUTION: 127.0.0.1. After the DNAT in OUTPUT the packet still has 127.0.0.1 as its source:
    // the kernel routes such a packet out of a real interface only with route_localnet=1 on it (set
    // on the bridge), and the container would answer its own loopback. MASQUERADE out of the bridge
    // gives it the gateway's address.
    rule(
      'nat',
      CHAINS.postrouting,
      `-s 127.0.0.0/8 -d ${address}/32 -o ${bridge} ${proto} --dport ${containerPort} -j MASQUERADE`,
    ),
    // SOLUTION: new connections from outside the network, into the bridge, to this port only.
    rule(
      'filter',
      CHAINS.forward,
      `-d ${address}/32 ! -i ${bridge} -o ${bridge} ${proto} --dport ${containerPort} -j ACCEPT`,
    ),
  ];
}
