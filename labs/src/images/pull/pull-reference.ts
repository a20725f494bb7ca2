// What `mydocker pull NAME[:TAG|@DIGEST]` names: a registry (required: this course never pulls from
// outside the machine, so there is no default Docker Hub), a repository in it, and a tag or a digest.
// Plain HTTP is spoken only to a registry on this machine's loopback (127.0.0.0/8, ::1, localhost).
import { UsageError } from '../../errors.ts';
import { parseReference } from '../reference.ts';

export interface PullReference {
  /** host:port, as in the name: '127.0.0.1:5000'. */
  registry: string;
  /** The repository inside the registry: 'busybox', 'team/app'. */
  repository: string;
  /** What the manifest is asked for by: the digest when one is given, else the tag. */
  reference: string;
  /** 'sha256:...' when the name gives one: the manifest must have it. */
  digest?: string;
  /** The store's key for the image: registry/repository:tag (or @digest). */
  name: string;
}

export function parsePullReference(given: string): PullReference {
  const parsed = parseReference(given);
  const slash = parsed.repository.indexOf('/');
  const first = slash === -1 ? '' : parsed.repository.slice(0, slash);
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  if (!hasRegistry) {
    throw new UsageError(
      `${given} has no registry; name one, as in 127.0.0.1:5000/${parsed.repository}:${parsed.tag || 'latest'} ` +
        '(this course pulls only from registries on this machine, never from Docker Hub)',
    );
  }
  if (!isLoopback(hostOf(first))) {
    throw new UsageError(
      `${first} is not on this machine's loopback: mydocker pulls only from a registry on 127.0.0.1, ::1 or localhost, over plain HTTP`,
    );
  }
  return {
    registry: first,
    repository: parsed.repository.slice(slash + 1),
    reference: parsed.digest ?? parsed.tag,
    ...(parsed.digest !== undefined && { digest: parsed.digest }),
    name: parsed.name,
  };
}

/** 'localhost' from 'localhost:5000', '::1' from '[::1]:5000'. */
export function hostOf(registry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(registry);
  if (bracketed) return bracketed[1]!;
  return registry.split(':')[0]!;
}

/** 127.0.0.0/8, ::1 and localhost: the addresses whose traffic never leaves the machine. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  const octets = host.split('.');
  return octets.length === 4 && octets[0] === '127' && octets.every((octet) => /^\d{1,3}$/.test(octet) && +octet < 256);
}
