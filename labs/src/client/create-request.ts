// `mydocker run`'s options as the Engine API's create body (the other way round from the daemon's
// create-body.ts), so that -H sends docker's own request for them.
import { readFileSync } from 'node:fs';
import { parseBytes } from '../cgroups/resources.ts';
import type { RunOptions } from '../commands/run.ts';
import { UsageError } from '../errors.ts';

export function createRequest(options: RunOptions) {
  const { resources, security } = options;
  return {
    Image: options.image,
    Cmd: options.command.length > 0 ? options.command : null,
    Env: options.env,
    Tty: options.tty,
    OpenStdin: options.interactive,
    StdinOnce: options.interactive,
    AttachStdin: options.interactive && !options.detach,
    AttachStdout: !options.detach,
    AttachStderr: !options.detach,
    ...(options.hostname !== undefined && { Hostname: options.hostname }),
    HostConfig: {
      Binds: options.volumes,
      AutoRemove: options.rm,
      NetworkMode: options.network,
      PortBindings: portBindings(options.publish),
      ...(resources.memory !== undefined && { Memory: parseBytes(resources.memory, '--memory') }),
      ...(resources.memorySwap !== undefined && {
        MemorySwap: resources.memorySwap === '-1' ? -1 : parseBytes(resources.memorySwap, '--memory-swap'),
      }),
      ...(resources.cpus !== undefined && { NanoCpus: Math.round(Number(resources.cpus) * 1e9) }),
      ...(resources.cpuShares !== undefined && { CpuShares: Number(resources.cpuShares) }),
      ...(resources.cpusetCpus !== undefined && { CpusetCpus: resources.cpusetCpus }),
      ...(resources.pidsLimit !== undefined && { PidsLimit: Number(resources.pidsLimit) }),
      CapAdd: security.capAdd,
      CapDrop: security.capDrop,
      Privileged: security.privileged,
      SecurityOpt: securityOpt(security),
      Devices: security.devices.map((device) => {
        const [host, inside = host, permissions = 'rwm'] = device.split(':');
        return { PathOnHost: host, PathInContainer: inside, CgroupPermissions: permissions };
      }),
      ...(security.cgroupns !== undefined && { CgroupnsMode: security.cgroupns }),
      ...(security.userns !== 'host' && { UsernsMode: security.userns }),
    },
  };
}

/** -p's words as docker's PortBindings: 8080:80/tcp is {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}. */
function portBindings(publish: readonly string[]): Record<string, { HostIp: string; HostPort: string }[]> {
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const given of publish) {
    const [ports, protocol = 'tcp'] = given.split('/');
    const parts = ports!.split(':');
    const containerPort = parts.pop()!;
    const hostPort = parts.pop() ?? '';
    const hostIp = parts.join(':');
    (bindings[`${containerPort}/${protocol}`] ??= []).push({ HostIp: hostIp, HostPort: hostPort });
  }
  return bindings;
}

/** The CLI reads a seccomp profile and sends its content, as docker's CLI does. */
function securityOpt(security: RunOptions['security']): string[] {
  const options: string[] = [];
  if (security.seccomp.kind === 'unconfined') options.push('seccomp=unconfined');
  if (security.seccomp.kind === 'file') {
    const { path } = security.seccomp;
    let content: string;
    try {
      content = readFileSync(path, 'utf8');
    } catch (error) {
      throw new UsageError(`opening seccomp profile (${path}) failed: ${(error as Error).message}`);
    }
    options.push(`seccomp=${content}`);
  }
  if (security.noNewPrivileges !== undefined) options.push(`no-new-privileges=${security.noNewPrivileges}`);
  if (security.systemPathsUnconfined) options.push('systempaths=unconfined');
  return options;
}
