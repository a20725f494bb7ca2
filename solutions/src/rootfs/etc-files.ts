// Lab ch3-etc-files: the three files of /etc that describe the container's host name and network.
import { MS_BIND } from '../kernel/constants.ts';
import type { Kernel } from '../kernel/kernel.ts';

/** Nameservers docker falls back to when the host has only local ones. */
export const DEFAULT_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

/** /etc/hosts for a container that has only its loopback so far (docker's, with --network none). */
export function hostsFile(hostname: string): string {
  // SOLUTION: the container's own name resolves to its loopback until it has a network (chapter 6
  // maps it to the container's address instead); the IPv6 lines are docker's.
  return [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    `127.0.0.1\t${hostname}`,
    '',
  ].join('\n');
}

/** The container's /etc/resolv.conf, from the host's. */
export function resolvConf(host: string): string {
  // SOLUTION: a nameserver on 127.0.0.0/8 or ::1 (systemd-resolved's 127.0.0.53, dnsmasq) listens on
  // the host's loopback; the container has a loopback of its own, where nobody answers. docker drops
  // those lines, keeps search and options, and falls back to public resolvers when none is left.
  const lines = host.split('\n').filter((line) => !isLocalNameserver(line));
  const kept = lines.filter((line) => line.trim() !== '');
  if (!kept.some((line) => /^\s*nameserver\s/.test(line))) {
    kept.push(...DEFAULT_NAMESERVERS.map((address) => `nameserver ${address}`));
  }
  return kept.join('\n') + '\n';
}

function isLocalNameserver(line: string): boolean {
  const match = /^\s*nameserver\s+(\S+)/.exec(line);
  return match !== null && (match[1]!.startsWith('127.') || match[1] === '::1');
}

export interface EtcFiles {
  hostname: string;
  hosts: string;
  resolvConf: string;
}

/**
 * Puts the container's own files over /etc/hostname, /etc/hosts and /etc/resolv.conf in `root`.
 * Runs before enterRootfs: `files` are host paths, which the container cannot reach afterwards.
 */
export function bindEtcFiles(kernel: Kernel, root: string, files: EtcFiles): void {
  // SOLUTION: bind mounts, as docker does, rather than copies in the container's layer: they are
  // not part of what `commit` saves, and the runtime can still change them while the container runs.
  kernel.mount(files.hostname, `${root}/etc/hostname`, '', MS_BIND);
  kernel.mount(files.hosts, `${root}/etc/hosts`, '', MS_BIND);
  kernel.mount(files.resolvConf, `${root}/etc/resolv.conf`, '', MS_BIND);
}
