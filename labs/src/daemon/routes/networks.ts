// /networks/...: list, inspect, create, remove, with chapter 6's store and set-up (commands/network.ts),
// in docker's shapes. A network's own errors that are the request's fault are docker's 400.
import { CommandError, ConflictError, ForbiddenError, NotFoundError } from '../../errors.ts';
import { allNetworks, createNetwork, findNetwork, inspectShape, tearDown } from '../../commands/network.ts';
import { NetworkStore } from '../../network/store.ts';
import { badRequest } from '../api-error.ts';
import type { Engine } from '../engine.ts';
import { sendEmpty, sendJson, type Router } from '../http.ts';

export function networkRoutes(router: Router, engine: Engine): void {
  const networks = (): NetworkStore => {
    const store = new NetworkStore(engine.store.root);
    store.defaultNetwork();
    return store;
  };
  router
    .add('GET', '/networks', (_request, reply) => {
      const containers = engine.store.list();
      // bridge, host and none always, as dockerd lists them, then the user networks
      const all = allNetworks(new NetworkStore(engine.store.root));
      sendJson(
        reply,
        200,
        all.map((network) => inspectShape(network, containers)),
      );
    })
    .add('GET', '/networks/{id}', (request, reply) => {
      sendJson(
        reply,
        200,
        inspectShape(
          asRequestError(() => findNetwork(networks(), request.params.id!)),
          engine.store.list(),
        ),
      );
    })
    .add('POST', '/networks/create', async (request, reply) => {
      const body = (await request.json()) as
        { Name?: unknown; Driver?: unknown; IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] } } | undefined;
      if (typeof body?.Name !== 'string' || body.Name === '')
        throw badRequest('Name is required: the network to create');
      if (body.Driver !== undefined && body.Driver !== '' && body.Driver !== 'bridge')
        throw badRequest(`plugin "${String(body.Driver)}" not found: mydocker's networks are bridges`);
      const config = body.IPAM?.Config?.[0];
      const record = asRequestError(() =>
        createNetwork(new NetworkStore(engine.store.root), {
          name: body.Name as string,
          ...(config?.Subnet && { subnet: config.Subnet }),
          ...(config?.Gateway && { gateway: config.Gateway }),
        }),
      );
      engine.events.emit('network', 'create', record.id, { name: record.name, type: 'bridge' });
      sendJson(reply, 201, { Id: record.id, Warning: '' });
    })
    .add('DELETE', '/networks/{id}', (request, reply) => {
      engine.store.list(); // its containers reconciled first, as `network rm` does
      const store = networks();
      const network = store.find(request.params.id!); // for its event: remove says what is wrong
      asRequestError(() => store.remove(request.params.id!, tearDown(store)));
      if (network) engine.events.emit('network', 'destroy', network.id, { name: network.name, type: 'bridge' });
      sendEmpty(reply, 204);
    });
}

/** The store's CommandErrors, but not-found (404), forbidden (403) and conflicts (409), are the request's: 400. */
function asRequestError<T>(action: () => T): T {
  try {
    return action();
  } catch (error) {
    const ownStatus =
      error instanceof NotFoundError || error instanceof ForbiddenError || error instanceof ConflictError;
    if (error instanceof CommandError && !ownStatus) throw badRequest(error.message);
    throw error;
  }
}
