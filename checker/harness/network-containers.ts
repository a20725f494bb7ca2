// What chapter 6's specs share: a detached container that sleeps, with its network as config.json
// records it; the iptables backend the runtime uses; how long an answer that should come may take;
// and the lab host's FORWARD policy DROP around a check, as on a host with a firewall (or docker):
// only what the runtime's rules accept passes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Endpoint, NetworkConfig } from '../../solutions/src/network/types.ts';
import { describeRun, expectExitCode } from './expect.ts';
import type { LabHost } from './labhost.ts';
import type { Mydocker } from './mydocker.ts';

/** The backend the runtime uses (network/iptables.ts reads the same variable). */
export const IPTABLES = process.env.MYDOCKER_IPTABLES || 'iptables';

/**
 * The wait for an answer that should come: it returns as soon as one does, so a long limit costs
 * nothing when the rules are right, and keeps a loaded machine from failing a good lab (a new link
 * may drop its first packets until the kernel's linkwatch has activated its queue, and TCP resends a
 * SYN after 1 s, then 2 s more). A probe that should get no answer keeps the harness's own limit.
 */
export const ANSWER_MS = 10_000;

/** A detached container that sleeps: its id, name, PID 1 and network as config.json has them. */
export interface Sleeper {
  id: string;
  name: string;
  pid: number;
  network: NetworkConfig | undefined;
}

/** A sleeper with an address on a network (config.json's network.endpoint). */
export interface Attached extends Sleeper {
  endpoint: Endpoint;
}

/** `run -d --name NAME OPTIONS... busybox sleep 120`, which must start and keep running. */
export async function detachSleeper(
  mydocker: Mydocker,
  name: string,
  options: readonly string[] = [],
): Promise<Sleeper> {
  const result = await mydocker.run(['run', '-d', '--name', name, ...options, 'busybox', 'sleep', '120']);
  expectExitCode(result, 0);
  const state = mydocker.states().find((candidate) => candidate.name === name);
  if (state?.status !== 'running' || state.pid === undefined)
    throw new Error(`${describeRun(result)}\n${name} is not running`);
  const config = JSON.parse(readFileSync(join(mydocker.containerDir(state.id), 'config.json'), 'utf8')) as {
    network?: NetworkConfig;
  };
  return { id: state.id, name, pid: state.pid, network: config.network };
}

/** As detachSleeper, on a network (OPTIONS may name one): it must have an endpoint. */
export async function detachAttached(
  mydocker: Mydocker,
  name: string,
  options: readonly string[] = [],
): Promise<Attached> {
  const container = await detachSleeper(mydocker, name, options);
  return { ...container, endpoint: endpointOf(container) };
}

export function endpointOf(container: Sleeper): Endpoint {
  const endpoint = container.network?.endpoint;
  if (!endpoint) throw new Error(`config.json of ${container.name} has no network.endpoint`);
  return endpoint;
}

/** `body` with the lab host's FORWARD policy DROP; ACCEPT again afterwards, whatever happened. */
export async function withForwardDrop<T>(host: LabHost, body: () => Promise<T>): Promise<T> {
  const policy = await host.exec([IPTABLES, '-P', 'FORWARD', 'DROP']);
  if (policy.exitCode !== 0) throw new Error(`${IPTABLES} -P FORWARD DROP in the lab host: ${String(policy.stderr)}`);
  try {
    return await body();
  } finally {
    await host.exec([IPTABLES, '-P', 'FORWARD', 'ACCEPT']);
  }
}
