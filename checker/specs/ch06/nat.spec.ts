// Lab ch6-nat: a network's netfilter rules at work, judged by real HTTP between namespaces the
// checker made: a container reaches the upstream server (203.0.113.2, behind the lab host), which sees
// the lab host's address as the source; two containers of one network see each other's real
// addresses; containers of two networks reach neither way. The lab host's FORWARD policy is DROP
// during each check, as on a host with a firewall (or docker): only what the rules accept passes.
import { expect } from 'vitest';
import { expectExitCode } from '../../harness/expect.ts';
import type { LabHost } from '../../harness/labhost.ts';
import type { Mydocker } from '../../harness/mydocker.ts';
import { ANSWER_MS, detachAttached, withForwardDrop, type Attached } from '../../harness/network-containers.ts';
import { httpGet, serveHttp, Upstream, UPSTREAM, type HttpServer } from '../../harness/network.ts';
import { describeLab } from '../../harness/suite.ts';

/** A detached container that sleeps, on `network` (the default one if none). */
function detach(mydocker: Mydocker, name: string, network?: string): Promise<Attached> {
  return detachAttached(mydocker, name, network ? ['--network', network] : []);
}

/**
 * `body` with the lab host's FORWARD policy DROP (the runtime's rules must accept what they need),
 * and everything it made removed afterwards: servers, containers, networks, then the policy.
 */
async function withFirewall(
  host: LabHost,
  mydocker: Mydocker,
  body: (made: { servers: HttpServer[]; containers: string[]; networks: string[] }) => Promise<void>,
): Promise<void> {
  const made = { servers: [] as HttpServer[], containers: [] as string[], networks: [] as string[] };
  await withForwardDrop(host, async () => {
    try {
      await body(made);
    } finally {
      for (const server of made.servers) await server.close();
      if (made.containers.length > 0) await mydocker.run(['rm', '-f', ...made.containers]);
      for (const network of made.networks) await mydocker.run(['network', 'rm', network]);
    }
  });
}

describeLab('ch6-nat', (check) => {
  check(
    "a container reaches the upstream server, which sees the lab host's address as the source",
    { hint: 1 },
    async ({ host, mydocker }) => {
      const upstream = await Upstream.create(host);
      try {
        await withFirewall(host, mydocker, async (made) => {
          const container = await detach(mydocker, 'out');
          made.containers.push('out');
          const answer = await httpGet(host, { pid: container.pid }, `http://${UPSTREAM.address}/`, ANSWER_MS);
          expect(
            answer,
            `GET http://${UPSTREAM.address}/ from the container (${container.endpoint.address}): the upstream has no route to the container's subnet, so it answers only a source it can reach`,
          ).toMatchObject({ ok: true, body: `source=${UPSTREAM.labHostAddress}\n` });
        });
      } finally {
        await upstream.destroy();
      }
    },
  );

  check(
    "two containers of one network see each other's real addresses, not the gateway's",
    { hint: 1 },
    async ({ host, mydocker }) => {
      await withFirewall(host, mydocker, async (made) => {
        const server = await detach(mydocker, 'server');
        made.containers.push('server');
        const client = await detach(mydocker, 'client');
        made.containers.push('client');
        made.servers.push(await serveHttp(host, { pid: server.pid }, 80));
        const answer = await httpGet(host, { pid: client.pid }, `http://${server.endpoint.address}/`, ANSWER_MS);
        expect(
          answer,
          `GET http://${server.endpoint.address}/ from the other container (${client.endpoint.address}); the gateway is ${client.endpoint.gateway}`,
        ).toMatchObject({ ok: true, body: `source=${client.endpoint.address}\n` });
      });
    },
  );

  check(
    'containers of two networks cannot reach each other, either way, and each still reaches the upstream',
    { hint: 2 },
    async ({ host, mydocker }) => {
      const upstream = await Upstream.create(host);
      try {
        await withFirewall(host, mydocker, async (made) => {
          // `network create` sets a network up: the older one's rules are there before the newer one's.
          const running: Attached[] = [];
          for (const network of ['older', 'newer']) {
            expectExitCode(await mydocker.run(['network', 'create', network]), 0);
            made.networks.push(network);
            made.containers.push(`on-${network}`);
            const container = await detach(mydocker, `on-${network}`, network);
            running.push(container);
            made.servers.push(await serveHttp(host, { pid: container.pid }, 80));
          }
          const [older, newer] = running as [Attached, Attached];
          for (const [from, to] of [
            [newer, older],
            [older, newer],
          ] as const) {
            const across = await httpGet(host, { pid: from.pid }, `http://${to.endpoint.address}/`);
            expect(
              across.ok,
              `GET http://${to.endpoint.address}/ (a container of network ${to.endpoint.network}) from one of network ${from.endpoint.network}: ${across.ok ? across.body.trim() : across.error}`,
            ).toBe(false);
            const out = await httpGet(host, { pid: from.pid }, `http://${UPSTREAM.address}/`, ANSWER_MS);
            expect(
              out,
              `GET http://${UPSTREAM.address}/ from the container of network ${from.endpoint.network}`,
            ).toMatchObject({
              ok: true,
              body: `source=${UPSTREAM.labHostAddress}\n`,
            });
          }
        });
      } finally {
        await upstream.destroy();
      }
    },
  );
});
