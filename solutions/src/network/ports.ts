// `-p [IP:]HOSTPORT:CONTAINERPORT[/tcp|udp]`: parsing, the host port's reservation, the container's
// rules files and the shim's ops that load and remove them.
//
// A host port belongs to one container at a time: ports/<proto>-<hostip>-<hostport>, content the
// container's id, made by link(2) of a complete temporary file (the name appears only if it did not
// exist). 0.0.0.0 means every address of the host, so it clashes with any address's binding of the
// same port: after its link, a run looks for such a clash and, if it finds one, takes its own back
// (of two racing runs both may lose; never both win). A port that another program listens on is
// refused too: the DNAT would take its traffic away from it.
//
// A reservation goes when its container ends (the shim's `ended` and `failed` ops unlink it, and
// delete the rules), and after a crash with the next command's reconcile (unpublishPorts); one whose
// container no longer runs is reclaimed, under a lock.
import { linkSync, mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RuntimeError, UsageError } from '../errors.ts';
import type { HostStep, HostSteps } from '../kernel/plan.ts';
import { StateStore } from '../state/store.ts';
import { iptablesBackend, removeTagged } from './iptables.ts';
import { withLock } from './lock.ts';
import { bindingRules } from './port-rules.ts';
import { containerTag, restoreInput, tagged, type Rule } from './rules.ts';
import type { Endpoint, NetworkConfig, PortBinding } from './types.ts';

const FLAG = '-p, --publish';

/** The -p flags, parsed; docker's words for what it refuses (UsageError: 125). */
export function parsePublish(specs: readonly string[]): PortBinding[] {
  const bindings = specs.map(parseOne);
  for (const [i, binding] of bindings.entries()) {
    const twice = bindings.slice(0, i).find((earlier) => clashes(earlier, binding));
    if (twice)
      throw new UsageError(
        `Bind for ${formatHost(binding)} failed: port is already allocated (by -p ${specs[bindings.indexOf(twice)]})`,
      );
  }
  return bindings;
}

/**
 * run's -p: parsed, checked against the network mode (docker's rules: an error with container:X,
 * whose network is another container's; discarded with a warning with host and none, where there is
 * nothing to forward to), and a host port chosen for each bare CONTAINERPORT.
 */
export function publishedPorts(root: string, specs: readonly string[], mode: NetworkConfig['mode']): PortBinding[] {
  const bindings = parsePublish(specs);
  if (bindings.length === 0) return [];
  if (mode === 'container')
    throw new UsageError('conflicting options: port publishing and the container type network mode');
  if (mode !== 'bridge') {
    process.stderr.write(`WARNING: Published ports are discarded when using ${mode} network mode\n`);
    return [];
  }
  return chooseHostPorts(root, bindings);
}

function parseOne(spec: string): PortBinding {
  const invalid = (why: string) => new UsageError(`invalid argument "${spec}" for "${FLAG}" flag: ${why}`);
  const [ports = '', protocol = 'tcp', ...rest] = spec.split('/');
  if (rest.length > 0 || (protocol !== 'tcp' && protocol !== 'udp')) throw invalid(`invalid proto: ${protocol}`);
  const parts = ports.split(':');
  if (parts.length > 3) throw invalid(`invalid port format: expected [IP:]HOSTPORT:CONTAINERPORT`);
  const containerPort = parts.at(-1)!;
  const hostPort = parts.length >= 2 ? parts.at(-2)! : '';
  const hostIp = parts.length === 3 ? parts[0]! : '0.0.0.0';
  if (!isIpv4(hostIp)) throw invalid(`invalid IP address: ${hostIp}`);
  if (/-/.test(ports)) throw invalid('port ranges are not supported: publish each port with its own -p');
  const container = port(containerPort);
  if (container === undefined) throw invalid(`invalid containerPort: ${containerPort}`);
  const host = hostPort === '' ? 0 : port(hostPort);
  if (host === undefined) throw invalid(`invalid hostPort: ${hostPort}`);
  // hostPort 0: `-p 80`, or `-p IP::80`: publishPorts picks a free one, as docker does.
  return { hostIp, hostPort: host, containerPort: container, protocol };
}

function port(text: string): number | undefined {
  const value = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  return value >= 1 && value <= 65535 ? value : undefined;
}

function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255);
}

/** Two bindings of one host port clash if their addresses are the same or one is 0.0.0.0 (all). */
function clashes(a: PortBinding, b: PortBinding): boolean {
  return (
    a.hostPort !== 0 &&
    a.protocol === b.protocol &&
    a.hostPort === b.hostPort &&
    (a.hostIp === b.hostIp || a.hostIp === '0.0.0.0' || b.hostIp === '0.0.0.0')
  );
}

function formatHost(binding: PortBinding): string {
  return `${binding.hostIp}:${binding.hostPort}`;
}

/** ports/<proto>-<hostip>-<hostport>, the reservation's name (the design's). */
export function reservationPath(root: string, binding: PortBinding): string {
  return join(root, 'ports', `${binding.protocol}-${binding.hostIp}-${binding.hostPort}`);
}

export function rulesDir(root: string, id: string): string {
  return join(root, 'containers', id, 'rules');
}

/**
 * The design's one call: reserves the ports, writes the rules files into the container's directory
 * (it exists: after store.create) and returns the shim's ops. run.ts does the same in three steps,
 * so that config.json holds the ports chosen and the rules files are in the entry from its birth.
 */
export function publishPorts(root: string, id: string, bindings: PortBinding[], endpoint: Endpoint): HostSteps {
  if (bindings.length === 0) return { created: [], ended: [], failed: [] };
  const chosen = chooseHostPorts(root, bindings);
  const steps = portSteps(root, id, chosen, endpoint);
  writeRulesFiles(join(root, 'containers', id), id, chosen, endpoint);
  reservePorts(root, id, chosen);
  bindings.splice(0, bindings.length, ...chosen);
  return steps;
}

/**
 * `-p 80` (host port 0): the first port of the kernel's ephemeral range (docker's choice too) that
 * nothing holds now. It is reserved with the others, after the entry exists; a run that loses it to
 * another in between is told the port is allocated.
 */
export function chooseHostPorts(root: string, bindings: readonly PortBinding[]): PortBinding[] {
  const chosen: PortBinding[] = [];
  for (const binding of bindings) {
    if (binding.hostPort !== 0) {
      chosen.push(binding);
      continue;
    }
    const range = readText('/proc/sys/net/ipv4/ip_local_port_range')?.trim().split(/\s+/).map(Number) ?? [];
    const [low = 32768, high = 60999] = range;
    let found: PortBinding | undefined;
    for (let candidate = low; candidate <= high && !found; candidate++) {
      const binding2 = { ...binding, hostPort: candidate };
      const free =
        ![...bindings, ...chosen].some((other) => clashes(other, binding2)) &&
        holderOf(reservationPath(root, binding2)) === undefined &&
        otherReservations(root, binding2).length === 0 &&
        listenerOn(binding2) === undefined;
      if (free) found = binding2;
    }
    if (!found)
      throw new RuntimeError(`no free host port for ${binding.containerPort}/${binding.protocol} in ${low}-${high}`);
    chosen.push(found);
  }
  return chosen;
}

/**
 * The shim's ops for the bindings: the rules loaded before the container may run (a port published
 * is reachable the moment `run -d` returns); deleted, and the reservations unlinked, when it ends
 * or never starts. Before the state's own ops in `ended`: with --rm they remove the rules files.
 */
export function portSteps(root: string, id: string, bindings: readonly PortBinding[], endpoint: Endpoint): HostSteps {
  if (bindings.length === 0) return { created: [], ended: [], failed: [] };
  const unlink = bindings.map((binding): HostStep => ({ op: 'unlink', path: resolve(reservationPath(root, binding)) }));
  // No rules (lab ch6-ports' stub): nothing for iptables to do, but the reservations still go.
  if (containerRules(id, bindings, endpoint).length === 0) return { created: [], ended: unlink, failed: unlink };
  const { restore } = iptablesBackend();
  const dir = resolve(rulesDir(root, id));
  const remove: HostStep[] = [{ op: 'restore-rules', program: restore, file: join(dir, 'delete') }, ...unlink];
  return {
    // (The port's hairpin mode, which a container's connection to its own published port needs
    // with br_netfilter, comes with the `attach` op: native/shim.c, set_hairpin.)
    created: [{ op: 'restore-rules', program: restore, file: join(dir, 'add') }],
    ended: remove,
    failed: remove,
  };
}

/** The container's rules: each binding's (lab ch6-ports), with the comment that names the container. */
function containerRules(id: string, bindings: readonly PortBinding[], endpoint: Endpoint): Rule[] {
  return bindings.flatMap((binding) => bindingRules(binding, endpoint).map((rule) => tagged(rule, containerTag(id))));
}

/** rules/add and rules/delete in the container's directory (its staging directory, in run). */
export function writeRulesFiles(
  containerDir: string,
  id: string,
  bindings: readonly PortBinding[],
  endpoint: Endpoint,
): void {
  const rules = containerRules(id, bindings, endpoint);
  if (rules.length === 0) return;
  const dir = join(containerDir, 'rules');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'add'), restoreInput(rules, '-A'));
  writeFileSync(join(dir, 'delete'), restoreInput(rules, '-D'));
}

/** Reserves every binding's host port for the container, or none of them (then throws who holds it). */
export function reservePorts(root: string, id: string, bindings: readonly PortBinding[]): void {
  const reserved: string[] = [];
  try {
    for (const binding of bindings) reserved.push(reservePort(root, id, binding));
  } catch (error) {
    for (const path of reserved) unlinkQuietly(path);
    throw error;
  }
}

/**
 * After the container ended (network/release.ts's containerEnded; idempotent): whatever is left of
 * its rules, found by its comment in iptables-save, and its reservations. The shim's `ended` ops did
 * this already unless the shim was killed; then this is the next command's clean-up.
 */
export function unpublishPorts(root: string, config: { id: string; network?: { ports?: PortBinding[] } }): void {
  const ports = config.network?.ports ?? [];
  if (ports.length === 0) return; // no iptables run for a container that published nothing
  for (const binding of ports) {
    const path = reservationPath(root, binding);
    if (holderOf(path) === config.id) unlinkQuietly(path);
  }
  removeTagged(containerTag(config.id));
}

/** Links the reservation or throws docker's conflict, naming who holds the port. */
function reservePort(root: string, id: string, binding: PortBinding): string {
  const path = reservationPath(root, binding);
  const temporary = join(root, 'ports', `.${process.pid}-${id.slice(0, 12)}.tmp`);
  mkdirSync(join(root, 'ports'), { recursive: true, mode: 0o700 });
  writeFileSync(temporary, `${id}\n`);
  try {
    if (!link(temporary, path)) {
      // Taken, or left by a container that no longer runs: judged and reclaimed one run at a time.
      withLock(join(root, 'ports', '.lock'), () => {
        const holder = holderOf(path);
        if (holder !== undefined && holder !== id && holds(root, holder)) throw allocated(binding, holder);
        unlinkQuietly(path);
        if (!link(temporary, path)) throw allocated(binding, holderOf(path) ?? '?');
      });
    }
  } finally {
    unlinkQuietly(temporary);
  }
  const clash = otherReservations(root, binding).find((other) => other.holder !== id);
  if (clash && holds(root, clash.holder)) {
    unlinkQuietly(path);
    throw allocated(binding, clash.holder, clash.name);
  }
  const listener = listenerOn(binding);
  if (listener) {
    unlinkQuietly(path);
    throw new RuntimeError(
      `Bind for ${formatHost(binding)} failed: port is already in use by a program that is not a container (a socket on ${listener} in /proc/net/${binding.protocol}: stop it, or publish another port)`,
    );
  }
  return path;
}

function allocated(binding: PortBinding, holder: string, name = ''): RuntimeError {
  const by = name && !name.endsWith(`-${binding.hostIp}-${binding.hostPort}`) ? ` (${name})` : '';
  return new RuntimeError(
    `Bind for ${formatHost(binding)} failed: port is already allocated (by container ${holder.slice(0, 12)}${by})`,
  );
}

/** The reservations of the same port and protocol on another address that clash with this one. */
function otherReservations(root: string, binding: PortBinding): { name: string; holder: string }[] {
  let names: string[];
  try {
    names = readdirSync(join(root, 'ports'));
  } catch {
    return [];
  }
  const mine = `${binding.protocol}-${binding.hostIp}-${binding.hostPort}`;
  return names
    .filter((name) => {
      const match = /^(tcp|udp)-([\d.]+)-(\d+)$/.exec(name);
      if (!match || name === mine) return false;
      return clashes(binding, {
        protocol: match[1] as 'tcp' | 'udp',
        hostIp: match[2]!,
        hostPort: Number(match[3]),
        containerPort: 0,
      });
    })
    .map((name) => ({ name, holder: holderOf(join(root, 'ports', name)) ?? '' }))
    .filter((other) => other.holder !== '');
}

/** A reservation holds while its container is created (its run goes on) or running. */
function holds(root: string, holder: string): boolean {
  try {
    const state = new StateStore(root, () => {}).list().find((container) => container.id === holder);
    return state !== undefined && state.status !== 'exited';
  } catch {
    return true;
  }
}

/**
 * A socket of this network namespace bound to the port on the address (or on all of them): TCP in
 * LISTEN (state 0A), UDP bound (any state). /proc/net/{tcp,tcp6,udp,udp6}: local address in hex
 * (IPv4 in host byte order, IPv6 as four such words), then the port.
 */
function listenerOn(binding: PortBinding): string | undefined {
  const wanted = binding.hostPort.toString(16).toUpperCase().padStart(4, '0');
  for (const family of ['', '6']) {
    const table = readText(`/proc/self/net/${binding.protocol}${family}`) ?? '';
    for (const line of table.split('\n').slice(1)) {
      const [, local = '', , state = ''] = line.trim().split(/\s+/);
      const [address = '', hexPort = ''] = local.split(':');
      if (hexPort !== wanted || (binding.protocol === 'tcp' && state !== '0A')) continue;
      const ip = family ? ipv6ToText(address) : ipv4ToText(address);
      if (
        binding.hostIp === '0.0.0.0' ||
        ip === binding.hostIp ||
        ip === '0.0.0.0' ||
        ip === '::' ||
        ip === `::ffff:${binding.hostIp}`
      )
        return `${family ? `[${ip}]` : ip}:${binding.hostPort}`;
    }
  }
  return undefined;
}

function ipv4ToText(hex: string): string {
  const bytes = Buffer.from(hex, 'hex');
  return [bytes[3], bytes[2], bytes[1], bytes[0]].join('.');
}

function ipv6ToText(hex: string): string {
  if (/^0+$/.test(hex)) return '::';
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = Buffer.concat(words.map((word) => Buffer.from(word, 'hex').reverse()));
  if (bytes.subarray(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff)
    return `::ffff:${[...bytes.subarray(12)].join('.')}`;
  return [...Array(8).keys()].map((i) => bytes.readUInt16BE(i * 2).toString(16)).join(':');
}

function link(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function holderOf(path: string): string | undefined {
  return readText(path)?.trim() || undefined;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already
  }
}
