// Pull throughput of the reference runtime against skopeo: a 5-layer image (gzipped layers of real
// files of this machine, ~10 MB each uncompressed) in Debian's docker-registry on 127.0.0.1, pulled by
// `mydocker pull` (download, verify, unpack into the store) and copied by skopeo twice: `skopeo copy
// docker://... oci:DIR` (download, verify, write the blobs: no unpacking at all), and into
// `containers-storage:[overlay@ROOT+RUN]` (download, verify, unpack each layer into an overlay
// driver's store of its own: what `podman pull` does, the same work as mydocker's), that one in a
// private mount namespace (unshare -m) so that the bind mount containers/storage makes of its graph
// root goes with it. Interleaved rounds, the order rotating, medians.
// Nothing leaves the machine: the registry listens on 127.0.0.1 only, and is stopped by its pid.
// Usage: node bench/pull.ts [--rounds 10]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, projectRoot, registryBinary } from '../scripts/build.mjs';

export interface PullFigures {
  layers: number;
  compressedBytes: number;
  /** skopeo copy into an OCI layout: the blobs written, nothing unpacked. */
  skopeoOciMs: number;
  /** skopeo copy into containers-storage (overlay): the layers unpacked, as podman pull does. */
  skopeoStorageMs: number;
  pullMs: number;
  /** mydocker's throughput over skopeo's into containers-storage (the same work): 1 is as fast. */
  ratio: number;
  /** mydocker's throughput over skopeo's into an OCI layout (which unpacks nothing). */
  ratioOci: number;
}

const LAYER_SOURCES = [
  'usr/share/man',
  'usr/share/doc',
  'usr/share/locale',
  'usr/share/vim',
  'usr/share/perl',
  'usr/lib/python3',
  'usr/share/i18n',
  'usr/share/zoneinfo',
];
const LAYER_BYTES = 10e6;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function run(command: string, args: string[], env: Record<string, string> = {}): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return elapsed;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** 5 layers, each up to ~10 MB of one directory of this machine, by umoci (gzipped, as registries hold them). */
function makeLayout(work: string): string {
  const layout = join(work, 'layout');
  const bundle = join(work, 'bundle');
  spawnSync('umoci', ['init', '--layout', layout]);
  spawnSync('umoci', ['new', '--image', `${layout}:t`]);
  const sources = LAYER_SOURCES.filter((dir) => existsSync(join('/', dir))).slice(0, 5);
  if (sources.length < 5) throw new Error(`need 5 of ${LAYER_SOURCES.join(', ')} on this machine`);
  for (const dir of sources) {
    spawnSync('umoci', ['unpack', '--image', `${layout}:t`, bundle], { stdio: 'ignore' });
    // The first ~10 MB of the directory's files, in name order (tar stops taking more at the cap).
    const list = spawnSync('sh', ['-c', `cd / && find ${dir} -type f | sort | head -c 2000000`], { encoding: 'utf8' });
    let bytes = 0;
    const files = list.stdout.split('\n').filter((file) => {
      if (!file || bytes > LAYER_BYTES) return false;
      const size = Number(spawnSync('stat', ['-c', '%s', join('/', file)], { encoding: 'utf8' }).stdout);
      bytes += size;
      return true;
    });
    writeFileSync(join(work, 'files'), files.join('\n'));
    spawnSync('tar', ['-cf', join(work, 'layer.tar'), '-C', '/', '-T', join(work, 'files')]);
    spawnSync('tar', ['-xf', join(work, 'layer.tar'), '-C', join(bundle, 'rootfs')]);
    spawnSync('umoci', ['repack', '--image', `${layout}:t`, bundle], { stdio: 'ignore' });
    rmSync(bundle, { recursive: true, force: true });
  }
  return layout;
}

export async function benchPull(rounds = 10): Promise<PullFigures> {
  await ensureBuilt('solutions');
  const work = mkdtempSync(join(tmpdir(), 'mydocker-bench-pull-'));
  const port = await freePort();
  writeFileSync(
    join(work, 'config.yml'),
    [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(work, 'storage')}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '  secret: mydocker-bench',
      '',
    ].join('\n'),
  );
  const registry = spawn(registryBinary(), ['serve', join(work, 'config.yml')], { stdio: 'ignore' });
  try {
    const layout = makeLayout(work);
    for (let tries = 0; ; tries++) {
      const probe = spawnSync(process.execPath, [
        '-e',
        `fetch('http://127.0.0.1:${port}/v2/').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
      ]);
      if (probe.status === 0) break;
      if (tries === 50) throw new Error('docker-registry did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const image = `127.0.0.1:${port}/bench:latest`;
    run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${layout}:t`, `docker://${image}`]);
    const compressedBytes = Number(
      spawnSync('du', ['-sb', join(layout, 'blobs')], { encoding: 'utf8' }).stdout.split('\t')[0],
    );
    const skopeoOci = () => {
      const out = join(work, 'skopeo-out');
      return [
        run('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${image}`, `oci:${out}:t`]),
        out,
      ] as const;
    };
    const skopeoStorage = () => {
      const out = join(work, 'skopeo-storage');
      const destination = `containers-storage:[overlay@${join(out, 'root')}+${join(out, 'run')}]bench:latest`;
      const args = ['-m', '--propagation', 'private', 'skopeo', 'copy', '--quiet', '--src-tls-verify=false'];
      return [run('unshare', [...args, `docker://${image}`, destination]), out] as const;
    };
    const pullOnce = () => {
      const root = join(work, 'state');
      const env = { MYDOCKER_SOURCE: 'solutions', MYDOCKER_ROOT: root };
      return [
        run(process.execPath, [join(projectRoot, 'bin', 'mydocker.cjs'), 'pull', '-q', image], env),
        root,
      ] as const;
    };
    const settle = (dir: string) => {
      rmSync(dir, { recursive: true, force: true });
      spawnSync('sync');
    };
    const steps = [skopeoOci, skopeoStorage, pullOnce];
    const times = new Map<(typeof steps)[number], number[]>(steps.map((step) => [step, []]));
    for (const step of steps) settle(step()[1]); // warm up: the registry's files in the page cache, the bundle compiled
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < steps.length; i++) {
        const step = steps[(round + i) % steps.length]!;
        const [ms, dir] = step();
        times.get(step)!.push(ms);
        settle(dir);
      }
    }
    const [skopeoOciMs, skopeoStorageMs, pullMs] = steps.map((step) => median(times.get(step)!)) as [
      number,
      number,
      number,
    ];
    return {
      layers: 5,
      compressedBytes,
      skopeoOciMs,
      skopeoStorageMs,
      pullMs,
      ratio: skopeoStorageMs / pullMs,
      ratioOci: skopeoOciMs / pullMs,
    };
  } finally {
    registry.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
}

export function printPullFigures(figures: PullFigures, rounds: number): void {
  console.log(
    `\nmydocker pull vs skopeo copy, ${figures.layers} layers, ${(figures.compressedBytes / 1e6).toFixed(0)} MB gzipped, from docker-registry on 127.0.0.1, ${rounds} rounds, medians:\n`,
  );
  console.log(`  skopeo copy to oci: (no unpacking)          ${figures.skopeoOciMs.toFixed(0).padStart(6)} ms`);
  console.log(`  skopeo copy to containers-storage (overlay) ${figures.skopeoStorageMs.toFixed(0).padStart(6)} ms`);
  console.log(`  mydocker pull                               ${figures.pullMs.toFixed(0).padStart(6)} ms`);
  console.log(
    `  throughput, mydocker / skopeo into containers-storage (the same work): ${figures.ratio.toFixed(2)}x (target >= 0.8x)`,
  );
  console.log(`  throughput, mydocker / skopeo into oci: (download only): ${figures.ratioOci.toFixed(2)}x`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 10;
  printPullFigures(await benchPull(rounds), rounds);
}
