#!/usr/bin/env bash
# The newcomer's first hour, its first minutes rehearsed: a fresh Debian 12, README.md's first command,
# and nothing else. debootstrap makes a minimal bookworm in a scratch directory (with git,
# ca-certificates and sudo, as a cloud image has them; no Node, no npm), this checkout is cloned into
# it, and the command runs there in a root shell, in private mount and pid namespaces (nothing mounted
# for it outlives it). It passes when `lab next` shows chapter 0, `lab` and `mydocker` are the clone's,
# `lab doctor` says all is ok, and nothing reached stderr but apt's own notes.
#
#   sudo bash vm/rehearse-fresh-debian.sh [--keep]     # about 3-10 minutes: apt and npm download
#
# It needs debootstrap (installed when missing) and the machine's network to Debian's mirror and the
# npm registry, as a learner's machine has. The machine's CA bundle is copied in, so that a proxy this
# machine trusts is trusted there too. Not part of `npm test`: run it after a change to set-up.
set -euo pipefail
cd "$(dirname "$0")/.."
keep=false
[ "${1:-}" = --keep ] && keep=true

command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
first_command=$(sed -n '/^## The first command/,/^```$/p' README.md | sed -n '/^```sh$/,/^```$/p' | sed '1d;$d')
[ -n "$first_command" ] || { echo "rehearse: README.md has no '## The first command' block" >&2; exit 1; }

scratch=$(mktemp -d /var/tmp/rehearse-fresh-XXXXXX)
cleanup() { if $keep; then echo "rehearse: kept $scratch"; else rm -rf "$scratch"; fi; }
trap cleanup EXIT
root=$scratch/root

echo "rehearse: debootstrap bookworm into $root"
debootstrap --variant=minbase --include=git,ca-certificates,sudo bookworm "$root" http://deb.debian.org/debian >"$scratch/debootstrap.log" 2>&1 ||
  { tail -5 "$scratch/debootstrap.log" >&2; exit 1; }
git clone -q "$PWD" "$root/root/course"

# Runs $2 as root in a login-like shell of the fresh system at $1.
in_fresh() {
  unshare -m -p -f --kill-child bash -c '
    root=$0
    mount --make-rprivate /
    mount --rbind /dev "$root/dev"; mount -t proc proc "$root/proc"; mount --rbind /sys "$root/sys"
    mount -t tmpfs tmpfs "$root/tmp"
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
    exec chroot "$root" env -i HOME=/root TERM=xterm-256color LANG=C.UTF-8 \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin bash -c "$1"
  ' "$@"
}

echo "rehearse: $first_command"
start=$(date +%s)
status=0
in_fresh "$root" "cd /root/course && $first_command > /tmp/next.txt && command -v lab mydocker > /tmp/which.txt && lab doctor > /tmp/doctor.txt; s=\$?; cp /tmp/*.txt /root/; exit \$s" \
  >"$scratch/stdout" 2>"$scratch/stderr" || status=$?
echo "rehearse: took $(($(date +%s) - start)) s, exit $status"

failures=()
[ "$status" -eq 0 ] || failures+=("the first command or lab doctor exited $status")
grep -q '^# Chapter 0' "$root/root/next.txt" 2>/dev/null || failures+=("lab next did not show chapter 0")
[ "$(cat "$root/root/which.txt" 2>/dev/null)" = "$(printf '/root/course/bin/path/lab\n/root/course/bin/path/mydocker')" ] ||
  failures+=("lab and mydocker on PATH are not the clone's: $(tr '\n' ' ' <"$root/root/which.txt" 2>/dev/null)")
# apt in a minimal system notes that it has no apt-utils: apt's, not the project's.
noise=$(grep -v '^debconf: delaying package configuration, since apt-utils is not installed$' "$scratch/stderr" || true)
[ -z "$noise" ] || failures+=("stderr was not quiet:
$noise")
if [ "${#failures[@]}" -gt 0 ]; then
  printf 'rehearse: FAIL: %s\n' "${failures[@]}" >&2
  echo "--- stdout"; tail -20 "$scratch/stdout"; echo "--- lab doctor"; cat "$root/root/doctor.txt" 2>/dev/null || true
  exit 1
fi
echo "rehearse: ok: lab next shows chapter 0, lab and mydocker are on PATH, lab doctor all ok, stderr quiet"
