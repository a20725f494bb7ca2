// docker's networks that are not bridges, `host` and `none`: dockerd lists them always, beside
// `bridge`, though there is nothing of theirs to make. They are modes of --network (mode.ts): `host`
// is the host's own network namespace, `none` a namespace with only lo. So they have no record on
// disk and nothing in the kernel; `network ls` and `inspect` show them, and `create` and `rm` refuse
// their names (store.ts). Their ids are fixed, so that every command and every state root shows the
// same (docker's are random, made once per daemon): sha256 of "mydocker predefined network NAME".

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
