// Chapter 6's container side, without root: --network parsed, each mode's plan (namespaces, enter,
// the network's steps and where they stand), /etc/hosts on a network, the endpoint's names, and
// inspect's NetworkSettings.
import { describe, expect, test } from 'vitest';
import { FakeKernel } from '../../checker/harness/fake-kernel.ts';
import { parseRunArguments } from '../../solutions/src/commands/run-arguments.ts';
import { inspectShape } from '../../solutions/src/commands/inspect.ts';
import { buildPlan, setUpContainer } from '../../solutions/src/container/setup.ts';
import { CLONE_NEWNET } from '../../solutions/src/kernel/constants.ts';
import { explainPlan } from '../../solutions/src/kernel/explain.ts';
import { endpointOf, hostLinkName } from '../../solutions/src/network/endpoint.ts';
import { forgetNameSteps, networkHostsFile, REFRESH_HOSTS } from '../../solutions/src/network/hosts.ts';
import { parseNetworkMode } from '../../solutions/src/network/mode.ts';
import type { NetworkConfig, NetworkRecord } from '../../solutions/src/network/types.ts';
import { hostSide } from '../../solutions/src/network/veth.ts';
import { containerConfig } from '../support/container-config.ts';

const id = 'abcdef0123456789'.repeat(4);
const network: NetworkRecord = {
  id: '9'.repeat(64),
  name: 'lab',
  driver: 'bridge',
  bridge: 'mdbr-9999999999',
  subnet: '10.10.0.0/24',
  gateway: '10.10.0.1',
  created: '2026-12-02T00:00:00.000Z',
};
const endpoint = endpointOf(network, id, '10.10.0.7');
const spec = { hostname: 'box', command: ['true'], env: ['PATH=/bin'] };
const stdio = { stdin: 'null' as const, output: 'inherit' as const, terminal: false };
const noHost = { created: [], ended: [], failed: [] };

describe('--network', () => {
  test.each([
    ['bridge', { mode: 'bridge', network: 'bridge' }],
    ['default', { mode: 'bridge', network: 'bridge' }],
    ['none', { mode: 'none' }],
    ['host', { mode: 'host' }],
    ['container:web', { mode: 'container', container: 'web' }],
    ['lab', { mode: 'bridge', network: 'lab' }],
  ])('%s', (value, request) => {
    expect(parseNetworkMode(value)).toEqual(request);
  });

  test.each(['container:', ''])('%j is refused with one line, 125', (value) => {
    expect(() => parseNetworkMode(value)).toThrow(expect.objectContaining({ exitCode: 125 }));
  });

  test("run's default is docker's: the default network", () => {
    expect(parseRunArguments(['busybox', 'true'])).toMatchObject({ network: 'bridge' });
    expect(parseRunArguments(['--network', 'none', 'busybox', 'true'])).toMatchObject({ network: 'none' });
  });
});

describe('the endpoint', () => {
  test("docker's MAC (02:42 and the address's bytes) and a host end of 15 bytes from the id", () => {
    expect(hostLinkName(id)).toBe('vethabcdef01234');
    expect(hostLinkName(id)).toHaveLength(15);
    expect(endpoint).toEqual({
      network: 'lab',
      networkId: network.id,
      bridge: network.bridge,
      hostLink: 'vethabcdef01234',
      address: '10.10.0.7',
      prefix: 24,
      gateway: '10.10.0.1',
      mac: '02:42:0a:0a:00:07',
    });
  });
});

describe("each mode's plan", () => {
  test('bridge: the host ops at the barrier, the container steps before the hostname, in the kernel order', () => {
    const plan = buildPlan(
      { ...spec, network: { endpoint } },
      { stdio, host: { ...noHost, created: hostSide(endpoint) } },
    );
    expect(plan.namespaces).toContain('net');
    expect(plan.cloneFlags & CLONE_NEWNET).toBe(CLONE_NEWNET);
    expect(plan.enter).toBeUndefined();
    expect(plan.host.created.map((step) => step.op)).toEqual(['veth', 'attach']);
    expect(plan.steps.map((step) => step.op)).toEqual([
      'mount',
      'mount',
      'link-up',
      'addr',
      'link-up',
      'route',
      'sethostname',
      'exec',
    ]);
  });

  test('none: lo up and nothing else', () => {
    const kernel = new FakeKernel();
    setUpContainer(kernel, { ...spec, network: {} });
    expect(kernel.calls.filter((call) => /^(link-up|addr|route)/.test(call))).toEqual(['link-up lo']);
  });

  test('host: no CLONE_NEWNET, no network step, nothing joined', () => {
    const plan = buildPlan(spec, { stdio, host: noHost, sharedNetwork: { enter: [] } });
    expect(plan.namespaces).not.toContain('net');
    expect(plan.cloneFlags & CLONE_NEWNET).toBe(0);
    expect(plan.enter).toBeUndefined();
    expect(plan.steps.some((step) => step.op === 'link-up')).toBe(false);
  });

  test("container:X: the shim joins X's network namespace before clone, which makes none", () => {
    const enter = [{ op: 'setns' as const, path: '/proc/4242/ns/net', nstype: CLONE_NEWNET }];
    const plan = buildPlan(spec, { stdio, host: noHost, sharedNetwork: { enter } });
    expect(plan.namespaces).toEqual(['uts', 'pid', 'mnt', 'ipc']);
    expect(plan.enter).toEqual(enter);
    const explained = explainPlan(plan).split('\n');
    expect(explained.slice(0, 3)).toEqual([
      "shim, before clone: join the other container's",
      '   setns(open("/proc/4242/ns/net"), CLONE_NEWNET)',
      'clone(CLONE_NEWUTS|CLONE_NEWPID|CLONE_NEWNS|CLONE_NEWIPC)',
    ]);
    expect(explained).toContain('container:');
  });

  test("a veth without a network namespace of its own is refused (its peer would be the host's)", () => {
    expect(() =>
      buildPlan(spec, { stdio, host: { ...noHost, created: hostSide(endpoint) }, sharedNetwork: { enter: [] } }),
    ).toThrow(/refusing to run: the veth's peer would be made in the host's network namespace/);
  });

  test('a network step without a network namespace of its own is refused (it would change the host)', () => {
    expect(() => buildPlan({ ...spec, network: {} }, { stdio, host: noHost, sharedNetwork: { enter: [] } })).toThrow(
      /refusing to run: step link-up would change the host, because the container has no net namespace/,
    );
  });
});

describe('/etc/hosts on a network', () => {
  test("its own name at its address instead of 127.0.0.1, then the peers' names", () => {
    const hosts = networkHostsFile('box', endpoint, [{ name: 'api', address: '10.10.0.2' }]).split('\n');
    expect(hosts).toContain('127.0.0.1\tlocalhost');
    expect(hosts).not.toContain('127.0.0.1\tbox');
    expect(hosts.slice(-3)).toEqual(['10.10.0.7\tbox', '10.10.0.2\tapi', '']);
  });

  test('without an endpoint it is chapter 3 file', () => {
    expect(networkHostsFile('box', undefined, [])).toMatch(/^127\.0\.0\.1\tbox$/m);
  });

  test("a named --rm container's shim runs `network refresh-hosts` with the state root, the launcher and only what it needs", () => {
    const [step, ...more] = forgetNameSteps(network, 'api', '/var/lib/x');
    expect(more).toEqual([]);
    expect(step?.op).toBe('run-program');
    const argv = step?.op === 'run-program' ? step.argv : [];
    expect(argv[0]).toBe('MYDOCKER_ROOT=/var/lib/x');
    const program = argv.findIndex((word) => word.startsWith('/'));
    expect(
      argv.slice(0, program).every((word) => /^MYDOCKER_(ROOT|SOURCE)=/.test(word)),
      "its environment: the runtime's variables only, none of the container's",
    ).toBe(true);
    expect(argv.slice(program)).toEqual([process.execPath, process.argv[1], 'network', REFRESH_HOSTS, network.id]);
  });

  test('nothing to forget for a container without a name, or on the default network (which resolves none)', () => {
    expect(forgetNameSteps(network, undefined, '/var/lib/x')).toEqual([]);
    expect(forgetNameSteps({ ...network, name: 'bridge' }, 'api', '/var/lib/x')).toEqual([]);
  });
});

describe("inspect's NetworkSettings", () => {
  const shape = (network: NetworkConfig | undefined) =>
    inspectShape({ ...containerConfig(id, network && { network }), status: 'exited' });

  test('the default network: its entry, and the top-level fields docker fills for it', () => {
    const onDefault = { ...endpoint, network: 'bridge' };
    const settings = shape({ mode: 'bridge', network: 'bridge', endpoint: onDefault, ports: [] }).NetworkSettings;
    expect(settings).toMatchObject({
      IPAddress: '10.10.0.7',
      IPPrefixLen: 24,
      Gateway: '10.10.0.1',
      MacAddress: '02:42:0a:0a:00:07',
    });
    expect(settings.Networks).toEqual({
      bridge: {
        NetworkID: network.id,
        EndpointID: '',
        Gateway: '10.10.0.1',
        IPAddress: '10.10.0.7',
        IPPrefixLen: 24,
        MacAddress: '02:42:0a:0a:00:07',
      },
    });
  });

  test("a user network: only its entry (docker's top-level fields are for the default network)", () => {
    const result = shape({ mode: 'bridge', network: 'lab', endpoint, ports: [] });
    expect(result.NetworkSettings.IPAddress).toBe('');
    expect(Object.keys(result.NetworkSettings.Networks)).toEqual(['lab']);
    expect(result.HostConfig.NetworkMode).toBe('lab');
  });

  test('none, host (their ids) and container:X, and published ports in docker shape', () => {
    // Their entries name the pre-defined networks by the ids `network ls` shows, with no address.
    expect(shape({ mode: 'none', ports: [] }).NetworkSettings.Networks).toEqual({
      none: {
        NetworkID: '95e604707b6d709b9629ec23c297ff7b3b565677c5e21e285576e3d310b5ed16',
        EndpointID: '',
        Gateway: '',
        IPAddress: '',
        IPPrefixLen: 0,
        MacAddress: '',
      },
    });
    expect(shape({ mode: 'host', ports: [] }).NetworkSettings.Networks.host).toMatchObject({
      NetworkID: '1ec41dc16488e9cbee4a42bb65e2df0b3ff8ad4a164049f64cf9ce378384d9b3',
      IPAddress: '',
    });
    const shared = shape({ mode: 'container', container: 'f'.repeat(64), ports: [] });
    expect(shared.NetworkSettings.Networks).toEqual({});
    expect(shared.HostConfig.NetworkMode).toBe(`container:${'f'.repeat(64)}`);
    const ports = [{ hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, protocol: 'tcp' as const }];
    expect(shape({ mode: 'bridge', network: 'lab', endpoint, ports }).NetworkSettings.Ports).toEqual({
      '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }],
    });
  });
});
