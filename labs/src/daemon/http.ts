// The HTTP around the Engine API's routes: docker's paths with or without the version prefix, JSON in
// and out, bodies with a size limit, and the answers docker gives for what has no route.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, badRequest, errorBody, statusOf } from './api-error.ts';

/** The newest version of the API this daemon speaks (docker 20.10's), and the oldest it accepts. */
export const API_VERSION = '1.41';
export const MIN_API_VERSION = '1.12';

/** A request body larger than this is refused (413): a container's config is a few KiB. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface Request {
  method: string;
  /** The path without the version prefix: /containers/abc/start. */
  path: string;
  query: URLSearchParams;
  /** The API version the client asked for (the prefix), or this daemon's. */
  version: string;
  params: Record<string, string>;
  incoming: IncomingMessage;
  /** The body as JSON: undefined when empty; 400 when it is not JSON, 413 when too large. */
  json(): Promise<unknown>;
  /** Aborts when the client goes away: a wait or a follow stops then. */
  signal: AbortSignal;
}

/** Where the answer goes: the response, or for a hijacked request (attach, exec start) the socket. */
export type Reply = { kind: 'response'; response: ServerResponse } | { kind: 'hijacked'; socket: Duplex };

export type Handler = (request: Request, reply: Reply) => Promise<void> | void;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  /** `path` with {name} for a part of it (/containers/{id}/start), {name*} for one with slashes. */
  add(method: string, path: string, handler: Handler): this {
    const names: string[] = [];
    const source = path.replace(/\{(\w+)(\*?)\}/g, (_, name: string, slashes: string) => {
      names.push(name);
      return slashes ? '(.+)' : '([^/]+)';
    });
    this.routes.push({ method, pattern: new RegExp(`^${source}/?$`), names, handler });
    return this;
  }

  /** The handler for the request, its path parameters filled in, or docker's "not implemented". */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } {
    for (const route of this.routes) {
      if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) continue;
      const match = route.pattern.exec(path);
      if (!match) continue;
      const params = Object.fromEntries(
        route.names.map((name, index) => [name, decodeURIComponent(match[index + 1]!)]),
      );
      return { handler: route.handler, params };
    }
    // An endpoint of docker's this daemon lacks: 501 and a message a docker CLI prints as it is
    // ("Error response from daemon: ..."), where a 404 would read as "no such container".
    throw new ApiError(501, `${method} ${path} is not implemented by mydocker's daemon`);
  }
}

/** The request's path, version and query; an unsupported version is docker's 400. */
export function parseTarget(url: string | undefined): { path: string; version: string; query: URLSearchParams } {
  const parsed = new URL(url ?? '/', 'http://mydocker');
  const match = /^\/v(\d+\.\d+)(\/.*)$/.exec(parsed.pathname);
  const version = match?.[1] ?? API_VERSION;
  if (match) checkVersion(version);
  return { path: match?.[2] ?? parsed.pathname, version, query: parsed.searchParams };
}

function checkVersion(version: string): void {
  const number = (text: string): number => {
    const [major, minor] = text.split('.').map(Number);
    return major! * 1000 + minor!;
  };
  if (number(version) > number(API_VERSION))
    throw badRequest(`client version ${version} is too new. Maximum supported API version is ${API_VERSION}`);
  if (number(version) < number(MIN_API_VERSION))
    throw badRequest(
      `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
    );
}

/** The body, read whole up to BODY_LIMIT_BYTES, as JSON. */
export async function readJson(incoming: IncomingMessage): Promise<unknown> {
  const declared = Number(incoming.headers['content-length'] ?? 0);
  if (declared > BODY_LIMIT_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  return parseJson(Buffer.concat(chunks));
}

/** A body as JSON: undefined when empty, docker's 400 when it is not JSON. */
export function parseJson(bytes: Buffer): unknown {
  const text = bytes.toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(`the request body is not JSON: ${(error as Error).message}`);
  }
}

const tooLarge = (): ApiError => new ApiError(413, `the request body is larger than ${BODY_LIMIT_BYTES} bytes`);

export function sendJson(reply: Reply, status: number, body: unknown): void {
  const text = JSON.stringify(body) + '\n';
  if (reply.kind === 'hijacked') {
    writeRawResponse(reply.socket, status, { 'Content-Type': 'application/json' }, text);
    return;
  }
  const { response } = reply;
  if (response.headersSent) {
    response.destroy(); // a stream already under way: cut it, the client sees the end
    return;
  }
  // A body refused half-read (413) leaves the rest of it on the connection: the connection goes.
  const close = status === 413 ? { Connection: 'close' } : {};
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...close,
  });
  response.end(text);
}

export function sendEmpty(reply: Reply, status: 204 | 304 | 200): void {
  if (reply.kind === 'hijacked') {
    writeRawResponse(reply.socket, status, {}, '');
    return;
  }
  reply.response.writeHead(status);
  reply.response.end();
}

export function sendError(reply: Reply, error: unknown): void {
  const status = statusOf(error);
  if (status === 500 && process.env.MYDOCKER_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
  sendJson(reply, status, errorBody(error));
}

/** An HTTP/1.1 answer written by hand on a hijacked socket (no ServerResponse there), then the end. */
function writeRawResponse(socket: Duplex, status: number, headers: Record<string, string>, body: string): void {
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  204: 'No Content',
  304: 'Not Modified',
  400: 'Bad Request',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
};
