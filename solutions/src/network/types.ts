// The records of chapter 6's networks, one source for every part that reads or writes them: the
// network store (network.json), the run plan (config.json's `network`), inspect and the rules.

/** A network as network.json keeps it. */
export interface NetworkRecord {
  /** 64 hex, docker's network id. */
  id: string;
  /** 'bridge' for the default network. */
  name: string;
  driver: 'bridge';
  /** The bridge device: 'mydocker0' for the default, 'mdbr-' + id.slice(0, 10) otherwise. */
  bridge: string;
  /** 'a.b.c.d/n', the network address. */
  subnet: string;
  /** 'a.b.c.d', the bridge's address. */
  gateway: string;
  /** RFC 3339. */
  created: string;
}

/** What a container has on one network (config.json's network.endpoint). */
export interface Endpoint {
  /** Its name. */
  network: string;
  networkId: string;
  bridge: string;
  /** The host end of the veth: 'veth' + container id.slice(0, 11) (15 bytes, IFNAMSIZ - 1). */
  hostLink: string;
  /** 'a.b.c.d'. */
  address: string;
  prefix: number;
  gateway: string;
  /** docker's rule: 02:42 and the four bytes of the address. */
  mac: string;
}

/** One -p flag. */
export interface PortBinding {
  /** '0.0.0.0' when none given. */
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

export type NetworkMode = 'bridge' | 'none' | 'host' | `container:${string}` | string;

export interface NetworkConfig {
  /** 'bridge' for the default and user networks. */
  mode: 'bridge' | 'none' | 'host' | 'container';
  /** Bridge mode: the network's name. */
  network?: string;
  /** Container mode: the other container's id. */
  container?: string;
  endpoint?: Endpoint;
  ports: PortBinding[];
}
