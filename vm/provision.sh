#!/usr/bin/env bash
# The one provision script: the Debian/Ubuntu packages the course needs. CI runs it (.ci/run), and so
# do the Vagrant and Multipass set-ups beside it. Run as root; it installs only what is missing.
set -euo pipefail

# gcc/make/libc6-dev build native/; busybox-static makes the default image; iptables, iproute2,
# procps and util-linux (unshare, nsenter) are what the runtime and the checker call; runc and
# hyperfine are the benchmark's peer and timer, iperf3 measures chapter 6's TCP throughput between
# namespaces (bench/network.ts; the micro-VM sees it on its 9p root); umoci and skopeo make the multi-layer image fixtures
# (OCI layout and docker save archives) offline, and attr's getfattr reads a layer's xattrs in the
# checks; npm brings Node where the machine has none.
packages=(gcc make libc6-dev busybox-static iptables iproute2 procps util-linux runc hyperfine iperf3 umoci skopeo attr)
# qemu-system-x86 and linux-image-amd64 are for the cgroup v2 micro-VM (vm/run.mjs, docs/vm.md): it
# boots Debian's kernel from /boot with its modules from /lib/modules. On a host that runs another
# kernel, installing the package only adds those files; the host keeps booting its own. Ubuntu has
# no linux-image-amd64 (and is cgroup v2 already): its own kernel in /boot serves. xz-utils unpacks
# the kernel once, so that each boot skips its self-decompression (vm/vmlinux.mjs).
if [ "$(dpkg --print-architecture)" = amd64 ]; then
  packages+=(qemu-system-x86 xz-utils)
  if grep -qx 'ID=debian' /etc/os-release; then packages+=(linux-image-amd64); fi
fi
command -v npm >/dev/null || packages+=(npm)
# --for-contributors: also what `npm test` checks the project's own code with (CONTRIBUTING.md):
# clang-format for native/ (Debian's, about 110 MB with LLVM: not every learner's business); tmux,
# the real terminal `lab watch` is tested in; ruby, whose `ruby -c` checks vm/Vagrantfile's syntax;
# libxml2-utils, whose xmllint proves `lab grade`'s JUnit XML well-formed.
[ "${1:-}" = --for-contributors ] && packages+=(clang-format tmux ruby libxml2-utils)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "provision: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
