// CVE-2020-8558, kube-proxy's: route_localnet=1 on a bridge (iptables.ts sets it, so that the host's
// own connections to a port published on 127.0.0.1 can be DNATed out through it) also stops the
// kernel treating 127.0.0.0/8 as martian when a packet ARRIVES on that bridge. A container then
// reaches the host's loopback-only services (a database on 127.0.0.1:5432, a debug port) by routing
// to 127.0.0.1 through its gateway:
//
//   container 172.18.0.2 --[dst 127.0.0.1:5432]--> mdbr-x (route_localnet=1) --> INPUT --> the host's
//                         `ip route add 127.0.0.1 via 172.18.0.1`                       postgres
//
// The fix is kube-proxy's (and the kernel's default for every other link): drop what comes in from
// the bridge for 127.0.0.0/8, unless conntrack knows it as a reply or a DNAT. The host's own
// connections through the bridge are its replies (ESTABLISHED: de-NATed back to 127.0.0.1 before
// INPUT), so they pass. docker drops the same at raw PREROUTING, per published port.
import { CHAINS, rule, type Rule } from './rules.ts';
import type { NetworkRecord } from './types.ts';

/** One rule per network, naming its bridge: it goes with the network (`network rm`). */
export function loopbackGuard(network: NetworkRecord): Rule[] {
  return [
    rule(
      'filter',
      CHAINS.input,
      `-d 127.0.0.0/8 -i ${network.bridge} -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`,
    ),
  ];
}
