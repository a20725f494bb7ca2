#!/bin/busybox sh
# PID 1 of the micro-VM (vm/run.mjs; docs/vm.md draws the whole picture). It runs twice:
#  1. from the initramfs: load the virtio and 9p modules, mount the host's / (9p, read-only) on
#     /newroot, copy busybox and this script to a tmpfs on its /run, and switch_root onto it;
#  2. on the host's root: mount what systemd mounts on a cgroup v2 machine (proc, sysfs, cgroup2 only,
#     devpts, tmpfs), the results share, then run the command with its stdout and stderr on virtio
#     ports, report its exit status on a third port, and power off.
# The runner passes one kernel parameter, vmrun=<its run directory>, which the kernel hands to this
# script as an environment variable; that directory (on the host, seen through the share) holds
# guest.env (where to mount the results share) and command.sh (the command, its environment and cwd).
# What goes wrong is printed on the serial console, which the runner shows when no exit status came.

bb=/bin/busybox
[ "$1" = stage2 ] && bb=/run/vm/busybox

say() { echo "vm-init: $*" >/dev/console; }
# Power off at once: qemu exits, and the runner reports that the command never ran.
die() { say "$*"; $bb poweroff -f; exit 1; }
# cache=loose is safe for the root: it is read-only here, and nothing the guest reads changes on the
# host while it runs. msize=512000 is the most the virtio transport takes (fewer, larger 9p messages).
NINEP=trans=virtio,version=9p2000.L,msize=512000

stage1() {
  $bb mount -t proc proc /proc || die 'cannot mount /proc'
  $bb mount -t devtmpfs devtmpfs /dev || die 'cannot mount /dev'
  while read -r module; do
    $bb insmod "/modules/$module.ko" || die "insmod $module failed"
  done </modules/order
  $bb mount -t 9p -o "$NINEP,ro,cache=loose" host /newroot || die "cannot mount the host's root (9p tag host)"
  $bb mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /newroot/run || die 'cannot mount a tmpfs on /run'
  $bb mkdir /newroot/run/vm
  $bb cp /bin/busybox /init /newroot/run/vm/ || die 'cannot copy busybox to /run/vm'
  # /dev goes along (the virtio ports are in it); /proc is mounted again on the new root.
  $bb mount --move /dev /newroot/dev || die 'cannot move /dev'
  $bb umount /proc
  exec $bb switch_root /newroot /run/vm/busybox sh /run/vm/init stage2
}

# Prints the /dev node of the virtio port named $1 (qemu's virtserialport name=...).
port() {
  for dir in /sys/class/virtio-ports/*; do
    [ "$($bb cat "$dir/name" 2>/dev/null)" = "$1" ] && { echo "/dev/${dir##*/}"; return 0; }
  done
  return 1
}

stage2() {
  $bb mount -t proc -o nosuid,nodev,noexec proc /proc || die 'cannot mount /proc'
  $bb mount -t sysfs -o nosuid,nodev,noexec sysfs /sys || die 'cannot mount /sys'
  # Only cgroup2, no v1 hierarchy: a pure v2 machine, mounted as systemd mounts it.
  $bb mount -t cgroup2 -o nosuid,nodev,noexec,nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup ||
    die 'cannot mount cgroup2 on /sys/fs/cgroup'
  $bb mkdir -p /dev/pts /dev/shm
  $bb mount -t devpts -o nosuid,noexec,gid=5,mode=620,ptmxmode=000 devpts /dev/pts || die 'cannot mount /dev/pts'
  $bb mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /dev/shm

  [ -n "$vmrun" ] && [ -f "$vmrun/guest.env" ] || die "no run directory (vmrun=$vmrun): start the VM with vm/run.mjs"
  . "$vmrun/guest.env"
  # The writable places, $writable = "dir:options ...". A tmpfs on /tmp hides the host's /tmp: what
  # the guest must read is never there.
  for place in $writable; do
    dir=${place%%:*}
    [ -d "$dir" ] || die "$dir does not exist on the host, so it cannot be mounted on (run vm/run.mjs as root once)"
    $bb mount -t tmpfs -o "${place#*:}" tmpfs "$dir" || die "cannot mount a tmpfs on $dir"
  done
  # The results share, read-write, at the same path as on the host (made first if a tmpfs hid it).
  $bb mkdir -p "$results"
  $bb mount -t 9p -o "$NINEP,rw,cache=none" results "$results" || die "cannot mount the results share on $results"

  # systemd makes / shared, recursively; the checker's lab host relies on it (checker/harness/labhost.ts).
  $bb mount --make-rshared /
  $bb hostname "$hostname"
  $bb ip link set lo up
  echo '+cpuset +cpu +io +memory +pids' >/sys/fs/cgroup/cgroup.subtree_control ||
    die 'cannot enable the cgroup controllers in /sys/fs/cgroup/cgroup.subtree_control'

  out=$(port stdout) && err=$(port stderr) && status=$(port status) || die 'the virtio ports stdout, stderr, status are missing'
  exec 3>"$status"
  echo started >&3
  # The host's /bin/sh, not busybox's: busybox sh runs its own applets before PATH (stat, sh, ...).
  # While it waits, busybox sh reaps with waitpid(-1), so orphans re-parented to PID 1 leave no zombies.
  $bb env -i /bin/sh "$vmrun/command.sh" </dev/null >"$out" 2>"$err" 3>&-
  echo "exit $?" >&3
  exec 3>&-
  $bb sync
  $bb poweroff -f
}

if [ "$1" = stage2 ]; then stage2; else stage1; fi
die 'init fell through'
