// A container's network by netlink from the shim against the same network by iproute2, measured in one
// run (ADR 0009). Each round runs, in turn: the shim with a new network namespace and no network ops
// (`none`), the shim with the network ops (veth into the container's namespace, attach to the bridge
// and up, lo up, eth0 up, address, default route), the same with RTM_DELLINK of the host end in the
// `ended` section (`netlink+delete`; without it the kernel deletes the pair when the container's
// namespace goes, in its cleanup workqueue, off the command's path), and the iproute2
// sequence (3 ip and 5 nsenter+ip: add the pair, attach, move; address, rename, up, lo up, route)
// on a waiting process in a namespace of its own.
// Everything happens in a network namespace of the bench's own (it re-runs itself under `unshare -n`),
// so the host's links are never touched. Usage: npm run bench:netlink [-- --runs 30]
import { spawn, spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { buildShim, shimBinary } from '../scripts/build.mjs';
import { planArguments, planEnvironment } from '../solutions/src/shim/argv.ts';
import { CLONE_NEWNET } from '../solutions/src/kernel/constants.ts';
import type { HostStep, Plan, Step } from '../solutions/src/kernel/plan.ts';
import { ensureOwnNetns } from './own-netns.ts';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 20;
const bridge = 'br-bench';
const gateway = '10.88.0.1';
const search = '/usr/sbin:/usr/bin:/sbin:/bin';

// Built before the re-run (a no-op inside); checked against the namespace it was started in, not an
// inherited variable (bench/own-netns.ts).
await buildShim();
ensureOwnNetns();

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
}

function timed(action: () => void): number {
  const start = process.hrtime.bigint();
  action();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function shimPlan(steps: Step[], created: HostStep[] = [], ended: HostStep[] = []): Plan {
  return {
    namespaces: ['net'],
    cloneFlags: CLONE_NEWNET,
    stdin: 'null',
    steps: [...steps, { op: 'exec', argv: ['/bin/true'], env: [`PATH=${search}`], search }],
    host: { created, ended, failed: ended },
  };
}

function runShim(plan: Plan): void {
  run(shimBinary, planArguments(plan), planEnvironment(plan));
}

const none = shimPlan([]);
const netlink = (hostEnd: string, deleteAfter: boolean) =>
  shimPlan(
    [
      { op: 'link-up', link: 'lo' },
      { op: 'link-up', link: 'eth0' },
      { op: 'addr', link: 'eth0', address: '10.88.0.2', prefixLength: 16 },
      { op: 'route', link: 'eth0', gateway },
    ],
    [
      { op: 'veth', link: hostEnd, peer: 'eth0', mac: '02:42:0a:58:00:02' },
      { op: 'attach', link: hostEnd, bridge },
    ],
    deleteAfter ? [{ op: 'link-delete', link: hostEnd }] : [],
  );

/** The iproute2 sequence on a process waiting in a network namespace of its own. */
async function iproute2(round: number): Promise<number> {
  const waiting = spawn('unshare', ['-n', 'sleep', '30'], { stdio: 'ignore' });
  await new Promise((resolve) => waiting.once('spawn', resolve));
  const pid = String(waiting.pid);
  // unshare execs sleep once its namespace is made: wait until the pid is in another one.
  while (readlinkSync(`/proc/${pid}/ns/net`) === readlinkSync('/proc/self/ns/net'))
    await new Promise((resolve) => setTimeout(resolve, 1));
  const hostEnd = `vi${round}`;
  const peer = `vp${round}`;
  const inside = (...args: string[]) => run('nsenter', ['-t', pid, '-n', 'ip', ...args]);
  const elapsed = timed(() => {
    run('ip', ['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', peer]);
    run('ip', ['link', 'set', hostEnd, 'master', bridge, 'up']);
    run('ip', ['link', 'set', peer, 'netns', pid]);
    inside('addr', 'add', '10.88.0.3/16', 'dev', peer);
    inside('link', 'set', peer, 'name', 'eth0');
    inside('link', 'set', 'eth0', 'up');
    inside('link', 'set', 'lo', 'up');
    inside('route', 'add', 'default', 'via', gateway);
  });
  waiting.kill('SIGKILL');
  await new Promise((resolve) => waiting.once('exit', resolve));
  spawnSync('ip', ['link', 'delete', hostEnd], { stdio: 'ignore' });
  return elapsed;
}

run('ip', ['link', 'add', bridge, 'type', 'bridge']);
run('ip', ['addr', 'add', `${gateway}/16`, 'dev', bridge]);
run('ip', ['link', 'set', bridge, 'up']);

const times = {
  none: [] as number[],
  netlink: [] as number[],
  'netlink+delete': [] as number[],
  iproute2: [] as number[],
  added: [] as number[],
};
for (let round = 0; round < runs + 2; round++) {
  const a = timed(() => runShim(none));
  const b = timed(() => runShim(netlink(`vn${round}`, false)));
  const d = timed(() => runShim(netlink(`vd${round}`, true)));
  const c = await iproute2(round);
  if (round < 2) continue; // warm-up
  times.none.push(a);
  times.netlink.push(b);
  times['netlink+delete'].push(d);
  times.added.push(b - a);
  times.iproute2.push(c);
}
const ms = (value: number) => `${value.toFixed(2)} ms`;
console.log(`${runs} rounds, medians (min-max):`);
for (const [name, values] of Object.entries(times))
  console.log(`  ${name.padEnd(15)} ${ms(median(values))} (${ms(Math.min(...values))} - ${ms(Math.max(...values))})`);
console.log(
  `  the network ops add ${ms(median(times.netlink) - median(times.none))} to a shim start (difference of medians); iproute2 takes ${(median(times.iproute2) / Math.max(median(times.added), 0.01)).toFixed(0)}x the added time`,
);
