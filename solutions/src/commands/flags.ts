// The one-line usage errors of chapter 5's commands, in docker's words ("unknown flag: --x"), from
// node:util parseArgs's errors (whose messages run on with advice that does not apply here).
import { UsageError } from '../errors.ts';

export function flagError(error: unknown, command: string): UsageError {
  const { code, message = String(error) } = error as { code?: string; message?: string };
  const option = /'([^' ]+)[^']*'/.exec(message)?.[1];
  const see = `(see 'mydocker ${command} --help')`;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown flag: ${option} ${see}`);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return new UsageError(`flag needs an argument: ${option} ${see}`);
  return new UsageError(`${message.split('\n')[0]} ${see}`);
}
