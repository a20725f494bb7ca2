// The documents a registry serves for a manifest request (OCI image-spec and distribution-spec; docker's
// image manifest v2 schema 2), and which image of an index this machine wants.
import { UsageError } from '../../errors.ts';

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

/** The Accept header of a manifest request: every kind this pull reads. */
export const MANIFEST_ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST].join(', ');

export type ManifestKind = 'index' | 'image';

/**
 * What a manifest is: its media type (the Content-Type, or the document's own mediaType field), or,
 * for an OCI document without one, what it holds (an index lists manifests, an image has layers).
 */
export function manifestKind(contentType: string | undefined, document: Record<string, unknown>): ManifestKind {
  const type = String(document.mediaType ?? contentType?.split(';')[0]?.trim() ?? '');
  if (type === OCI_INDEX || type === DOCKER_LIST) return 'index';
  if (type === OCI_MANIFEST || type === DOCKER_MANIFEST) return 'image';
  if (type.startsWith('application/vnd.docker.distribution.manifest.v1'))
    throw new Error(`the registry serves a schema 1 manifest (${type}), which mydocker does not read`);
  if (Array.isArray(document.manifests)) return 'index';
  if (Array.isArray(document.layers)) return 'image';
  throw new Error(`the manifest's media type '${type}' is none that mydocker reads`);
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const GOARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

/** linux and this machine's CPU, in Go's names (docker's default). */
export function defaultPlatform(): Platform {
  return { os: 'linux', architecture: GOARCH[process.arch] ?? process.arch };
}

/** `--platform OS/ARCH[/VARIANT]`, as docker takes it. */
export function parsePlatform(given: string): Platform {
  const [os, architecture, variant, ...rest] = given.split('/');
  const word = /^[a-z0-9_]+$/;
  if (!os || !architecture || rest.length > 0 || ![os, architecture, variant ?? 'x'].every((part) => word.test(part)))
    throw new UsageError(
      `invalid platform '${given}': give OS/ARCH or OS/ARCH/VARIANT, like linux/amd64 or linux/arm64`,
    );
  return { os, architecture, ...(variant !== undefined && { variant }) };
}

export function platformName(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/**
 * The entry of an index for `wanted`: same os and architecture, and the variant when one is asked
 * for. Throws, naming what the index has, when it has none.
 */
export function choosePlatform(index: Record<string, unknown>, wanted: Platform): Record<string, unknown> {
  const manifests = Array.isArray(index.manifests) ? (index.manifests as Record<string, unknown>[]) : [];
  const platformOf = (entry: Record<string, unknown>) => (entry.platform ?? {}) as Partial<Platform>;
  const chosen = manifests.find((entry) => {
    const platform = platformOf(entry);
    return (
      platform.os === wanted.os &&
      platform.architecture === wanted.architecture &&
      (wanted.variant === undefined || platform.variant === wanted.variant)
    );
  });
  if (chosen) return chosen;
  const offered = manifests.map((entry) => platformName(platformOf(entry) as Platform) || 'unknown').join(', ');
  throw new Error(`no image for ${platformName(wanted)} in the index (it has ${offered || 'none'})`);
}
