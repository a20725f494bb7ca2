// Lab ch8-pull-digest: `mydocker pull` from a real registry on the lab host's loopback (Debian's
// docker-registry, seeded with skopeo from OCI layouts made here), and from a hostile one: a blob that
// is not its digest, an endless body, a manifest whose digests point outside, a layer with `../`. A pull
// that fails says so in one line, exits 1 and leaves the store as it was.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { tarBuffer } from '../../../scripts/build.mjs';
import { daemonOf } from '../../harness/daemon.ts';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import { multiPlatformLayout, ociLayout } from '../../harness/images.ts';
import type { LabHost } from '../../harness/labhost.ts';
import type { Mydocker, RunResult } from '../../harness/mydocker.ts';
import { Registry, startHostile, type Fixture, type HostileRoute } from '../../harness/registry.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';
import { scaled } from '../../harness/timing.ts';

type VerifyModule = typeof import('../../../solutions/src/images/pull/verify-digest.ts');

const CREDENTIALS = { username: 'learner', password: 'pull-me' };
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const LAYER = 'application/vnd.oci.image.layer.v1.tar';
const ESCAPED = join(tmpdir(), `mydocker-check-${process.pid}-escaped`);

interface Layouts {
  work: string;
  /** Three layers: busybox and /etc/greeting "bottom", then /middle, then /etc/greeting "top". */
  layered: string;
  /** An index of two images: /arch says amd64 or arm64. */
  multi: string;
  /** The layered image's manifest digest (what skopeo pushes unchanged). */
  layeredDigest: string;
}

let layouts: Promise<Layouts> | undefined;

function makeLayouts(): Promise<Layouts> {
  layouts ??= Promise.resolve().then(() => {
    const work = mkdtempSync(join(tmpdir(), `mydocker-check-${process.pid}-layouts-`));
    const layered = ociLayout(work, 'layered', [
      { 'etc/greeting': 'bottom\n', lower: 'lower\n' },
      { middle: 'middle\n' },
      { 'etc/greeting': 'top\n' },
    ]);
    const amd64 = ociLayout(work, 'amd64', [{ arch: 'amd64\n' }]);
    const arm64 = ociLayout(work, 'arm64', [{ arch: 'arm64\n' }], 'arm64');
    const index = JSON.parse(readFileSync(join(layered, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    return { work, layered, multi: multiPlatformLayout(amd64, arm64), layeredDigest: index.manifests[0]!.digest };
  });
  return layouts;
}

interface Fixtures extends Layouts {
  registry: Registry;
  secured: Registry;
  hostile: Fixture;
}

const fixtures = new Map<LabHost, Promise<Fixtures>>();

/** The registries of this lab host, started and seeded at its first check. */
function fixturesFor(host: LabHost): Promise<Fixtures> {
  if (!fixtures.has(host)) {
    fixtures.set(
      host,
      (async () => {
        const made = await makeLayouts();
        const started = await Promise.allSettled([
          Registry.start(host),
          Registry.start(host, CREDENTIALS),
          hostileRegistry(host),
        ]);
        const stopAll = () =>
          Promise.all(started.map((result) => (result.status === 'fulfilled' ? result.value.stop() : undefined)));
        const failed = started.find((result) => result.status === 'rejected');
        if (failed) {
          await stopAll(); // the ones that did start: their directories go now, not with the next run
          throw failed.reason;
        }
        const [registry, secured, hostile] = started.map(
          (result) => (result as PromiseFulfilledResult<Fixture>).value,
        ) as [Registry, Registry, Fixture];
        try {
          await Promise.all([
            registry.seed(made.layered, 't', 'layered:latest'),
            registry.seed(made.multi, 't', 'multi:latest'),
            secured.seed(made.layered, 't', 'private/layered:latest'),
          ]);
        } catch (error) {
          await stopAll();
          throw error;
        }
        return { ...made, registry, secured, hostile };
      })(),
    );
  }
  return fixtures.get(host)!;
}

afterAll(async () => {
  for (const started of fixtures.values()) {
    const { registry, secured, hostile } = await started.catch(() => ({}) as Partial<Fixtures>);
    await Promise.all([registry?.stop(), secured?.stop(), hostile?.stop()]);
  }
  if (layouts) rmSync((await layouts).work, { recursive: true, force: true });
  rmSync(ESCAPED, { force: true });
});

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** One image of the hostile registry: its manifest and the blobs it serves for it (maybe not what it names). */
function hostileImage(
  repository: string,
  layers: { digest: string; size: number; served?: HostileRoute }[],
  diffIds: string[],
): Record<string, HostileRoute> {
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
  });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
    layers: layers.map(({ digest, size }) => ({ mediaType: LAYER, digest, size })),
  });
  const routes: Record<string, HostileRoute> = {
    [`/v2/${repository}/manifests/latest`]: { type: OCI_MANIFEST, content: manifest },
    [`/v2/${repository}/blobs/${sha256(config)}`]: { content: config },
  };
  for (const layer of layers) if (layer.served) routes[`/v2/${repository}/blobs/${layer.digest}`] = layer.served;
  return routes;
}

async function hostileRegistry(host: LabHost): Promise<Fixture> {
  const honest = await tarBuffer([{ path: 'file', data: 'what the manifest names\n' }]);
  const forged = await tarBuffer([{ path: 'file', data: 'what the registry sends\n' }]);
  const escaping = await tarBuffer([
    { path: 'ok', data: 'ok\n' },
    { path: `../../../../../../../..${ESCAPED}`, data: 'escaped\n' },
  ]);
  return startHostile(host, {
    // A blob of the right size that is not the digest's.
    ...hostileImage(
      'forged',
      [{ digest: sha256(honest), size: honest.length, served: { content: forged } }],
      [sha256(honest)],
    ),
    // A body that never ends, for a layer of 100000 bytes.
    ...hostileImage(
      'endless',
      [{ digest: sha256('x'.repeat(100_000)), size: 100_000, served: { endless: true } }],
      [sha256('x')],
    ),
    // Digests that are paths: a client that writes blobs under their digest would write outside.
    ...hostileImage('outside', [{ digest: `sha256:../../../../../../..${ESCAPED}`, size: 10 }], [sha256('x')]),
    // An honest blob (its digest is right) whose tar climbs out with `..`.
    ...hostileImage(
      'climbing',
      [{ digest: sha256(escaping), size: escaping.length, served: { content: escaping } }],
      [sha256(escaping)],
    ),
  });
}

async function pull(mydocker: Mydocker, args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  const result = await mydocker.start(['pull', ...args], 'ignore', undefined, env);
  const shown = Object.keys(env)
    .map((name) => `${name}=... `)
    .join('');
  return {
    exitCode: result.exitCode,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
    command: `${shown}mydocker pull ${args.join(' ')}`,
  };
}

/**
 * The state root's files, less what pulls killed earlier (by a check that gave up on them) left in
 * tmp/pull-PID-*: a killed process cannot clean up, and the next pull removes it.
 */
function storeFiles(mydocker: Mydocker): string[] {
  return mydocker.files().filter((path) => {
    const pid = /^tmp\/pull-(\d+)-/.exec(path)?.[1];
    return pid === undefined || existsSync(`/proc/${pid}`);
  });
}

/** A pull that must fail: one line on stderr starting `mydocker pull: NAME: `, exit 1, the store unchanged. */
async function expectRefused(mydocker: Mydocker, name: string, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  const before = storeFiles(mydocker);
  const started = mydocker.start(['pull', name], 'ignore');
  const timer = setTimeout(() => started.kill('SIGKILL'), scaled(timeoutMs));
  const result = await started;
  clearTimeout(timer);
  const run: RunResult = {
    exitCode: result.exitCode,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
    command: `mydocker pull ${name}`,
  };
  expect(
    result.isTerminated,
    `${describeRun(run)}\nthe pull was still running after ${timeoutMs / 1000} s, and was killed`,
  ).toBe(false);
  expectExitCode(run, 1);
  const lines = run.stderr.split('\n').filter(Boolean);
  expect(lines, `${describeRun(run)}\none line on stderr`).toHaveLength(1);
  expect(lines[0], describeRun(run)).toMatch(new RegExp(`^mydocker pull: ${escape(name)}: `));
  expect(lines[0], describeRun(run)).toMatch(pattern);
  expect(storeFiles(mydocker), `${describeRun(run)}\nthe state root after the failed pull (nothing new)`).toEqual(
    before,
  );
  return lines[0]!;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describeLab('ch8-pull-digest', (check) => {
  check(
    'verifiedChunks passes an honest body on, whole, and refuses a forged, short or long one',
    { hint: 1 },
    async () => {
      const { verifiedChunks, DigestError } = await importTarget<VerifyModule>('images/pull/verify-digest.ts');
      const content = Buffer.from('a body that comes in three chunks\n');
      const parts = [content.subarray(0, 5), content.subarray(5, 20), content.subarray(20)];
      const source = async function* (chunks: Buffer[]) {
        yield* chunks;
      };
      const read = async (chunks: Buffer[], descriptor: { digest: string; size: number }) => {
        const got: Uint8Array[] = [];
        try {
          for await (const chunk of verifiedChunks(source(chunks), descriptor, 'layer sha256:test')) got.push(chunk);
          return { ok: true, content: Buffer.concat(got) };
        } catch (error) {
          return { ok: false, error, received: Buffer.concat(got).length };
        }
      };
      const honest = await read(parts, { digest: sha256(content), size: content.length });
      expect(honest, 'three chunks of the content its descriptor names').toEqual({ ok: true, content });
      const forged = Buffer.from(content.toString().replace('three', 'THREE'));
      const refused = await read([forged], { digest: sha256(content), size: content.length });
      expect(refused.ok, 'content of the right size but another digest').toBe(false);
      expect(refused.error, 'what is thrown for a forged body').toBeInstanceOf(DigestError);
      expect(
        String((refused.error as Error).message),
        'the message names the blob, what was expected and what came',
      ).toMatch(new RegExp(`layer sha256:test.*${sha256(content)}.*${sha256(forged)}`));
      const short = await read([content.subarray(0, 10)], { digest: sha256(content), size: content.length });
      expect(short.ok, 'a body that ends too soon').toBe(false);
      const long = await read([...parts, Buffer.from('and more')], { digest: sha256(content), size: content.length });
      expect(long.ok, 'a body longer than its descriptor').toBe(false);
      expect(long.received, 'bytes passed on before a body too long was refused').toBeLessThanOrEqual(content.length);
      expect(String((long.error as Error).message), 'a body too long: the message').toMatch(/larger than/);
    },
  );

  check(
    'a pull from the loopback registry: three layers, a container runs from it and sees the top one',
    { hint: 1, timeout: 60_000 },
    async ({ host, mydocker }) => {
      const { registry, layeredDigest } = await fixturesFor(host);
      const name = `${registry.address}/layered:latest`;
      const pulled = await pull(mydocker, [name]);
      expectExitCode(pulled, 0);
      expect(pulled.stdout, describeRun(pulled)).toContain(`Digest: ${layeredDigest}\n`);
      expect(pulled.stdout.split('\n').filter(Boolean).pop(), describeRun(pulled)).toBe(name);
      expect(mydocker.image(name)?.layers, `the store's record of ${name}`).toHaveLength(3);
      const run = await mydocker.run([
        'run',
        '--rm',
        '--network',
        'none',
        name,
        '/bin/busybox',
        'cat',
        '/etc/greeting',
        '/middle',
        '/lower',
      ]);
      expect(run.stdout, describeRun(run)).toBe('top\nmiddle\nlower\n');
      expect(existsSync(join(mydocker.stateRoot, 'tmp')), "the pull's temporary layout, after it").toBe(false);
    },
  );

  check(
    'its layers are stored as chapter 4 stores them: the same ids as `image import` of the same layout',
    { hint: 1, timeout: 60_000 },
    async ({ host, mydocker }) => {
      const { registry, layered, work } = await fixturesFor(host);
      const name = `${registry.address}/layered:latest`;
      if (!mydocker.image(name)) expectExitCode(await pull(mydocker, [name]), 0);
      const tar = join(work, `layered-${process.pid}.tar`);
      execFileSync('tar', ['-cf', tar, '-C', layered, '.']);
      const imported = await mydocker.run(['image', 'import', tar, 'imported:latest']);
      rmSync(tar, { force: true });
      expectExitCode(imported, 0);
      expect(mydocker.image(name)?.layers, 'the pulled layers against the imported ones').toEqual(
        mydocker.image('imported:latest')?.layers,
      );
    },
  );

  check(
    'a pull by digest gets that manifest; a digest the registry lacks is refused',
    { hint: 1, timeout: 60_000 },
    async ({ host, mydocker }) => {
      const { registry, layeredDigest } = await fixturesFor(host);
      const name = `${registry.address}/layered@${layeredDigest}`;
      const pulled = await pull(mydocker, [name]);
      expectExitCode(pulled, 0);
      expect(mydocker.image(name)?.layers, `the store's record of ${name}`).toHaveLength(3);
      await expectRefused(mydocker, `${registry.address}/layered@${sha256('no such manifest')}`, /manifest unknown/);
    },
  );

  check(
    'from a multi-platform index: linux/amd64 by default on this machine, linux/arm64 with --platform',
    { hint: 1, timeout: 60_000 },
    async ({ host, mydocker }) => {
      const { registry } = await fixturesFor(host);
      const name = `${registry.address}/multi:latest`;
      const archOf = () => readFileSync(join(mydocker.layerDir(mydocker.image(name)!.layers.at(-1)!), 'arch'), 'utf8');
      expectExitCode(await pull(mydocker, ['--platform', 'linux/arm64', name]), 0);
      expect(archOf(), "the top layer's /arch, pulled with --platform linux/arm64").toBe('arm64\n');
      expectExitCode(await pull(mydocker, [name]), 0);
      expect(archOf(), "the top layer's /arch, pulled without --platform").toBe(
        process.arch === 'arm64' ? 'arm64\n' : 'amd64\n',
      );
      await expectRefused(mydocker, name.replace(':latest', ':nosuch'), /manifest unknown/);
    },
  );

  check(
    'basic auth: the pull works with MYDOCKER_REGISTRY_AUTH, and without says unauthorized',
    { hint: 1, timeout: 60_000 },
    async ({ host, mydocker }) => {
      const { secured } = await fixturesFor(host);
      const name = `${secured.address}/private/layered:latest`;
      await expectRefused(mydocker, name, /unauthorized/);
      const run = await pull(mydocker, [name], {
        MYDOCKER_REGISTRY_AUTH: `${CREDENTIALS.username}:${CREDENTIALS.password}`,
      });
      expectExitCode(run, 0);
      expect(mydocker.image(name)?.layers, `the store's record of ${name}`).toHaveLength(3);
    },
  );

  check(
    'a blob that is not its digest is refused, naming it, expected and got; nothing is kept',
    { hint: 3 },
    async ({ host, mydocker }) => {
      const { hostile } = await fixturesFor(host);
      await expectRefused(
        mydocker,
        `${hostile.address}/forged:latest`,
        /layer sha256:[0-9a-f]{12}.*expected sha256:[0-9a-f]{64}.*got sha256:[0-9a-f]{64}/,
      );
    },
  );

  check(
    "an endless body is cut off at its descriptor's size, at once; nothing is kept",
    { hint: 2 },
    async ({ host, mydocker }) => {
      const { hostile } = await fixturesFor(host);
      await expectRefused(mydocker, `${hostile.address}/endless:latest`, /larger than the 100000 bytes/, 8_000);
    },
  );

  check(
    'a manifest whose digests are paths, a layer that climbs out with ..: refused, nothing written outside',
    { hint: 1 },
    async ({ host, mydocker }) => {
      const { hostile } = await fixturesFor(host);
      await expectRefused(mydocker, `${hostile.address}/outside:latest`, /digest/);
      await expectRefused(mydocker, `${hostile.address}/climbing:latest`, /\.\./);
      expect(existsSync(ESCAPED), `${ESCAPED}, which the hostile layer names`).toBe(false);
    },
  );

  check(
    'a registry that does not answer, a name without a registry: one line, exit 1',
    { hint: 1 },
    async ({ mydocker }) => {
      await expectRefused(mydocker, '127.0.0.1:5999/nothing:latest', /connection refused/);
      const before = storeFiles(mydocker);
      const bare = await pull(mydocker, ['busybox:latest']);
      expectExitCode(bare, 1);
      expect(bare.stderr, describeRun(bare)).toMatch(
        /^mydocker pull: busybox:latest has no registry; name one, as in 127\.0\.0\.1:5000\/busybox:latest.*\n$/,
      );
      expect(storeFiles(mydocker), 'the state root').toEqual(before);
    },
  );

  check(
    "docker's CLI pulls through the daemon (POST /images/create, its progress as JSON) and runs what it pulled",
    { hint: 1, timeout: 60_000 },
    async ({ host, mydocker }) => {
      const { registry } = await fixturesFor(host);
      const client = await daemonOf(host, mydocker);
      const name = `${registry.address}/layered:latest`;
      const since = (Date.now() / 1000).toFixed(3);
      const pulled = await client.docker(['pull', name]);
      expectExitCode(pulled, 0);
      expect(pulled.stdout, describeRun(pulled)).toContain(`Status: Downloaded image for ${name}`);
      // docker's pull event, its actor the reference asked for. The window's ends are given to the
      // millisecond: docker's CLI sends a relative one (1m, 0s) in whole seconds.
      const events = await client.docker([
        'events',
        '--since',
        since,
        '--until',
        (Date.now() / 1000).toFixed(3),
        '--filter',
        'type=image',
        '--format',
        '{{.Action}} {{.Actor.ID}}',
      ]);
      expectExitCode(events, 0);
      expect(events.stdout.split('\n'), describeRun(events)).toContain(`pull ${name}`);
      expect(mydocker.image(name), 'the image in the store, as mydocker sees it').toBeDefined();
      const run = await client.docker([
        'run',
        '--rm',
        '--network',
        'none',
        name,
        '/bin/busybox',
        'cat',
        '/etc/greeting',
        '/middle',
      ]);
      expect(run.stdout, describeRun(run)).toBe('top\nmiddle\n');
      const missing = await client.docker(['pull', `${registry.address}/layered:nosuch`]);
      expect(missing.exitCode, describeRun(missing)).toBe(1);
      expect(missing.stderr, describeRun(missing)).toMatch(/manifest unknown/);
      const rmi = await client.docker(['rmi', name]);
      expectExitCode(rmi, 0);
      // docker run of an image it does not have: the create's 404, the pull, the create again.
      const again = await client.docker(['run', '--rm', '--network', 'none', name, '/bin/busybox', 'cat', '/middle']);
      expect(again.stdout, describeRun(again)).toBe('middle\n');
      expect(again.stderr, describeRun(again)).toContain(`Unable to find image '${name}' locally`);
      expectExitCode(await client.docker(['rmi', name]), 0);
    },
  );
});
