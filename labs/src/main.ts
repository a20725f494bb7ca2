// mydocker's command line: it declares the commands and loads each one only when it runs. This is the
// only file that decides the process's exit code.
//
// Arguments are parsed with node:util's parseArgs, not a library: every `mydocker run` pays for what
// it loads before the container starts, and commander alone costs more than the 10 ms budget (see
// docs/benchmarks.md and docs/decisions/0003-commonjs-bundle-and-parseargs.md).
import { UsageError } from './errors.ts';

const USAGE = `Usage: mydocker COMMAND

A container runtime you write yourself, chapter by chapter.

Commands:
  run         Run a command in a new container
  exec        Run a command in a running container
  image       Import an image: mydocker image import FILE NAME
  pull        Download an image from a registry on this machine
  images      List the images
  rmi         Remove images
  rm          Remove containers (-f: a running one too, killed first)
  commit      Make a new image from a container's changes
  export      Write a container's filesystem to a tar file
  ps          List containers
  inspect     Show containers' details as JSON
  logs        Show what a detached container printed
  stop        Stop running containers (SIGTERM, then SIGKILL)
  kill        Send a signal to running containers
  wait        Wait for containers to end and print their exit codes
  start       Start a container that has ended, its files kept
  restart     Stop containers, then start them again
  top         Show the processes of a container
  network     Manage networks: create, ls, inspect, rm
  daemon      Serve docker's Engine API on a unix socket, for docker's CLI

With -H unix://PATH (or DOCKER_HOST) before the command, run, ps, images, logs, stop, kill,
start, restart, rm, inspect, wait and pull are requests to that daemon instead.

Run 'mydocker COMMAND --help' for more information on a command.
`;

const commands: Record<string, (args: string[]) => Promise<number>> = {
  run: async (args) => {
    const { parseRunArguments, RUN_USAGE } = await import('./commands/run-arguments.ts');
    const options = parseRunArguments(args);
    if (options === 'help') {
      process.stdout.write(RUN_USAGE);
      return 0;
    }
    const { run } = await import('./commands/run.ts');
    return run(options);
  },
  exec: async (args) => {
    const { parseExecArguments, EXEC_USAGE } = await import('./commands/exec-arguments.ts');
    const options = parseExecArguments(args);
    if (options === 'help') {
      process.stdout.write(EXEC_USAGE);
      return 0;
    }
    const { exec } = await import('./commands/exec.ts');
    return exec(options);
  },
  image: async (args) => (await import('./commands/images.ts')).image(args),
  pull: async (args) => (await import('./commands/pull.ts')).pull(args),
  images: async (args) => (await import('./commands/images.ts')).images(args),
  rmi: async (args) => (await import('./commands/images.ts')).rmi(args),
  rm: async (args) => {
    const force = args.some((arg) => arg === '-f' || arg === '--force');
    const rest = args.filter((arg) => arg !== '-f' && arg !== '--force');
    const references = operands(rest, 'rm [-f] CONTAINER [CONTAINER...]', 1, Infinity);
    const { removeContainers } = await import('./commands/containers.ts');
    return removeContainers(references, force);
  },
  commit: async (args) => {
    const [container, image] = operands(args, 'commit CONTAINER IMAGE', 2, 2);
    const { commit } = await import('./commands/containers.ts');
    return commit(container!, image!);
  },
  export: async (args) => {
    const [container, file] = operands(args, 'export CONTAINER FILE', 2, 2);
    const { exportContainer } = await import('./commands/containers.ts');
    return exportContainer(container!, file!);
  },
  // Chapter 5: the commands that read the store and act on its containers.
  ps: async (args) => (await import('./commands/ps.ts')).ps(args),
  inspect: async (args) => (await import('./commands/inspect.ts')).inspect(args),
  logs: async (args) => (await import('./commands/logs.ts')).logs(args),
  stop: async (args) => (await import('./commands/lifecycle.ts')).stop(args),
  restart: async (args) => (await import('./commands/lifecycle.ts')).restart(args),
  kill: async (args) => (await import('./commands/lifecycle.ts')).kill(args),
  wait: async (args) => (await import('./commands/lifecycle.ts')).wait(args),
  start: async (args) => (await import('./commands/start.ts')).start(args),
  top: async (args) => (await import('./commands/top.ts')).top(args),
  // Chapter 6: the networks.
  network: async (args) => (await import('./commands/network.ts')).network(args),
  // Chapter 8: the runtime as a server of docker's Engine API.
  daemon: async (args) => (await import('./commands/daemon.ts')).daemon(args),
};

/** The operands of a command that takes no options: between `min` and `max` of them. */
function operands(args: string[], usage: string, min: number, max: number): string[] {
  const option = args.find((arg) => arg.startsWith('-') && arg !== '-');
  if (option !== undefined) throw new UsageError(`unknown option '${option}' (usage: mydocker ${usage})`);
  if (args.length < min || args.length > max) {
    throw new UsageError(
      `"mydocker ${usage.split(' ')[0]}" needs ${min === max ? min : `at least ${min}`} argument${min === 1 ? '' : 's'} (usage: mydocker ${usage})`,
    );
  }
  return args;
}

async function main(given: string[]): Promise<number> {
  const { host, argv } = hostOption(given);
  const [name, ...args] = argv;
  // -H unix://PATH, or DOCKER_HOST: a client of that daemon (chapter 8), for what the API has.
  if (host !== undefined && name !== undefined && name !== 'daemon' && !name.startsWith('-') && name !== 'help') {
    const { remoteCommand } = await import('./client/remote.ts');
    return remoteCommand(host, name, args);
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command '${name}' (see 'mydocker --help')`);
  return command(args);
}

/** -H/--host before the command, else DOCKER_HOST (empty: none), and the arguments without it. */
function hostOption(argv: string[]): { host: string | undefined; argv: string[] } {
  const [first, second] = argv;
  if (first === '-H' || first === '--host') {
    if (second === undefined) throw new UsageError(`${first} needs a value: unix:///PATH of a daemon's socket`);
    return { host: second, argv: argv.slice(2) };
  }
  if (first?.startsWith('--host=')) return { host: first.slice('--host='.length), argv: argv.slice(1) };
  return { host: process.env.DOCKER_HOST || undefined, argv };
}

/** One line on stderr, and docker's exit code: 125 unless the error carries its own. */
function fail(error: unknown): number {
  const exitCode = (error as { exitCode?: number }).exitCode;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`mydocker: ${message}\n`);
  if (exitCode === undefined && error instanceof Error && process.env.MYDOCKER_DEBUG)
    process.stderr.write(`${error.stack}\n`);
  return exitCode ?? 125;
}

void main(process.argv.slice(2))
  .catch(fail)
  .then((code) => {
    process.exitCode = code;
  });
