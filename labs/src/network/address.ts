// IPv4 addresses as numbers: what IPAM's arithmetic and the subnet checks need. An address is a
// 32-bit unsigned number (network byte order read as written: 172.17.0.1 is 0xac110001); a subnet
// 'a.b.c.d/n' is its first address and a prefix length n, its mask the n high bits.

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** 'a.b.c.d' as a number, or undefined when it is not four decimal bytes. */
export function parseAddress(text: string): number | undefined {
  const match = DOTTED_QUAD.exec(text);
  if (!match) return undefined;
  const bytes = match.slice(1).map(Number);
  if (bytes.some((byte) => byte > 255)) return undefined;
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
}

export function formatAddress(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/** The mask of a prefix length: /24 is 0xffffff00. (A shift by 32 is a shift by 0 in JavaScript.) */
export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export interface Subnet {
  /** The network address (the host bits zero). */
  base: number;
  prefix: number;
}

/** 'a.b.c.d/n' as written (host bits kept: the caller decides whether that is an error). */
export function parseCidr(text: string): { address: number; prefix: number } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseAddress(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === undefined || !/^\d{1,2}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  return prefix > 32 ? undefined : { address, prefix };
}

export function formatSubnet(subnet: Subnet): string {
  return `${formatAddress(subnet.base)}/${subnet.prefix}`;
}

/** Whether two subnets share an address: the shorter prefix's mask maps both to the same network. */
export function overlaps(a: Subnet, b: Subnet): boolean {
  const mask = prefixMask(Math.min(a.prefix, b.prefix));
  return (a.base & mask) >>> 0 === (b.base & mask) >>> 0;
}

export function contains(subnet: Subnet, address: number): boolean {
  const mask = prefixMask(subnet.prefix);
  return (address & mask) >>> 0 === subnet.base;
}

/**
 * docker's rule for a container's MAC (libnetwork's GenerateMACFromIP): 02:42, then the four bytes
 * of its IPv4 address. 02 sets the locally administered bit and leaves the multicast bit clear, so
 * it collides with no vendor's address; being derived from the address, it is unique on the bridge.
 */
export function macFromAddress(address: string): string {
  const value = parseAddress(address) ?? 0;
  const bytes = [0x02, 0x42, value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];
  return bytes.map((byte) => byte.toString(16).padStart(2, '0')).join(':');
}

/**
 * A bridge's own MAC, from its network's id: 06 (locally administered, unicast, like 02) and five
 * bytes of the id. Never a container's: those all begin 02:42 (macFromAddress), also a container
 * that was handed the gateway's address by a half-done IPAM.
 */
export function bridgeMac(networkId: string): string {
  const bytes = [
    0x06,
    ...(networkId.padEnd(10, '0').slice(0, 10).match(/../g) ?? []).map((pair) => parseInt(pair, 16)),
  ];
  return bytes.map((byte) => byte.toString(16).padStart(2, '0')).join(':');
}
