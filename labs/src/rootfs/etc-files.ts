// Lab ch3-etc-files: the three files of /etc that describe the container's host name and network.
import { MS_BIND } from '../kernel/constants.ts';
import type { Kernel } from '../kernel/kernel.ts';

/** Nameservers docker falls back to when the host has only local ones. */
export const DEFAULT_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

/** /etc/hosts for a container that has only its loopback so far (docker's, with --network none). */
export function hostsFile(hostname: string): string {
  // TODO(ch3-etc-files): `localhost` and the container's own name must resolve without DNS. To
  // which address, while the container has no network but its loopback? (Look at docker's file with
  // `docker run --rm --network none busybox cat /etc/hosts` if you have docker.)
  void hostname;
  return '';
}

/** The container's /etc/resolv.conf, from the host's. */
export function resolvConf(host: string): string {
  // TODO(ch3-etc-files): a copy of the host's file. Is every nameserver in it reachable from inside
  // the container? Think of systemd-resolved's 127.0.0.53, and of whose loopback 127.0.0.53 is in a
  // new network namespace. What should the container get if no nameserver is left?
  void DEFAULT_NAMESERVERS;
  return host;
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
  // TODO(ch3-etc-files): the runtime wrote the three files into the container's directory (files.*).
  // Make them appear at /etc/hostname, /etc/hosts and /etc/resolv.conf of `root`. Why not copy them
  // into the image's /etc instead?
  void [kernel, root, files, MS_BIND];
}
