// `mydocker run [OPTIONS] IMAGE [COMMAND] [ARG...]`, parsed docker's way: options end at IMAGE, and
// everything after it belongs to the command, untouched (`run host ls -la` passes -la to ls).
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';
import { DEFAULT_NETWORK } from '../network/mode.ts';
import { parseSecurityOptions } from '../security/options.ts';
import type { RunOptions } from './run.ts';

export const RUN_USAGE = `Usage: mydocker run [OPTIONS] IMAGE [COMMAND] [ARG...]

Run a command in a new container, in IMAGE's root filesystem (default image: busybox). The
pseudo-image 'host' runs it on the host's own filesystem instead (chapters 1-2).

Options:
  -i, --interactive      Keep standard input open for the container
  -t, --tty              A terminal of the container's own (sets TERM)
  -d, --detach           Run in the background and print the container's id; its output goes
                         to its log
      --name NAME        A name for the container, to use instead of its id
      --hostname NAME    The container's host name (default: the first 12 digits of its id)
  -v, --volume HOST:CONTAINER[:ro]
                         Bind-mount a host directory (made if missing) into the container
  -e, --env NAME=value   Set an environment variable (NAME alone copies it from here)
      --rm               Remove the container when it exits
      --explain          Print the plan the container would execute, and do nothing
  -h, --help             Show this help

Resources (chapter 2):
  -m, --memory BYTES     Memory limit (like 64m or 1g; at least 6m; 0: none)
      --memory-swap BYTES  Memory plus swap (-1: unlimited swap; default: twice -m)
      --cpus NUMBER      CPU time, in CPUs (like 0.5)
  -c, --cpu-shares N     Relative CPU weight (default 1024)
      --cpuset-cpus LIST CPUs the container may use (like 0-1 or 0,2)
      --pids-limit N     Most tasks at once (0 or -1: none)

Network (chapter 6):
      --network MODE     bridge (the default network), none (only lo), host (the host's own),
                         container:NAME (NAME's), or the name of a network ('mydocker network ls')
  -p, --publish [IP:]HOSTPORT:CONTAINERPORT[/tcp|udp]
                         Publish a container's port on the host's (CONTAINERPORT alone: a free
                         one is chosen); may be given several times

Security (chapter 7):
      --cap-add CAP      Add a capability to docker's default 14 (CAP_NET_ADMIN, net_admin, ALL);
                         may be given several times
      --cap-drop CAP     Drop a capability (ALL: every one); may be given several times
      --privileged       Every capability and device, no seccomp filter, /proc and /sys whole
      --security-opt OPT seccomp=unconfined|PROFILE.json (docker's JSON format),
                         no-new-privileges[=true|false] (default: true), systempaths=unconfined;
                         may be given several times
      --device HOST[:CONTAINER[:PERMISSIONS]]
                         Give the container a host device (PERMISSIONS: of rwm, default rwm)
      --cgroupns MODE    private (the default: its own cgroup is its "/") or host (the host's paths)
      --userns MODE      host (the default: no user namespace) or remap[:USER] (ids from USER's
                         ranges in /etc/subuid and /etc/subgid; default USER: mydocker)
`;

const OPTIONS = {
  interactive: { type: 'boolean', short: 'i' },
  tty: { type: 'boolean', short: 't' },
  detach: { type: 'boolean', short: 'd' },
  name: { type: 'string' },
  hostname: { type: 'string' },
  volume: { type: 'string', short: 'v', multiple: true },
  env: { type: 'string', short: 'e', multiple: true },
  rm: { type: 'boolean' },
  explain: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  memory: { type: 'string', short: 'm' },
  'memory-swap': { type: 'string' },
  cpus: { type: 'string' },
  'cpu-shares': { type: 'string', short: 'c' },
  'cpuset-cpus': { type: 'string' },
  'pids-limit': { type: 'string' },
  network: { type: 'string' },
  publish: { type: 'string', short: 'p', multiple: true },
  'cap-add': { type: 'string', multiple: true },
  'cap-drop': { type: 'string', multiple: true },
  privileged: { type: 'boolean' },
  'security-opt': { type: 'string', multiple: true },
  device: { type: 'string', multiple: true },
  cgroupns: { type: 'string' },
  userns: { type: 'string' },
} as const;

export function parseRunArguments(given: string[]): RunOptions | 'help' {
  const args = attachNegativeValues(given);
  const imageAt = firstPositional(args);
  const optionArgs = imageAt === undefined ? args : args.slice(0, imageAt);
  let values;
  try {
    ({ values } = parseArgs({ args: optionArgs, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(`${describeParseError(error)} (see 'mydocker run --help')`);
  }
  if (values.help) return 'help';
  if (imageAt === undefined) {
    throw new UsageError(
      `missing required argument 'image': "mydocker run" needs an IMAGE (see 'mydocker run --help')`,
    );
  }
  return {
    image: args[imageAt]!,
    command: args.slice(imageAt + 1),
    interactive: values.interactive ?? false,
    tty: values.tty ?? false,
    detach: values.detach ?? false,
    name: values.name,
    hostname: values.hostname,
    env: values.env ?? [],
    volumes: values.volume ?? [],
    rm: values.rm ?? false,
    explain: values.explain ?? false,
    network: values.network ?? DEFAULT_NETWORK,
    publish: values.publish ?? [],
    security: parseSecurityOptions(values),
    resources: {
      memory: values.memory,
      memorySwap: values['memory-swap'],
      cpus: values.cpus,
      cpuShares: values['cpu-shares'],
      cpusetCpus: values['cpuset-cpus'],
      pidsLimit: values['pids-limit'],
    },
  };
}

/**
 * `--pids-limit -1` and `--memory-swap -1` are documented values, but to parseArgs `-1` looks like an
 * option. Before IMAGE, a negative number after an option that takes a value becomes `--option=-1`.
 */
function attachNegativeValues(args: string[]): string[] {
  const takesValue = (arg: string): boolean =>
    Object.entries(OPTIONS).some(
      ([name, option]) =>
        option.type === 'string' && (arg === `--${name}` || ('short' in option && arg === `-${option.short}`)),
    );
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (takesValue(arg) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg.startsWith('--') ? arg : `--${longName(arg)}`}=${next}`);
      i++;
    } else {
      out.push(arg);
      if (!arg.startsWith('-')) return [...out, ...args.slice(i + 1)]; // IMAGE: the rest is the command's
      if (takesValue(arg) && next !== undefined) out.push(args[++i]!);
    }
  }
  return out;
}

function longName(short: string): string {
  return Object.entries(OPTIONS).find(([, option]) => 'short' in option && `-${option.short}` === short)![0];
}

/** Where IMAGE is: the first argument that is neither an option nor an option's value. */
function firstPositional(args: string[]): number | undefined {
  const { tokens } = parseArgs({ args, options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const token = tokens.find((t) => t.kind === 'positional' || t.kind === 'option-terminator');
  if (!token) return undefined;
  return token.kind === 'option-terminator'
    ? token.index + 1 < args.length
      ? token.index + 1
      : undefined
    : token.index;
}

function describeParseError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const option = /'([^']+)'/.exec(message ?? '')?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option '${option}'`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `option '${option}' needs a value`;
  return message ?? String(error);
}
