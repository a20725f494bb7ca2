// Image names, in docker's reference grammar (distribution/reference, "reference.go"):
//   name   := [domain '/'] path-component ('/' path-component)*
//   domain := host [':' port]        path-component := [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*
//   tag    := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}, 'latest' when none is given
//   digest := 'sha256:' 64 hex digits, after an '@' (`mydocker pull NAME@sha256:...`, chapter 8)
// The name also becomes a file name in the store (images/<name:tag>.json, URI-encoded), so a name
// the grammar refuses, like 'a/../b', never reaches the filesystem.
import { UsageError } from '../errors.ts';

export interface ImageReference {
  /** Everything before the tag: 'busybox', 'example.com:5000/team/app'. */
  repository: string;
  tag: string;
  /** 'sha256:...' when the name gives one (NAME@sha256:...); the tag is then '' unless it is given too. */
  digest?: string;
  /** repository:tag (repository@digest when there is no tag), the key of the image in the store. */
  name: string;
}

/** The pseudo-image that runs a container on the host's own filesystem (chapters 1 and 2). */
export const HOST_IMAGE = 'host';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
// docker's limit on the whole name (NameTotalLengthMax): it keeps file names short enough too.
const MAX_NAME_LENGTH = 255;

const HOW =
  "use lowercase letters, digits and separators (. _ -) in components joined by '/', and an optional :tag (like busybox or example.com/team/app:1.0)";

export function parseReference(given: string): ImageReference {
  const invalid = (why: string) => new UsageError(`invalid image name '${given}': ${why}; ${HOW}`);
  if (given === '') throw invalid('it is empty');
  const at = given.indexOf('@');
  const digest = at === -1 ? undefined : given.slice(at + 1);
  if (digest !== undefined && !DIGEST.test(digest))
    throw invalid(`'${digest}' is not a digest (sha256: and 64 lowercase hex digits)`);
  const named = at === -1 ? given : given.slice(0, at);
  // The tag follows the last ':' unless that ':' belongs to a registry's port ('host:5000/app').
  const colon = named.lastIndexOf(':');
  const hasTag = colon > named.lastIndexOf('/');
  const repository = hasTag ? named.slice(0, colon) : named;
  const tag = hasTag ? named.slice(colon + 1) : digest ? '' : 'latest';
  if (hasTag && !TAG.test(tag)) throw invalid(`'${tag}' is not a valid tag`);
  if (repository.length > MAX_NAME_LENGTH) throw invalid(`it is longer than ${MAX_NAME_LENGTH} characters`);
  const components = repository.split('/');
  // docker's rule for the first component: a registry when it has a '.' or a ':', or is localhost.
  const first = components[0]!;
  if (components.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    checkDomain(first, invalid);
    components.shift();
  }
  for (const component of components) {
    if (component === '') throw invalid("it has an empty component (a '/' at either end, or '//')");
    if (!COMPONENT.test(component)) throw invalid(`'${component}' is not a valid name component`);
  }
  if (repository === HOST_IMAGE) {
    throw new UsageError(
      `'${HOST_IMAGE}' is reserved: it names the pseudo-image that runs on the host's own filesystem; choose another name`,
    );
  }
  const name = tag === '' ? `${repository}@${digest}` : `${repository}:${tag}`;
  return { repository, tag, ...(digest !== undefined && { digest }), name };
}

/** The store's key for a name: 'busybox' is 'busybox:latest'. */
export function parseImageName(given: string): string {
  return parseReference(given).name;
}

function checkDomain(domain: string, invalid: (why: string) => UsageError): void {
  const [host = '', port, ...rest] = domain.split(':');
  const portOk = port === undefined || /^[0-9]+$/.test(port);
  if (rest.length > 0 || !portOk || !host.split('.').every((label) => DOMAIN_LABEL.test(label))) {
    throw invalid(`'${domain}' is not a valid registry host`);
  }
}
