// The pure parts of `mydocker pull` (chapter 8): which names it takes, which manifests it reads and
// which image of an index it picks, the digest stream (the lesson of ch8-pull-digest), and the
// WWW-Authenticate challenges it answers.
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { UsageError } from '../../solutions/src/errors.ts';
import { parseReference } from '../../solutions/src/images/reference.ts';
import {
  basicHeader,
  credentialsFrom,
  parseChallenge,
  tokenOf,
  tokenUrl,
} from '../../solutions/src/images/pull/auth.ts';
import {
  choosePlatform,
  defaultPlatform,
  manifestKind,
  parsePlatform,
} from '../../solutions/src/images/pull/media-types.ts';
import { isLoopback, parsePullReference } from '../../solutions/src/images/pull/pull-reference.ts';
import { DigestError, verifiedBuffer, verifiedChunks } from '../../solutions/src/images/pull/verify-digest.ts';

const sha256 = (data: string | Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const DIGEST = sha256('a manifest');

async function* chunksOf(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield Buffer.from(part);
}

describe('parsePullReference', () => {
  test.each([
    [
      '127.0.0.1:5000/busybox',
      { registry: '127.0.0.1:5000', repository: 'busybox', reference: 'latest', name: '127.0.0.1:5000/busybox:latest' },
    ],
    [
      'localhost:5000/team/app:1.0',
      { registry: 'localhost:5000', repository: 'team/app', reference: '1.0', name: 'localhost:5000/team/app:1.0' },
    ],
    ['127.1.2.3/app:v2', { registry: '127.1.2.3', repository: 'app', reference: 'v2', name: '127.1.2.3/app:v2' }],
    [
      `127.0.0.1:5000/app@${DIGEST}`,
      {
        registry: '127.0.0.1:5000',
        repository: 'app',
        reference: DIGEST,
        digest: DIGEST,
        name: `127.0.0.1:5000/app@${DIGEST}`,
      },
    ],
    [
      `127.0.0.1:5000/app:1@${DIGEST}`,
      {
        registry: '127.0.0.1:5000',
        repository: 'app',
        reference: DIGEST,
        digest: DIGEST,
        name: '127.0.0.1:5000/app:1',
      },
    ],
  ])('%s', (given, expected) => {
    expect(parsePullReference(given)).toEqual(expected);
  });

  test('a name without a registry is refused: this course never pulls from Docker Hub', () => {
    expect(() => parsePullReference('busybox')).toThrow(
      new UsageError(
        'busybox has no registry; name one, as in 127.0.0.1:5000/busybox:latest (this course pulls only from registries on this machine, never from Docker Hub)',
      ),
    );
    expect(() => parsePullReference('library/busybox:1.36')).toThrow(/has no registry/);
  });

  test.each(['example.com/app', 'registry.example.com:5000/app', '10.0.0.1:5000/app', '128.0.0.1/app'])(
    '%s is not on loopback: refused',
    (given) => {
      expect(() => parsePullReference(given)).toThrow(/not on this machine's loopback/);
    },
  );

  test.each(['127.0.0.1:5000/app@sha256:abc', '127.0.0.1:5000/app@md5:' + 'a'.repeat(32), '127.0.0.1:5000/App'])(
    '%s is not a valid name',
    (given) => {
      expect(() => parsePullReference(given)).toThrow(UsageError);
    },
  );

  test('isLoopback', () => {
    expect(['127.0.0.1', '127.255.0.9', '::1', 'localhost'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['128.0.0.1', '127.0.0', '127.0.0.256', 'localhost.example.com', '0.0.0.0'].map(isLoopback)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  test("a digest's name in the store is REPOSITORY@DIGEST", () => {
    expect(parseReference(`app@${DIGEST}`)).toEqual({
      repository: 'app',
      tag: '',
      digest: DIGEST,
      name: `app@${DIGEST}`,
    });
  });
});

describe('media types and platforms', () => {
  test.each([
    ['application/vnd.oci.image.index.v1+json', {}, 'index'],
    ['application/vnd.docker.distribution.manifest.list.v2+json', {}, 'index'],
    ['application/vnd.oci.image.manifest.v1+json; charset=utf-8', {}, 'image'],
    ['application/vnd.docker.distribution.manifest.v2+json', {}, 'image'],
    [undefined, { mediaType: 'application/vnd.oci.image.index.v1+json' }, 'index'],
    ['application/json', { manifests: [] }, 'index'],
    ['application/json', { layers: [] }, 'image'],
  ] as const)('%s %j is an %s', (type, document, kind) => {
    expect(manifestKind(type, document)).toBe(kind);
  });

  test('schema 1 and unknown types are refused, by name', () => {
    expect(() => manifestKind('application/vnd.docker.distribution.manifest.v1+prettyjws', {})).toThrow(/schema 1/);
    expect(() => manifestKind('text/html', {})).toThrow(
      "the manifest's media type 'text/html' is none that mydocker reads",
    );
  });

  const index = {
    manifests: [
      { digest: 'sha256:a', platform: { os: 'linux', architecture: 'amd64' } },
      { digest: 'sha256:b', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { digest: 'sha256:c', platform: { os: 'windows', architecture: 'amd64' } },
    ],
  };

  test('choosePlatform picks os and architecture, and the variant when asked', () => {
    expect(choosePlatform(index, { os: 'linux', architecture: 'amd64' }).digest).toBe('sha256:a');
    expect(choosePlatform(index, { os: 'linux', architecture: 'arm64' }).digest).toBe('sha256:b');
    expect(choosePlatform(index, { os: 'linux', architecture: 'arm64', variant: 'v8' }).digest).toBe('sha256:b');
    expect(choosePlatform(index, { os: 'windows', architecture: 'amd64' }).digest).toBe('sha256:c');
    expect(() => choosePlatform(index, { os: 'linux', architecture: 'arm64', variant: 'v7' })).toThrow(
      'no image for linux/arm64/v7 in the index (it has linux/amd64, linux/arm64/v8, windows/amd64)',
    );
    expect(() => choosePlatform({ manifests: [] }, defaultPlatform())).toThrow(/it has none/);
  });

  test('parsePlatform and the default', () => {
    expect(parsePlatform('linux/arm64')).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(parsePlatform('linux/arm/v7')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    for (const bad of ['linux', 'linux/', '/amd64', 'linux/amd64/v1/x', 'Linux/AMD64'])
      expect(() => parsePlatform(bad), bad).toThrow(UsageError);
    expect(defaultPlatform()).toEqual({ os: 'linux', architecture: process.arch === 'x64' ? 'amd64' : process.arch });
  });
});

describe('verifiedChunks', () => {
  const content = 'one body, in three chunks';
  const descriptor = { digest: sha256(content), size: content.length };

  test('passes the chunks on as they come, unchanged', async () => {
    const got: string[] = [];
    for await (const chunk of verifiedChunks(chunksOf('one body', ', in three', ' chunks'), descriptor, 'layer x'))
      got.push(Buffer.from(chunk).toString());
    expect(got).toEqual(['one body', ', in three', ' chunks']);
    expect((await verifiedBuffer(chunksOf(content), descriptor, 'config x')).toString()).toBe(content);
  });

  test('a forged body: expected and got, named', async () => {
    const forged = 'one body, in THREE chunks';
    await expect(verifiedBuffer(chunksOf(forged), descriptor, 'layer sha256:abc...')).rejects.toThrow(
      new DigestError(
        `layer sha256:abc... does not match its digest: expected ${descriptor.digest}, got ${sha256(forged)}`,
      ),
    );
  });

  test('too long: refused before the chunk that makes it too long goes on', async () => {
    const passed: string[] = [];
    const reading = (async () => {
      for await (const chunk of verifiedChunks(chunksOf(content, 'more'), descriptor, 'layer y'))
        passed.push(Buffer.from(chunk).toString());
    })();
    await expect(reading).rejects.toThrow(
      `layer y is larger than the ${content.length} bytes its descriptor gives: cut off`,
    );
    expect(passed).toEqual([content]);
  });

  test('an endless source is left after `size` bytes', async () => {
    let produced = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) {
        produced += 1000;
        yield Buffer.alloc(1000);
      }
    }
    await expect(verifiedBuffer(endless(), { digest: sha256(''), size: 10_000 }, 'layer z')).rejects.toThrow(/cut off/);
    expect(produced).toBe(11_000);
  });

  test('too short', async () => {
    await expect(verifiedBuffer(chunksOf('one body'), descriptor, 'layer w')).rejects.toThrow(
      `layer w ended after 8 of the ${content.length} bytes its descriptor gives`,
    );
  });
});

describe('auth', () => {
  test('parseChallenge reads Basic and Bearer challenges (RFC 7235)', () => {
    expect(parseChallenge('Basic realm="mydocker-check"')).toEqual({
      scheme: 'basic',
      params: { realm: 'mydocker-check' },
    });
    expect(
      parseChallenge(
        'Bearer realm="http://127.0.0.1:5001/token",service="registry.local",scope="repository:team/app:pull"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: { realm: 'http://127.0.0.1:5001/token', service: 'registry.local', scope: 'repository:team/app:pull' },
    });
    expect(parseChallenge('Bearer realm="a\\"b", error=invalid_token')).toEqual({
      scheme: 'bearer',
      params: { realm: 'a"b', error: 'invalid_token' },
    });
    expect(parseChallenge('')).toBeUndefined();
  });

  test('tokenUrl and tokenOf', () => {
    const challenge = parseChallenge('Bearer realm="http://127.0.0.1:5001/token",service="reg"')!;
    expect(String(tokenUrl(challenge, 'repository:app:pull'))).toBe(
      'http://127.0.0.1:5001/token?service=reg&scope=repository%3Aapp%3Apull',
    );
    expect(tokenOf({ token: 't1' })).toBe('t1');
    expect(tokenOf({ access_token: 't2' })).toBe('t2');
    expect(() => tokenOf({})).toThrow(/without a token/);
  });

  test('MYDOCKER_REGISTRY_AUTH=USER:PASSWORD, a password with colons', () => {
    expect(credentialsFrom({ MYDOCKER_REGISTRY_AUTH: 'learner:a:b' })).toEqual({
      username: 'learner',
      password: 'a:b',
    });
    expect(credentialsFrom({})).toBeUndefined();
    expect(() => credentialsFrom({ MYDOCKER_REGISTRY_AUTH: 'nopassword' })).toThrow(/USER:PASSWORD/);
    expect(basicHeader({ username: 'learner', password: 'pw' })).toBe(
      `Basic ${Buffer.from('learner:pw').toString('base64')}`,
    );
  });
});
