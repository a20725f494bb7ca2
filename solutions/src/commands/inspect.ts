// `mydocker inspect [-f FORMAT] CONTAINER...`: docker's JSON for the fields this runtime has. An
// unknown container prints nothing for it and a line on stderr; the others are still shown; exit 1.
import { parseArgs } from 'node:util';
import { flagError } from './flags.ts';
import { parseBytes, type ResourceFlags } from '../cgroups/resources.ts';
import { UsageError } from '../errors.ts';
import { parseFormat, TemplateError } from '../format/template.ts';
import { StateStore, type ContainerState } from '../state/store.ts';
import { portsSettings } from '../network/ports-format.ts';
import type { NetworkConfig } from '../network/types.ts';
import { PREDEFINED_NETWORKS } from '../network/predefined.ts';

export const INSPECT_USAGE = `Usage: mydocker inspect [OPTIONS] CONTAINER [CONTAINER...]

Return low-level information on containers, as JSON

Options:
  -f, --format string   Format output using a Go template ({{.State.Pid}}, {{json .Config}}, ...)
`;

const ZERO_TIME = '0001-01-01T00:00:00Z'; // docker's unset time (Go's zero time.Time)

export function inspect(args: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { format: { type: 'string', short: 'f' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
  } catch (error) {
    throw flagError(error, 'inspect');
  }
  if (parsed.values.help) {
    process.stdout.write(INSPECT_USAGE);
    return 0;
  }
  if (parsed.positionals.length === 0) {
    throw new UsageError(`"mydocker inspect" requires at least 1 argument (see 'mydocker inspect --help')`);
  }
  let template;
  try {
    template = parsed.values.format === undefined ? undefined : parseFormat(parsed.values.format);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const reader = new StateStore();
  const found: object[] = [];
  let failed = false;
  for (const reference of parsed.positionals) {
    try {
      found.push(inspectShape(reader.resolve(reference)));
    } catch (error) {
      process.stderr.write(`mydocker: ${(error as Error).message}\n`);
      failed = true;
    }
  }
  if (!template) process.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
  else {
    try {
      process.stdout.write(found.map((shape) => `${template.render(shape)}\n`).join(''));
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      process.stderr.write(`mydocker: ${error.message}\n`);
      return 1;
    }
  }
  return failed ? 1 : 0;
}

/** docker's field names and nesting (the Engine API's ContainerInspect), for what the store knows. */
export function inspectShape(container: ContainerState) {
  const running = container.status === 'running';
  const [path = '', ...commandArgs] = container.command;
  const resources: ResourceFlags = container.resources ?? {};
  return {
    Id: container.id,
    Created: container.created,
    Path: path,
    Args: commandArgs,
    State: {
      Status: container.status,
      Running: running,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: running ? (container.pid ?? 0) : 0,
      ExitCode: container.status === 'exited' ? (container.exitCode ?? 255) : 0,
      Error: '',
      StartedAt: container.startedAt ?? ZERO_TIME,
      FinishedAt: container.finishedAt ?? ZERO_TIME,
    },
    Image: container.image,
    Name: `/${container.name ?? ''}`,
    HostConfig: {
      Binds: container.volumes ?? null,
      AutoRemove: container.rm ?? false,
      Memory: bytes(resources.memory),
      NanoCpus: resources.cpus === undefined ? 0 : Math.round(Number(resources.cpus) * 1e9),
      CpusetCpus: resources.cpusetCpus ?? '',
      PidsLimit: resources.pidsLimit === undefined ? null : Number(resources.pidsLimit),
      NetworkMode: networkMode(container.network),
    },
    Mounts: (container.volumes ?? []).map((volume) => {
      const [source, destination, mode = ''] = volume.split(':');
      return {
        Type: 'bind',
        Source: source,
        Destination: destination,
        Mode: mode,
        RW: mode !== 'ro',
        Propagation: 'rprivate',
      };
    }),
    Config: {
      Hostname: container.hostname,
      Tty: container.tty ?? false,
      OpenStdin: container.interactive ?? false,
      Env: container.env ?? null,
      Cmd: container.command,
      Image: container.image,
      WorkingDir: container.workingDir ?? '',
    },
    NetworkSettings: networkSettings(container.network),
  };
}

/** HostConfig.NetworkMode as docker writes it: bridge, none, host, container:<id>, or the network's name. */
function networkMode(network: NetworkConfig | undefined): string {
  if (!network) return 'none'; // an entry from before chapter 6: a namespace with nothing in it
  if (network.mode === 'container') return `container:${network.container}`;
  return network.mode === 'bridge' ? (network.network ?? 'bridge') : network.mode;
}

/**
 * docker's NetworkSettings: one entry under Networks per network joined (`none` and `host` have theirs,
 * with their ids and no address; container:X has none, X's are its), and the top-level address fields, which docker fills for
 * the default network only (deprecated there, kept for scripts: `{{.NetworkSettings.IPAddress}}`).
 */
function networkSettings(network: NetworkConfig | undefined) {
  const endpoint = network?.endpoint;
  const fields = {
    Gateway: endpoint?.gateway ?? '',
    IPAddress: endpoint?.address ?? '',
    IPPrefixLen: endpoint?.prefix ?? 0,
    MacAddress: endpoint?.mac ?? '',
  };
  const onDefault = endpoint?.network === 'bridge';
  const name =
    network?.mode === 'container'
      ? undefined
      : network?.mode === 'bridge'
        ? endpoint?.network
        : (network?.mode ?? 'none');
  return {
    Ports: portsSettings(network?.ports ?? []),
    ...(onDefault ? fields : { Gateway: '', IPAddress: '', IPPrefixLen: 0, MacAddress: '' }),
    Networks:
      name === undefined
        ? {}
        : { [name]: { NetworkID: endpoint?.networkId ?? predefinedId(name), EndpointID: '', ...fields } },
  };
}

/** host's and none's fixed ids (network/predefined.ts); a network joined before it had an address, none. */
function predefinedId(name: string): string {
  return PREDEFINED_NETWORKS.find((network) => network.name === name)?.id ?? '';
}

/** -m as it was given, in bytes (0: no limit), read as `run` reads it. */
function bytes(given: string | undefined): number {
  if (given === undefined) return 0;
  try {
    return parseBytes(given, '--memory');
  } catch {
    return 0;
  }
}
