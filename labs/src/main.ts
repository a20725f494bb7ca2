// mydocker's command line: it declares the commands and loads each one only when it runs. This is the
// only file that decides the process's exit code.
import { Command, CommanderError, Option } from 'commander';

const program = new Command('mydocker')
  .description('A container runtime you write yourself, chapter by chapter')
  .enablePositionalOptions()
  .exitOverride()
  .configureOutput({ outputError: () => undefined }); // errors are printed once, by fail() below

program
  .command('run')
  .description('Run a command in a new container')
  .usage('[OPTIONS] IMAGE [COMMAND] [ARG...]')
  .argument('<image>', "the image; 'host' runs on the host's own filesystem (chapters 1-2)")
  .argument('[command...]', 'the command and its arguments, passed on exactly as given')
  .passThroughOptions() // everything after IMAGE belongs to the command: `run host ls -la`
  .option('-i, --interactive', 'keep standard input open for the container', false)
  .option('-t, --tty', 'the container talks to a terminal (sets TERM)', false)
  .option('--hostname <name>', 'the container host name (default: the first 12 digits of its id)')
  .addOption(new Option('-e, --env <NAME=value>', 'set an environment variable').argParser(collect).default([]))
  .option('--rm', 'remove the container when it exits', false)
  .option('--explain', 'print the plan the container would execute, and do nothing', false)
  .action(async (image: string, command: string[], options: Record<string, unknown>) => {
    const { run } = await import('./commands/run.ts');
    process.exitCode = await run({ image, command, ...options } as Parameters<typeof run>[0]);
  });

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** One line on stderr, and docker's exit code: 125 unless the error carries its own. */
function fail(error: unknown): void {
  if (error instanceof CommanderError) {
    if (['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code)) {
      process.exitCode = 0;
      return;
    }
    const message = error.message.replace(/^error: /, '');
    process.stderr.write(`mydocker: ${message} (see 'mydocker run --help')\n`);
    process.exitCode = 125;
    return;
  }
  const exitCode = (error as { exitCode?: number }).exitCode ?? 125;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`mydocker: ${message}\n`);
  if (!(error as { exitCode?: number }).exitCode && error instanceof Error && process.env.MYDOCKER_DEBUG) {
    process.stderr.write(`${error.stack}\n`);
  }
  process.exitCode = exitCode;
}

program.parseAsync(process.argv).catch(fail);
