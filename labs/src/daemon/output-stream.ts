// A container's output on an open connection (attach, logs): each log line as stream-frame.ts encodes
// it (lab ch8-attach). A client that reads slowly holds the reading back (the socket's own buffer,
// then 'drain'), so the daemon's memory stays bounded by it.
import type { Writable } from 'node:stream';
import { formatLine, type LogLine } from '../commands/logs.ts';
import { encodeOutput } from './stream-frame.ts';

export interface OutputChoice {
  tty: boolean;
  stdout: boolean;
  stderr: boolean;
  timestamps?: boolean;
}

export function lineWriter(sink: Writable, choice: OutputChoice): (line: LogLine) => Promise<void> | void {
  return (line) => {
    if (line.stream === 'stderr' ? !choice.stderr : !choice.stdout) return;
    const payload = Buffer.from(formatLine(line, choice.timestamps ?? false), 'utf8');
    const bytes = encodeOutput(line.stream, payload, choice.tty);
    if (sink.destroyed || sink.write(bytes)) return;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        sink.off('drain', done);
        sink.off('close', done);
        resolve();
      };
      sink.on('drain', done);
      sink.on('close', done);
    });
  };
}

/**
 * A child's stdout or stderr onto a client's connection, as encodeOutput encodes it; a client that
 * reads slowly pauses the pipe (then the shim, then the command). `sink` undefined, or `wanted` false:
 * the output is read and dropped. `onChunk` sees every chunk (the launch keeps the shim's error line).
 * Resolves at the pipe's end.
 */
export function relayOutput(
  from: NodeJS.ReadableStream,
  stream: 'stdout' | 'stderr',
  to: { sink: Writable | undefined; wanted: boolean; tty: boolean },
  onChunk?: (chunk: Buffer) => void,
): Promise<void> {
  return new Promise((resolve) => {
    from.on('data', (chunk: Buffer) => {
      onChunk?.(chunk);
      const { sink } = to;
      if (!sink || !to.wanted || sink.destroyed) return;
      if (!sink.write(encodeOutput(stream, chunk, to.tty))) {
        from.pause();
        sink.once('drain', () => from.resume());
      }
    });
    from.on('end', () => resolve());
    from.on('error', () => resolve());
  });
}

/** docker's boolean query values: 1, true (and the CLI's True). */
export function flag(value: string | null): boolean {
  return value !== null && /^(1|true)$/i.test(value);
}
