// The runtime's netfilter rules: which iptables (nf_tables or legacy), the runtime's own chains and
// the jumps into them, and iptables-restore input. Every rule the runtime makes lives in a chain of
// its own, as docker's live in DOCKER*, so `iptables-save | grep MYDOCKER` shows all of them and
// removing them touches nothing else:
//
//   nat     PREROUTING  -m addrtype --dst-type LOCAL -> MYDOCKER       DNAT of published ports
//           OUTPUT      -m addrtype --dst-type LOCAL -> MYDOCKER       (these two jumps: lab ch6-ports)
//           POSTROUTING -> MYDOCKER-POSTROUTING                         MASQUERADE out, hairpin, 127.0.0.1
//   filter  FORWARD     -> MYDOCKER-FORWARD                             isolation between networks first,
//                                                                       then the accepts
//           INPUT       -> MYDOCKER-INPUT                               no 127.0.0.0/8 from a bridge
//                                                                       (loopback-guard.ts)
//
// A network's rules name its bridge or its subnet, and are found by them; a container's rules carry
// a comment naming it (`mydocker-<id12>`), so that they can be found in iptables-save and removed
// whatever happened to the rest. Rules are compared as lines, written as iptables-save prints them.
//
// Each network namespace has its own tables (the lab host's are not the machine's). One
// iptables-restore per change: one process and one transaction per table, instead of a process per
// rule. iptables-restore and iptables-save are run from Node here only for a network's one-time
// set-up and removal, and for a container's clean-up after a crash; a container's own rules are
// loaded by the shim (the `restore-rules` host op), off Node.
import { accessSync, constants, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError, UsageError } from '../errors.ts';
import { loopbackGuard } from './loopback-guard.ts';
import { networkRules } from './nat.ts';
import { dnatJumps } from './port-rules.ts';
import {
  BASE_JUMPS,
  hasRule,
  missingChains,
  parseSave,
  restoreInput,
  savedRules,
  type Rule,
  type Tables,
} from './rules.ts';
import { NetworkStore } from './store.ts';
import type { NetworkRecord } from './types.ts';

/**
 * A network's one-time set-up in this network namespace (network/ensure.ts calls it under the
 * networks' lock, after the bridge): forwarding on, the chains and the jumps if absent, the
 * network's rules (lab ch6-nat) and the jumps for published ports (lab ch6-ports) if absent, and
 * route_localnet on its bridge. Idempotent: what is there already is not added twice.
 */
export function setUpNetworkRules(network: NetworkRecord, others = otherNetworks(network)): void {
  // The kernel forwards between interfaces only with ip_forward=1 (per network namespace).
  setSysctl('ipv4/ip_forward', '1');
  // 127.0.0.1 as a source or destination on the bridge is a martian unless route_localnet=1 on it:
  // the host's own connections to 127.0.0.1:HOSTPORT, DNATed in OUTPUT, leave through it (ch6-ports).
  // (With lab ch6-bridge's stub there is no bridge: nothing to route through, nothing to set.)
  if (existsSync(`/proc/sys/net/ipv4/conf/${network.bridge}`))
    setSysctl(`ipv4/conf/${network.bridge}/route_localnet`, '1');
  const backend = iptablesBackend();
  const tables = saveTables(backend);
  const wanted: Rule[] = [...BASE_JUMPS, ...dnatJumps(), ...networkRules(network, others), ...loopbackGuard(network)];
  const missing = wanted.filter((rule) => !hasRule(tables, rule));
  restore(backend, restoreInput(missing, '-A', missingChains(tables)), `the rules of network ${network.name}`);
}

/**
 * `network rm`: the rules that name the network's bridge or subnet go (its isolation from the
 * others included); the chains and jumps stay, as docker's DOCKER chains stay.
 */
export function removeNetworkRules(network: NetworkRecord): void {
  const backend = iptablesBackend();
  const rules = savedRules(
    saveTables(backend),
    (words) => words.includes(network.bridge) || words.includes(network.subnet),
  );
  restore(backend, restoreInput(rules, '-D'), `the removal of network ${network.name}'s rules`);
}

/** The rules carrying `tag` (a container's), deleted: whatever is left of them, once. */
export function removeTagged(tag: string, backend = iptablesBackend()): void {
  const rules = savedRules(saveTables(backend), (words) => words.includes(tag));
  restore(backend, restoreInput(rules, '-D'), `the removal of the rules of ${tag}`);
}

function otherNetworks(network: NetworkRecord): NetworkRecord[] {
  return new NetworkStore().list().filter((other) => other.id !== network.id);
}

export interface Backend {
  /** As MYDOCKER_IPTABLES names it: iptables, iptables-nft or iptables-legacy. */
  name: string;
  /** Absolute paths: the shim runs `restore` itself, with the container's PATH, not ours. */
  restore: string;
  save: string;
}

const BACKENDS = ['iptables', 'iptables-nft', 'iptables-legacy'];

/**
 * MYDOCKER_IPTABLES (iptables-nft | iptables-legacy) else `iptables`, whichever the machine's
 * alternatives point to (iptables-nft on Debian 12). The two keep separate tables in the kernel: a
 * rule loaded by one is invisible to the other's -save, so a machine should use one.
 */
export function iptablesBackend(env: NodeJS.ProcessEnv = process.env): Backend {
  const name = env.MYDOCKER_IPTABLES || 'iptables';
  if (!BACKENDS.includes(name)) {
    throw new UsageError(`MYDOCKER_IPTABLES=${name}: expected one of ${BACKENDS.join(', ')}`);
  }
  return { name, restore: findProgram(`${name}-restore`, env), save: findProgram(`${name}-save`, env) };
}

function findProgram(program: string, env: NodeJS.ProcessEnv): string {
  // sbin may be missing from a user's PATH (sudo keeps it, su does not): look there too.
  const dirs = [...(env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    const path = join(dir, program);
    try {
      accessSync(path, constants.X_OK);
      return path.startsWith('/') ? path : join(process.cwd(), path);
    } catch {
      // not here
    }
  }
  throw new RuntimeError(
    `${program} not found (PATH and /usr/sbin): bridge networking needs iptables (apt install iptables)`,
  );
}

/** The tables of this network namespace, as the backend's iptables-save prints them. */
function saveTables(backend: Backend): Tables {
  const { execFileSync } = childProcess();
  try {
    return parseSave(execFileSync(backend.save, [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  } catch (error) {
    throw new RuntimeError(`${backend.save} failed: ${firstLine(error)}`);
  }
}

/** Loads `input` with iptables-restore -w --noflush; a refusal names the line it refused. */
function restore(backend: Backend, input: string, what: string): void {
  if (input === '') return;
  const { execFileSync } = childProcess();
  try {
    execFileSync(backend.restore, ['-w', '--noflush'], { input, stdio: ['pipe', 'ignore', 'pipe'] });
  } catch (error) {
    const message = firstLine(error);
    const line = Number(/line (\d+) failed/.exec(message)?.[1]);
    const text = line ? `: ${input.split('\n')[line - 1]}` : '';
    throw new RuntimeError(`${backend.name}-restore refused ${what}: ${message}${text}`);
  }
}

/**
 * node:child_process, loaded when first needed: importing it costs 3.5-6 ms (native/README.md), and
 * most commands never run iptables.
 */
function childProcess(): typeof import('node:child_process') {
  return process.getBuiltinModule('node:child_process');
}

function firstLine(error: unknown): string {
  const { stderr, message } = error as { stderr?: Buffer | string; message?: string };
  const text = String(stderr ?? '').trim() || String(message ?? error);
  return text.split('\n')[0]!;
}

/** A sysctl of this network namespace (ip_forward, a link's route_localnet): /proc/sys is per netns. */
function setSysctl(path: string, value: string): void {
  try {
    writeFileSync(join('/proc/sys/net', path), value);
  } catch (error) {
    throw new RuntimeError(`cannot set net.${path.replaceAll('/', '.')}=${value}: ${(error as Error).message}`);
  }
}
