// docker's networks that are not bridges, `host` and `none`: dockerd lists them always, beside
// `bridge`, though there is nothing of theirs to make. They are modes of --network (mode.ts): `host`
// is the host's own network namespace, `none` a namespace with only lo. So they have no record on
// disk and nothing in the kernel; `network ls` and `inspect` show them, and `create` and `rm` refuse
// their names (store.ts). Their ids are fixed, so that every command and every state root shows the
// same (docker's are random, made once per daemon): sha256 of "mydocker predefined network NAME".

import { DEFAULT_NETWORK, type NetworkRequest } from './mode.ts';
import type { NetworkRecord } from './types.ts';

/** A pre-defined network as `network ls` and `inspect` show it. */
export interface PredefinedNetwork {
  id: string;
  name: 'host' | 'none';
  /** docker's drivers: `host`, and `null` for none. */
  driver: 'host' | 'null';
}

export const PREDEFINED_NETWORKS: readonly PredefinedNetwork[] = [
  { id: '1ec41dc16488e9cbee4a42bb65e2df0b3ff8ad4a164049f64cf9ce378384d9b3', name: 'host', driver: 'host' },
  { id: '95e604707b6d709b9629ec23c297ff7b3b565677c5e21e285576e3d310b5ed16', name: 'none', driver: 'null' },
];

/**
 * The pre-defined network `reference` names: by name, full id, or a prefix of the id that only it
 * has among them and `others` (the networks on disk), as docker looks networks up.
 */
export function findPredefined(
  reference: string,
  others: readonly { id: string }[] = [],
): PredefinedNetwork | undefined {
  const exact = PREDEFINED_NETWORKS.find((network) => network.name === reference || network.id === reference);
  if (exact || !/^[0-9a-f]+$/.test(reference)) return exact;
  const matches = [...PREDEFINED_NETWORKS, ...others].filter((network) => network.id.startsWith(reference));
  return matches.length === 1 ? PREDEFINED_NETWORKS.find((network) => network === matches[0]) : undefined;
}

/**
 * `--network ID`, where ID is host's or none's id (or a prefix only it has): that mode, as docker
 * takes a network by its id. A network on disk with that very name or id is the one meant.
 */
export function predefinedByReference(request: NetworkRequest, onDisk: () => readonly NetworkRecord[]): NetworkRequest {
  if (request.mode !== 'bridge' || request.network === DEFAULT_NETWORK || !/^[0-9a-f]+$/.test(request.network))
    return request;
  const networks = onDisk();
  if (networks.some((network) => network.name === request.network || network.id === request.network)) return request;
  const predefined = findPredefined(request.network, networks);
  return predefined ? { mode: predefined.name } : request;
}
