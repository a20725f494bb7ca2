// `mydocker run [OPTIONS] IMAGE [COMMAND] [ARG...]`, parsed docker's way: options end at IMAGE, and
// everything after it belongs to the command, untouched (`run host ls -la` passes -la to ls).
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';
import type { RunOptions } from './run.ts';

export const RUN_USAGE = `Usage: mydocker run [OPTIONS] IMAGE [COMMAND] [ARG...]

Run a command in a new container. The image 'host' runs it on the host's own filesystem (chapters 1-2).

Options:
  -i, --interactive      Keep standard input open for the container
  -t, --tty              The container talks to a terminal (sets TERM)
      --hostname NAME    The container's host name (default: the first 12 digits of its id)
  -e, --env NAME=value   Set an environment variable (NAME alone copies it from here)
      --rm               Remove the container when it exits
      --explain          Print the plan the container would execute, and do nothing
  -h, --help             Show this help
`;

const OPTIONS = {
  interactive: { type: 'boolean', short: 'i' },
  tty: { type: 'boolean', short: 't' },
  hostname: { type: 'string' },
  env: { type: 'string', short: 'e', multiple: true },
  rm: { type: 'boolean' },
  explain: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseRunArguments(args: string[]): RunOptions | 'help' {
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
    throw new UsageError(`missing required argument 'image': "mydocker run" needs an IMAGE (see 'mydocker run --help')`);
  }
  return {
    image: args[imageAt]!,
    command: args.slice(imageAt + 1),
    interactive: values.interactive ?? false,
    tty: values.tty ?? false,
    hostname: values.hostname,
    env: values.env ?? [],
    rm: values.rm ?? false,
    explain: values.explain ?? false,
  };
}

/** Where IMAGE is: the first argument that is neither an option nor an option's value. */
function firstPositional(args: string[]): number | undefined {
  const { tokens } = parseArgs({ args, options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const token = tokens.find((t) => t.kind === 'positional' || t.kind === 'option-terminator');
  if (!token) return undefined;
  return token.kind === 'option-terminator' ? (token.index + 1 < args.length ? token.index + 1 : undefined) : token.index;
}

function describeParseError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const option = /'([^']+)'/.exec(message ?? '')?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option '${option}'`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `option '${option}' needs a value`;
  return message ?? String(error);
}
