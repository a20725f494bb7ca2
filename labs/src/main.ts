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
  image       Import an image: mydocker image import FILE NAME
  images      List the images
  rmi         Remove images

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
  image: async (args) => (await import('./commands/images.ts')).image(args),
  images: async (args) => (await import('./commands/images.ts')).images(args),
  rmi: async (args) => (await import('./commands/images.ts')).rmi(args),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command '${name}' (see 'mydocker --help')`);
  return command(args);
}

/** One line on stderr, and docker's exit code: 125 unless the error carries its own. */
function fail(error: unknown): number {
  const exitCode = (error as { exitCode?: number }).exitCode;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`mydocker: ${message}\n`);
  if (exitCode === undefined && error instanceof Error && process.env.MYDOCKER_DEBUG) process.stderr.write(`${error.stack}\n`);
  return exitCode ?? 125;
}

void main(process.argv.slice(2))
  .catch(fail)
  .then((code) => {
    process.exitCode = code;
  });
