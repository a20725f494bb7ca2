// GET /events's pure parts, fast: docker's filters and times as the daemon reads them, the ring of
// recent events and its replay, an event's JSON line, and a client that never reads (dropped, its
// queue bounded). The events of real containers are proven in daemon.test.ts and the checker.
import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { ApiError } from '../../solutions/src/daemon/api-error.ts';
import {
  matchesFilters,
  parseEventFilters,
  parseEventTime,
  parseEventWindow,
} from '../../solutions/src/daemon/event-filters.ts';
import { MAX_QUEUED, streamEvents } from '../../solutions/src/daemon/event-stream.ts';
import { EventLog, type EventMessage } from '../../solutions/src/daemon/events.ts';

const S = 1_000_000_000n;

/** An event log on a clock the test moves: each event one second after the last, from `start`. */
function clockedLog(limit?: number, start = 1_700_000_000n * S) {
  let now = start;
  const log = new EventLog(limit, () => (now += S));
  return { log, now: () => now };
}

function status(action: () => unknown): number | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return error instanceof ApiError ? error.status : -1;
  }
}

describe("filters: docker's JSON, both of its forms, and its 400s", () => {
  test('{"key": {"value": true}} and {"key": ["value"]}; absent or empty is no filter', () => {
    expect([...parseEventFilters('{"type":{"container":true},"event":["die","start"]}')]).toEqual([
      ['type', ['container']],
      ['event', ['die', 'start']],
    ]);
    expect(parseEventFilters(null).size).toBe(0);
    expect(parseEventFilters('').size).toBe(0);
  });

  test('not JSON, a key docker has not, a type docker has not, values of the wrong kind: 400', () => {
    expect(status(() => parseEventFilters('type=container'))).toBe(400);
    expect(status(() => parseEventFilters('{"colour":{"red":true}}'))).toBe(400);
    expect(status(() => parseEventFilters('{"type":{"kontainer":true}}'))).toBe(400);
    expect(status(() => parseEventFilters('{"type":"container"}'))).toBe(400);
    expect(status(() => parseEventFilters('["type"]'))).toBe(400);
    expect(() => parseEventFilters('{"colour":{"red":true}}')).toThrow("invalid filter 'colour'");
  });

  const { log } = clockedLog();
  const die = log.container('die', { id: 'abc123', name: 'web', image: 'busybox:latest' }, { exitCode: '0' }).message;
  const exec = log.container('exec_start: sh -c true', { id: 'abc123', name: 'web', image: 'busybox:latest' }).message;
  const pull = log.emit('image', 'pull', 'busybox:latest', { name: 'busybox:latest' }).message;
  const network = log.emit('network', 'create', 'f00d', { name: 'net1', type: 'bridge' }).message;
  const matches = (filters: string, event: EventMessage): boolean => matchesFilters(parseEventFilters(filters), event);

  test('type and event exactly; exec_create, exec_start by prefix (their command follows)', () => {
    expect(matches('{"type":["container"]}', die)).toBe(true);
    expect(matches('{"type":["image","network"]}', die)).toBe(false);
    expect(matches('{"type":["image","network"]}', network)).toBe(true);
    expect(matches('{"event":["die"]}', die)).toBe(true);
    expect(matches('{"event":["di"]}', die)).toBe(false);
    expect(matches('{"event":["exec_start"]}', exec)).toBe(true);
    expect(matches('{"event":["die"]}', exec)).toBe(false);
  });

  test('container and network: a prefix of the id or of the name, and nothing of another kind', () => {
    expect(matches('{"container":["web"]}', die)).toBe(true);
    expect(matches('{"container":["abc"]}', die)).toBe(true);
    expect(matches('{"container":["db"]}', die)).toBe(false);
    expect(matches('{"container":["web"]}', pull)).toBe(false);
    expect(matches('{"network":["net1"]}', network)).toBe(true);
    expect(matches('{"network":["net1"]}', die)).toBe(false);
  });

  test("image: a container's image or an image's name, with or without the tag; keys all apply", () => {
    expect(matches('{"image":["busybox"]}', die)).toBe(true);
    expect(matches('{"image":["busybox:latest"]}', pull)).toBe(true);
    expect(matches('{"image":["alpine"]}', die)).toBe(false);
    expect(matches('{"image":["busybox"],"event":["start"]}', die)).toBe(false);
    expect(matches('{"image":["busybox"],"event":["start","die"]}', die)).toBe(true);
    expect(matches('{"label":["exitCode=0"]}', die)).toBe(true);
    expect(matches('{"label":["exitCode=1"]}', die)).toBe(false);
  });
});

describe("since and until: docker's timestamps", () => {
  const now = Date.UTC(2026, 11, 3, 12, 0, 0);
  test('Unix seconds with nine fraction digits (what the CLI sends), whole seconds, RFC 3339, a duration before now', () => {
    expect(parseEventTime('since', '1700000000.000000123')).toBe(1_700_000_000n * S + 123n);
    expect(parseEventTime('since', '1700000000')).toBe(1_700_000_000n * S);
    expect(parseEventTime('since', '2026-12-03T12:00:00Z')).toBe(BigInt(now) * 1_000_000n);
    expect(parseEventTime('until', '10m', now)).toBe(BigInt(now - 600_000) * 1_000_000n);
    expect(parseEventTime('until', null)).toBeUndefined();
  });

  test('what is not a time, and since after until: 400', () => {
    expect(status(() => parseEventTime('since', 'yesterday'))).toBe(400);
    expect(status(() => parseEventWindow(new URLSearchParams('since=20&until=10')))).toBe(400);
    expect(parseEventWindow(new URLSearchParams('since=10&until=20'))).toEqual({ since: 10n * S, until: 20n * S });
  });
});

describe('the ring and its line', () => {
  test("docker's shape: Type, Action, Actor, scope, time, timeNano exact, and the legacy fields of a container", () => {
    const { log } = clockedLog(undefined, 1_796_322_345_988_042_470n);
    const { line } = log.container('die', { id: 'abc', name: 'web', image: 'busybox:latest' }, { exitCode: '3' });
    expect(line.endsWith('\n')).toBe(true);
    expect(line).toContain('"timeNano":1796322346988042470}'); // past 2^53: written as its digits
    expect(JSON.parse(line)).toEqual({
      status: 'die',
      id: 'abc',
      from: 'busybox:latest',
      Type: 'container',
      Action: 'die',
      Actor: { ID: 'abc', Attributes: { image: 'busybox:latest', name: 'web', exitCode: '3' } },
      scope: 'local',
      time: 1_796_322_346,
      timeNano: 1796322346988042470,
    });
    const network = JSON.parse(log.emit('network', 'destroy', 'f00d', { name: 'n' }).line) as Record<string, unknown>;
    expect(network.status, "a network's event has no legacy fields").toBeUndefined();
  });

  test('bounded: the oldest go; since replays what is kept from then, until cuts it; neither replays nothing', () => {
    const { log } = clockedLog(3, 0n);
    for (let i = 1; i <= 5; i++) log.emit('image', 'pull', `image${i}`); // at 1 s .. 5 s
    expect(log.size).toBe(3);
    const ids = (since?: bigint, until?: bigint): string[] => {
      const { replay, unsubscribe } = log.subscribe(() => {}, since, until);
      unsubscribe();
      return replay.map((event) => event.message.Actor.ID);
    };
    expect(ids(0n)).toEqual(['image3', 'image4', 'image5']);
    expect(ids(4n * S)).toEqual(['image4', 'image5']);
    expect(ids(0n, 4n * S)).toEqual(['image3', 'image4']);
    expect(ids(undefined, 4n * S)).toEqual(['image3', 'image4']);
    expect(ids()).toEqual([]);
    expect(log.listening).toBe(0);
  });
});

describe('a client of the stream', () => {
  /** A socket's stand-in that takes `accept` writes and then never finishes one (a client that stopped reading). */
  function stalledSink(accept: number) {
    const written: string[] = [];
    const sink = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _encoding, callback) {
        written.push(chunk.toString());
        if (written.length <= accept) callback();
      },
    });
    return { sink, written };
  }

  test('until already past: the replay, then the end at once', async () => {
    const { log } = clockedLog(undefined, 0n);
    log.emit('image', 'pull', 'a');
    log.emit('image', 'pull', 'b');
    const { sink, written } = stalledSink(Infinity);
    const end = await streamEvents(log, sink, { since: 0n, until: 10n * S, filters: new Map() });
    expect(end).toBe('done');
    expect(written.map((line) => (JSON.parse(line) as EventMessage).Actor.ID)).toEqual(['a', 'b']);
    expect(log.listening).toBe(0);
  });

  test('until ahead: the new events that pass the filters, then the end at until', async () => {
    const log = new EventLog(); // the wall clock
    const { sink, written } = stalledSink(Infinity);
    const started = Date.now();
    const streaming = streamEvents(log, sink, {
      until: BigInt(started + 300) * 1_000_000n,
      filters: parseEventFilters('{"type":["image"]}'),
    });
    log.emit('image', 'pull', 'wanted');
    log.emit('network', 'create', 'not-wanted');
    expect(await streaming).toBe('done');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(written.map((line) => (JSON.parse(line) as EventMessage).Actor.ID)).toEqual(['wanted']);
  });

  test('until a year ahead: the stream stays open (a timer that long would fire at once), until the client goes', async () => {
    const log = new EventLog();
    const { sink } = stalledSink(Infinity);
    const client = new AbortController();
    let ended = false;
    const streaming = streamEvents(log, sink, {
      until: BigInt(Date.now() + 365 * 24 * 3_600_000) * 1_000_000n,
      filters: new Map(),
      signal: client.signal,
    }).then((end) => ((ended = true), end));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ended, 'ended before until').toBe(false);
    client.abort();
    expect(await streaming).toBe('done');
  });

  test('a client that stops reading: its lines queue, bounded, and past MAX_QUEUED it is dropped', async () => {
    const { log } = clockedLog();
    const { sink, written } = stalledSink(2);
    const streaming = streamEvents(log, sink, { filters: new Map() });
    let emitted = 0;
    while (!sink.destroyed && emitted < MAX_QUEUED * 2) {
      log.emit('image', 'pull', `image${emitted}`);
      emitted++;
    }
    expect(await streaming).toBe('dropped');
    expect(written.length, 'the writes the sink took before it stalled, and the one it holds').toBe(3);
    expect(log.listening, 'the dropped client no longer listens').toBe(0);
    // Cut once MAX_QUEUED lines waited beyond those three, not later, and not before.
    expect(emitted).toBe(MAX_QUEUED + 4);
  });
});
