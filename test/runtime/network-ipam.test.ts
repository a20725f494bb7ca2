// IPAM's lesson function (solutions/src/network/ipam.ts) and the address arithmetic under it
// (network/address.ts), table-driven: serial allocation after the last address, the wrap, and the
// three addresses a container never gets (network, gateway, broadcast), for prefixes /8 to /30.
import { describe, expect, test } from 'vitest';
import { nextAddress } from '../../solutions/src/network/ipam.ts';
import {
  formatAddress,
  macFromAddress,
  overlaps,
  parseAddress,
  parseCidr,
} from '../../solutions/src/network/address.ts';
import { defaultPools, routesOfThisNamespace } from '../../solutions/src/network/store.ts';

/** A set of addresses a.b.c.first .. a.b.c.last. */
function range(prefix: string, first: number, last: number): Set<string> {
  const taken = new Set<string>();
  for (let n = first; n <= last; n++) taken.add(`${prefix}.${n}`);
  return taken;
}

describe('nextAddress', () => {
  const cases: [string, string, string, Set<string>, string | undefined, string | undefined][] = [
    ['a fresh /16: the first after the gateway', '172.17.0.0/16', '172.17.0.1', new Set(), undefined, '172.17.0.2'],
    ['the gateway elsewhere: .1 is free', '10.9.0.0/24', '10.9.0.254', new Set(), undefined, '10.9.0.1'],
    [
      'after the last one handed out',
      '172.17.0.0/16',
      '172.17.0.1',
      new Set(['172.17.0.2']),
      '172.17.0.2',
      '172.17.0.3',
    ],
    [
      'serial: a released address is not handed out again at once',
      '172.17.0.0/16',
      '172.17.0.1',
      new Set(['172.17.0.3']),
      '172.17.0.3',
      '172.17.0.4',
    ],
    ['over a /16 byte boundary', '172.17.0.0/16', '172.17.0.1', new Set(), '172.17.0.255', '172.17.1.0'],
    ['the broadcast is skipped: wraps', '10.9.0.0/24', '10.9.0.1', new Set(), '10.9.0.254', '10.9.0.2'],
    [
      'wraps past the network address and the gateway',
      '10.9.0.0/24',
      '10.9.0.1',
      range('10.9.0', 2, 4),
      '10.9.0.254',
      '10.9.0.5',
    ],
    ['a /30 has one address for a container', '10.9.0.0/30', '10.9.0.1', new Set(), undefined, '10.9.0.2'],
    ['a /30, that one taken: full', '10.9.0.0/30', '10.9.0.1', new Set(['10.9.0.2']), '10.9.0.2', undefined],
    [
      'a /30, released: the same address again (the wrap)',
      '10.9.0.0/30',
      '10.9.0.1',
      new Set(),
      '10.9.0.2',
      '10.9.0.2',
    ],
    ['a /24 full but one', '10.9.0.0/24', '10.9.0.1', range('10.9.0', 2, 253), '10.9.0.253', '10.9.0.254'],
    ['a /24 full', '10.9.0.0/24', '10.9.0.1', range('10.9.0', 2, 254), '10.9.0.254', undefined],
    ['a /8 at its end', '10.0.0.0/8', '10.0.0.1', new Set(), '10.255.255.253', '10.255.255.254'],
    ['a /8 wraps', '10.0.0.0/8', '10.0.0.1', new Set(), '10.255.255.254', '10.0.0.2'],
    ['the last one outside the subnet: from the start', '10.9.0.0/24', '10.9.0.1', new Set(), '10.8.0.7', '10.9.0.2'],
    ['a /20 of the 192.168 pools', '192.168.16.0/20', '192.168.16.1', new Set(), '192.168.31.254', '192.168.16.2'],
  ];
  test.each(cases)('%s', (_, subnet, gateway, taken, last, expected) => {
    expect(nextAddress(subnet, gateway, taken, last)).toBe(expected);
  });

  test('every host address of a /27 once, then none: never the network, the gateway or the broadcast', () => {
    const taken = new Set<string>();
    let last: string | undefined;
    for (;;) {
      const address = nextAddress('10.1.2.32/27', '10.1.2.33', taken, last);
      if (address === undefined) break;
      expect(taken.has(address), `${address} twice`).toBe(false);
      taken.add(address);
      last = address;
    }
    expect([...taken].sort()).toEqual([...range('10.1.2', 34, 62)].sort());
  });
});

describe('addresses', () => {
  test('parse and format', () => {
    expect(parseAddress('172.17.0.1')).toBe(0xac110001);
    expect(formatAddress(0xffffffff)).toBe('255.255.255.255');
    for (const bad of ['1.2.3', '1.2.3.256', '1.2.3.4 ', 'a.b.c.d', '01234.1.1.1'])
      expect(parseAddress(bad)).toBeUndefined();
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: 0x0a000000, prefix: 8 });
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/-1', 'x/8'])
      expect(parseCidr(bad)).toBeUndefined();
  });

  test('overlaps: the shorter prefix decides', () => {
    const subnet = (text: string) => {
      const { address, prefix } = parseCidr(text)!;
      return { base: address, prefix };
    };
    expect(overlaps(subnet('172.17.0.0/16'), subnet('172.17.5.0/24'))).toBe(true);
    expect(overlaps(subnet('172.17.5.0/24'), subnet('172.16.0.0/12'))).toBe(true);
    expect(overlaps(subnet('172.17.0.0/16'), subnet('172.18.0.0/16'))).toBe(false);
    expect(overlaps(subnet('192.168.0.0/20'), subnet('192.168.16.0/20'))).toBe(false);
  });

  test("docker's MAC: 02:42 and the address's four bytes", () => {
    expect(macFromAddress('172.17.0.2')).toBe('02:42:ac:11:00:02');
  });

  test("the pools are docker's defaults: 172.17-31/16, then 192.168.0.0/16 in /20s", () => {
    const pools = defaultPools().map(({ base, prefix }) => `${formatAddress(base)}/${prefix}`);
    expect(pools.slice(0, 2)).toEqual(['172.17.0.0/16', '172.18.0.0/16']);
    expect(pools[14]).toBe('172.31.0.0/16');
    expect(pools.slice(15, 17)).toEqual(['192.168.0.0/20', '192.168.16.0/20']);
    expect(pools).toHaveLength(31);
  });

  test('the routes of /proc/self/net/route, the default one left out', () => {
    const table = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth0\t00000000\t0102000A\t0003\t0\t0\t0\t00000000\t0\t0\t0',
      'eth0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
      'br0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
    ].join('\n');
    const routes = routesOfThisNamespace(table).map(
      (route) => `${route.device} ${formatAddress(route.subnet.base)}/${route.subnet.prefix}`,
    );
    expect(routes).toEqual(['eth0 10.0.2.0/24', 'br0 172.17.0.0/16']);
  });
});
