/** A network as network.json keeps it. */
export interface NetworkRecord {
  id: string; // 64 hex, docker's network id
  name: string; // 'bridge' for the default network
  driver: 'bridge';
  bridge: string; // the bridge device: 'mydocker0' for the default, 'mdbr-' + id.slice(0, 10) otherwise
  subnet: string; // 'a.b.c.d/n', the network address
  gateway: string; // 'a.b.c.d', the bridge's address
  created: string; // RFC 3339
}
/** What a container has on one network (config.json's network.endpoint). */
export interface Endpoint {
  network: string; // its name
  networkId: string;
  bridge: string;
  hostLink: string; // the host end of the veth: 'veth' + container id.slice(0, 11) (15 bytes)
  address: string; // 'a.b.c.d'
  prefix: number;
  gateway: string;
  mac: string; // docker's rule: 02:42 and the four bytes of the address
}
export interface PortBinding {
  // H3 fills these
  hostIp: string; // '0.0.0.0' when none given
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}
export type NetworkMode = 'bridge' | 'none' | 'host' | `container:${string}` | string;
export interface NetworkConfig {
  mode: 'bridge' | 'none' | 'host' | 'container'; // 'bridge' for the default and user networks
  network?: string; // bridge mode: the network's name
  container?: string; // container mode: the other container's id
  endpoint?: Endpoint;
  ports: PortBinding[];
}
