// crun as bench/daemon.ts's peer, timed in a mount namespace of its own. Debian 12's crun (1.8.1)
// refuses a hybrid cgroup layout (v1 controllers, the unified hierarchy at /sys/fs/cgroup/unified:
// "cgroups in hybrid mode not supported", also with --cgroup-manager=disabled), which it tells by
// the filesystem mounted on /sys/fs/cgroup. Here the unified hierarchy is bound over /sys/fs/cgroup
// (this namespace only: `unshare --mount --propagation private` started it), and crun runs with
// --cgroup-manager=disabled: it makes no cgroup at all, less work than the runtimes it is compared
// with, so its figure is a lower bound of crun's. Each line on stdin is one `crun run` of BUNDLE,
// timed as bench/daemon.ts times the others (spawnSync, from the start to the end); the answer is a
// line with its milliseconds, or `error ...`.
// Usage (bench/daemon.ts starts it): unshare --mount --propagation private -- node bench/crun-peer.ts CRUN BUNDLE ROOT
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

const [crun, bundle, root] = process.argv.slice(2) as [string, string, string];
if (existsSync('/sys/fs/cgroup/unified')) {
  const bound = spawnSync('mount', ['--bind', '/sys/fs/cgroup/unified', '/sys/fs/cgroup'], { encoding: 'utf8' });
  if (bound.status !== 0) throw new Error(`mount --bind /sys/fs/cgroup/unified /sys/fs/cgroup: ${bound.stderr}`);
}
const args = [
  '--cgroup-manager=disabled',
  '--root',
  root,
  'run',
  '--bundle',
  bundle,
  `mydocker-bench-crun-${process.pid}`,
];
for await (const line of createInterface({ input: process.stdin })) {
  if (line !== 'run') continue;
  const start = process.hrtime.bigint();
  const result = spawnSync(crun, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  process.stdout.write(result.status === 0 ? `${elapsed}\n` : `error ${JSON.stringify(result.stderr)}\n`);
}
