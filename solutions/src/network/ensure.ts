// A network's one-time set-up in this boot and network namespace: its bridge (lab ch6-bridge), then
// its netfilter rules (network/iptables.ts), then the `ready` mark. Done by the first `run` that needs
// the network (and by `network create`), under the networks' lock, so that 20 runs racing to the first
// use make one bridge; every later run sees `ready` and pays nothing. The bridge is made with iproute2:
// off the start path, once per network, a fork and exec per command costs nothing that matters (a
// container's own links are made by the shim's rtnetlink ops: ADR 0009).
import { RuntimeError } from '../errors.ts';
import { bridgeCommands, type Command } from './bridge.ts';
import { setUpNetworkRules } from './iptables.ts';
import { hasDevice, type NetworkStore } from './store.ts';
import type { NetworkRecord } from './types.ts';

/** Whether the network's bridge is there now: false only while lab ch6-bridge makes none. */
export function ensureNetwork(store: NetworkStore, network: NetworkRecord): boolean {
  if (store.isReady(network)) return true;
  return store.withLock(() => {
    if (store.isReady(network)) return true; // another run did it while this one waited for the lock
    // A bridge without `ready` is a set-up that died half-way (the lock's holder was killed): it has
    // no port yet (a container is attached only once the network is ready), so it is made afresh.
    if (hasDevice(network.bridge)) runCommand(['ip', 'link', 'delete', 'dev', network.bridge]);
    for (const command of bridgeCommands(network)) runCommand(command);
    // No bridge (lab ch6-bridge's stub): nothing to put rules on (route_localnet is the bridge's
    // setting), and nothing for a container to join. Not ready: the next run tries again.
    if (!hasDevice(network.bridge)) return false;
    setUpNetworkRules(network);
    store.markReady(network);
    return true;
  });
}

function runCommand(command: Command): void {
  const [program, ...args] = command;
  try {
    // Loaded here, not at the top: a run whose network is ready (nearly all of them) never needs it.
    const { execFileSync } = process.getBuiltinModule('node:child_process');
    execFileSync(program!, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    const { stderr, code } = error as { stderr?: string; code?: string };
    const why =
      code === 'ENOENT' ? `${program} is not installed (Debian: apt-get install iproute2)` : (stderr ?? '').trim();
    throw new RuntimeError(`setting up the network's bridge, \`${command.join(' ')}\`: ${why || String(error)}`);
  }
}
