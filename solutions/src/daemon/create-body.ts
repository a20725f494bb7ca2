// POST /containers/create: docker's body (the Engine API's ContainerConfig with its HostConfig) into
// the options `mydocker run` takes. What the body sets that this runtime cannot do is refused with a
// 400 naming the field, never dropped in silence; the zero values every docker CLI sends are fine.
import type { RunOptions } from '../commands/run.ts';
import { DEFAULT_NETWORK } from '../network/mode.ts';
import { parseSecurityOptions } from '../security/options.ts';
import { badRequest } from './api-error.ts';

type Json = Record<string, unknown>;

/** Fields this runtime has no way to honour, when they hold anything but their zero value. */
const UNSUPPORTED_CONFIG = ['User', 'WorkingDir', 'Entrypoint', 'Healthcheck', 'Shell', 'StopSignal', 'Volumes'];
const UNSUPPORTED_HOST = [
  'VolumesFrom',
  'Links',
  'PidMode',
  'IpcMode',
  'UTSMode',
  'ReadonlyRootfs',
  'PublishAllPorts',
  'Init',
  'Dns',
  'DnsSearch',
  'ExtraHosts',
  'GroupAdd',
  'Ulimits',
  'Tmpfs',
  'Mounts',
  'DeviceRequests',
  'DeviceCgroupRules',
  'MaskedPaths',
  'ReadonlyPaths',
];

export function runOptionsOfBody(body: unknown, name: string | undefined): RunOptions {
  if (!isObject(body)) throw badRequest('the body must be a JSON object: the container config');
  const host = body.HostConfig === undefined || body.HostConfig === null ? {} : body.HostConfig;
  if (!isObject(host)) throw badRequest('HostConfig must be an object');
  refuseSet(body, UNSUPPORTED_CONFIG, '');
  refuseSet(host, UNSUPPORTED_HOST, 'HostConfig.');
  const restart = isObject(host.RestartPolicy) ? host.RestartPolicy.Name : undefined;
  if (restart !== undefined && restart !== '' && restart !== 'no')
    throw badRequest(`HostConfig.RestartPolicy "${String(restart)}" is not supported by mydocker: only "no"`);
  const image = body.Image;
  if (typeof image !== 'string' || image === '') throw badRequest('Config.Image is required: the image to run');
  const tty = bool(body.Tty, 'Tty');
  return {
    image,
    command: strings(body.Cmd, 'Cmd'),
    interactive: bool(body.OpenStdin, 'OpenStdin'),
    tty,
    detach: true, // the daemon's containers always run detached: clients attach to them
    ...(name !== undefined && { name }),
    ...(typeof body.Hostname === 'string' && body.Hostname !== '' && { hostname: body.Hostname }),
    env: strings(body.Env, 'Env'),
    volumes: strings(host.Binds, 'HostConfig.Binds'),
    rm: false, // AutoRemove is the daemon's (RunHooks.autoRemove), so that waiters get the exit code
    explain: false,
    resources: {
      ...positive(host.Memory, 'memory', (n) => String(n)),
      ...swap(host.MemorySwap),
      ...positive(host.NanoCpus, 'cpus', (n) => String(n / 1e9)),
      ...positive(host.CpuShares, 'cpuShares', (n) => String(n)),
      ...(typeof host.CpusetCpus === 'string' && host.CpusetCpus !== '' && { cpusetCpus: host.CpusetCpus }),
      ...positive(host.PidsLimit, 'pidsLimit', (n) => String(n)),
    },
    network: networkMode(host.NetworkMode),
    publish: portBindings(host.PortBindings),
    security: securityOf(host),
  };
}

/** StdinOnce: the end of the first attach's input ends the container's (docker run -i sets it, -di not). */
export function stdinOnceOf(body: unknown): boolean {
  return isObject(body) && body.StdinOnce === true;
}

/** HostConfig.AutoRemove: `docker run --rm`. */
export function autoRemoveOf(body: unknown): boolean {
  return isObject(body) && isObject(body.HostConfig) && body.HostConfig.AutoRemove === true;
}

function securityOf(host: Json) {
  const options = strings(host.SecurityOpt, 'HostConfig.SecurityOpt');
  // The docker CLI reads a seccomp profile file itself and sends its content: seccomp={...}.
  const profile = options.find((option) => /^seccomp[=:]\s*\{/.test(option));
  const security = parseSecurityOptions({
    'cap-add': strings(host.CapAdd, 'HostConfig.CapAdd'),
    'cap-drop': strings(host.CapDrop, 'HostConfig.CapDrop'),
    privileged: bool(host.Privileged, 'HostConfig.Privileged'),
    'security-opt': options
      .filter((option) => option !== profile)
      .map((option) => option.replace(/^([a-z-]+):/, '$1=')),
    device: devices(host.Devices),
    ...(typeof host.CgroupnsMode === 'string' && host.CgroupnsMode !== '' && { cgroupns: host.CgroupnsMode }),
    ...(typeof host.UsernsMode === 'string' && host.UsernsMode !== '' && { userns: host.UsernsMode }),
  });
  if (profile === undefined) return security;
  return { ...security, seccomp: { kind: 'file' as const, path: '(sent by the client)', content: profile.slice(8) } };
}

function devices(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw badRequest('HostConfig.Devices must be an array');
  return value.map((device) => {
    if (!isObject(device) || typeof device.PathOnHost !== 'string')
      throw badRequest('each of HostConfig.Devices needs PathOnHost');
    const inside = typeof device.PathInContainer === 'string' && device.PathInContainer ? device.PathInContainer : '';
    const permissions = typeof device.CgroupPermissions === 'string' ? device.CgroupPermissions : '';
    return [device.PathOnHost, inside, permissions].filter((part, index) => index === 0 || part).join(':');
  });
}

/** NetworkMode: the CLI sends "default" for docker's default, which is this runtime's bridge. */
function networkMode(value: unknown): string {
  if (value === undefined || value === null || value === '' || value === 'default') return DEFAULT_NETWORK;
  if (typeof value !== 'string') throw badRequest('HostConfig.NetworkMode must be a string');
  return value;
}

/** {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]} into -p's words: 8080:80/tcp. */
function portBindings(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!isObject(value)) throw badRequest('HostConfig.PortBindings must be an object');
  return Object.entries(value).flatMap(([port, bindings]) => {
    if (!Array.isArray(bindings) || bindings.length === 0) return [port];
    return bindings.map((binding) => {
      const { HostIp: ip, HostPort: hostPort } = isObject(binding) ? binding : {};
      const prefix = typeof ip === 'string' && ip !== '' ? `${ip}:` : '';
      return typeof hostPort === 'string' && hostPort !== '' ? `${prefix}${hostPort}:${port}` : `${prefix}${port}`;
    });
  });
}

function swap(value: unknown): { memorySwap?: string } {
  if (value === undefined || value === null || value === 0) return {};
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw badRequest('HostConfig.MemorySwap must be an integer');
  return { memorySwap: String(value) };
}

/** A number field whose zero (or null) means "not set", as docker's. */
function positive<K extends string>(value: unknown, key: K, text: (n: number) => string): Partial<Record<K, string>> {
  if (value === undefined || value === null || value === 0) return {};
  if (typeof value !== 'number' || !Number.isFinite(value)) throw badRequest(`${key} must be a number`);
  return { [key]: text(value) } as Partial<Record<K, string>>;
}

function refuseSet(object: Json, fields: readonly string[], prefix: string): void {
  for (const field of fields) {
    if (isSet(object[field]))
      throw badRequest(
        `${prefix}${field} is not supported by mydocker (it was set to ${JSON.stringify(object[field])})`,
      );
  }
}

function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '' || value === 0) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return true;
}

/** docker's strslice: an array of strings, a single string, or null. */
function strings(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  throw badRequest(`${field} must be an array of strings`);
}

function bool(value: unknown, field: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw badRequest(`${field} must be true or false`);
  return value;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
