// The CLI as a client of a daemon's Engine API (-H unix://PATH, or DOCKER_HOST): requests on its unix
// socket, JSON answers, docker's error bodies as one line each, and the hijacked connection of attach.
import { request, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { CommandError, RuntimeError } from '../errors.ts';

export const CLIENT_API_VERSION = '1.41';

/** An answer that is not a success, with the daemon's own message. */
export class DaemonError extends CommandError {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export class ApiClient {
  readonly socket: string;

  constructor(socket: string) {
    this.socket = socket;
  }

  /** One request, its answer read whole; a status of 400 and above is a DaemonError. */
  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
    const response = await this.open(method, path, body);
    const text = await readAll(response);
    const status = response.statusCode ?? 0;
    if (status >= 400) throw new DaemonError(status, messageOf(text));
    return { status, body: text };
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return JSON.parse((await this.call(method, path, body)).body) as T;
  }

  /** The answer's stream, once its headers came (a wait, a follow, a pull's progress). */
  async open(method: string, path: string, body?: unknown): Promise<IncomingMessage> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          socketPath: this.socket,
          method,
          path: `/v${CLIENT_API_VERSION}${path}`,
          headers: text === undefined ? {} : { 'Content-Type': 'application/json' },
        },
        resolve,
      );
      req.on('error', (error) => reject(this.unreachable(error)));
      req.end(text);
    });
  }

  /**
   * A hijacked connection (Connection: Upgrade, Upgrade: tcp): resolves with the socket once the
   * daemon answered 101, the stream's first bytes put back on it.
   */
  hijack(path: string, body?: unknown): Promise<Socket> {
    const text = body === undefined ? '' : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const socket = connect(this.socket);
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        socket.pause();
        const status = Number(/^HTTP\/1\.1 (\d+)/.exec(head.toString('latin1'))?.[1] ?? 0);
        const rest = head.subarray(end + 4);
        if (status !== 101) {
          socket.destroy();
          reject(new DaemonError(status, messageOf(rest.toString('utf8'))));
          return;
        }
        if (rest.length > 0) socket.unshift(rest);
        resolve(socket);
      };
      socket.on('data', onData);
      socket.once('error', (error) => reject(this.unreachable(error)));
      socket.write(
        `POST /v${CLIENT_API_VERSION}${path} HTTP/1.1\r\nHost: mydocker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
      );
    });
  }

  private unreachable(error: Error): Error {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED')
      return new RuntimeError(`Cannot connect to the daemon at unix://${this.socket}: is \`mydocker daemon\` running?`);
    if (code === 'EACCES')
      return new RuntimeError(
        `permission denied on unix://${this.socket}: the daemon's socket is root's (run as root)`,
      );
    return error;
  }
}

async function readAll(stream: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of stream as AsyncIterable<Buffer>) text += chunk.toString('utf8');
  return text;
}

/** docker's error body, {"message": "..."}, or the text as it is. */
function messageOf(text: string): string {
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  } catch {
    // not JSON
  }
  return text.trim() || 'the daemon gave no reason';
}

/** The daemon's socket for -H or DOCKER_HOST: unix://PATH only. */
export function socketOf(host: string): string {
  const match = /^unix:\/\/(\/.+)$/.exec(host);
  if (!match) throw new CommandError(`${host}: mydocker talks to a daemon on a unix socket only (unix:///PATH)`);
  return match[1]!;
}
