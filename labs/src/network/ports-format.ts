// How a container's published ports are shown, docker's way: `ps`'s PORTS column and inspect's
// NetworkSettings.Ports. Apart from ports.ts, so that `ps` loads nothing of iptables.
import type { PortBinding } from './types.ts';

/** `ps`'s PORTS column, docker's: `0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp`. */
export function formatPorts(bindings: readonly PortBinding[] = []): string {
  return bindings.map((b) => `${b.hostIp}:${b.hostPort}->${b.containerPort}/${b.protocol}`).join(', ');
}

/** inspect's NetworkSettings.Ports, docker's shape: `{"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}`. */
export function portsSettings(
  bindings: readonly PortBinding[] = [],
): Record<string, { HostIp: string; HostPort: string }[]> {
  const ports: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const binding of bindings) {
    (ports[`${binding.containerPort}/${binding.protocol}`] ??= []).push({
      HostIp: binding.hostIp,
      HostPort: String(binding.hostPort),
    });
  }
  return ports;
}
