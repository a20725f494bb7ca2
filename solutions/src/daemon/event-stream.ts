// One client of GET /events: the kept events it asked for, then each new one that its filters take,
// until `until`, until it goes, or until it falls too far behind. A client that reads slowly gets the
// socket's own backpressure (what it has not read waits in a queue of this stream), and one that is
// more than MAX_QUEUED events behind is dropped: its connection is cut, and docker's CLI ends there.
// So a client that never reads costs the daemon at most MAX_QUEUED lines, not an unbounded buffer.
// (dockerd drops the events instead, after 100 ms of a full buffer: the client never learns of the
// gap. A cut stream is a gap the client sees.)
import type { Writable } from 'node:stream';
import { matchesFilters, type EventFilters } from './event-filters.ts';
import { RING_LIMIT, type EventLog, type LoggedEvent } from './events.ts';

/** The most lines a client may be behind: a whole replay of the ring, and as many new ones. */
export const MAX_QUEUED = 2 * RING_LIMIT;

const LONGEST_TIMER_MS = 2 ** 31 - 1;

export interface StreamRequest {
  since?: bigint;
  until?: bigint;
  filters: EventFilters;
  signal?: AbortSignal;
  /** For the tests: the clock `until` is judged on. */
  nowNanoseconds?: () => bigint;
}

/** How the stream ended: its time was up or the client left ('done'), or it was cut for falling behind. */
export type StreamEnd = 'done' | 'dropped';

export async function streamEvents(log: EventLog, sink: Writable, request: StreamRequest): Promise<StreamEnd> {
  const now = request.nowNanoseconds ?? (() => BigInt(Date.now()) * 1_000_000n);
  const queue: string[] = [];
  let waitingForDrain = false;
  let over = false;
  let settle!: (end: StreamEnd) => void;
  const finished = new Promise<StreamEnd>((resolve) => (settle = resolve));
  const finish = (end: StreamEnd): void => {
    over = true; // nothing more is taken, even before the listener is gone
    settle(end);
  };

  const flush = (): void => {
    while (queue.length > 0 && !waitingForDrain) {
      if (!sink.write(queue.shift()!)) waitingForDrain = true;
    }
  };
  const onDrain = (): void => {
    waitingForDrain = false;
    flush();
  };
  const take = (event: LoggedEvent): void => {
    if (over || !matchesFilters(request.filters, event.message)) return;
    if (request.until !== undefined && event.message.timeNano > request.until) return;
    queue.push(event.line);
    if (queue.length > MAX_QUEUED) {
      queue.length = 0;
      sink.destroy();
      finish('dropped');
      return;
    }
    flush();
  };

  sink.on('drain', onDrain);
  const { replay, unsubscribe } = log.subscribe(take, request.since, request.until);
  for (const event of replay) take(event);
  // docker: an `until` already past ends the stream after the replay; a later one ends it then.
  // A timer holds at most 2^31-1 ms (24.8 days; a longer one fires at once): a far `until` re-arms.
  let timer: NodeJS.Timeout | undefined;
  const untilReached = (until: bigint): void => {
    const left = Number((until - now()) / 1_000_000n);
    if (left <= 0) finish('done');
    else timer = setTimeout(() => untilReached(until), Math.min(left, LONGEST_TIMER_MS));
  };
  if (request.until !== undefined) untilReached(request.until);
  const onAbort = (): void => finish('done');
  if (request.signal?.aborted) finish('done');
  request.signal?.addEventListener('abort', onAbort, { once: true });
  sink.once('close', onAbort);

  const end = await finished;
  unsubscribe();
  // What is still queued at the end goes into the socket's buffer (at most MAX_QUEUED lines), so
  // that an `until` reached while the client was behind still brings every event up to it.
  if (end === 'done' && !sink.destroyed) for (const line of queue.splice(0)) sink.write(line);
  clearTimeout(timer);
  request.signal?.removeEventListener('abort', onAbort);
  sink.off('drain', onDrain);
  sink.off('close', onAbort);
  return end;
}
