#!/usr/bin/env bash
# The one provision script: installs the Debian/Ubuntu packages of vm/packages.txt (the one list) that
# this machine lacks. CI runs it (.ci/run), and so do README's first command, the Vagrantfile and,
# through its copy in vm/cloud-init.yaml, Multipass. Run as root; it installs only what is missing.
#
#   bash vm/provision.sh [--for-contributors] [--list]
#
# --for-contributors adds the list's `contributors` packages and unpacks cloud-init (for its schema
# check) into .lab/tools/cloud-init. --list prints the packages this machine needs, one a line, and
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

# cloud-init, unpacked and not installed: its package enables services that would run at this
# machine's next boot (and may rewrite its network set-up). `cloud-init schema` needs only its Python
# code and the libraries above, run by Debian's /usr/bin/python3 (vm/cloud-init.mjs).
if $contributors; then
  tools=$here/../.lab/tools/cloud-init
  if [ ! -e "$tools/usr/bin/cloud-init" ]; then
    download=$(mktemp -d /tmp/provision-cloud-init-XXXXXX)
    trap 'rm -rf "$download"' EXIT
    fetch() { (cd "$download" && apt-get download -qq -o APT::Sandbox::User=root cloud-init); }
    fetch 2>/dev/null || { $updated || apt-get update -qq; fetch; }
    rm -rf "$tools.partial" && mkdir -p "$(dirname "$tools")"
    dpkg-deb -x "$download"/cloud-init_*.deb "$tools.partial"
    mv "$tools.partial" "$tools"
    echo "provision: unpacked $(basename "$download"/cloud-init_*.deb .deb) into .lab/tools/cloud-init"
  fi
fi
