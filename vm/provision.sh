#!/usr/bin/env bash
# The one provision script: installs the Debian/Ubuntu packages of vm/packages.txt (the one list) that
# this machine lacks. CI runs it (.ci/run), and so do README's first command, the Vagrantfile and,
# through its copy in vm/cloud-init.yaml, Multipass. Run as root; it installs only what is missing.
#
#   bash vm/provision.sh [--for-contributors] [--list]
#
# It also unpacks (never installs) docker-registry and docker.io into .lab/tools/ (below: chapter 8's
# registry and docker client). --for-contributors adds the list's `contributors` packages and unpacks
# cloud-init (for its schema check) into .lab/tools/cloud-init. --list prints the packages this machine needs, one a line, and
# installs nothing. PROVISION_FACTS (e.g. "amd64 debian") replaces what this machine is, for --list
# (the tests read other machines' lists with it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
list=$here/packages.txt
contributors=false
only_list=false
for argument in "$@"; do
  case $argument in
    --for-contributors) contributors=true ;;
    --list) only_list=true ;;
    *)
      echo "provision: unknown option '$argument'; usage: bash vm/provision.sh [--for-contributors] [--list]" >&2
      exit 2
      ;;
  esac
done
[ -r "$list" ] || { echo "provision: $list is missing: it is the list of packages to install" >&2; exit 1; }

# What this machine is, in the words of packages.txt's conditions.
machine_facts() {
  [ "$(dpkg --print-architecture)" = amd64 ] && echo amd64
  grep -qx 'ID=debian' /etc/os-release && echo debian
  command -v npm >/dev/null || echo no-npm
  true
}
facts=" ${PROVISION_FACTS-$(machine_facts | tr '\n' ' ')} "
$contributors && facts+="contributors "

packages=()
number=0
while IFS= read -r line || [ -n "$line" ]; do
  number=$((number + 1))
  read -r package conditions <<<"${line%%#*}" || true
  [ -n "${package:-}" ] || continue
  for condition in $conditions; do
    case $condition in
      amd64 | debian | no-npm | contributors) ;;
      *)
        echo "provision: vm/packages.txt line $number: unknown condition '$condition' (amd64, debian, no-npm or contributors)" >&2
        exit 1
        ;;
    esac
    [[ $facts == *" $condition "* ]] || continue 2
  done
  packages+=("$package")
done <"$list"

if $only_list; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
updated=false
if [ "${#missing[@]}" -gt 0 ]; then
  echo "provision: installing ${missing[*]}"
  apt-get update -qq
  updated=true
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Packages unpacked into .lab/tools/PACKAGE with `dpkg-deb -x`, never installed: installing runs their
# maintainer scripts, which start or enable services. They are kept here, not in packages.txt, whose
# packages provision installs.
#   cloud-init (--for-contributors): its package enables services that would run at this machine's
#     next boot (and may rewrite its network set-up); `cloud-init schema` needs only its Python code and
#     the libraries above, run by Debian's /usr/bin/python3 (vm/cloud-init.mjs).
#   docker-registry: chapter 8's checks and bench/pull.ts start its binary themselves, on 127.0.0.1
#     only; the package's postinst would start it as a service listening on every interface.
#   docker.io: only its `docker` client is used (chapter 8, against mydocker's Engine API); the package
#     would start dockerd. Its dependencies (containerd, ...) are not needed for the client.
#   containerd, for contributors: bench/daemon.ts starts docker.io's dockerd in a sandbox of its own
#     (its own mount and network namespaces, directories and cgroup parent) as the peer of `docker run`
#     through mydocker's daemon, and dockerd starts this containerd itself.
# The paths are scripts/build/peer-tools.mjs's. The tools go into the course's .lab/ (this script's
# ../.lab), so only when this script is the course's own: cloud-init's copy runs outside the course.
unpack_tool() {
  local package=$1 probe=$2
  local tools=$here/../.lab/tools/$package
  [ -e "$tools/$probe" ] && return 0
  local download
  download=$(mktemp -d "/tmp/provision-$package-XXXXXX")
  # shellcheck disable=SC2064 # the directory is known now
  trap "rm -rf '$download'" EXIT
  fetch() { (cd "$download" && apt-get download -qq -o APT::Sandbox::User=root "$package"); }
  fetch 2>/dev/null || { $updated || { apt-get update -qq && updated=true; }; fetch; }
  rm -rf "$tools.partial" && mkdir -p "$(dirname "$tools")"
  dpkg-deb -x "$download/${package}"_*.deb "$tools.partial"
  mv "$tools.partial" "$tools"
  echo "provision: unpacked $(basename "$download/${package}"_*.deb .deb) into .lab/tools/$package"
  rm -rf "$download"
  trap - EXIT
}

if [ -e "$here/../package.json" ]; then
  if $contributors; then unpack_tool cloud-init usr/bin/cloud-init; fi
  unpack_tool docker-registry usr/bin/docker-registry
  unpack_tool docker.io usr/bin/docker
  if $contributors; then unpack_tool containerd usr/bin/containerd; fi
fi
