// `lab watch` in a real terminal: tmux (100x30) runs it in a shell on a tree of its own (a copy of
// solutions/ with lab ch1-namespaces' stub, its own progress file); the test reads the screen with
// capture-pane, sees the lab fail, reveals a hint (h), copies the solution in, sees it pass, opens
// the list (l), quits (q) and sees the shell's prompt back with exit code 0. ch1-namespaces: the
// fastest lab of chapter 1 here (a whole check 2.3-4.2 s, against 3.8-9.3 s for ch1-command, on a
// busy machine). It also resizes the terminal on the way.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { findLab } from '../../chapters/manifest.ts';
import { projectRoot } from '../../cli/paths.ts';

const root = process.platform === 'linux' && process.getuid?.() === 0;
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const lab = findLab('ch1-namespaces')!;
const PROMPT = 'watch-test$ ';

let dir: string;
let tree: string;
let socket: string;

function tmux(...args: string[]): string {
  const result = spawnSync('tmux', ['-S', socket, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${result.stderr.trim()}`);
  return result.stdout;
}

function screen(): string[] {
  return tmux('capture-pane', '-p', '-t', 'watch').split('\n');
}

/** Polls the screen until `expected` shows (a line containing it), or fails with the screen as it is. */
async function waitFor(expected: string | RegExp, timeoutMs = 60_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = screen();
    if (lines.some((line) => (typeof expected === 'string' ? line.includes(expected) : expected.test(line))))
      return lines;
    if (Date.now() > deadline) throw new Error(`never saw ${String(expected)}; the screen:\n${lines.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(() => {
  // No tmux is a failure, not a skip: `vm/provision.sh --for-contributors` installs it.
  if (!root) return;
  if (!hasTmux) throw new Error('tmux is missing: sudo bash vm/provision.sh --for-contributors installs it');
  dir = mkdtempSync(join(tmpdir(), 'lab-watch-tmux-'));
  // Its bundle goes to .lab/build/tree-<the tree's name>: unique, and removed below.
  tree = join(dir, `tree-${basename(dir)}`);
  cpSync(join(projectRoot, 'solutions'), tree, { recursive: true });
  for (const file of lab.files) cpSync(join(projectRoot, 'labs', file), join(tree, file));
  socket = join(dir, 'tmux.sock');
  // The shell's environment from a script: tmux hands a new session its own global environment, not
  // the caller's (PS1 did not come through). CI is left out: ink stops redrawing where it is set.
  const quote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;
  const exports = {
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    PS1: PROMPT,
    TERM: 'xterm-256color',
    MYDOCKER_SOURCE: tree,
    LAB_PROGRESS_FILE: join(dir, 'progress.json'),
  };
  const script = join(dir, 'shell.sh');
  writeFileSync(
    script,
    [
      'unset CI TMUX',
      ...Object.entries(exports).map(([name, value]) => `export ${name}=${quote(value)}`),
      `cd ${quote(projectRoot)}`,
      'exec bash --norc --noprofile -i',
    ].join('\n') + '\n',
  );
  const started = spawnSync(
    'tmux',
    ['-S', socket, '-f', '/dev/null', 'new-session', '-d', '-x', '100', '-y', '30', '-s', 'watch', `sh ${script}`],
    { encoding: 'utf8' },
  );
  if (started.status !== 0) throw new Error(`tmux new-session: ${started.stderr}`);
});

afterAll(() => {
  if (!dir) return;
  spawnSync('tmux', ['-S', socket, 'kill-server']);
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(projectRoot, '.lab', 'build', `tree-${basename(tree)}`), { recursive: true, force: true });
});

test.skipIf(!root)(
  'fails, shows a hint, passes once the solution is saved, lists the course, and quits with 0',
  { timeout: 180_000 },
  async () => {
    await waitFor(PROMPT.trimEnd(), 10_000); // capture-pane drops trailing spaces
    tmux(
      'send-keys',
      '-t',
      'watch',
      '-l',
      `node ${join(projectRoot, 'bin', 'lab.js')} watch ${lab.id}; echo "exit code $?"`,
    );
    tmux('send-keys', '-t', 'watch', 'Enter');

    let lines = await waitFor(`does not pass ${lab.id} yet`);
    // The screen was cleared: the region starts at the top, and nothing of the shell is above it.
    expect(lines[0]).toBe(`${lab.id}: ${lab.title}`);
    expect(lines[1]).toBe(`watching ${tree}/${lab.files[0]} · run 1`);
    expect(lines.some((line) => /^\d of 5 checks pass$/.test(line) && !line.startsWith('5'))).toBe(true);
    expect(lines.filter((line) => line.trim() !== '').at(-1)).toBe('h hint · n next lab · l list · q quit');

    // A smaller terminal: the screen is laid out again to its size, still from the top, keys at the bottom.
    tmux('resize-window', '-t', 'watch', '-x', '60', '-y', '20');
    lines = await waitFor(/^✗ cloneFlags combines one CLONE_NEW\* bit per namespace$/);
    expect(lines[0]).toBe(`${lab.id}: ${lab.title}`);
    expect(lines.filter((line) => line.length > 60)).toEqual([]);
    expect(lines.filter((line) => line.trim() !== '').at(-1)).toBe('h hint · n next lab · l list · q quit');
    tmux('resize-window', '-t', 'watch', '-x', '100', '-y', '30');
    await waitFor(`watching ${tree}/${lab.files[0]} · run 1`);

    tmux('send-keys', '-t', 'watch', 'h');
    await waitFor(`Hints for ${lab.id}`);
    const progress = JSON.parse(readFileSync(join(dir, 'progress.json'), 'utf8'));
    expect(progress.labs[lab.id].hintsRevealed).toBe(1);

    for (const file of lab.files) cpSync(join(projectRoot, 'solutions', file), join(tree, file));
    lines = await waitFor('5 of 5 checks pass');
    expect(lines[0]).toBe(`${lab.id}: ${lab.title}`);
    // 100 columns cut this tree's long path: the line ends in … rather than wrapping.
    // Run 2, or 3 when the copy's writes came in two bursts (a busy machine): a run after the save.
    expect(lines[1]).toMatch(new RegExp(`^watching ${tree}/${lab.files[0]} · run [23] (· saved: namespaces\\.ts|…)$`));
    // (wrapped over two lines by the tree's long path)
    expect(lines.join('\n').replace(/\s*\n\s*/g, ' ')).toContain(
      `✓ ${tree}/ passes ${lab.id} (your progress counts labs/ only)`,
    );
    expect(lines.some((line) => line.startsWith('n moves on to ch1-private-mounts: '))).toBe(true);

    tmux('send-keys', '-t', 'watch', 'l');
    await waitFor(' 1 Namespaces: a process that sees its own world');
    tmux('send-keys', '-t', 'watch', 'q');
    lines = await waitFor('exit code 0');
    // The last frame stays on the screen; below it, the shell is back.
    const last = lines.filter((line) => line.trim() !== '');
    expect(last.at(-2)).toBe('exit code 0');
    expect(last.at(-1)).toBe(PROMPT.trimEnd());
  },
);
