// Import throughput of the reference runtime against GNU tar: `mydocker image import` of an
// uncompressed tar of a real directory tree (~55-100 MB of /usr/share, many small files), against
// `tar -xf` of the same file. Interleaved rounds (the order alternates), medians, on the disk that
// holds the temporary directory and on tmpfs (/dev/shm: no disk, so what is left is CPU: the tar
// parser, hashing, the calls). Usage: node bench/import.ts [--rounds 10]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, projectRoot } from '../scripts/build.mjs';

export interface ImportFigures {
  where: string;
  bytes: number;
  entries: number;
  tarMs: number;
  importMs: number;
  /** mydocker's throughput over tar's: 1 is as fast as tar. */
  ratio: number;
}

const CANDIDATES = [
  'usr/share/man',
  'usr/share/doc',
  'usr/share/locale',
  'usr/share/vim',
  'usr/share/perl',
  'usr/lib/python3',
];
const TARGET_BYTES = 60e6;
const MAX_BYTES = 110e6;

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

/** An uncompressed tar of directories of this machine, as many as make 60 MB or more (at most 110). */
function sourceTar(work: string): { file: string; entries: number } {
  const chosen: string[] = [];
  let bytes = 0;
  for (const dir of CANDIDATES) {
    if (bytes >= TARGET_BYTES || !existsSync(join('/', dir))) continue;
    const size = Number(spawnSync('du', ['-sb', join('/', dir)], { encoding: 'utf8' }).stdout.split('\t')[0]);
    if (bytes + size > MAX_BYTES && chosen.length > 0) continue;
    chosen.push(dir);
    bytes += size;
  }
  const file = join(work, 'tree.tar');
  spawnSync('tar', ['-cf', file, '-C', '/', ...chosen], { stdio: 'ignore' });
  const entries =
    spawnSync('tar', ['-tf', file], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout.split('\n').length - 1;
  return { file, entries };
}

function measure(where: string, base: string, file: string, entries: number, rounds: number): ImportFigures {
  const tarTimes: number[] = [];
  const importTimes: number[] = [];
  const extract = () => {
    const out = join(base, 'tar-out');
    mkdirSync(out);
    return [run('tar', ['-xf', file, '-C', out]), out] as const;
  };
  const importOnce = () => {
    const root = join(base, 'state');
    const env = { MYDOCKER_SOURCE: 'solutions', MYDOCKER_ROOT: root };
    return [
      run(process.execPath, [join(projectRoot, 'bin', 'mydocker.cjs'), 'image', 'import', file, 'bench'], env),
      root,
    ] as const;
  };
  const settle = (dir: string) => {
    rmSync(dir, { recursive: true, force: true });
    spawnSync('sync'); // the deleted tree's writeback is not the next command's to pay
  };
  settle(extract()[1]); // warm up: the source tar in the page cache, the bundle compiled
  settle(importOnce()[1]);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [extract, importOnce] : [importOnce, extract];
    for (const step of order) {
      const [ms, dir] = step();
      (step === extract ? tarTimes : importTimes).push(ms);
      settle(dir);
    }
  }
  const tarMs = median(tarTimes);
  const importMs = median(importTimes);
  return { where, bytes: statSync(file).size, entries, tarMs, importMs, ratio: tarMs / importMs };
}

export async function benchImport(rounds = 10): Promise<ImportFigures[]> {
  await ensureBuilt('solutions');
  const work = mkdtempSync(join(tmpdir(), 'mydocker-bench-import-'));
  const shm = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/mydocker-bench-import-') : undefined;
  try {
    const { file, entries } = sourceTar(work);
    const figures = [measure(`disk (${tmpdir()})`, work, file, entries, rounds)];
    if (shm) figures.push(measure('tmpfs (/dev/shm)', shm, file, entries, rounds));
    return figures;
  } finally {
    rmSync(work, { recursive: true, force: true });
    if (shm) rmSync(shm, { recursive: true, force: true });
  }
}

export function printImportFigures(figures: ImportFigures[], rounds: number): void {
  const first = figures[0]!;
  console.log(
    `\nmydocker image import vs tar -xf: ${(first.bytes / 1e6).toFixed(0)} MB, ${first.entries} entries, ${rounds} rounds, medians:\n`,
  );
  for (const figure of figures) {
    const throughput = (ms: number) => `${(figure.bytes / 1e6 / (ms / 1000)).toFixed(0).padStart(4)} MB/s`;
    console.log(`  ${figure.where}`);
    console.log(`    tar -xf                  ${figure.tarMs.toFixed(0).padStart(7)} ms  ${throughput(figure.tarMs)}`);
    console.log(
      `    mydocker image import    ${figure.importMs.toFixed(0).padStart(7)} ms  ${throughput(figure.importMs)}`,
    );
    console.log(`    throughput, mydocker / tar: ${figure.ratio.toFixed(2)}x (target >= 0.8x)`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 10;
  printImportFigures(await benchImport(rounds), rounds);
}
