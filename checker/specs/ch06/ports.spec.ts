// Lab ch6-ports: `-p 8080:80` at work, judged by real HTTP between namespaces the checker made. The
// container serves on its port 80 (the host's node, in its network namespace); the upstream reaches it
// on the lab host's address, port 8080; so does the lab host itself, there and on 127.0.0.1; so does
// the container, through the lab host's address (hairpin); the lab host's own connections to port 8080
// of another machine still go there. The lab host's FORWARD policy is DROP during each check, as on
// a host with a firewall (or docker). After rm no rule of the container and no reservation is left,
// and the next container can publish the port again. Bad -p: one line, 125, nothing made.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import type { LabHost } from '../../harness/labhost.ts';
import type { Mydocker } from '../../harness/mydocker.ts';
import {
  ANSWER_MS,
  detachAttached,
  IPTABLES,
  withForwardDrop,
  type Attached,
} from '../../harness/network-containers.ts';
import { httpGet, serveHttp, Upstream, UPSTREAM, veths, type HttpServer } from '../../harness/network.ts';
import { describeLab } from '../../harness/suite.ts';
import type { Endpoint } from '../../../solutions/src/network/types.ts';

const LAB_HOST = UPSTREAM.labHostAddress;

interface Published extends Attached {
  server: HttpServer;
}

/** `run -d -p ... busybox sleep`, and an HTTP server on its port 80 (the host's node, in its netns). */
async function publish(mydocker: Mydocker, host: LabHost, name: string, publish: string[]): Promise<Published> {
  const container = await detachAttached(
    mydocker,
    name,
    publish.flatMap((p) => ['-p', p]),
  );
  return { ...container, server: await serveHttp(host, { pid: container.pid }, 80) };
}

/** The lab host with an upstream and a FORWARD policy of DROP around `body`; all it made goes after. */
async function inLab(
  host: LabHost,
  mydocker: Mydocker,
  body: (upstream: Upstream, cleanup: (() => Promise<void>)[]) => Promise<void>,
): Promise<void> {
  const upstream = await Upstream.create(host);
  const cleanup: (() => Promise<void>)[] = [];
  try {
    await withForwardDrop(host, async () => {
      try {
        await body(upstream, cleanup);
      } finally {
        for (const step of cleanup.reverse()) await step();
      }
    });
  } finally {
    await upstream.destroy();
  }
}

/** The published container, removed with its server first (a process in its netns would keep it). */
async function published(
  mydocker: Mydocker,
  host: LabHost,
  cleanup: (() => Promise<void>)[],
  name: string,
  ports = ['8080:80'],
): Promise<Published> {
  const container = await publish(mydocker, host, name, ports);
  cleanup.push(async () => {
    await container.server.close();
    await mydocker.run(['rm', '-f', name]);
  });
  return container;
}

async function labHostRules(host: LabHost): Promise<string[]> {
  return (await host.iptablesRules()).filter((line) => / -A MYDOCKER/.test(line));
}

/**
 * What an attacker with CAP_NET_ADMIN in the container would do, done by the checker from outside (in
 * the container's network namespace only): 127.0.0.1 routed out of eth0 to the gateway instead of to
 * its own lo, and route_localnet=1 on its eth0, so that its kernel sends and accepts such packets.
 */
async function routeLoopbackToGateway(host: LabHost, pid: number, endpoint: Endpoint): Promise<void> {
  const inContainer = (command: string[]) => host.exec(['nsenter', '-n', '-t', String(pid), '--', ...command]);
  // Its own lo gives 127.0.0.1 up (or the lab host's answer, from 127.0.0.1, would come from one of
  // its own addresses: a martian source, fib_validate_source), and with it the local routes that
  // would keep 127.0.0.1 inside. lo may not have it (down, or lab ch1's stub): nothing to give up.
  await inContainer(['ip', 'addr', 'del', '127.0.0.1/8', 'dev', 'lo']);
  for (const command of [
    ['sysctl', '-qw', 'net.ipv4.conf.eth0.route_localnet=1'],
    ['ip', 'route', 'add', '127.0.0.1/32', 'via', endpoint.gateway, 'dev', 'eth0', 'src', endpoint.address],
  ]) {
    const result = await inContainer(command);
    if (result.exitCode !== 0)
      throw new Error(`${command.join(' ')} in the container's network namespace: ${String(result.stderr).trim()}`);
  }
}

function reservations(mydocker: Mydocker): string[] {
  try {
    return readdirSync(join(mydocker.stateRoot, 'ports')).filter((name) => !name.startsWith('.'));
  } catch {
    return [];
  }
}

describeLab('ch6-ports', (check) => {
  check(
    "the upstream reaches the published port on the lab host's address, and the container sees the upstream's address",
    { hint: 1 },
    async ({ host, mydocker }) => {
      await inLab(host, mydocker, async (upstream, cleanup) => {
        await published(mydocker, host, cleanup, 'web');
        const answer = await httpGet(host, upstream, `http://${LAB_HOST}:8080/`, ANSWER_MS);
        expect(
          answer,
          `GET http://${LAB_HOST}:8080/ from the upstream (run -p 8080:80): ${answer.error ?? 'answered'}`,
        ).toMatchObject({
          ok: true,
          body: `source=${UPSTREAM.address}\n`,
        });
      });
    },
  );

  check(
    "the lab host itself reaches the published port on its own address, and its connections to another machine's port 8080 still go there",
    { hint: 1 },
    async ({ host, mydocker }) => {
      await inLab(host, mydocker, async (upstream, cleanup) => {
        const web = await published(mydocker, host, cleanup, 'web');
        const own = await httpGet(host, 'lab-host', `http://${LAB_HOST}:8080/`, ANSWER_MS);
        expect(own, `GET http://${LAB_HOST}:8080/ from the lab host (its own address)`).toMatchObject({ ok: true });
        // No server on the container's side this time: a connection wrongly DNATed to it is refused.
        await web.server.close();
        const other = await serveHttp(host, upstream, 8080, UPSTREAM.address);
        cleanup.push(() => other.close());
        const away = await httpGet(host, 'lab-host', `http://${UPSTREAM.address}:8080/`, ANSWER_MS);
        expect(
          away,
          `GET http://${UPSTREAM.address}:8080/ from the lab host: another machine's port 8080, not the published one`,
        ).toMatchObject({ ok: true, body: `source=${LAB_HOST}\n` });
      });
    },
  );

  check('the lab host reaches the published port on 127.0.0.1', { hint: 2 }, async ({ host, mydocker }) => {
    await inLab(host, mydocker, async (_upstream, cleanup) => {
      const web = await published(mydocker, host, cleanup, 'web');
      const answer = await httpGet(host, 'lab-host', 'http://127.0.0.1:8080/', ANSWER_MS);
      expect(answer, 'GET http://127.0.0.1:8080/ from the lab host').toMatchObject({
        ok: true,
        body: `source=${web.endpoint.gateway}\n`,
      });
    });
  });

  check(
    "CVE-2020-8558: a container that routes 127.0.0.1 through its gateway does not reach the lab host's loopback-only services",
    { hint: 2 },
    async ({ host, mydocker }) => {
      await inLab(host, mydocker, async (_upstream, cleanup) => {
        const web = await published(mydocker, host, cleanup, 'web');
        // A service the lab host keeps to itself, on its loopback only (a database, a debug port).
        const local = await serveHttp(host, 'lab-host', 9999, '127.0.0.1');
        cleanup.push(() => local.close());
        await routeLoopbackToGateway(host, web.pid, web.endpoint);
        const answer = await httpGet(host, { pid: web.pid }, 'http://127.0.0.1:9999/');
        expect(
          answer,
          "GET http://127.0.0.1:9999/ from the container, routed through its gateway to the lab host's loopback (route_localnet=1 on the bridge lets it in unless a rule drops it: network/loopback-guard.ts)",
        ).toMatchObject({ ok: false });
        // The packets came and were dropped by the guard, not lost on the way: its counter moved.
        const counted = await host.exec([IPTABLES, '-w', '-t', 'filter', '-L', 'MYDOCKER-INPUT', '-v', '-x', '-n']);
        const drops = String(counted.stdout)
          .split('\n')
          .filter((line) => /\bDROP\b/.test(line) && line.includes('127.0.0.0/8') && line.includes(web.endpoint.bridge))
          .map((line) => Number(line.trim().split(/\s+/)[0]));
        expect(drops, `${IPTABLES} -L MYDOCKER-INPUT -v in the lab host:\n${String(counted.stdout)}`).toHaveLength(1);
        expect(drops[0], `packets the guard dropped:\n${String(counted.stdout)}`).toBeGreaterThan(0);
      });
    },
  );

  check(
    "hairpin: the container reaches its own published port through the lab host's address",
    { hint: 2 },
    async ({ host, mydocker }) => {
      await inLab(host, mydocker, async (_upstream, cleanup) => {
        const web = await published(mydocker, host, cleanup, 'web');
        const answer = await httpGet(host, { pid: web.pid }, `http://${LAB_HOST}:8080/`, ANSWER_MS);
        expect(answer, `GET http://${LAB_HOST}:8080/ from the container that publishes it`).toMatchObject({
          ok: true,
          body: `source=${web.endpoint.gateway}\n`,
        });
      });
    },
  );

  check(
    'after rm no rule of the container and no reservation is left, and the next container publishes the port again',
    { hint: 3 },
    async ({ host, mydocker }) => {
      await inLab(host, mydocker, async (upstream, cleanup) => {
        const before = await labHostRules(host);
        const first = await publish(mydocker, host, 'first', ['8080:80', '127.0.0.1:8081:80/udp']);
        await first.server.close();
        expect(reservations(mydocker).sort(), 'the reservations (state root ports/) while it runs').toEqual([
          'tcp-0.0.0.0-8080',
          'udp-127.0.0.1-8081',
        ]);
        expectExitCode(await mydocker.run(['rm', '-f', 'first']), 0);
        const gained = (await labHostRules(host)).filter(
          (line) => !before.includes(line) && /first|--dport|DNAT/.test(line),
        );
        expect(gained, "the lab host's rules of the removed container").toEqual([]);
        expect(reservations(mydocker), 'the reservations after rm').toEqual([]);
        const second = await published(mydocker, host, cleanup, 'second');
        const answer = await httpGet(host, upstream, `http://${LAB_HOST}:8080/`, ANSWER_MS);
        expect(
          answer,
          `GET http://${LAB_HOST}:8080/ from the upstream, the port now the next container's`,
        ).toMatchObject({
          ok: true,
          body: `source=${UPSTREAM.address}\n`,
        });
        expect(second.endpoint.address).not.toBe('');
      });
    },
  );

  check(
    "kill -9 of a publishing container's shim: the next command takes its rules and its port away",
    { hint: 3 },
    async ({ host, mydocker }) => {
      await inLab(host, mydocker, async () => {
        const before = await labHostRules(host);
        const victim = await publish(mydocker, host, 'victim', ['8080:80']);
        await victim.server.close();
        try {
          // Its ended ops never run: the shim is gone, and its container with it.
          await mydocker.crash(victim.id);
          const ps = await mydocker.run(['ps', '-a']);
          expectExitCode(ps, 0);
          // The network's own rules came with its first container and stay; the container's name its
          // id (their comment) or its port.
          const gained = (await labHostRules(host)).filter(
            (line) => !before.includes(line) && (line.includes(victim.id.slice(0, 12)) || /--dport|DNAT/.test(line)),
          );
          expect(
            gained,
            `${describeRun(ps)}\nthe lab host's rules of the killed container after the next command`,
          ).toEqual([]);
          expect(reservations(mydocker), 'the reservations after the next command').toEqual([]);
        } finally {
          await mydocker.run(['rm', '-f', 'victim']);
        }
      });
    },
  );

  check("ps shows the published ports docker's way", { hint: 3 }, async ({ host, mydocker }) => {
    await inLab(host, mydocker, async (_upstream, cleanup) => {
      await published(mydocker, host, cleanup, 'web', ['8080:80', '127.0.0.1:5353:53/udp']);
      const ps = await mydocker.run(['ps', '--format', '{{.Names}} {{.Ports}}']);
      expect(ps.stdout, describeRun(ps)).toBe('web 0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp\n');
    });
  });

  check(
    'bad -p, a port published already, a port another program listens on: one line, 125, nothing made',
    { hint: 3 },
    async ({ host, mydocker }) => {
      await inLab(host, mydocker, async (_upstream, cleanup) => {
        const held = await published(mydocker, host, cleanup, 'holder');
        const listener = await serveHttp(host, 'lab-host', 9090);
        cleanup.push(() => listener.close());
        const containers = mydocker.states().length;
        const linksBefore = await veths(host);
        const rulesBefore = await labHostRules(host);
        const cases: [string, RegExp][] = [
          ['99999:80', /^mydocker: invalid argument "99999:80" for "-p, --publish" flag: invalid hostPort: 99999\n$/],
          ['abc', /^mydocker: invalid argument "abc" for "-p, --publish" flag: invalid containerPort: abc\n$/],
          [
            '8080:81',
            new RegExp(
              `^mydocker: Bind for 0\\.0\\.0\\.0:8080 failed: port is already allocated \\(by container ${held.id.slice(0, 12)}\\)\\n$`,
            ),
          ],
          [
            '9090:80',
            /^mydocker: Bind for 0\.0\.0\.0:9090 failed: port is already in use by a program that is not a container .*\n$/,
          ],
        ];
        for (const [spec, message] of cases) {
          const result = await mydocker.run(['run', '-d', '-p', spec, 'busybox', 'sleep', '120']);
          expect(result.exitCode, describeRun(result)).toBe(125);
          expect(result.stderr, describeRun(result)).toMatch(message);
        }
        expect(mydocker.states().length, 'containers after the refused runs').toBe(containers);
        expect(await veths(host), "the lab host's veths after the refused runs").toEqual(linksBefore);
        expect(await labHostRules(host), "the lab host's rules after the refused runs").toEqual(rulesBefore);
        expect(reservations(mydocker), 'the reservations after the refused runs').toEqual(['tcp-0.0.0.0-8080']);
      });
    },
  );
});
