// Every bench that runs the runtime runs in a network namespace of its own: from chapter 6 on, a
// `mydocker run` makes a bridge, turns on ip_forward and adds iptables rules in the namespace it runs
// in, and this machine's own must never get them. The whole bench moves (re-run under `unshare -n`),
// not each command, so that the runtime and its peers (runc, docker) pay the same.
import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';

/** The namespace the bench was started in, handed to its re-run (PID 1's may not be readable here). */
const STARTED_IN = 'MYDOCKER_BENCH_STARTED_IN_NETNS';

/** Returns once this process runs in a network namespace other than the one it was started in. */
export function ensureOwnNetns(): void {
  const here = readlinkSync('/proc/self/ns/net');
  const startedIn = process.env[STARTED_IN];
  if (startedIn !== undefined && startedIn !== here) return;
  const result = spawnSync(
    'unshare',
    ['--net', '--', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', process.execPath, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, [STARTED_IN]: here } },
  );
  if (result.error) throw result.error;
  process.exit(result.status ?? 1);
}
