// /containers/...: create, start, wait, attach, logs, list, inspect, kill, stop, restart, remove,
// as docker's Engine API has them (paths, query parameters, JSON shapes and status codes).
import { statSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { parseTail, selectLines, type LogFilter, type LogLine } from '../../commands/logs.ts';
import { inspectShape } from '../../commands/inspect.ts';
import { status as psStatus } from '../../commands/ps-format.ts';
import { parseSignal } from '../../commands/signals.ts';
import { parseSince } from '../../format/duration.ts';
import { signalContainer } from '../../state/processes.ts';
import type { ContainerState } from '../../state/store.ts';
import { badRequest, conflict, errorBody } from '../api-error.ts';
import { autoRemoveOf, runOptionsOfBody, stdinOnceOf } from '../create-body.ts';
import type { Engine } from '../engine.ts';
import { sendEmpty, sendJson, type Reply, type Request, type Router } from '../http.ts';
import { readLog } from '../log-stream.ts';
import { resizeOnceMade, windowSizeOf } from '../terminal-size.ts';
import { flag, lineWriter } from '../output-stream.ts';

/** docker's content type for a container's output stream, in API 1.41 (framed or not). */
const RAW_STREAM = 'application/vnd.docker.raw-stream';

export function containerRoutes(router: Router, engine: Engine): void {
  router
    .add('POST', '/containers/create', async (request, reply) => {
      const name = request.query.get('name')?.replace(/^\//, '') || undefined;
      const body = await request.json();
      const container = await engine.create(runOptionsOfBody(body, name), autoRemoveOf(body), stdinOnceOf(body));
      sendJson(reply, 201, { Id: container.id, Warnings: [] });
    })
    .add('GET', '/containers/json', (request, reply) => {
      const all = flag(request.query.get('all'));
      const now = Date.now();
      const containers = engine
        .list()
        .filter((container) => all || container.status === 'running')
        .sort((a, b) => Date.parse(b.created) - Date.parse(a.created));
      const limit = Number(request.query.get('limit') ?? -1);
      const shown = limit > 0 ? containers.slice(0, limit) : containers;
      sendJson(
        reply,
        200,
        shown.map((container) => listShape(container, now)),
      );
    })
    .add('GET', '/containers/{id}/json', (request, reply) => {
      sendJson(reply, 200, fullInspect(engine.state(request.params.id!)));
    })
    .add('POST', '/containers/{id}/start', async (request, reply) => {
      sendEmpty(reply, (await engine.start(request.params.id!)) ? 204 : 304);
    })
    .add('POST', '/containers/{id}/stop', async (request, reply) => {
      sendEmpty(reply, (await engine.stop(request.params.id!, timeoutOf(request))) ? 204 : 304);
    })
    .add('POST', '/containers/{id}/restart', async (request, reply) => {
      await engine.stop(request.params.id!, timeoutOf(request));
      await engine.start(request.params.id!);
      engine.events.container('restart', engine.state(request.params.id!));
      sendEmpty(reply, 204);
    })
    .add('POST', '/containers/{id}/kill', (request, reply) => {
      const given = request.query.get('signal') || 'KILL';
      const signal = parseSignal(given);
      if (signal === undefined) throw badRequest(`Invalid signal: ${given}`);
      const container = engine.state(request.params.id!);
      if (container.status !== 'running')
        throw conflict(`Cannot kill container: ${request.params.id}: Container ${container.id} is not running`);
      signalContainer(container, signal);
      engine.events.container('kill', container, { signal: String(signal) });
      sendEmpty(reply, 204);
    })
    .add('DELETE', '/containers/{id}', async (request, reply) => {
      await engine.remove(request.params.id!, flag(request.query.get('force')));
      sendEmpty(reply, 204);
    })
    .add('POST', '/containers/{id}/wait', async (request, reply) => {
      const condition = request.query.get('condition') || 'not-running';
      if (!['not-running', 'next-exit', 'removed'].includes(condition))
        throw badRequest(`invalid condition: "${condition}" (not-running, next-exit or removed)`);
      const container = engine.state(request.params.id!); // 404 before the headers
      await streamAnswer(reply, 'application/json', async (sink) => {
        try {
          const code = await engine.wait(container.id, condition, request.signal);
          sink.end(JSON.stringify({ Error: null, StatusCode: code }) + '\n');
        } catch (error) {
          sink.end(JSON.stringify({ Error: { Message: errorBody(error).message }, StatusCode: -1 }) + '\n');
        }
      });
    })
    .add('POST', '/containers/{id}/attach', async (request, reply) => {
      const container = engine.state(request.params.id!);
      // -i: what the client types goes to the container's input socket, from its start on.
      if (container.interactive && flag(request.query.get('stdin')) && reply.kind === 'hijacked')
        engine.passInput(container.id, reply.socket);
      engine.events.container('attach', container);
      const log = engine.store.logPath(container.id);
      // What comes from now on, or with logs=1 what the container printed before too.
      const from = flag(request.query.get('logs')) ? 0 : sizeOf(log);
      const choice = {
        tty: container.tty ?? false,
        stdout: flag(request.query.get('stdout')),
        stderr: flag(request.query.get('stderr')),
      };
      await streamAnswer(reply, RAW_STREAM, async (sink) => {
        const ended = flag(request.query.get('stream'))
          ? engine.untilEnded(container.id, request.signal)
          : Promise.resolve();
        const reading = readLog(log, {
          from,
          follow: true,
          ended,
          signal: request.signal,
          onLine: lineWriter(sink, choice),
        });
        engine.holdWhile(container.id, reading);
        await reading.finally(() => sink.end());
      });
    })
    .add('GET', '/containers/{id}/logs', async (request, reply) => {
      const container = engine.state(request.params.id!);
      const query = request.query;
      if (!flag(query.get('stdout')) && !flag(query.get('stderr')))
        throw badRequest('You must choose at least one stream');
      const filter: LogFilter = {
        timestamps: flag(query.get('timestamps')),
        tail: parseTail(query.get('tail') ?? undefined),
      };
      const since = query.get('since');
      if (since && since !== '0') filter.since = parseSince(since, Date.now());
      const choice = {
        tty: container.tty ?? false,
        stdout: flag(query.get('stdout')),
        stderr: flag(query.get('stderr')),
        timestamps: filter.timestamps,
      };
      const log = engine.store.logPath(container.id);
      await streamAnswer(reply, RAW_STREAM, async (sink) => {
        const write = lineWriter(sink, choice);
        // What is there, selected (--tail, --since) as `mydocker logs` selects it; then what comes.
        const lines: LogLine[] = [];
        const reached = await readLog(log, {
          from: 0,
          follow: false,
          ended: Promise.resolve(),
          signal: request.signal,
          onLine: (line) => void lines.push(line),
        });
        for (const line of selectLines(lines, filter)) await write(line);
        if (flag(query.get('follow')) && container.status === 'running') {
          const reading = readLog(log, {
            from: reached,
            follow: true,
            ended: engine.untilEnded(container.id, request.signal),
            signal: request.signal,
            onLine: write,
          });
          engine.holdWhile(container.id, reading);
          await reading;
        }
        sink.end();
      });
    })
    .add('POST', '/containers/{id}/resize', async (request, reply) => {
      const size = windowSizeOf(request.query);
      const running = (): ContainerState => {
        const container = engine.state(request.params.id!);
        if (container.status !== 'running') throw conflict(`Container ${container.id} is not running`);
        return container;
      };
      // Without -t there is no terminal, and nothing to do (as with docker); with one, docker's
      // `resize` event says the new size.
      const container = running();
      if (container.tty) {
        await resizeOnceMade(() => running().pid, size);
        engine.events.container('resize', container, { height: String(size.rows), width: String(size.columns) });
      }
      sendEmpty(reply, 200);
    });
}

/**
 * The status line and headers now, the body as it comes: a wait must tell its client it is waiting
 * before the start it waits for, and attach is a stream. On a hijacked connection docker answers
 * 101 UPGRADED and the socket is the stream's.
 */
async function streamAnswer(reply: Reply, contentType: string, body: (sink: Writable) => Promise<void>): Promise<void> {
  if (reply.kind === 'hijacked') {
    reply.socket.write(
      `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`,
    );
    await body(reply.socket);
    return;
  }
  reply.response.writeHead(200, { 'Content-Type': contentType });
  reply.response.flushHeaders();
  await body(reply.response);
}

function timeoutOf(request: Request): number {
  const given = request.query.get('t');
  if (given === null || given === '') return 10;
  if (!/^-?\d+$/.test(given)) throw badRequest(`invalid value for t: "${given}" (seconds)`);
  return Number(given);
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** docker's ContainerJSON: inspect's shape with what the Engine API's clients read besides. */
function fullInspect(container: ContainerState) {
  const shape = inspectShape(container);
  return {
    ...shape,
    HostConfig: {
      ...shape.HostConfig,
      AutoRemove: container.rm || container.autoRemove === true,
      LogConfig: { Type: 'json-file', Config: {} },
    },
    ResolvConfPath: '',
    HostnamePath: '',
    HostsPath: '',
    LogPath: '',
    RestartCount: 0,
    Driver: 'overlay',
    Platform: 'linux',
    Config: {
      ...shape.Config,
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      Entrypoint: null,
      Labels: {},
    },
  };
}

/** docker's ContainerSummary, as GET /containers/json lists them. */
function listShape(container: ContainerState, now: number) {
  const ports = container.status === 'running' ? (container.network?.ports ?? []) : [];
  return {
    Id: container.id,
    Names: container.name === undefined ? [] : [`/${container.name}`],
    Image: container.image,
    ImageID: '',
    Command: container.command.join(' '),
    Created: Math.floor(Date.parse(container.created) / 1000),
    Ports: ports.map((port) => ({
      IP: port.hostIp,
      PrivatePort: port.containerPort,
      PublicPort: port.hostPort,
      Type: port.protocol,
    })),
    Labels: {},
    State: container.status,
    Status: psStatus(container, now),
    HostConfig: { NetworkMode: inspectShape(container).HostConfig.NetworkMode },
    NetworkSettings: { Networks: inspectShape(container).NetworkSettings.Networks },
    Mounts: inspectShape(container).Mounts,
  };
}
