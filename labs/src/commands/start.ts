// `mydocker start [-a] [-i] CONTAINER`: runs an ended container again, with its own upper layer kept
// (what it wrote is still there), from what config.json recorded at run: the image, the final command,
// hostname, environment, terminal, volumes, resources. Starting a running container is no error and
// changes nothing (docker's "already started"). Without -a it runs detached, as `run -d` does: the
// supervising shim stays, the output goes to the container's log, and the full id is printed.
import { DEFAULT_SECURITY } from '../security/options.ts';
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';
import { StateStore, type ContainerState } from '../state/store.ts';
import { flagError } from './flags.ts';
import type { RunHooks, RunOptions } from './run.ts';
import type { NetworkConfig } from '../network/types.ts';

export const START_USAGE = `Usage: mydocker start [OPTIONS] CONTAINER

Start a container that has ended, with its own files kept

Options:
  -a, --attach        Attach its output (and its exit code); the container runs in the foreground
  -i, --interactive   Attach its standard input too
`;

export async function start(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        attach: { type: 'boolean', short: 'a' },
        interactive: { type: 'boolean', short: 'i' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (error) {
    throw flagError(error, 'start');
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(START_USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(`"mydocker start" requires exactly 1 argument (see 'mydocker start --help')`);
  }
  const reference = positionals[0]!;
  const store = new StateStore();
  const container = store.resolve(reference);
  if (container.status === 'running') {
    process.stdout.write(`${reference}\n`);
    return 0;
  }
  return startAgain(store, container, { interactive: values.interactive ?? false, detach: !values.attach });
}

/** An ended container run again from what config.json keeps (the daemon's start too, with its hooks). */
export async function startAgain(
  store: StateStore,
  container: ContainerState,
  how: { interactive: boolean; detach: boolean },
  hooks?: RunHooks,
): Promise<number> {
  const { run } = await import('./run.ts');
  return run(
    runOptionsOf(container, how.interactive, how.detach),
    {
      id: container.id,
      command: container.command,
      hostSteps: store.restartSteps(container.id, container.rm),
      ...(container.network && { network: container.network }),
    },
    hooks,
  );
}

/** The options `run` was given, as config.json keeps them; what an older entry lacks takes run's default. */
export function runOptionsOf(container: ContainerState, interactive: boolean, detach: boolean): RunOptions {
  return {
    detach,
    image: container.image,
    command: container.command,
    interactive: interactive && (container.interactive ?? true),
    tty: container.tty ?? false,
    ...(container.name !== undefined && { name: container.name }),
    hostname: container.hostname,
    env: container.env ?? [],
    volumes: container.volumes ?? [],
    rm: container.rm ?? false,
    explain: false,
    resources: container.resources ?? {},
    network: networkModeOf(container.network),
    publish: [], // run takes the ports it published from config.json: the same host ports again
    security: container.security ?? DEFAULT_SECURITY,
  };
}

/** --network as run was given it; an entry from before chapter 6 had a namespace with nothing in it. */
function networkModeOf(network: NetworkConfig | undefined): string {
  if (!network) return 'none';
  if (network.mode === 'container') return `container:${network.container}`;
  return network.mode === 'bridge' ? (network.network ?? 'bridge') : network.mode;
}
