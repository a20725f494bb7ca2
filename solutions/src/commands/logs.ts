// `mydocker logs [-f] [-t] [--tail N] [--since TIME] CONTAINER`: what a detached container printed,
// read from the log its shim keeps (containers/<id>/<id>-json.log, docker's json-file lines:
// {"log":"hello\n","stream":"stdout","time":"2026-12-02T01:02:03.123456789Z"}). stdout lines go to
// stdout and stderr lines to stderr, so a pipe sees the streams apart as the container wrote them.
import { closeSync, openSync, readSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { flagError } from './flags.ts';
import { CommandError, UsageError } from '../errors.ts';
import { fixedNanoTime, parseRfc3339, parseSince } from '../format/duration.ts';
import { watchChange } from '../state/changes.ts';
import { StateStore } from '../state/store.ts';

export const LOGS_USAGE = `Usage: mydocker logs [OPTIONS] CONTAINER

Fetch the logs of a container started with -d

Options:
  -f, --follow          Follow log output, until the container ends
      --since string    Show logs since a time (2026-12-02T01:02:03Z, a Unix timestamp) or for a
                        duration before now (10m, 1h30m)
  -n, --tail string     Number of lines to show from the end of the logs (default "all")
  -t, --timestamps      Show timestamps
`;

/** A follow's longest sleep without a change: what inotify cannot see (a shim killed) is seen then. */
const FOLLOW_LOOK_AGAIN_MS = 1000;

export interface LogLine {
  log: string;
  stream: 'stdout' | 'stderr';
  time: string;
}

export interface LogFilter {
  /** Nanoseconds since the epoch; older lines are left out. */
  since?: bigint;
  /** Only the last N lines (of both streams together); undefined: all. */
  tail?: number;
  timestamps: boolean;
}

export async function logs(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        follow: { type: 'boolean', short: 'f' },
        timestamps: { type: 'boolean', short: 't' },
        tail: { type: 'string', short: 'n' },
        since: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (error) {
    throw flagError(error, 'logs');
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(LOGS_USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(`"mydocker logs" requires exactly 1 argument (see 'mydocker logs --help')`);
  }
  const filter: LogFilter = { timestamps: values.timestamps ?? false, tail: parseTail(values.tail) };
  if (values.since !== undefined) {
    filter.since = parseSince(values.since, Date.now());
    if (filter.since === undefined)
      throw new CommandError(`failed to parse value as time or duration: "${values.since}"`);
  }
  const reader = new StateStore();
  const container = reader.resolve(positionals[0]!);
  const log = openLog(reader.logPath(container.id), container.id);
  try {
    let pending = Buffer.alloc(0);
    const emit = (bytes: Buffer, first: boolean): void => {
      const all = Buffer.concat([pending, bytes]);
      const end = all.lastIndexOf(0x0a) + 1;
      pending = all.subarray(end); // a line the shim has not finished writing yet (cut as bytes, not characters)
      const entries = all.subarray(0, end).toString('utf8').split('\n').filter(Boolean).map(parseLine);
      for (const entry of selectLines(entries, first ? filter : { ...filter, tail: undefined }))
        writeLine(entry, filter);
    };
    emit(readFrom(log), true);
    if (!values.follow) return 0;
    // -f: docker follows until the container ends; the shim writes its last lines before it records
    // the exit, so one more read after that sees them all.
    // The log and the state's files are in the container's directory: a new line or the end wakes
    // the sleep (inotify), which is watched before each look so that nothing between is missed.
    for (;;) {
      const change = watchChange(reader.dir(container.id), FOLLOW_LOOK_AGAIN_MS);
      const running = reader.get(container.id)?.status === 'running';
      emit(readFrom(log), false);
      if (!running) {
        change.cancel();
        return 0;
      }
      await change.done;
    }
  } finally {
    closeSync(log.fd);
  }
}

/** docker: a negative number or a non-integer means all. */
export function parseTail(given: string | undefined): number | undefined {
  if (given === undefined || !/^\d+$/.test(given)) return undefined;
  return Number(given);
}

export function parseLine(line: string): LogLine {
  try {
    const entry = JSON.parse(line) as LogLine;
    if (typeof entry.log === 'string' && typeof entry.time === 'string') return entry;
  } catch {
    // below
  }
  throw new CommandError(`the log has a line that is not docker's json-file format: ${line.slice(0, 80)}`);
}

export function selectLines(entries: readonly LogLine[], filter: LogFilter): LogLine[] {
  const recent =
    filter.since === undefined ? entries : entries.filter((entry) => (parseRfc3339(entry.time) ?? 0n) >= filter.since!);
  return filter.tail === undefined ? [...recent] : filter.tail === 0 ? [] : recent.slice(-filter.tail);
}

/** `-t`: docker's stamp, nine fraction digits always, then a space, then the line as written. */
export function formatLine(entry: LogLine, timestamps: boolean): string {
  if (!timestamps) return entry.log;
  const time = parseRfc3339(entry.time);
  return `${time === undefined ? entry.time : fixedNanoTime(time)} ${entry.log}`;
}

function writeLine(entry: LogLine, filter: LogFilter): void {
  (entry.stream === 'stderr' ? process.stderr : process.stdout).write(formatLine(entry, filter.timestamps));
}

interface OpenLog {
  fd: number;
  offset: number;
}

function openLog(path: string, id: string): OpenLog {
  try {
    return { fd: openSync(path, 'r'), offset: 0 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // docker's log driver "none" says "configured logging driver does not support reading"; here the
    // reason is that the container ran in the foreground: its output went to the terminal, unkept.
    throw new CommandError(
      `container ${id.slice(0, 12)} has no log: it ran in the foreground, and its output went to the terminal (run -d keeps a log)`,
    );
  }
}

/** What was appended since the last read. */
function readFrom(log: OpenLog): Buffer {
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(64 * 1024);
  for (;;) {
    const count = readSync(log.fd, buffer, 0, buffer.length, log.offset);
    if (count === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, count)));
    log.offset += count;
  }
  return Buffer.concat(chunks);
}
