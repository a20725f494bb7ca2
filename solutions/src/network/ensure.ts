// A network's one-time set-up in this boot and network namespace: its bridge (lab ch6-bridge), then
// its netfilter rules (network/iptables.ts), then the `ready` mark. Done by the first `run` that needs
// the network (and by `network create`), under the networks' lock, so that 20 runs racing to the first
// use make one bridge; every later run sees `ready` and pays nothing. The bridge is made with iproute2:
// off the start path, once per network, a fork and exec per command costs nothing that matters (a
// container's own links are made by the shim's rtnetlink ops: ADR 0009).
import { execFileSync } from 'node:child_process';
import { RuntimeError } from '../errors.ts';
import { bridgeCommands, type Command } from './bridge.ts';
import { setUpNetworkRules } from './iptables.ts';
import type { NetworkStore } from './store.ts';
import type { NetworkRecord } from './types.ts';

export function ensureNetwork(store: NetworkStore, network: NetworkRecord): void {
  if (store.isReady(network)) return;
  store.withLock(() => {
    if (store.isReady(network)) return; // another run did it while this one waited for the lock
    // A bridge without `ready` is a set-up that died half-way (the lock's holder was killed): it has
    // no port yet (a container is attached only once the network is ready), so it is made afresh.
    if (linkExists(network.bridge)) runCommand(['ip', 'link', 'delete', 'dev', network.bridge]);
    for (const command of bridgeCommands(network)) runCommand(command);
    setUpNetworkRules(network);
    store.markReady(network);
  });
}

function linkExists(name: string): boolean {
  try {
    execFileSync('ip', ['-o', 'link', 'show', 'dev', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function runCommand(command: Command): void {
  const [program, ...args] = command;
  try {
    execFileSync(program!, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    const { stderr, code } = error as { stderr?: string; code?: string };
    const why =
      code === 'ENOENT' ? `${program} is not installed (Debian: apt-get install iproute2)` : (stderr ?? '').trim();
    throw new RuntimeError(`setting up the network's bridge, \`${command.join(' ')}\`: ${why || String(error)}`);
  }
}
