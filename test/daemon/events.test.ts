// GET /events on the real kernel (root), with the real runtime and raw HTTP on the daemon's socket:
// the create, start, die (its exit code) and destroy of a `--rm`-like container, replayed with
// `since`; filters; a stream with `until` ahead that ends then, carrying what happened meanwhile;
// a container that ends after a new daemon took it over (kill -9 of the last) still dies once; bad
// filters and times are docker's 400; a client that never reads is cut once it is too far behind,
// while the daemon goes on serving. The daemon runs in a network namespace of its own.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../../scripts/build.mjs';
import { TestDaemon, type Answer } from '../support/test-daemon.ts';

const isRoot = process.getuid?.() === 0;
const daemon = new TestDaemon('events');
const { marker, socket } = daemon;

interface Event {
  Type: string;
  Action: string;
  status?: string;
  id?: string;
  from?: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: string;
  time: number;
  timeNano: number;
}

const request = (method: string, path: string, body?: unknown): Promise<Answer> => daemon.request(method, path, body);

/**
 * Unix seconds with nine fraction digits, as docker's CLI sends `since` and `until`; written from the
 * integer milliseconds (toFixed(9) of a double would write 1796322787.817999840 for ...818).
 */
const stamp = (milliseconds: number): string =>
  `${Math.floor(milliseconds / 1000)}.${String(milliseconds % 1000).padStart(3, '0')}000000`;

/** GET /events with `query`: the events of the stream, once the daemon has ended it. */
async function events(query: Record<string, string | object>): Promise<Event[]> {
  const parameters = new URLSearchParams(
    Object.entries(query).map(([key, value]): [string, string] => [
      key,
      typeof value === 'string' ? value : JSON.stringify(value),
    ]),
  );
  const answer = await request('GET', `/v1.41/events?${parameters}`);
  expect(answer.status, answer.body).toBe(200);
  return answer.body
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Event);
}

async function create(body: object, name?: string): Promise<string> {
  const created = await request('POST', `/v1.41/containers/create${name ? `?name=${name}` : ''}`, {
    Image: 'busybox',
    Env: [`MYDOCKER_TEST_MARKER=${marker}`],
    HostConfig: { NetworkMode: 'none' },
    ...body,
  });
  expect(created.status, created.body).toBe(201);
  return (JSON.parse(created.body) as { Id: string }).Id;
}

/** docker run --rm's order: create, the wait for the removal, the start, the wait's answer. */
async function runRemoved(command: string[], name?: string): Promise<string> {
  const id = await create({ Cmd: command, HostConfig: { NetworkMode: 'none', AutoRemove: true } }, name);
  const waited = request('POST', `/v1.41/containers/${id}/wait?condition=removed`);
  expect((await request('POST', `/v1.41/containers/${id}/start`)).status).toBe(204);
  expect((await waited).status).toBe(200);
  return id;
}

/** The events up to now, from `since`, of one container. */
async function eventsOf(id: string, since: number): Promise<Event[]> {
  return events({ since: stamp(since), until: stamp(Date.now()), filters: { container: { [id]: true } } });
}

describe.runIf(isRoot)('GET /events (root)', () => {
  beforeAll(async () => {
    await ensureBuilt('solutions');
    await daemon.start();
  }, 60_000);

  afterAll(async () => {
    const listed = await request('GET', '/v1.41/containers/json?all=1').catch(() => undefined);
    for (const container of listed ? (JSON.parse(listed.body) as { Id: string }[]) : [])
      await request('DELETE', `/v1.41/containers/${container.Id}?force=1`).catch(() => {});
    await daemon.destroy();
  }, 60_000);

  test("a --rm run: create, start, die with its exit code, destroy, in that order, in docker's shape; replayed with since", async () => {
    const since = Date.now();
    const id = await runRemoved(['sh', '-c', 'exit 3'], 'ev-rm');
    // The destroy follows the wait's answer by a moment: the daemon removes it, then says so.
    let seen = await eventsOf(id, since);
    for (let i = 0; i < 20 && !seen.some((event) => event.Action === 'destroy'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      seen = await eventsOf(id, since);
    }
    expect(seen.map((event) => event.Action)).toEqual(['create', 'start', 'die', 'destroy']);
    const die = seen[2]!;
    expect(die).toMatchObject({
      Type: 'container',
      status: 'die',
      id,
      from: 'busybox:latest',
      scope: 'local',
      Actor: { ID: id, Attributes: { name: 'ev-rm', image: 'busybox:latest', exitCode: '3' } },
    });
    expect(die.time).toBe(Math.floor(die.timeNano / 1e9));
    expect(die.timeNano / 1e6).toBeGreaterThanOrEqual(since - 1);
    const times = seen.map((event) => event.timeNano);
    expect(
      [...times].sort((a, b) => a - b),
      'in the order they happened',
    ).toEqual(times);
  }, 30_000);

  test("filters: event, type, image; several of one key are alternatives, and since's replay is filtered too", async () => {
    const since = Date.now();
    const first = await runRemoved(['true'], 'ev-a');
    const second = await runRemoved(['sh', '-c', 'exit 1'], 'ev-b');
    await new Promise((resolve) => setTimeout(resolve, 300)); // their destroys
    const window = { since: stamp(since), until: stamp(Date.now()) };
    const dies = await events({ ...window, filters: { event: { die: true } } });
    expect(dies.map((event) => [event.Actor.ID, event.Actor.Attributes.exitCode])).toEqual([
      [first, '0'],
      [second, '1'],
    ]);
    const byName = await events({ ...window, filters: { container: { 'ev-b': true }, event: ['start', 'destroy'] } });
    expect(byName.map((event) => [event.Actor.ID, event.Action])).toEqual([
      [second, 'start'],
      [second, 'destroy'],
    ]);
    expect(await events({ ...window, filters: { type: { image: true } } })).toEqual([]);
    expect((await events({ ...window, filters: { image: { busybox: true } } })).length).toBe(8);
    expect((await events({ ...window, filters: { image: { alpine: true } } })).length).toBe(0);
  }, 30_000);

  test('until ahead: the stream stays open, brings what happens meanwhile, and ends at until', async () => {
    const opened = Date.now();
    const streaming = events({ until: stamp(opened + 2_500), filters: { container: { 'ev-live': true } } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const id = await runRemoved(['true'], 'ev-live');
    const seen = await streaming;
    const took = Date.now() - opened;
    expect(seen.map((event) => [event.Actor.ID, event.Action])).toEqual([
      [id, 'create'],
      [id, 'start'],
      [id, 'die'],
      [id, 'destroy'],
    ]);
    expect(took, 'the stream ended at until, not before').toBeGreaterThanOrEqual(2_400);
    expect(took, 'nor long after').toBeLessThan(4_000);
  }, 30_000);

  test("until in the past ends the stream at once; bad filters and times are docker's 400 with a message", async () => {
    const started = Date.now();
    await events({ since: stamp(started - 60_000), until: stamp(started - 30_000) });
    expect(Date.now() - started).toBeLessThan(1_000);
    for (const query of [
      'filters=notjson',
      `filters=${encodeURIComponent('{"colour":{"red":true}}')}`,
      'since=yesterday',
      'since=20&until=10',
    ]) {
      const answer = await request('GET', `/v1.41/events?${query}`);
      expect([answer.status, typeof (JSON.parse(answer.body) as { message?: unknown }).message], query).toEqual([
        400,
        'string',
      ]);
    }
  }, 30_000);

  test('a container that ends after a new daemon took it over (kill -9 of the last): one die, with its code', async () => {
    const id = await create({ Cmd: ['sh', '-c', 'sleep 1.5; exit 7'] }, 'ev-adopted');
    expect((await request('POST', `/v1.41/containers/${id}/start`)).status).toBe(204);
    daemon.process!.kill('SIGKILL');
    await daemon.process;
    await daemon.start();
    const since = Date.now();
    const seen = await events({
      since: stamp(since),
      until: stamp(since + 3_000),
      filters: { container: { [id]: true } },
    });
    expect(seen.map((event) => [event.Action, event.Actor.Attributes.exitCode])).toEqual([['die', '7']]);
    expect((await request('DELETE', `/v1.41/containers/${id}`)).status).toBe(204);
  }, 30_000);

  test('exec, a network and an image: exec_create, exec_start, exec_die with its code; network create and destroy; image untag and delete', async () => {
    const id = await create({ Cmd: ['sleep', '60'] }, 'ev-exec');
    expect((await request('POST', `/v1.41/containers/${id}/start`)).status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const since = Date.now();
    const exec = await request('POST', `/v1.41/containers/${id}/exec`, { Cmd: ['sh', '-c', 'exit 6'] });
    expect(exec.status, exec.body).toBe(201);
    const execId = (JSON.parse(exec.body) as { Id: string }).Id;
    expect((await request('POST', `/v1.41/exec/${execId}/start`, { Detach: true })).status).toBe(200);
    for (let i = 0; i < 40; i++) {
      const inspected = JSON.parse((await request('GET', `/v1.41/exec/${execId}/json`)).body) as {
        Running: boolean;
        ExitCode: number | null;
      };
      if (!inspected.Running && inspected.ExitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await request('DELETE', `/v1.41/containers/${id}?force=1`)).status).toBe(204);
    const network = await request('POST', '/v1.41/networks/create', { Name: 'evnet', Driver: 'bridge' });
    expect(network.status, network.body).toBe(201);
    const networkId = (JSON.parse(network.body) as { Id: string }).Id;
    expect((await request('DELETE', '/v1.41/networks/evnet')).status).toBe(204);
    // busybox goes (the next create imports it again, as the first did)
    const image = JSON.parse((await request('GET', '/v1.41/images/busybox/json')).body) as { Id: string };
    expect((await request('DELETE', '/v1.41/images/busybox')).status).toBe(200);
    const seen = await events({ since: stamp(since), until: stamp(Date.now()) });
    expect(
      seen.map((event) => [event.Type, event.Action, event.Actor.ID, event.Actor.Attributes.exitCode ?? '']),
    ).toEqual([
      ['container', 'exec_create: sh -c exit 6', id, ''],
      ['container', 'exec_start: sh -c exit 6', id, ''],
      ['container', 'exec_die', id, '6'],
      ['container', 'kill', id, ''],
      ['container', 'die', id, '137'],
      ['container', 'destroy', id, ''],
      ['network', 'create', networkId, ''],
      ['network', 'destroy', networkId, ''],
      ['image', 'untag', image.Id, ''],
      ['image', 'delete', image.Id, ''],
    ]);
    expect(seen[0]!.Actor.Attributes.execID).toBe(execId);
    expect(seen[6]!.Actor.Attributes).toEqual({ name: 'evnet', type: 'bridge' });
    expect(seen[8]!.Actor.Attributes.name).toBe('busybox:latest');
  }, 30_000);

  test('a client that never reads: cut once it is too far behind (not buffered without end), and the daemon serves on', async () => {
    const stalled = connect(socket);
    stalled.write('GET /v1.41/events HTTP/1.1\r\nHost: mydocker\r\n\r\n');
    await new Promise((resolve) => stalled.once('data', resolve)); // the headers: it listens
    stalled.pause(); // and reads no more
    const started = Date.now();
    // 6000 events (create and destroy of containers never started, the cheapest there are), ~2 MB:
    // more than the socket's buffers (a few hundred KiB) and the daemon's queue (2048 lines) hold.
    const pairs = 3_000;
    for (let done = 0; done < pairs; done += 10)
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          const id = await create({ Cmd: ['true'] });
          expect((await request('DELETE', `/v1.41/containers/${id}`)).status).toBe(204);
        }),
      );
    const generated = Date.now() - started;
    // Now it reads: what the buffers held, and then the end, which only a cut stream has (no until).
    let lines = 0;
    stalled.on('data', (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 0x0a) lines++;
    });
    const ended = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 3_000);
      stalled.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
      stalled.resume();
    });
    stalled.destroy();
    expect(ended, 'the stalled client was cut').toBe(true);
    // What the socket's buffers held; the daemon's queue went with the cut.
    expect(lines, 'what reached it: some, not all').toBeLessThan(pairs * 2);
    expect(lines).toBeGreaterThan(0);
    expect((await request('GET', '/_ping')).status, 'the daemon serves on').toBe(200);
    process.stdout.write(
      `events: a client that stopped reading got ${lines} of ${pairs * 2} lines before it was cut (${generated} ms of requests)\n`,
    );
  }, 120_000);

  test('a container on a bridge network: network connect before its start, disconnect after its die', async () => {
    const made = await request('POST', '/v1.41/networks/create', { Name: 'evconn', Driver: 'bridge' });
    expect(made.status, made.body).toBe(201);
    const networkId = (JSON.parse(made.body) as { Id: string }).Id;
    try {
      const id = await create({ Cmd: ['true'], HostConfig: { NetworkMode: 'evconn' } }, 'ev-connected');
      await new Promise((resolve) => setTimeout(resolve, 5)); // the create's millisecond is past
      const since = Date.now();
      expect((await request('POST', `/v1.41/containers/${id}/start`)).status).toBe(204);
      const waited = await request('POST', `/v1.41/containers/${id}/wait`);
      expect(JSON.parse(waited.body)).toMatchObject({ StatusCode: 0 });
      expect((await request('DELETE', `/v1.41/containers/${id}`)).status).toBe(204);
      const seen = (await events({ since: stamp(since), until: stamp(Date.now()) })).filter(
        (event) => event.Actor.ID === id || event.Actor.ID === networkId,
      );
      expect(seen.map((event) => `${event.Type} ${event.Action}`)).toEqual([
        'network connect',
        'container start',
        'container die',
        'network disconnect',
        'container destroy',
      ]);
      expect(seen[0]!.Actor.Attributes).toEqual({ container: id, name: 'evconn', type: 'bridge' });
      expect(seen[3]!.Actor.Attributes).toEqual({ container: id, name: 'evconn', type: 'bridge' });
    } finally {
      await request('DELETE', '/v1.41/networks/evconn');
    }
  }, 30_000);

  test("resize of a container's terminal: docker's resize event with its height and width; none without -t", async () => {
    const tty = await create({ Cmd: ['sleep', '60'], Tty: true }, 'ev-tty');
    const plain = await create({ Cmd: ['sleep', '60'] }, 'ev-plain');
    await new Promise((resolve) => setTimeout(resolve, 5)); // the creates' millisecond is past
    const since = Date.now();
    try {
      for (const id of [tty, plain]) {
        expect((await request('POST', `/v1.41/containers/${id}/start`)).status).toBe(204);
        expect((await request('POST', `/v1.41/containers/${id}/resize?h=40&w=120`)).status).toBe(200);
      }
    } finally {
      for (const id of [tty, plain]) await request('DELETE', `/v1.41/containers/${id}?force=1`);
    }
    const resizes = async (id: string) =>
      (await eventsOf(id, since))
        .filter((event) => event.Action === 'resize')
        .map((event) => [event.Actor.Attributes.height, event.Actor.Attributes.width]);
    expect(await resizes(tty)).toEqual([['40', '120']]);
    expect(await resizes(plain)).toEqual([]);
  }, 30_000);

  test('stop of a container that ends on SIGTERM: one kill (15), die, stop; no SIGKILL', async () => {
    // A trap makes PID 1 take SIGTERM; the ladder's timeout (10 s) is never reached.
    const id = await create({ Cmd: ['sh', '-c', "trap 'exit 3' TERM; sleep 60 & wait"] }, 'ev-term');
    await new Promise((resolve) => setTimeout(resolve, 5)); // the create's millisecond is past
    const since = Date.now();
    expect((await request('POST', `/v1.41/containers/${id}/start`)).status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the trap is set
    expect((await request('POST', `/v1.41/containers/${id}/stop?t=10`)).status).toBe(204);
    expect((await request('DELETE', `/v1.41/containers/${id}`)).status).toBe(204);
    const seen = await eventsOf(id, since);
    expect(
      seen.map((event) => `${event.Action} ${event.Actor.Attributes.signal ?? event.Actor.Attributes.exitCode ?? ''}`),
    ).toEqual(['start ', 'kill 15', 'die 3', 'stop ', 'destroy ']);
  }, 30_000);

  test('stop, restart and kill: kill (SIGTERM), kill (SIGKILL: PID 1 ignores SIGTERM), die, stop; start, restart; kill, die; each end one die', async () => {
    const id = await create({ Cmd: ['sleep', '60'] }, 'ev-ops');
    await new Promise((resolve) => setTimeout(resolve, 5)); // the create's millisecond is past
    const since = Date.now();
    expect((await request('POST', `/v1.41/containers/${id}/start`)).status).toBe(204);
    expect((await request('POST', `/v1.41/containers/${id}/stop?t=0`)).status).toBe(204);
    expect((await request('POST', `/v1.41/containers/${id}/restart?t=0`)).status).toBe(204);
    expect((await request('POST', `/v1.41/containers/${id}/kill?signal=KILL`)).status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 500)); // its end, seen by the daemon's watch
    expect((await request('DELETE', `/v1.41/containers/${id}`)).status).toBe(204);
    const seen = await eventsOf(id, since);
    expect(
      seen.map((event) => `${event.Action}${event.Actor.Attributes.signal ? ` ${event.Actor.Attributes.signal}` : ''}`),
    ).toEqual(['start', 'kill 15', 'kill 9', 'die', 'stop', 'start', 'restart', 'kill 9', 'die', 'destroy']);
  }, 30_000);
});
