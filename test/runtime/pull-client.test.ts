// `mydocker pull`'s client against a fake registry in this process (node:http on 127.0.0.1): the
// requests it makes, the challenges it meets (Basic, Bearer), redirects, timeouts and aborts, and that
// a failed pull leaves the store as it was. The real registry is chapter 8's checker's (docker-registry).
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt, projectRoot } from '../../scripts/build.mjs';
import { ImageStore } from '../../solutions/src/images/store.ts';
import { pullImage } from '../../solutions/src/images/pull/pull.ts';
import { PullError } from '../../solutions/src/images/pull/registry-client.ts';
import { listing, tar, temporaryDir } from '../support/image-fixtures.ts';

const sha256 = (data: string | Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

type Handler = (request: IncomingMessage, response: ServerResponse) => boolean | void;

let server: Server;
let address = '';
let handler: Handler = () => false;
const requests: { url: string; authorization?: string; accept?: string }[] = [];
const blobs = new Map<string, Buffer>();
const manifests = new Map<string, { type: string; content: Buffer }>();
const work = temporaryDir('pull-client');
let roots = 0;
const newRoot = () => join(work, `root-${roots++}`);

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push({ url: request.url!, authorization: request.headers.authorization, accept: request.headers.accept });
    if (handler(request, response) === true) return;
    const manifest = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(request.url!);
    const blob = /^\/v2\/(.+)\/blobs\/(.+)$/.exec(request.url!);
    const found = manifest ? manifests.get(`${manifest[1]}:${manifest[2]}`) : undefined;
    if (found) {
      response.setHeader('content-type', found.type);
      response.setHeader('docker-content-digest', sha256(found.content));
      return response.end(found.content);
    }
    if (blob && blobs.has(blob[2]!)) return response.end(blobs.get(blob[2]!));
    response.statusCode = 404;
    response.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  handler = () => false;
  requests.length = 0;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

/** An image of `files` (one layer each), served as repository:tag; returns its manifest's digest. */
const DOCKER = {
  manifest: 'application/vnd.docker.distribution.manifest.v2+json',
  list: 'application/vnd.docker.distribution.manifest.list.v2+json',
  config: 'application/vnd.docker.container.image.v1+json',
  layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
};
const OCI = {
  manifest: OCI_MANIFEST,
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
};

async function serveImage(
  repository: string,
  tag: string,
  layers: Record<string, string>[],
  architecture = 'amd64',
  types: { manifest: string; config: string; layer: string } = OCI,
) {
  const tars = await Promise.all(
    layers.map((files) => tar(Object.entries(files).map(([path, data]) => ({ path, data })))),
  );
  const gzipped = tars.map((layer) => gzipSync(layer));
  const config = Buffer.from(
    JSON.stringify({
      architecture,
      os: 'linux',
      config: { Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: tars.map((t) => sha256(t)) },
    }),
  );
  blobs.set(sha256(config), config);
  gzipped.forEach((layer) => blobs.set(sha256(layer), layer));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: types.manifest,
      config: { mediaType: types.config, digest: sha256(config), size: config.length },
      layers: gzipped.map((layer) => ({
        mediaType: types.layer,
        digest: sha256(layer),
        size: layer.length,
      })),
    }),
  );
  manifests.set(`${repository}:${tag}`, { type: types.manifest, content: manifest });
  manifests.set(`${repository}:${sha256(manifest)}`, { type: types.manifest, content: manifest });
  return { digest: sha256(manifest), size: manifest.length, layers: tars.map((t) => sha256(t).slice(7)) };
}

describe('pullImage against a fake registry', () => {
  test('an image: manifest by tag with every media type accepted, config and layers by digest, into the store', async () => {
    const served = await serveImage('app', 'v1', [{ 'etc/greeting': 'bottom\n' }, { 'etc/greeting': 'top\n' }]);
    const root = newRoot();
    const pulled = await pullImage(new ImageStore(root), `${address}/app:v1`);
    expect(pulled.digest).toBe(served.digest);
    expect(pulled.image.layers).toEqual(served.layers);
    expect(readFileSync(join(root, 'layers', served.layers[1]!, 'etc', 'greeting'), 'utf8')).toBe('top\n');
    expect(requests[0]!.url).toBe('/v2/app/manifests/v1');
    expect(requests[0]!.accept).toContain(OCI_INDEX);
    expect(requests[0]!.accept).toContain('application/vnd.docker.distribution.manifest.v2+json');
    expect(listing(join(root)).filter((line) => line.startsWith('tmp'))).toEqual([]);
  });

  test('a layer the store has already (its diff id) is not downloaded again', async () => {
    const base = await serveImage('base', 'v1', [{ 'etc/base': 'base\n' }]);
    const both = await serveImage('derived', 'v1', [{ 'etc/base': 'base\n' }, { 'etc/top': 'top\n' }]);
    expect(both.layers[0]).toBe(base.layers[0]);
    const root = newRoot();
    await pullImage(new ImageStore(root), `${address}/base:v1`);
    requests.length = 0;
    const events: string[] = [];
    const pulled = await pullImage(new ImageStore(root), `${address}/derived:v1`, {
      onProgress: (event) => events.push(event.kind),
    });
    expect(pulled.image.layers).toEqual(both.layers);
    expect(requests.filter((request) => request.url.includes('/blobs/'))).toHaveLength(2); // the config, the top layer
    expect(events.filter((kind) => kind !== 'blob-start')).toEqual(['manifest', 'blob-exists', 'blob-done']);
    expect(readFileSync(join(root, 'layers', both.layers[1]!, 'etc', 'top'), 'utf8')).toBe('top\n');
  });

  test('an index: the entry of the platform asked for', async () => {
    const amd = await serveImage('multi', 'amd', [{ arch: 'amd64\n' }]);
    const arm = await serveImage('multi', 'arm', [{ arch: 'arm64\n' }], 'arm64');
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          {
            mediaType: OCI_MANIFEST,
            digest: amd.digest,
            size: amd.size,
            platform: { os: 'linux', architecture: 'amd64' },
          },
          {
            mediaType: OCI_MANIFEST,
            digest: arm.digest,
            size: arm.size,
            platform: { os: 'linux', architecture: 'arm64' },
          },
        ],
      }),
    );
    manifests.set('multi:latest', { type: OCI_INDEX, content: index });
    const root = newRoot();
    const pulled = await pullImage(new ImageStore(root), `${address}/multi`, {
      platform: { os: 'linux', architecture: 'arm64' },
    });
    expect(pulled.digest).toBe(sha256(index));
    expect(pulled.image.layers).toEqual(arm.layers);
    expect(requests.map((request) => request.url)).toContain(`/v2/multi/manifests/${arm.digest}`);
  });

  test("docker's formats: a manifest list of schema 2 manifests", async () => {
    const amd = await serveImage('docker', 'amd', [{ arch: 'amd64\n' }], 'amd64', DOCKER);
    const arm = await serveImage('docker', 'arm', [{ arch: 'arm64\n' }], 'arm64', DOCKER);
    const list = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER.list,
        manifests: [
          {
            mediaType: DOCKER.manifest,
            digest: arm.digest,
            size: arm.size,
            platform: { os: 'linux', architecture: 'arm64' },
          },
          {
            mediaType: DOCKER.manifest,
            digest: amd.digest,
            size: amd.size,
            platform: { os: 'linux', architecture: 'amd64' },
          },
        ],
      }),
    );
    manifests.set('docker:latest', { type: DOCKER.list, content: list });
    const root = newRoot();
    const pulled = await pullImage(new ImageStore(root), `${address}/docker`, {
      platform: { os: 'linux', architecture: 'amd64' },
    });
    expect(pulled.image.layers).toEqual(amd.layers);
    expect(readFileSync(join(root, 'layers', amd.layers[0]!, 'arch'), 'utf8')).toBe('amd64\n');
  });

  test('an index entry whose size is wrong: refused as its digest check says', async () => {
    const amd = await serveImage('lying', 'amd', [{ arch: 'amd64\n' }]);
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          {
            mediaType: OCI_MANIFEST,
            digest: amd.digest,
            size: amd.size - 1,
            platform: { os: 'linux', architecture: 'amd64' },
          },
        ],
      }),
    );
    manifests.set('lying:latest', { type: OCI_INDEX, content: index });
    const root = newRoot();
    await expect(
      pullImage(new ImageStore(root), `${address}/lying`, { platform: { os: 'linux', architecture: 'amd64' } }),
    ).rejects.toThrow(
      `manifest ${amd.digest.slice(0, 19)}... is larger than the ${amd.size - 1} bytes its descriptor gives: cut off`,
    );
    expect(listing(root)).toEqual(['(missing)']);
  });

  test('a config that claims gigabytes is refused before it is downloaded', async () => {
    await serveImage('huge', 'real', [{ file: 'x\n' }]);
    const manifest = JSON.parse(manifests.get('huge:real')!.content.toString());
    manifest.config.size = 4e9;
    manifests.set('huge:latest', { type: OCI_MANIFEST, content: Buffer.from(JSON.stringify(manifest)) });
    await expect(pullImage(new ImageStore(newRoot()), `${address}/huge`)).rejects.toThrow(
      /the config \(sha256:[0-9a-f]{12}\.\.\.\) claims 4000000000 bytes: more than 8388608, refused/,
    );
    expect(requests.filter((request) => request.url.includes('/blobs/'))).toEqual([]);
  });

  test('Basic: the challenge is met with MYDOCKER_REGISTRY_AUTH; without it, one line', async () => {
    await serveImage('private', 'latest', [{ file: 'secret\n' }]);
    const expected = `Basic ${Buffer.from('learner:pw').toString('base64')}`;
    handler = (request, response) => {
      if (request.headers.authorization === expected) return false;
      response.statusCode = 401;
      response.setHeader('www-authenticate', 'Basic realm="fake"');
      response.end();
      return true;
    };
    const root = newRoot();
    await expect(pullImage(new ImageStore(root), `${address}/private`)).rejects.toThrow(
      new PullError(
        'unauthorized: the registry asks for credentials (give them as MYDOCKER_REGISTRY_AUTH=USER:PASSWORD)',
      ),
    );
    await expect(
      pullImage(new ImageStore(root), `${address}/private`, { credentials: { username: 'learner', password: 'no' } }),
    ).rejects.toThrow(/refused the credentials/);
    const pulled = await pullImage(new ImageStore(root), `${address}/private`, {
      credentials: { username: 'learner', password: 'pw' },
    });
    expect(pulled.image.layers).toHaveLength(1);
  });

  test('Bearer: a token from the realm (with the credentials), then sent with every request', async () => {
    await serveImage('tokened', 'latest', [{ file: 'x\n' }]);
    handler = (request, response) => {
      if (request.url!.startsWith('/token?')) {
        const url = new URL(request.url!, 'http://x');
        expect(url.searchParams.get('scope')).toBe('repository:tokened:pull');
        expect(url.searchParams.get('service')).toBe('fake');
        response.end(JSON.stringify({ token: 'the-token' }));
        return true;
      }
      if (request.headers.authorization === 'Bearer the-token') return false;
      response.statusCode = 401;
      response.setHeader('www-authenticate', `Bearer realm="http://${address}/token",service="fake"`);
      response.end();
      return true;
    };
    const pulled = await pullImage(new ImageStore(newRoot()), `${address}/tokened`);
    expect(pulled.image.layers).toHaveLength(1);
    const blobRequests = requests.filter((request) => request.url.includes('/blobs/'));
    expect(blobRequests.map((request) => request.authorization)).toEqual(blobRequests.map(() => 'Bearer the-token'));
  });

  test('Bearer with a token service of its own: the credentials go to it, the token to the registry', async () => {
    await serveImage('realm', 'latest', [{ file: 'x\n' }]);
    const credentials = `Basic ${Buffer.from('learner:pw').toString('base64')}`;
    const seen: (string | undefined)[] = [];
    const tokens = createServer((request, response) => {
      seen.push(request.headers.authorization);
      if (request.headers.authorization !== credentials) {
        response.statusCode = 401;
        return response.end();
      }
      response.end(JSON.stringify({ access_token: 'from-the-realm' }));
    });
    await new Promise<void>((resolve) => tokens.listen(0, '127.0.0.1', resolve));
    const realm = `http://127.0.0.1:${(tokens.address() as AddressInfo).port}/token`;
    handler = (request, response) => {
      if (request.headers.authorization === 'Bearer from-the-realm') return false;
      response.statusCode = 401;
      response.setHeader('www-authenticate', `Bearer realm="${realm}",service="fake"`);
      response.end();
      return true;
    };
    try {
      const pulled = await pullImage(new ImageStore(newRoot()), `${address}/realm`, {
        credentials: { username: 'learner', password: 'pw' },
      });
      expect(pulled.image.layers).toHaveLength(1);
      expect(seen).toEqual([credentials]);
      expect(requests.every((request) => request.authorization !== credentials)).toBe(true);
    } finally {
      await new Promise((resolve) => tokens.close(resolve));
    }
  });

  test('a redirect off loopback is refused before any connection', async () => {
    handler = (request, response) => {
      response.statusCode = 307;
      response.setHeader('location', 'http://192.0.2.1/elsewhere');
      response.end();
      return true;
    };
    await expect(pullImage(new ImageStore(newRoot()), `${address}/app:v1`)).rejects.toThrow(
      "the registry redirects to http://192.0.2.1, which is not on this machine's loopback: refused",
    );
  });

  test('a registry that does not answer: a bounded wait, then one line; the store as it was', async () => {
    handler = () => true; // never answers
    const root = newRoot();
    const before = listing(root);
    await expect(pullImage(new ImageStore(root), `${address}/app:v1`, { timeoutMs: 200 })).rejects.toThrow(
      `the registry at ${address} did not answer within 0.2 s (waiting for /v2/app/manifests/v1)`,
    );
    expect(listing(root)).toEqual(before);
  });

  test('a body that stalls, an abort: the same clean-up', async () => {
    const served = await serveImage('stall', 'latest', [{ file: 'x\n' }]);
    handler = (request, response) => {
      if (!request.url!.includes('/blobs/') || request.url!.endsWith(served.digest)) return false;
      if (request.url!.includes(JSON.parse(manifests.get('stall:latest')!.content.toString()).config.digest))
        return false;
      response.write('a'); // then nothing
      return true;
    };
    const root = newRoot();
    await expect(pullImage(new ImageStore(root), `${address}/stall`, { timeoutMs: 300 })).rejects.toThrow(
      /did not answer within 0.3 s \(waiting for a body\)/,
    );
    expect(listing(root)).toEqual(['(missing)']);
    const abort = new AbortController();
    setTimeout(() => abort.abort(new PullError('interrupted')), 100);
    await expect(pullImage(new ImageStore(root), `${address}/stall`, { signal: abort.signal })).rejects.toThrow(
      'interrupted',
    );
    expect(listing(root)).toEqual(['(missing)']);
  });

  test("a missing tag: the registry's own words", async () => {
    await expect(pullImage(new ImageStore(newRoot()), `${address}/app:nosuch`)).rejects.toThrow(
      new PullError('manifest unknown'),
    );
  });
});

describe('mydocker pull, the command', () => {
  test('SIGINT during a download: exit 130, one line, nothing kept', async () => {
    await ensureBuilt('solutions');
    await serveImage('interrupted', 'latest', [{ file: 'x\n' }]);
    const config = JSON.parse(manifests.get('interrupted:latest')!.content.toString()).config.digest as string;
    handler = (request, response) => {
      if (!request.url!.includes('/blobs/') || request.url!.endsWith(config)) return false;
      response.write('a'); // and nothing more: the pull waits for the rest
      return true;
    };
    const root = newRoot();
    mkdirSync(root);
    // No network namespace of its own: the fake registry is on this one's loopback; a pull makes no bridge.
    const pull = execa(process.execPath, [join(projectRoot, 'bin', 'mydocker.cjs'), 'pull', `${address}/interrupted`], {
      reject: false,
      stdin: 'ignore',
      env: { MYDOCKER_SOURCE: 'solutions', MYDOCKER_ROOT: root },
      stripFinalNewline: false,
    });
    for (let waited = 0; !existsSync(join(root, 'tmp')) && waited < 10_000; waited += 20)
      await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 200));
    pull.kill('SIGINT');
    const result = await pull;
    expect(result.exitCode).toBe(130);
    expect(result.stderr).toBe(`mydocker pull: ${address}/interrupted: interrupted (SIGINT): nothing was kept\n`);
    expect(listing(root)).toEqual(listing(newRootWithNothing()));
  });
});

/** An empty directory, for what the state root must look like again. */
function newRootWithNothing(): string {
  const root = newRoot();
  mkdirSync(root);
  return root;
}
