// The guard around the unit and checker runs: from chapter 6 on the runtime makes bridges, veths,
// iptables chains and turns on ip_forward in the network namespace it runs in, and every test and
// check must run it in a namespace of its own (a lab host, test/support/own-netns.ts) or with
// `--network none`. If one forgets, this machine's own namespace changes: the run must fail then,
// and say what changed, since nothing else would notice (the change outlives the run).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** What the runtime could change in this process's network namespace. */
export interface HostNetwork {
  ipForward: string;
  /** Links named as the runtime names its devices: mydocker0, mdbr-<id>, veth<id>. */
  links: string[];
  /** iptables-save lines (both backends) that name a MYDOCKER chain. */
  chains: string[];
}

const RUNTIME_LINK = /^(mydocker0|mdbr-|veth)/;

function links(): string[] {
  // /proc/self/net/dev lists the devices of this process's network namespace (proc(5)).
  return readFileSync('/proc/self/net/dev', 'utf8')
    .split('\n')
    .slice(2)
    .map((line) => line.split(':')[0]!.trim())
    .filter((name) => RUNTIME_LINK.test(name))
    .sort();
}

function chains(): string[] {
  const lines: string[] = [];
  for (const program of ['iptables-save', 'iptables-legacy-save']) {
    let output = '';
    try {
      output = execFileSync(program, [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    } catch {
      continue; // not installed, or not allowed (not root): then the runtime could not add rules either
    }
    for (const line of output.split('\n'))
      if (/mydocker/i.test(line)) lines.push(`${program}: ${line.replace(/ \[\d+:\d+\]$/, '')}`);
  }
  return lines;
}

export function hostNetwork(): HostNetwork {
  return { ipForward: readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), links: links(), chains: chains() };
}

/** What changed from `before` to `after`, one line each. */
export function hostNetworkChanges(before: HostNetwork, after: HostNetwork): string[] {
  const problems: string[] = [];
  if (after.ipForward !== before.ipForward)
    problems.push(`net.ipv4.ip_forward changed from ${before.ipForward} to ${after.ipForward}`);
  for (const link of after.links.filter((link) => !before.links.includes(link)))
    problems.push(`a link appeared: ${link}`);
  for (const line of after.chains.filter((line) => !before.chains.includes(line)))
    problems.push(`an iptables line appeared: ${line}`);
  return problems;
}

/**
 * For a vitest globalSetup: takes the state now, and returns the teardown that throws if it changed.
 * `what` names the run in the message.
 */
export function guardHostNetwork(what: string): () => void {
  const before = hostNetwork();
  return () => {
    const problems = hostNetworkChanges(before, hostNetwork());
    if (problems.length > 0)
      throw new Error(
        `the ${what} changed this machine's own network namespace (the runtime ran outside a network namespace of its own, without --network none):\n` +
          problems.map((p) => `  - ${p}`).join('\n') +
          '\nundo it by hand (ip link del, iptables -F/-X of the MYDOCKER chains, the sysctl) and find the test that did it',
      );
  };
}
