// `mydocker exec [OPTIONS] CONTAINER COMMAND [ARG...]`, parsed docker's way: options end at CONTAINER,
// and everything after it belongs to the command (`exec c ls -la` passes -la to ls).
import { parseArgs } from 'node:util';
import { CommandError, UsageError } from '../errors.ts';

export const EXEC_USAGE = `Usage: mydocker exec [OPTIONS] CONTAINER COMMAND [ARG...]

Run a command in a running container: in its namespaces, its cgroups and its root filesystem.

Options:
  -i, --interactive      Keep standard input open for the command
  -t, --tty              The command talks to a terminal (sets TERM)
  -e, --env NAME=value   Set an environment variable (NAME alone copies it from here)
  -w, --workdir DIR      Working directory inside the container (default: the image's)
      --explain          Print the plan the command would execute, and do nothing
  -h, --help             Show this help
`;

export interface ExecOptions {
  container: string;
  command: string[];
  interactive: boolean;
  tty: boolean;
  env: string[];
  workdir?: string;
  explain: boolean;
}

const OPTIONS = {
  interactive: { type: 'boolean', short: 'i' },
  tty: { type: 'boolean', short: 't' },
  env: { type: 'string', short: 'e', multiple: true },
  workdir: { type: 'string', short: 'w' },
  explain: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseExecArguments(args: string[]): ExecOptions | 'help' {
  const at = firstOperand(args);
  let values;
  try {
    ({ values } = parseArgs({ args: args.slice(0, at), options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    // docker: a flag error is the CLI's own (125); the wrong number of arguments is an error (1).
    const { code, message } = error as { code?: string; message?: string };
    const option = /'([^']+)'/.exec(message ?? '')?.[1];
    const why =
      code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'
        ? `option '${option}' needs a value`
        : `unknown option '${option}'`;
    throw new UsageError(`${why} (see 'mydocker exec --help')`);
  }
  if (values.help) return 'help';
  const operands = args.slice(at);
  if (operands[0] === '--') operands.shift();
  if (operands.length < 2) {
    throw new CommandError(
      `"mydocker exec" requires at least 2 arguments (usage: mydocker exec [OPTIONS] CONTAINER COMMAND [ARG...])`,
    );
  }
  if (values.workdir !== undefined && !values.workdir.startsWith('/')) {
    throw new CommandError(`the working directory '${values.workdir}' is invalid, it needs to be an absolute path`);
  }
  return {
    container: operands[0]!,
    command: operands.slice(1),
    interactive: values.interactive ?? false,
    tty: values.tty ?? false,
    env: values.env ?? [],
    ...(values.workdir !== undefined && { workdir: values.workdir }),
    explain: values.explain ?? false,
  };
}

/** Where CONTAINER is: the first argument that is neither an option nor an option's value. */
function firstOperand(args: string[]): number {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--' || !arg.startsWith('-') || arg === '-') return i;
    const takesValue = /^(-e|-w|--env|--workdir)$/.test(arg) || /^-[it]*[ew]$/.test(arg);
    if (takesValue) i++;
  }
  return args.length;
}
