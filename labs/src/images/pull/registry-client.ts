// HTTP to one registry on this machine's loopback (distribution-spec, "Pulling"): GET with the
// answer's authentication challenge met once (auth.ts), redirects followed only within loopback, a
// bounded wait for every answer and for every chunk of a body, and the registry's errors said in one
// line ("manifest unknown", "connection refused").
import { basicHeader, credentialsFrom, parseChallenge, tokenOf, tokenUrl, type Credentials } from './auth.ts';
import { hostOf, isLoopback } from './pull-reference.ts';

/** The pull failed for a reason the user can act on: one line, exit 1. */
export class PullError extends Error {}

export interface ClientOptions {
  /** How long an answer, or the next chunk of a body, may take (ms). */
  timeoutMs?: number;
  signal?: AbortSignal;
  credentials?: Credentials;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const MAX_REDIRECTS = 5;
const MAX_ERROR_BODY = 64 << 10;

export class RegistryClient {
  readonly base: URL;
  private readonly repository: string;
  private readonly timeoutMs: number;
  private readonly signal: AbortSignal | undefined;
  private readonly credentials: Credentials | undefined;
  /** The Authorization header the registry accepted (or asked for), sent from then on. */
  private authorization: string | undefined;

  constructor(registry: string, repository: string, options: ClientOptions = {}) {
    this.base = new URL(`http://${registry}`);
    this.repository = repository;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.signal = options.signal;
    this.credentials = options.credentials ?? credentialsFrom();
  }

  /** GET /v2/<repository>/<path>: the answer, 200; any other status is a PullError. */
  async get(path: string, accept?: string): Promise<{ response: Response; body: AsyncIterable<Uint8Array> }> {
    const url = new URL(`/v2/${this.repository}/${path}`, this.base);
    let response = await this.fetch(url, accept);
    if (response.status === 401) {
      await discard(response);
      await this.authenticate(response.headers.get('www-authenticate'));
      response = await this.fetch(url, accept);
      if (response.status === 401) {
        await discard(response);
        throw new PullError(
          'unauthorized: the registry refused the credentials of MYDOCKER_REGISTRY_AUTH (check USER:PASSWORD)',
        );
      }
    }
    if (response.status !== 200) throw new PullError(await registryError(response, this.chunks(response)));
    return { response, body: this.chunks(response) };
  }

  /** One request, redirects followed (within loopback), the answer's headers waited for a bounded time. */
  private async fetch(first: URL, accept: string | undefined, authorization = this.authorization): Promise<Response> {
    let url = first;
    for (let hops = 0; hops <= MAX_REDIRECTS; hops++) {
      const headers: Record<string, string> = {};
      if (accept) headers.accept = accept;
      // Credentials go only where they were meant for (the registry, or its token service), never to
      // where that redirects (as fetch does).
      if (authorization && url.origin === first.origin) headers.authorization = authorization;
      const response = await this.withTimeout(
        (signal) => fetch(url, { headers, redirect: 'manual', signal }),
        `${url.pathname}`,
      );
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return response;
      await discard(response);
      url = new URL(location, url);
      if (url.protocol !== 'http:' || !isLoopback(hostOf(url.host)))
        throw new PullError(
          `the registry redirects to ${url.origin}, which is not on this machine's loopback: refused`,
        );
    }
    throw new PullError(`the registry redirects more than ${MAX_REDIRECTS} times`);
  }

  /** Meets a 401's challenge: Basic with the credentials, or Bearer with a token for them. */
  private async authenticate(header: string | null): Promise<void> {
    const challenge = header ? parseChallenge(header) : undefined;
    if (challenge?.scheme === 'basic') {
      if (!this.credentials)
        throw new PullError(
          'unauthorized: the registry asks for credentials (give them as MYDOCKER_REGISTRY_AUTH=USER:PASSWORD)',
        );
      this.authorization = basicHeader(this.credentials);
      return;
    }
    if (challenge?.scheme !== 'bearer')
      throw new PullError(`unauthorized: the registry asks for an authentication mydocker does not know (${header})`);
    const url = tokenUrl(challenge, `repository:${this.repository}:pull`);
    if (url.protocol !== 'http:' || !isLoopback(hostOf(url.host)))
      throw new PullError(`the registry's token service ${url.origin} is not on this machine's loopback: refused`);
    const response = await this.fetch(url, 'application/json', this.credentials && basicHeader(this.credentials));
    if (response.status === 401) {
      await discard(response);
      throw new PullError(
        this.credentials
          ? 'unauthorized: the token service refused the credentials of MYDOCKER_REGISTRY_AUTH (check USER:PASSWORD)'
          : 'unauthorized: the registry asks for credentials (give them as MYDOCKER_REGISTRY_AUTH=USER:PASSWORD)',
      );
    }
    if (response.status !== 200)
      throw new PullError(`the token service: ${await registryError(response, this.chunks(response))}`);
    const text = await readLimited(this.chunks(response), MAX_ERROR_BODY);
    let answer: unknown;
    try {
      answer = JSON.parse(text.toString('utf8'));
    } catch {
      throw new PullError('the token service answered with something that is not JSON');
    }
    this.authorization = `Bearer ${tokenOf(answer)}`;
  }

  /** The body, each chunk waited for a bounded time; the pull's abort ends it too. */
  private async *chunks(response: Response): AsyncGenerator<Uint8Array> {
    if (!response.body) return;
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await this.withTimeout(
          () => reader.read(),
          'a body',
          () => void reader.cancel(),
        );
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
      await response.body.cancel().catch(() => {});
    }
  }

  /** `start`, aborted after timeoutMs or when the pull is aborted, as a PullError that says which. */
  private async withTimeout<T>(
    start: (signal: AbortSignal) => Promise<T>,
    what: string,
    stop?: () => void,
  ): Promise<T> {
    const timer = new AbortController();
    const timeout = setTimeout(() => {
      timer.abort();
      stop?.();
    }, this.timeoutMs);
    const onAbort = () => stop?.();
    this.signal?.addEventListener('abort', onAbort);
    const signal = this.signal ? AbortSignal.any([this.signal, timer.signal]) : timer.signal;
    const timedOut = () =>
      new PullError(
        `the registry at ${this.base.host} did not answer within ${this.timeoutMs / 1000} s (waiting for ${what})`,
      );
    try {
      const result = await start(signal);
      // A cancelled read ends as if the body had ended: that was the abort or the timeout.
      if (this.signal?.aborted) throw this.signal.reason;
      if (timer.signal.aborted) throw timedOut();
      return result;
    } catch (error) {
      if (error instanceof PullError) throw error;
      if (this.signal?.aborted) throw this.signal.reason ?? error;
      if (timer.signal.aborted) throw timedOut();
      throw new PullError(`cannot reach the registry at ${this.base.host}: ${networkCause(error)}`);
    } finally {
      clearTimeout(timeout);
      this.signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** undici's `fetch failed`, said by its cause: 'connection refused (is the registry running?)'. */
function networkCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused (is a registry running there?)';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was reset';
  if (code === 'UND_ERR_HEADERS_OVERFLOW') return 'its answer has headers too large';
  if (cause?.message === 'bad port')
    return 'fetch refuses that port (it is on the WHATWG "bad ports" list: choose another)';
  return cause?.message ?? (error as Error).message;
}

/** distribution-spec's error body, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`. */
async function registryError(response: Response, body: AsyncIterable<Uint8Array>): Promise<string> {
  let text = '';
  try {
    text = (await readLimited(body, MAX_ERROR_BODY)).toString('utf8');
  } catch {
    // the body is only a detail
  }
  try {
    const errors = (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors ?? [];
    const messages = errors.map((error) => error.message || error.code?.toLowerCase().replaceAll('_', ' '));
    if (messages.length > 0) return [...new Set(messages)].join('; ');
  } catch {
    // not JSON: the status says it
  }
  return `the registry answered ${response.status} ${response.statusText}`.trim();
}

/** At most `limit` bytes of a body; more is an error (a manifest, a token, an error message are small). */
export async function readLimited(chunks: AsyncIterable<Uint8Array>, limit: number): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.length;
    if (size > limit) throw new PullError(`the registry sent more than ${limit} bytes where at most that was expected`);
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => {});
}
