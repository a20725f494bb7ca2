// `mydocker -H unix://PATH COMMAND ...` (or DOCKER_HOST=unix://PATH): the commands as requests to a
// daemon, docker's CLI's way, with the same flags and the same output as the local commands where
// both have them. run attaches and waits before it starts (so that it misses neither the first line
// nor the end), and exits with the container's code.
import type { Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { parseRunArguments, RUN_USAGE } from '../commands/run-arguments.ts';
import { humanSize } from '../commands/images.ts';
import { ellipsis, goQuote } from '../commands/ps-format.ts';
import { CommandError, EXIT_RUNTIME_ERROR, UsageError } from '../errors.ts';
import { humanDuration } from '../format/duration.ts';
import { tabulate } from '../format/table.ts';
import { ApiClient, DaemonError, socketOf } from './api-client.ts';
import { createRequest } from './create-request.ts';
import { FrameSplitter } from './frames.ts';

interface Summary {
  Id: string;
  Names: string[];
  Image: string;
  Command: string;
  Created: number;
  Status: string;
  State: string;
}

type Command = (client: ApiClient, args: string[]) => Promise<number>;

export const REMOTE_COMMANDS: Record<string, Command> = {
  run,
  ps,
  images,
  logs,
  stop: (client, args) => {
    const { timeout, rest } = timeoutOf(args);
    return each(client, rest, 'stop', (id) => client.call('POST', `/containers/${q(id)}/stop${timeout}`));
  },
  kill: (client, args) => each(client, args, 'kill', (id) => client.call('POST', `/containers/${q(id)}/kill`)),
  start: (client, args) => each(client, args, 'start', (id) => client.call('POST', `/containers/${q(id)}/start`)),
  restart: (client, args) => each(client, args, 'restart', (id) => client.call('POST', `/containers/${q(id)}/restart`)),
  rm: (client, args) => {
    const force = args.some((arg) => arg === '-f' || arg === '--force');
    const rest = args.filter((arg) => arg !== '-f' && arg !== '--force');
    return each(client, rest, 'rm', (id) => client.call('DELETE', `/containers/${q(id)}${force ? '?force=1' : ''}`));
  },
  inspect: async (client, args) => {
    const found: unknown[] = [];
    const code = await each(
      client,
      args,
      'inspect',
      async (id) => {
        found.push(await client.json('GET', `/containers/${q(id)}/json`));
      },
      false,
    );
    process.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
    return code;
  },
  wait: (client, args) =>
    each(
      client,
      args,
      'wait',
      async (id) => {
        const answer = await client.json<{ StatusCode: number }>('POST', `/containers/${q(id)}/wait`);
        process.stdout.write(`${answer.StatusCode}\n`);
      },
      false,
    ),
  pull: async (client, args) => {
    const [name] = operands(args, 'pull NAME', 1);
    const response = await client.open('POST', `/images/create?fromImage=${encodeURIComponent(name!)}`);
    if ((response.statusCode ?? 0) >= 400) throw new CommandError(await bodyMessage(response));
    let failed: string | undefined;
    for await (const line of lines(response)) {
      const message = JSON.parse(line) as { status?: string; error?: string };
      if (message.error) failed = message.error;
      else if (message.status) process.stdout.write(`${message.status}\n`);
    }
    if (failed) throw new CommandError(failed);
    return 0;
  },
};

async function run(client: ApiClient, args: string[]): Promise<number> {
  const options = parseRunArguments(args);
  if (options === 'help') {
    process.stdout.write(RUN_USAGE);
    return 0;
  }
  if (options.explain)
    throw new UsageError('--explain plans a run on this machine: drop -H (or DOCKER_HOST) to use it');
  const created = await asRunError(() =>
    client.json<{ Id: string }>(
      'POST',
      `/containers/create${options.name ? `?name=${encodeURIComponent(options.name)}` : ''}`,
      createRequest(options),
    ),
  );
  const id = created.Id;
  if (options.detach) {
    await asRunError(() => client.call('POST', `/containers/${id}/start`));
    process.stdout.write(`${id}\n`);
    return 0;
  }
  const stdin = options.interactive ? '&stdin=1' : '';
  const stream = await asRunError(() => client.hijack(`/containers/${id}/attach?stream=1&stdout=1&stderr=1${stdin}`));
  const output = relay(stream, options.tty, options.interactive);
  const waiting = await client.open('POST', `/containers/${id}/wait?condition=${options.rm ? 'removed' : 'next-exit'}`);
  try {
    await asRunError(() => client.call('POST', `/containers/${id}/start`));
  } catch (error) {
    stream.destroy();
    waiting.destroy();
    throw error;
  }
  await output;
  let body = '';
  for await (const chunk of waiting as AsyncIterable<Buffer>) body += chunk.toString();
  return (JSON.parse(body) as { StatusCode: number }).StatusCode;
}

/** The stream to this process's stdout and stderr (frames, or raw with -t); with -i, stdin to it. */
function relay(stream: Socket, tty: boolean, interactive: boolean): Promise<void> {
  const splitter = new FrameSplitter();
  stream.on('data', (chunk: Buffer) => {
    if (tty) {
      process.stdout.write(chunk);
      return;
    }
    for (const frame of splitter.push(chunk))
      (frame.stream === 2 ? process.stderr : process.stdout).write(frame.payload);
  });
  stream.resume();
  const raw = tty && interactive && process.stdin.isTTY;
  if (raw) process.stdin.setRawMode(true);
  if (interactive) {
    process.stdin.pipe(stream);
    process.stdin.on('end', () => stream.end()); // the input's end: docker's CloseWrite
  }
  return new Promise((resolve) => {
    stream.on('close', () => {
      if (raw) process.stdin.setRawMode(false);
      process.stdin.unpipe(stream);
      process.stdin.pause();
      resolve();
    });
  });
}

async function ps(client: ApiClient, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { all: { type: 'boolean', short: 'a' }, quiet: { type: 'boolean', short: 'q' } },
  });
  const containers = await client.json<Summary[]>('GET', `/containers/json${values.all ? '?all=1' : ''}`);
  if (values.quiet) {
    process.stdout.write(containers.map((c) => `${c.Id.slice(0, 12)}\n`).join(''));
    return 0;
  }
  const now = Date.now();
  const rows = containers.map((c) => [
    c.Id.slice(0, 12),
    c.Image,
    goQuote(ellipsis(c.Command, 20)),
    `${humanDuration(now - c.Created * 1000)} ago`,
    c.Status,
    '',
    (c.Names[0] ?? '').replace(/^\//, ''),
  ]);
  process.stdout.write(
    tabulate([['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'], ...rows]),
  );
  return 0;
}

async function images(client: ApiClient): Promise<number> {
  const list = await client.json<{ Id: string; RepoTags: string[]; Created: number; Size: number }[]>(
    'GET',
    '/images/json',
  );
  const rows = list.map((image) => {
    const tag = image.RepoTags[0] ?? '<none>:<none>';
    const at = tag.lastIndexOf(':');
    return [
      tag.slice(0, at),
      tag.slice(at + 1),
      image.Id.replace(/^sha256:/, '').slice(0, 12),
      `${humanDuration(Date.now() - image.Created * 1000)} ago`,
      humanSize(image.Size),
    ];
  });
  process.stdout.write(tabulate([['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], ...rows]));
  return 0;
}

async function logs(client: ApiClient, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { follow: { type: 'boolean', short: 'f' }, tail: { type: 'string', short: 'n' } },
    allowPositionals: true,
  });
  const [id] = operands(positionals, 'logs [-f] [--tail N] CONTAINER', 1);
  const container = await client.json<{ Config: { Tty: boolean } }>('GET', `/containers/${q(id!)}/json`);
  const query = `stdout=1&stderr=1${values.follow ? '&follow=1' : ''}${values.tail ? `&tail=${encodeURIComponent(values.tail)}` : ''}`;
  const response = await client.open('GET', `/containers/${q(id!)}/logs?${query}`);
  if ((response.statusCode ?? 0) >= 400) throw new CommandError(await bodyMessage(response));
  const splitter = new FrameSplitter();
  for await (const chunk of response as AsyncIterable<Buffer>) {
    if (container.Config.Tty) process.stdout.write(chunk);
    else
      for (const frame of splitter.push(chunk))
        (frame.stream === 2 ? process.stderr : process.stdout).write(frame.payload);
  }
  return 0;
}

/** A command on each container named, going on after one fails (exit 1), docker's way. */
async function each(
  client: ApiClient,
  references: readonly string[],
  command: string,
  action: (reference: string) => Promise<unknown>,
  echo = true,
): Promise<number> {
  if (references.length === 0)
    throw new UsageError(`"mydocker ${command}" requires at least 1 argument (see 'mydocker ${command} --help')`);
  let failed = false;
  for (const reference of references) {
    try {
      await action(reference);
      if (echo) process.stdout.write(`${reference}\n`);
    } catch (error) {
      if (!(error instanceof DaemonError)) throw error;
      process.stderr.write(`mydocker: Error response from daemon: ${error.message}\n`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

/**
 * docker's run reports the daemon's refusals with 125, and a command that could not run as the shell
 * does: 127 when it was not found, 126 when it could not be executed (docker's CLI reads the message).
 */
async function asRunError<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof DaemonError)) throw error;
    const { message } = error;
    const exitCode = /executable file not found|no such file or directory/.test(message)
      ? 127
      : /permission denied/.test(message)
        ? 126
        : EXIT_RUNTIME_ERROR;
    throw Object.assign(new CommandError(`Error response from daemon: ${message}`), { exitCode });
  }
}

function operands(args: readonly string[], usage: string, count: number): string[] {
  if (args.length !== count)
    throw new UsageError(
      `"mydocker ${usage.split(' ')[0]}" requires exactly ${count} argument (usage: mydocker ${usage})`,
    );
  return [...args];
}

const q = (reference: string): string => encodeURIComponent(reference);

/** -t N (--time, --timeout) of stop: the seconds before SIGKILL, as the query docker sends. */
function timeoutOf(args: readonly string[]): { timeout: string; rest: string[] } {
  const rest: string[] = [];
  let timeout = '';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-t' || arg === '--time' || arg === '--timeout') {
      const value = args[++i];
      if (value === undefined || !/^-?\d+$/.test(value)) throw new UsageError(`${arg} takes a number of seconds`);
      timeout = `?t=${value}`;
    } else rest.push(arg);
  }
  return { timeout, rest };
}

async function bodyMessage(response: AsyncIterable<Buffer>): Promise<string> {
  let text = '';
  for await (const chunk of response) text += chunk.toString();
  try {
    return (JSON.parse(text) as { message: string }).message;
  } catch {
    return text.trim();
  }
}

async function* lines(stream: AsyncIterable<Buffer>): AsyncGenerator<string> {
  let pending = '';
  for await (const chunk of stream) {
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const part of parts) if (part.trim()) yield part;
  }
  if (pending.trim()) yield pending;
}

/** `mydocker -H HOST NAME ARGS...`: NAME through the daemon, or one line saying it cannot be. */
export async function remoteCommand(host: string, name: string, args: string[]): Promise<number> {
  const command = REMOTE_COMMANDS[name];
  if (!command)
    throw new UsageError(
      `'${name}' is not available through a daemon (-H or DOCKER_HOST): ${Object.keys(REMOTE_COMMANDS).join(', ')} are; unset DOCKER_HOST to run it here`,
    );
  return command(new ApiClient(socketOf(host)), args);
}
