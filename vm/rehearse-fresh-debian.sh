#!/usr/bin/env bash
# The course VM and the newcomer's first hour, proved from nothing: a fresh Debian 12, the course VM's
# provisioning, README's first command, `lab doctor` and one lab's check. debootstrap makes a minimal
# bookworm in a scratch directory (with git, ca-certificates and sudo, as a cloud image has them; no
# Node, no npm) and this checkout's HEAD is cloned into it. Then, each in a root shell of that system:
#
#   1. cloud-init's provisioning: vm/cloud-init.yaml's files, written where it writes them, and its
#      runcmd (the copy of vm/provision.sh and vm/packages.txt that Multipass's VM runs);
#   2. README's first command, whose `bash vm/provision.sh` must then find nothing missing (one list);
#   3. `lab doctor`, all ok;
#   4. `lab check ch1-command` on the stub: exit 1, the lab failing on its checks (no spec error);
#   5. `lab check ch1-command --solutions`: exit 0, every check passed, the same checks as in 4.
#
# Each shell runs in the fresh system as its root (pivot_root) in private mount, pid and cgroup
# namespaces: nothing mounted for it outlives it, no process of it outlives it, and its checker's
# cgroups sit below a cgroup of its own (rehearse-fresh-PID in each of this machine's hierarchies,
# removed at the end), so it neither sees nor removes another checker's on a shared machine. Its network is this machine's: apt and npm
# download, and the checker's lab hosts have their own network namespaces as everywhere.
#
#   sudo bash vm/rehearse-fresh-debian.sh [--keep]     # 6-10 minutes here: apt and npm download
#
# It needs debootstrap (installed when missing), this checkout's `npm install` (node reads
# cloud-init.yaml and the checks' JSON), and the machine's network to Debian's mirror and the npm
# registry, as a learner's machine has. The machine's CA bundle is copied in, so that a proxy this
# machine trusts is trusted there too. Not part of `npm test`: run it after a change to set-up. It
# prints each phase's seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
keep=false
[ "${1:-}" = --keep ] && keep=true
lab=ch1-command

node=$PWD/node_modules/.bin/node
[ -x "$node" ] || node=$(command -v node) || { echo "rehearse: no node: run \`npm install\` in this checkout first" >&2; exit 1; }
command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
first_command=$(sed -n '/^## The first command/,/^```$/p' README.md | sed -n '/^```sh$/,/^```$/p' | sed '1d;$d')
[ -n "$first_command" ] || { echo "rehearse: README.md has no '## The first command' block" >&2; exit 1; }

scratch=$(mktemp -d /var/tmp/rehearse-fresh-XXXXXX)
root=$scratch/root

# This machine's cgroup hierarchies under /sys/fs/cgroup, one "mount-point type super-options" a line
# (mountinfo: the fields after "-" are the type, the source and the super options).
cgroup_mounts() {
  awk '$5 ~ "^/sys/fs/cgroup" { i = 7; while ($i != "-") i++; if ($(i + 1) ~ /^cgroup2?$/) print $5, $(i + 1), $(i + 3) }' /proc/self/mountinfo
}
cgroup_name=rehearse-fresh-$$
cgroup_dirs=()
while read -r mount_point _ _; do
  dir=$mount_point/$cgroup_name
  mkdir "$dir"
  cgroup_dirs+=("$dir")
  # A new v1 cpuset cgroup has no CPUs and no memory nodes until it is given its parent's.
  if [ -e "$dir/cpuset.cpus" ] && [ ! -e "$mount_point/cgroup.controllers" ]; then
    cat "$mount_point/cpuset.cpus" >"$dir/cpuset.cpus"
    cat "$mount_point/cpuset.mems" >"$dir/cpuset.mems"
  fi
done < <(cgroup_mounts)

cleanup() {
  for dir in "${cgroup_dirs[@]}"; do
    if [ -d "$dir" ]; then find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
  done
  if $keep; then echo "rehearse: kept $scratch"; else rm -rf "$scratch"; fi
}
trap cleanup EXIT

# Entered in the new namespaces: the fresh system's mounts (its cgroup hierarchies mounted anew, so that
# the cgroup namespace roots them at rehearse-fresh-PID), then its root shell.
cat >"$scratch/enter.sh" <<'EOF'
root=$1
mount --make-rprivate /
# The fresh system's / a mount point, for pivot_root below (and the lab host changes its propagation:
# shared at the end, as systemd leaves a real one).
mount --bind "$root" "$root"
mount --rbind /dev "$root/dev"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
  mount -t cgroup2 cgroup2 "$root/sys/fs/cgroup"
else
  mount -t tmpfs -o mode=755 tmpfs "$root/sys/fs/cgroup"
  for link in /sys/fs/cgroup/*; do [ -L "$link" ] && ln -s "$(readlink "$link")" "$root$link"; done
fi
while read -r mount_point type options; do
  [ "$mount_point" = /sys/fs/cgroup ] && continue
  mkdir -p "$root$mount_point"
  mount -t "$type" -o "$options" "$type" "$root$mount_point"
done <"$root/../cgroup-mounts"
# The shell in a leaf, so that on cgroup v2 the namespace's root can hand controllers down.
for mount_point in $(cut -d' ' -f1 "$root/../cgroup-mounts"); do
  mkdir -p "$root$mount_point/shell"
  if [ -e "$root$mount_point/cpuset.cpus" ] && [ ! -e "$root$mount_point/cgroup.controllers" ]; then
    cat "$root$mount_point/cpuset.cpus" >"$root$mount_point/shell/cpuset.cpus"
    cat "$root$mount_point/cpuset.mems" >"$root$mount_point/shell/cpuset.mems"
  fi
  echo $$ >"$root$mount_point/shell/cgroup.procs"
done
mount -t tmpfs tmpfs "$root/tmp"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
# pivot_root, not only chroot: the checker enters its lab host's mount namespace with nsenter, and
# entering a mount namespace puts a process at that namespace's root, which must be the fresh system.
cd "$root"
mkdir -p .host
pivot_root . .host
umount -l /.host
rmdir /.host
mount --make-rshared /
exec chroot / env -i HOME=/root TERM=xterm-256color LANG=C.UTF-8 \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin bash -c "$2"
EOF
cgroup_mounts >"$scratch/cgroup-mounts"

# Runs $1 as root in a login-like shell of the fresh system, its stdout and stderr into
# $scratch/$phase.out and .err; returns its exit status.
in_fresh() {
  (
    for dir in "${cgroup_dirs[@]}"; do echo "$BASHPID" >"$dir/cgroup.procs"; done
    exec unshare -C -m -p -f --kill-child bash "$scratch/enter.sh" "$root" "$1"
  ) >"$scratch/$phase.out" 2>"$scratch/$phase.err"
}

phases=()
failures=()
# phase NAME COMMAND...: runs the command, and keeps its seconds and exit status ($status).
phase() {
  phase=$1
  shift
  echo "rehearse: $phase"
  local start=$SECONDS
  status=0
  "$@" || status=$?
  phases+=("$phase $((SECONDS - start)) s")
  echo "rehearse: $phase took $((SECONDS - start)) s, exit $status"
}
# apt in a minimal system notes that it has no apt-utils: apt's, not the project's.
quiet_stderr() {
  local noise
  noise=$(grep -v '^debconf: delaying package configuration, since apt-utils is not installed$' "$scratch/$1.err" || true)
  [ -z "$noise" ] || failures+=("$1's stderr was not quiet:
$noise")
}

debootstrap_bookworm() {
  debootstrap --variant=minbase --include=git,ca-certificates,sudo bookworm "$root" http://deb.debian.org/debian \
    >"$scratch/debootstrap.log" 2>&1 || { tail -5 "$scratch/debootstrap.log" >&2; return 1; }
}
phase debootstrap debootstrap_bookworm
[ "$status" -eq 0 ] || exit 1
phase clone git clone -q "$PWD" "$root/root/course"
[ "$status" -eq 0 ] || exit 1

# 1. The course VM's provisioning, as cloud-init runs it: its files, then its runcmd.
cloud_init_commands=$("$node" vm/cloud-init.mjs --extract "$root")
phase cloud-init in_fresh "$cloud_init_commands"
[ "$status" -eq 0 ] || failures+=("cloud-init's runcmd exited $status: $(tail -3 "$scratch/cloud-init.err")")
grep -q '^provision: installing ' "$scratch/cloud-init.out" || failures+=("cloud-init's provisioning installed nothing")
quiet_stderr cloud-init

# 2. README's first command: its provision finds nothing missing after cloud-init's.
phase first-command in_fresh "cd /root/course && $first_command > /tmp/next.txt && command -v lab mydocker > /tmp/which.txt; s=\$?; cp /tmp/*.txt /root/; exit \$s"
[ "$status" -eq 0 ] || failures+=("README's first command exited $status")
! grep '^provision: installing ' "$scratch/first-command.out" ||
  failures+=("README's provision installed what cloud-init's did not: the two lists differ")
grep -q '^# Chapter 0' "$root/root/next.txt" 2>/dev/null || failures+=("lab next did not show chapter 0")
[ "$(cat "$root/root/which.txt" 2>/dev/null)" = "$(printf '/root/course/bin/path/lab\n/root/course/bin/path/mydocker')" ] ||
  failures+=("lab and mydocker on PATH are not the clone's: $(tr '\n' ' ' <"$root/root/which.txt" 2>/dev/null)")
quiet_stderr first-command

# 3. to 5. In a new shell, as a learner would: `eval "$(npx lab env)"` first.
in_course='cd /root/course && eval "$(npx lab env)" &&'
phase doctor in_fresh "$in_course lab doctor"
[ "$status" -eq 0 ] || failures+=("lab doctor exited $status")
quiet_stderr doctor
phase check-stub in_fresh "$in_course lab check $lab --json"
stub_status=$status
phase check-solutions in_fresh "$in_course lab check $lab --solutions --json"
solutions_status=$status
quiet_stderr check-solutions
verdict=$("$node" -e '
  const fs = require("node:fs");
  const read = (file) => { try { return JSON.parse(fs.readFileSync(file, "utf8")); } catch { return undefined; } };
  const [stub, solutions] = [read(process.argv[1]), read(process.argv[2])];
  const [stubStatus, solutionsStatus] = [Number(process.argv[3]), Number(process.argv[4])];
  const problems = [];
  if (!stub) problems.push("the stub check wrote no JSON");
  if (!solutions) problems.push("the solutions check wrote no JSON");
  if (stub && solutions) {
    const failing = stub.checks.filter((check) => check.state === "failed");
    if (stubStatus !== 1) problems.push(`the stub check exited ${stubStatus}, not 1`);
    const skipped = (run) => run.checks.filter((check) => check.state !== "passed" && check.state !== "failed").length;
    if (stub.passed || failing.length === 0 || skipped(stub) > 0)
      problems.push(`the stub did not fail on its checks: ${failing.length} failed, ${skipped(stub)} not run (a lab host not made?)`);
    if (stub.specErrors.length > 0) problems.push(`the stub check had spec errors: ${JSON.stringify(stub.specErrors).slice(0, 300)}`);
    if (failing.some((check) => check.errors.length === 0)) problems.push("a failing check of the stub has no message");
    if (solutionsStatus !== 0) problems.push(`the solutions check exited ${solutionsStatus}, not 0`);
    const notPassed = solutions.checks.filter((check) => check.state !== "passed").map((check) => check.name);
    if (!solutions.passed || notPassed.length > 0 || solutions.specErrors.length > 0)
      problems.push(`the solutions did not pass: ${notPassed.join("; ")} ${JSON.stringify(solutions.specErrors).slice(0, 300)}`);
    const names = (run) => JSON.stringify(run.checks.map((check) => check.name).sort());
    if (names(stub) !== names(solutions)) problems.push("the stub and the solutions ran different checks");
    if (problems.length === 0)
      console.log(`the stub fails ${failing.length} of ${stub.checks.length} checks, the solutions pass all ${solutions.checks.length}`);
  }
  for (const problem of problems) console.log(`FAIL ${problem}`);
' "$scratch/check-stub.out" "$scratch/check-solutions.out" "$stub_status" "$solutions_status")
while IFS= read -r line; do
  if [[ $line == FAIL\ * ]]; then failures+=("${line#FAIL }"); fi
done <<<"$verdict"

# What the checker left in the rehearsal's cgroups: nothing, below its own mydocker-checker.
leftovers=$(for dir in "${cgroup_dirs[@]}"; do
  if [ -d "$dir/mydocker-checker" ]; then find "$dir/mydocker-checker" -mindepth 1 -maxdepth 1 -type d; fi
done)
[ -z "$leftovers" ] || failures+=("the checker left cgroups: $leftovers")

echo "rehearse: phases: $(printf '%s, ' "${phases[@]}" | sed 's/, $//')"
if [ "${#failures[@]}" -gt 0 ]; then
  printf 'rehearse: FAIL: %s\n' "${failures[@]}" >&2
  echo "--- first command's stdout"; tail -20 "$scratch/first-command.out"; echo "--- lab doctor"; cat "$scratch/doctor.out"
  exit 1
fi
echo "rehearse: ok: cloud-init's provisioning installed the list, README's first command found nothing missing and shows chapter 0 with lab and mydocker on PATH, lab doctor all ok, $lab: $verdict, stderr quiet"
