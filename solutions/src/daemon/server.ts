// The daemon's socket: node:http on a unix socket, mode 0660 and root's, so that only root (and a
// group root chose) may talk to it. Whoever can create containers through it can mount the host's /
// into one: the socket is root's power, which is why docker's group is root in all but name.
//
// Bounded for every client: the request's headers must arrive within HEADERS_TIMEOUT_MS and the
// whole request within REQUEST_TIMEOUT_MS (a slow client that never finishes is cut), a body is at
// most BODY_LIMIT_BYTES (http.ts), a request line or header block that is not HTTP is answered 400.
// Streams (attach, wait, logs -f) last as long as their container: the timeouts bound the request,
// not the answer.
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { RuntimeError } from '../errors.ts';
import type { Engine } from './engine.ts';
import {
  BODY_LIMIT_BYTES,
  parseJson,
  parseTarget,
  readJson,
  Router,
  sendError,
  type Reply,
  type Request,
} from './http.ts';
import { ExecSessions } from './exec-sessions.ts';
import { containerRoutes } from './routes/containers.ts';
import { eventRoutes } from './routes/events.ts';
import { execRoutes } from './routes/exec.ts';
import { imageRoutes } from './routes/images.ts';
import { networkRoutes } from './routes/networks.ts';
import { systemRoutes } from './routes/system.ts';

export const DEFAULT_SOCKET = '/run/mydocker.sock';
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const SOCKET_MODE = 0o660;

export function apiRouter(engine: Engine): Router {
  const router = new Router();
  systemRoutes(router, engine);
  containerRoutes(router, engine);
  execRoutes(router, engine, new ExecSessions(engine.store));
  imageRoutes(router, engine);
  networkRoutes(router, engine);
  eventRoutes(router, engine);
  return router;
}

/** Listens on `path`; a socket left by a daemon that is gone is replaced, a live one is refused. */
export async function listen(path: string, engine: Engine): Promise<Server> {
  await claimSocketPath(path);
  const router = apiRouter(engine);
  const server = createServer({
    headersTimeout: HEADERS_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Node looks at the timeouts every connectionsCheckingInterval (30 s by default): a client past
    // its 10 s would otherwise hold its connection up to 40 s.
    connectionsCheckingInterval: 1_000,
  });
  server.on('request', (incoming: IncomingMessage, response: ServerResponse) => {
    void serve(router, incoming, { kind: 'response', response });
  });
  // attach and exec start ask to take the connection over (Connection: Upgrade, Upgrade: tcp).
  // Node parses no body there: what Content-Length says is the request's (exec start's JSON), read
  // off the socket first; every byte after it is the stream's (an exec's stdin).
  server.on('upgrade', (incoming: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    void upgradedBody(incoming, socket, head).then(
      (body) => serve(router, incoming, { kind: 'hijacked', socket }, body),
      () => socket.destroy(),
    );
  });
  server.on('clientError', (_error, socket: Duplex) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, SOCKET_MODE);
  return server;
}

async function serve(router: Router, incoming: IncomingMessage, reply: Reply, upgradeBody?: Buffer): Promise<void> {
  const controller = new AbortController();
  const closed = (): void => controller.abort();
  if (reply.kind === 'hijacked') reply.socket.once('close', closed);
  else reply.response.once('close', closed);
  try {
    const { path, version, query } = parseTarget(incoming.url);
    const method = incoming.method ?? 'GET';
    const { handler, params } = router.match(method, path);
    let body: Promise<unknown> | undefined;
    const request: Request = {
      method,
      path,
      query,
      version,
      params,
      incoming,
      json: () => (body ??= upgradeBody ? Promise.resolve(parseJson(upgradeBody)) : readJson(incoming)),
      signal: controller.signal,
    };
    await handler(request, reply);
  } catch (error) {
    if (!controller.signal.aborted) sendError(reply, error);
  }
}

/**
 * A socket file with a daemon behind it is another daemon's: refused. One nobody answers on (the
 * last daemon was killed) is removed. Anything else at the path is not ours to remove.
 */
async function claimSocketPath(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket)
    throw new RuntimeError(`${path} exists and is not a socket: remove it, or listen elsewhere (-H unix://PATH)`);
  const answered = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (answered)
    throw new RuntimeError(
      `another daemon is listening on ${path}: stop it first, or listen elsewhere (-H unix://PATH)`,
    );
  unlinkSync(path);
}

/** The body of an upgraded request, Content-Length bytes from `head` and then the socket. */
async function upgradedBody(incoming: IncomingMessage, socket: Duplex, head: Buffer): Promise<Buffer> {
  const length = Number(incoming.headers['content-length'] ?? 0);
  if (!(length > 0)) {
    if (head.length > 0) socket.unshift(head);
    return Buffer.alloc(0);
  }
  if (length > BODY_LIMIT_BYTES) throw new RuntimeError('the request body is too large');
  let buffered = head;
  while (buffered.length < length) {
    const chunk = await new Promise<Buffer | undefined>((resolve) => {
      const onData = (data: Buffer): void => {
        socket.off('end', onEnd);
        socket.pause();
        resolve(data);
      };
      const onEnd = (): void => {
        socket.off('data', onData);
        resolve(undefined);
      };
      socket.once('data', onData);
      socket.once('end', onEnd);
      socket.resume();
    });
    if (!chunk) throw new RuntimeError('the connection ended inside the request body');
    buffered = Buffer.concat([buffered, chunk]);
  }
  if (buffered.length > length) socket.unshift(buffered.subarray(length));
  return buffered.subarray(0, length);
}
