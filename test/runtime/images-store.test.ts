// `mydocker images` and `mydocker rmi` through the real runtime: layers are shared between images
// and with containers, and go only when nothing lists them any more.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../../scripts/build.mjs';
import { ImageStore } from '../../solutions/src/images/store.ts';
import { dockerSave, listing, mydocker, sha256, tar, temporaryDir } from '../support/image-fixtures.ts';

const work = temporaryDir('images-store');
let roots = 0;
const layers: Record<'base' | 'a' | 'b', Buffer> = { base: Buffer.alloc(0), a: Buffer.alloc(0), b: Buffer.alloc(0) };
const archives = { a: '', b: '', b2: '' };
const id = (layer: Buffer) => sha256(layer);

beforeAll(async () => {
  await ensureBuilt('solutions');
  layers.base = await tar([
    { path: 'etc/', type: 'Directory' },
    { path: 'etc/os-release', data: 'ID=base\n' },
  ]);
  layers.a = await tar([{ path: 'a', data: 'a' }]);
  layers.b = await tar([{ path: 'b', data: 'b' }]);
  archives.a = await dockerSave(join(work, 'a.tar'), [layers.base, layers.a], { Cmd: ['a'] });
  archives.b = await dockerSave(join(work, 'b.tar'), [layers.base, layers.b], { Cmd: ['b'] });
  archives.b2 = await dockerSave(join(work, 'b2.tar'), [layers.base, await tar([{ path: 'b', data: 'b, again' }])], {
    Cmd: ['b2'],
  });
}, 30_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A state root with images a:latest and b:1 (sharing the base layer). */
async function rootWithImages(): Promise<string> {
  const root = join(work, `root-${roots++}`);
  expect((await mydocker(root, ['image', 'import', archives.a, 'a'])).exitCode).toBe(0);
  expect((await mydocker(root, ['image', 'import', archives.b, 'b:1'])).exitCode).toBe(0);
  return root;
}

/**
 * A container's state, as the run path writes it: config.json with its image and layers, then the
 * shim's running.json and exit.json of a container that ran and exited (so the store keeps it).
 */
function container(root: string, containerId: string, image: string, layerIds: string[]): void {
  const dir = join(root, 'containers', containerId);
  mkdirSync(dir, { recursive: true });
  const gone = { pid: 2147483646, start: 1 };
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      id: containerId,
      hostname: 'box',
      command: ['sh'],
      created: new Date().toISOString(),
      image,
      layers: layerIds,
      creator: gone,
    }),
  );
  writeFileSync(
    join(dir, 'running.json'),
    JSON.stringify({ pid: gone.pid, start: 1, shim: gone.pid, shimStart: 1, startedAt: new Date().toISOString() }),
  );
  writeFileSync(join(dir, 'exit.json'), JSON.stringify({ exitCode: 0, finishedAt: new Date().toISOString() }));
}

const layerDirs = (root: string) => readdirSync(join(root, 'layers')).sort();

describe('mydocker images', () => {
  test("a table like docker's, newest first, and -q", async () => {
    const root = await rootWithImages();
    const result = await mydocker(root, ['images']);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$/);
    const store = new ImageStore(root);
    const [a, b] = [store.find('a')!, store.find('b:1')!];
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(new RegExp(`^b +1 +${b.id.slice(0, 12)} +(Less than a second|\\d+ seconds?) ago +\\d+B$`)),
      expect.stringMatching(
        new RegExp(`^a +latest +${a.id.slice(0, 12)} +(Less than a second|\\d+ seconds?) ago +\\d+B$`),
      ),
    ]);
    expect((await mydocker(root, ['images', '-q'])).stdout).toBe(`${b.id.slice(0, 12)}\n${a.id.slice(0, 12)}`);
    expect((await mydocker(join(work, 'nothing-here'), ['images'])).stdout).toMatch(
      /^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$/,
    );
  });
});

describe('mydocker rmi', () => {
  test('removes the image and the layers only it used; a shared layer stays until its last image goes', async () => {
    const root = await rootWithImages();
    expect(layerDirs(root)).toEqual([id(layers.base), id(layers.a), id(layers.b)].sort());
    const removed = await mydocker(root, ['rmi', 'a']);
    expect(removed.exitCode).toBe(0);
    expect(removed.stdout).toMatch(/^Untagged: a:latest\nDeleted: sha256:[0-9a-f]{64}$/);
    expect(layerDirs(root)).toEqual([id(layers.base), id(layers.b)].sort());
    expect((await mydocker(root, ['rmi', 'b:1'])).exitCode).toBe(0);
    expect(layerDirs(root)).toEqual([]);
    expect(readdirSync(join(root, 'images'))).toEqual([]);
  });

  test('refuses an image a container uses, in any state: one line naming it, exit 1, nothing removed', async () => {
    const root = await rootWithImages();
    const containerId = 'c0ffee0123456789'.repeat(4);
    container(root, containerId, 'a', [id(layers.base), id(layers.a)]);
    const before = listing(root);
    const refused = await mydocker(root, ['rmi', 'a:latest']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toBe(
      `mydocker: unable to remove a:latest: container ${containerId.slice(0, 12)} uses it (remove the container first)`,
    );
    expect(listing(root)).toEqual(before);
    rmSync(join(root, 'containers', containerId), { recursive: true });
    expect((await mydocker(root, ['rmi', 'a'])).exitCode).toBe(0);
  });

  test('a layer a container still lists stays, even when no image has it any more', async () => {
    const root = await rootWithImages();
    container(root, 'feed'.repeat(16), 'b:0', [id(layers.base), id(layers.b)]); // made from an image since replaced
    expect((await mydocker(root, ['rmi', 'a', 'b:1'])).exitCode).toBe(0);
    expect(layerDirs(root)).toEqual([id(layers.base), id(layers.b)].sort());
  });

  test("importing over a name replaces the image; the old image's own layers go", async () => {
    const root = await rootWithImages();
    expect((await mydocker(root, ['image', 'import', archives.b2, 'b:1'])).exitCode).toBe(0);
    expect(layerDirs(root)).not.toContain(id(layers.b));
    expect(layerDirs(root)).toContain(id(layers.base));
    expect(new ImageStore(root).find('b:1')!.config.cmd).toEqual(['b2']);
  });

  test('a missing image, or a name that cannot be one: one line each, exit 1, the others removed', async () => {
    const root = await rootWithImages();
    const result = await mydocker(root, ['rmi', 'nope', 'a', 'Bad/../Name']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      "mydocker: no such image: nope:latest (see 'mydocker images')",
      expect.stringMatching(/^mydocker: invalid image name 'Bad\/\.\.\/Name'/),
    ]);
    expect(new ImageStore(root).find('a')).toBeUndefined();
    expect((await mydocker(root, ['rmi'])).exitCode).toBe(125);
  });
});
