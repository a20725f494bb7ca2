// The learner's loop: `lab list`, `lab next`, and `lab check` of a chapter-1 lab, each called as the
// bin (node bin/lab.js, not npx) in a pseudo-terminal, as a learner runs them. Each is timed to its
// first output (the first paint) and to its exit. Interleaved rounds, so that whatever else the
// machine does falls on all of them alike; medians. With --compare DIR (another checkout of the
// project, built, for example the commit before a change), the same commands of DIR run in the same
// rounds, and the ratios say what the change bought.
// Targets (issue 8): `lab check` of a chapter-1 lab at most 1.5 s; `lab next` and `lab list` at most
// 250 ms to the first paint. On a shared machine the figures swing with its load: compare ratios.
// Usage: node bench/lab.ts [--runs 20] [--compare DIR] [--only list,next,check,check-labs,check-edited]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../scripts/build.mjs';

interface Command {
  name: string;
  args: string[];
  /** Commands whose exit status is not 0 by design (a pristine lab fails its checks). */
  anyStatus?: boolean;
  /** A file (relative to the checkout) whose time stamp is set to now before each run: "just edited". */
  touch?: string;
}

const COMMANDS: Command[] = [
  { name: 'list', args: ['list'] },
  // The chapter's first lab, not started yet: the chapter's text comes first (the longest screen).
  { name: 'next', args: ['next'] },
  // The reference passes every check: each one runs to its end, as a learner's finished lab does.
  { name: 'check', args: ['check', 'ch1-namespaces', '--solutions'] },
  // The pristine stub: the learner's first `lab check`, which fails.
  { name: 'check-labs', args: ['check', 'ch1-namespaces'], anyStatus: true },
  // The loop itself: a lab file was just saved, so the runtime is rebuilt before the checks run.
  {
    name: 'check-edited',
    args: ['check', 'ch1-namespaces'],
    anyStatus: true,
    touch: 'labs/src/container/namespaces.ts',
  },
];

const TARGETS: Record<string, { what: 'paint' | 'exit'; ms: number }> = {
  list: { what: 'paint', ms: 250 },
  next: { what: 'paint', ms: 250 },
  check: { what: 'exit', ms: 1500 },
  'check-labs': { what: 'exit', ms: 1500 },
  'check-edited': { what: 'exit', ms: 1500 },
};

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : undefined;
}

const runs = Number(option('--runs')) || 20;
const compare = option('--compare');
const only = option('--only')?.split(',');
const commands = COMMANDS.filter((command) => !only || only.includes(command.name));
const work = mkdtempSync(join(tmpdir(), 'lab-bench-'));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A progress file on chapter 1's first lab, nothing started, so `lab next` shows the chapter's text. */
function freshProgress(file: string): void {
  writeFileSync(file, JSON.stringify({ version: 1, labs: {}, pristineCommit: '0'.repeat(40), current: 'ch1-command' }));
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * Runs `argv` in a pseudo-terminal of 100x40 (util-linux `script`; ink draws differently into a pipe)
 * and resolves with the milliseconds to its first output byte and to its exit.
 */
function timeInTerminal(
  argv: string[],
  env: Record<string, string>,
  anyStatus = false,
): Promise<{ paint: number; exit: number }> {
  const inner = `stty cols 100 rows 40; exec ${argv.map(shellQuote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const since = () => Number(process.hrtime.bigint() - start) / 1e6;
    let paint: number | undefined;
    let output = '';
    const child = spawn('script', ['-qefc', inner, '/dev/null'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    child.stdout.on('data', (chunk: Buffer) => {
      paint ??= since();
      if (output.length < 4000) output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => {
      const exit = since();
      if ((code !== 0 && !anyStatus) || paint === undefined)
        reject(new Error(`${argv.join(' ')} failed (${code}):\n${output}`));
      else resolve({ paint, exit });
    });
  });
}

interface Peer {
  label: string;
  command: Command;
  argv: string[];
  root: string;
}

const roots = [{ label: 'this checkout', root: projectRoot }, ...(compare ? [{ label: compare, root: compare }] : [])];
const peers: Peer[] = [
  {
    label: 'node -e 0',
    command: { name: 'node -e 0', args: [] },
    argv: [process.execPath, '-e', '0'],
    root: projectRoot,
  },
  ...commands.flatMap((command) =>
    roots.map(({ label, root }) => ({
      label,
      command,
      argv: [process.execPath, join(root, 'bin', 'lab.js'), ...command.args],
      root,
    })),
  ),
];

function display(command: Command): string {
  return `lab ${command.args.join(' ')}${command.touch ? ', just edited' : ''}`;
}

async function timePeer(peer: Peer): Promise<{ paint: number; exit: number }> {
  const progress = join(work, 'progress.json');
  freshProgress(progress);
  if (peer.command.args.length === 0) {
    // The floor: Node itself prints nothing, so its "paint" is its exit.
    const { exit } = await timeInTerminal([process.execPath, '-e', 'process.stdout.write(" ")'], {});
    return { paint: exit, exit };
  }
  if (peer.command.touch) {
    const now = new Date();
    utimesSync(join(peer.root, peer.command.touch), now, now);
  }
  return timeInTerminal(peer.argv, { LAB_PROGRESS_FILE: progress }, peer.command.anyStatus);
}

try {
  for (const peer of peers) await timePeer(peer); // warm up: builds, page cache, compile caches
  const samples = peers.map(() => ({ paint: [] as number[], exit: [] as number[] }));
  for (let round = 0; round < runs; round++) {
    for (const [index, peer] of peers.entries()) {
      const { paint, exit } = await timePeer(peer);
      samples[index]!.paint.push(paint);
      samples[index]!.exit.push(exit);
    }
  }
  console.log(`\nNode ${process.version}, ${runs} interleaved rounds, in a 100x40 pseudo-terminal, medians:\n`);
  console.log(`  ${'command'.padEnd(44)} ${'first paint'.padStart(11)} ${'exit'.padStart(9)}  target`);
  const medians = peers.map((peer, index) => ({
    peer,
    paint: median(samples[index]!.paint),
    exit: median(samples[index]!.exit),
  }));
  for (const { peer, paint, exit } of medians) {
    const name = peer.command.args.length ? display(peer.command) : peer.command.name;
    const target = TARGETS[peer.command.name];
    const label =
      roots.length > 1 && peer.command.args.length ? ` (${peer.label === 'this checkout' ? 'this' : 'other'})` : '';
    const verdict = target
      ? `<= ${target.ms} ms to the ${target.what}: ${(target.what === 'paint' ? paint : exit) <= target.ms ? 'met' : 'NOT met'}`
      : '';
    console.log(
      `  ${(name + label).padEnd(44)} ${paint.toFixed(0).padStart(8)} ms ${exit.toFixed(0).padStart(6)} ms  ${verdict}`,
    );
  }
  if (compare) {
    console.log(`\n  this checkout / ${compare} (below 1 is faster):`);
    for (const command of commands) {
      const [mine, theirs] = roots.map(({ root }) =>
        medians.find((m) => m.peer.command === command && m.peer.root === root)!,
      );
      console.log(
        `    ${display(command).padEnd(42)} paint ${(mine!.paint / theirs!.paint).toFixed(2)}x, exit ${(mine!.exit / theirs!.exit).toFixed(2)}x`,
      );
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
