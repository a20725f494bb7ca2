// A registry's authentication (distribution-spec; docker's token auth): a request without credentials
// gets 401 and a WWW-Authenticate challenge. `Basic realm="..."`: send the user and password in every
// request (RFC 7617). `Bearer realm="URL",service="...",scope="..."`: get a token from that URL (with
// the user and password, when there are any), and send it (RFC 6750).
//
// The user and password come from MYDOCKER_REGISTRY_AUTH=USER:PASSWORD (docker keeps them in
// ~/.docker/config.json after `docker login`; one variable is enough for a registry on this machine).

export interface Challenge {
  scheme: string;
  /** The parameters, by lower-case name: realm, service, scope, ... */
  params: Record<string, string>;
}

export interface Credentials {
  username: string;
  password: string;
}

export const AUTH_VARIABLE = 'MYDOCKER_REGISTRY_AUTH';

/** `Bearer realm="https://auth",service="reg",scope="repository:a:pull"`, as RFC 7235 writes it. */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s*(.*)$/.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const param = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)\s*/gy;
  const rest = match[2]!;
  for (let found = param.exec(rest); found; found = param.exec(rest)) {
    params[found[1]!.toLowerCase()] = found[2] !== undefined ? found[2].replace(/\\(.)/g, '$1') : found[3]!;
    if (param.lastIndex >= rest.length) break;
  }
  return { scheme: match[1]!.toLowerCase(), params };
}

/** USER:PASSWORD from the environment; the password may hold ':'. */
export function credentialsFrom(env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  const value = env[AUTH_VARIABLE];
  if (!value) return undefined;
  const colon = value.indexOf(':');
  if (colon <= 0) throw new Error(`${AUTH_VARIABLE} must be USER:PASSWORD`);
  return { username: value.slice(0, colon), password: value.slice(colon + 1) };
}

export function basicHeader(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/** The token endpoint's URL for a Bearer challenge: realm?service=...&scope=... */
export function tokenUrl(challenge: Challenge, scope: string): URL {
  const realm = challenge.params.realm;
  if (!realm) throw new Error('the registry asks for a token but names no realm to get it from');
  const url = new URL(realm);
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
  url.searchParams.set('scope', challenge.params.scope ?? scope);
  return url;
}

/** The token in a token endpoint's answer: `token`, or OAuth's `access_token`. */
export function tokenOf(answer: unknown): string {
  const { token, access_token } = (answer ?? {}) as { token?: unknown; access_token?: unknown };
  const value = token ?? access_token;
  if (typeof value !== 'string' || value === '') throw new Error('the token endpoint answered without a token');
  return value;
}
