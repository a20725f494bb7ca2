// crun as bench/daemon.ts's peer, timed in a mount namespace of its own. Debian 12's crun (1.8.1)
// refuses a hybrid cgroup layout (v1 controllers, the unified hierarchy at /sys/fs/cgroup/unified:
// "cgroups in hybrid mode not supported", also with --cgroup-manager=disabled), which it tells by
// the filesystem mounted on /sys/fs/cgroup. Here the unified hierarchy is bound over /sys/fs/cgroup
// (this namespace only: `unshare --mount --propagation private` started it), and crun runs two ways:
//   run          --cgroup-manager=disabled: no cgroup at all
//   run-cgroup   --cgroup-manager=cgroupfs: its own cgroup in the unified hierarchy, made, joined and
//                removed (the hierarchy has no controller but hugetlb here, so nothing is limited),
//                with config-cgroup.json, the bundle's config without linux.resources: its device
//                rules would be an eBPF program, whose load needs RLIMIT_MEMLOCK raised, which this
//                sandbox's missing CAP_SYS_RESOURCE refuses
// Both do less than the warm path (six v1 cgroups made, limited, joined and removed), so both are
// lower bounds of crun's; the second is the closer. Each line on stdin is one `crun run` of BUNDLE,
// timed as bench/daemon.ts times the others (spawnSync, from the start to the end); the answer is a
// line with its milliseconds, or `error ...`.
// Usage (bench/daemon.ts starts it): unshare --mount --propagation private -- node bench/crun-peer.ts CRUN BUNDLE ROOT CGROUP
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const [crun, bundle, root, cgroup] = process.argv.slice(2) as [string, string, string, string];
if (existsSync('/sys/fs/cgroup/unified')) {
  const bound = spawnSync('mount', ['--bind', '/sys/fs/cgroup/unified', '/sys/fs/cgroup'], { encoding: 'utf8' });
  if (bound.status !== 0) throw new Error(`mount --bind /sys/fs/cgroup/unified /sys/fs/cgroup: ${bound.stderr}`);
}
const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
delete config.linux.resources;
config.linux.cgroupsPath = `/${cgroup}/container`; // one at a time: crun removes it at each end
writeFileSync(join(bundle, 'config-cgroup.json'), JSON.stringify(config));
const ways: Record<string, string[]> = {
  run: ['--cgroup-manager=disabled', '--root', root, 'run', '--bundle', bundle],
  'run-cgroup': [
    '--cgroup-manager=cgroupfs',
    '--root',
    root,
    'run',
    '--bundle',
    bundle,
    '--config',
    join(bundle, 'config-cgroup.json'),
  ],
};
let runs = 0;
for await (const line of createInterface({ input: process.stdin })) {
  const args = ways[line];
  if (!args) continue;
  const name = `mydocker-bench-crun-${process.pid}-${runs++}`;
  const start = process.hrtime.bigint();
  const result = spawnSync(crun, [...args, name], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  process.stdout.write(result.status === 0 ? `${elapsed}\n` : `error ${JSON.stringify(result.stderr)}\n`);
}
// What crun leaves: the parent of the containers' cgroup (it removes each container's own at its end).
try {
  rmdirSync(join('/sys/fs/cgroup', cgroup));
} catch {
  // never made: no run-cgroup was asked for
}
