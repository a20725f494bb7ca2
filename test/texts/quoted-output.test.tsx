// Every output that README.md or a chapter quotes is what the code prints today (CONTRIBUTING.md,
// "Quoted output"). A quote is a fenced block whose first line is `$ command`; each command is run here
// without root and its output compared with the quote:
//   - `mydocker run ...` runs the reference's own run() in this process, on a fake machine: the one the
//     chapters were written on (2 CPUs, cgroup v1 in hybrid mode, swap accounting on), or a pure cgroup
//     v2 one for a quote marked `cgroup-v2`. `--explain` prints the plan; bad input fails before
//     anything exists. Nothing can start: the shim is replaced by a function that refuses. So of
//     `mydocker exec ...` only the bad input can be quoted (no container runs here).
//   - `lab check ch1-proc` (README) is rendered by the real check screen from fixed results, which
//     must be the spec's own checks and hint numbers.
//   - a quote marked `root` runs the reference for real (bin/mydocker.cjs, in a state root and a cgroup
//     parent of this test's own), with stdout and stderr in one file so that their order is kept: for
//     outputs of a container that are the same on every machine. Skipped when not root.
// A quote whose output depends on the machine (mount tables, disks) or on steps done by hand is marked
// `captured`, and is the one kind not generated here.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { CheckResult } from '../../checker/results.ts';
import { chapters, findLab } from '../../chapters/manifest.ts';
import { initialCheckState, reduceCheck, type CheckAction } from '../../cli/commands/check/check-data.ts';
import { CheckScreen } from '../../cli/commands/check/CheckView.tsx';
import { ensureBuilt } from '../../scripts/build.mjs';
import { removeCgroupParent, testCgroupParent } from '../support/cgroup-parent.ts';
import { shellWords, shows, transcriptsOf, type Transcript } from './transcripts.ts';

const project = join(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'mydocker-quotes-'));
const fakeCgroupRoot = join(scratch, 'cgroup');
const machine = vi.hoisted(() => ({
  cgroups: 'v1' as 'v1' | 'v2',
  cgroupRoot: '',
  /** A quote marked `after-chN` shows the runtime at the end of chapter N: later labs are stubs. */
  afterChapter: Infinity,
  /** The solution's module, but each function from the lab's stub while `chapter` is still ahead. */
  asOf(chapter: number, solution: Record<string, unknown>, stub: Record<string, unknown>): Record<string, unknown> {
    const mixed: Record<string, unknown> = { ...solution };
    for (const [name, value] of Object.entries(solution)) {
      if (typeof value === 'function') {
        mixed[name] = (...args: unknown[]) =>
          ((machine.afterChapter < chapter ? stub : solution)[name] as (...a: unknown[]) => unknown)(...args);
      }
    }
    return mixed;
  },
}));

// run() here runs in this process, in this machine's own network namespace: the network's one-time
// set-up (a bridge, iptables rules, ip_forward) must never happen in it. A quote that gets that far is
// marked `root`, and runs for real in a network namespace of its own (mydockerForReal).
vi.mock('../../solutions/src/network/ensure.ts', () => ({
  ensureNetwork: () => {
    throw new Error("the quotes' fake machine sets up no network here: mark the quote `root`");
  },
}));

// The lab files whose stubs change what a quoted plan of an earlier chapter shows (chapter 6's bridge
// and veth: with their stubs a container joins no network, so a plan before chapter 6 has a network
// namespace with nothing in it).
vi.mock('../../solutions/src/cgroups/lifecycle.ts', async () =>
  machine.asOf(
    2,
    await vi.importActual('../../solutions/src/cgroups/lifecycle.ts'),
    await vi.importActual('../../labs/src/cgroups/lifecycle.ts'),
  ),
);
vi.mock('../../solutions/src/union/overlay.ts', async () =>
  machine.asOf(
    4,
    await vi.importActual('../../solutions/src/union/overlay.ts'),
    await vi.importActual('../../labs/src/union/overlay.ts'),
  ),
);

// Chapter 7's last steps (no_new_privs, the filter, the capabilities) are in every plan once its
// labs are solved: a plan quoted in an earlier chapter shows them as that chapter's runtime had them, none.
vi.mock('../../solutions/src/security/privileges.ts', async () =>
  machine.asOf(
    7,
    await vi.importActual('../../solutions/src/security/privileges.ts'),
    await vi.importActual('../../labs/src/security/privileges.ts'),
  ),
);

// The cgroup namespace's unshare (lab ch7-cgroupns) is a step of every plan once its lab is solved.
vi.mock('../../solutions/src/security/cgroupns.ts', async () =>
  machine.asOf(
    7,
    await vi.importActual('../../solutions/src/security/cgroupns.ts'),
    await vi.importActual('../../labs/src/security/cgroupns.ts'),
  ),
);

vi.mock('../../solutions/src/network/bridge.ts', async () =>
  machine.asOf(
    6,
    await vi.importActual('../../solutions/src/network/bridge.ts'),
    await vi.importActual('../../labs/src/network/bridge.ts'),
  ),
);
vi.mock('../../solutions/src/network/veth.ts', async () =>
  machine.asOf(
    6,
    await vi.importActual('../../solutions/src/network/veth.ts'),
    await vi.importActual('../../labs/src/network/veth.ts'),
  ),
);

// Chapter 7's: a plan of an earlier chapter has no device allow-list and no masked paths.
vi.mock('../../solutions/src/security/devices.ts', async () =>
  machine.asOf(
    7,
    await vi.importActual('../../solutions/src/security/devices.ts'),
    await vi.importActual('../../labs/src/security/devices.ts'),
  ),
);
vi.mock('../../solutions/src/security/paths.ts', async () =>
  machine.asOf(
    7,
    await vi.importActual('../../solutions/src/security/paths.ts'),
    await vi.importActual('../../labs/src/security/paths.ts'),
  ),
);

vi.mock('../../solutions/src/cgroups/system.ts', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  detectCgroups: () =>
    machine.cgroups === 'v2'
      ? { version: 2, mode: 'v2', root: machine.cgroupRoot }
      : {
          version: 1,
          mode: 'hybrid',
          hierarchies: Object.fromEntries(
            ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids'].map((c) => [c, join(machine.cgroupRoot, c)]),
          ),
        },
}));
vi.mock('../../solutions/src/cgroups/resources.ts', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  thisMachine: () => ({ cpuCount: 2, cpus: [0, 1] }),
}));
vi.mock('../../solutions/src/shim/exec.ts', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  execShim: () => {
    throw new Error('a quoted command would start a container: mark its quote `captured`');
  },
}));

const { parseRunArguments } = await import('../../solutions/src/commands/run-arguments.ts');
const { run } = await import('../../solutions/src/commands/run.ts');
const { parseExecArguments } = await import('../../solutions/src/commands/exec-arguments.ts');
const { exec } = await import('../../solutions/src/commands/exec.ts');

const isRoot = process.getuid?.() === 0;
const realCgroupParent = testCgroupParent('quotes');
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  if (isRoot) removeCgroupParent(realCgroupParent);
});

/** `mydocker ARGS` for real, as root: the reference, its stdout and stderr in the order written. */
function mydockerForReal(args: string[]): string[] {
  const stateRoot = mkdtempSync(join(scratch, 'real-'));
  const outputFile = join(scratch, 'real-output');
  const fd = openSync(outputFile, 'w');
  try {
    // In a network namespace of its own (unshare -n): the reference's default network makes a bridge,
    // which must never appear in the host's namespace (the machine is shared; see chapter 6).
    spawnSync('unshare', ['--net', '--', process.execPath, join(project, 'bin/mydocker.cjs'), ...args], {
      stdio: ['ignore', fd, fd],
      env: {
        ...process.env,
        MYDOCKER_SOURCE: 'solutions',
        MYDOCKER_ROOT: stateRoot,
        MYDOCKER_CGROUP_PARENT: realCgroupParent,
      },
      timeout: 20_000,
    });
  } finally {
    closeSync(fd);
  }
  return readFileSync(outputFile, 'utf8').replace(/\n$/, '').split('\n');
}

/** A fresh fake /sys/fs/cgroup: the parent `mydocker` does not exist yet, as on a new machine. */
function fakeCgroups(version: 'v1' | 'v2'): void {
  rmSync(fakeCgroupRoot, { recursive: true, force: true });
  mkdirSync(fakeCgroupRoot);
  if (version === 'v2') {
    writeFileSync(join(fakeCgroupRoot, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n');
  } else {
    for (const controller of ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids'])
      mkdirSync(join(fakeCgroupRoot, controller));
    writeFileSync(join(fakeCgroupRoot, 'cpuset/cpuset.cpus'), '0-1\n');
    writeFileSync(join(fakeCgroupRoot, 'cpuset/cpuset.mems'), '0\n');
    writeFileSync(join(fakeCgroupRoot, 'memory/memory.memsw.limit_in_bytes'), '9223372036854771712\n');
  }
  machine.cgroups = version;
  machine.cgroupRoot = fakeCgroupRoot;
}

/**
 * The fake machine's default network, made already, on docker's first pool: where the runtime would
 * choose it from this machine's routes (a docker0 on 172.17.0.0/16 would move it to the next pool).
 */
function defaultNetwork(stateRoot: string): void {
  const dir = join(stateRoot, 'networks', 'bridge');
  mkdirSync(dir, { recursive: true });
  const record = {
    id: '2f1c'.repeat(16),
    name: 'bridge',
    driver: 'bridge',
    bridge: 'mydocker0',
    subnet: '172.17.0.0/16',
    gateway: '172.17.0.1',
    created: '2026-12-02T00:00:00.000Z',
  };
  writeFileSync(join(dir, 'network.json'), JSON.stringify(record));
}

/** `mydocker ARGS` as main.ts runs it: its output, or its one-line error, and its exit code. */
async function mydocker(args: string[], transcript: Transcript): Promise<{ lines: string[]; code: number }> {
  fakeCgroups(transcript.marks.includes('cgroup-v2') ? 'v2' : 'v1');
  const after = transcript.marks.map((mark) => /^after-ch(\d)$/.exec(mark)?.[1]).find(Boolean);
  machine.afterChapter = after === undefined ? Infinity : Number(after);
  const stateRoot = mkdtempSync(join(scratch, 'state-'));
  defaultNetwork(stateRoot);
  vi.stubEnv('MYDOCKER_ROOT', stateRoot);
  vi.stubEnv('MYDOCKER_CGROUP_PARENT', 'mydocker');
  vi.stubEnv('MYDOCKER_BUSYBOX', join(project, '.lab/build/images/busybox.tar'));
  let printed = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed += String(chunk);
    return true;
  });
  let code = 0;
  try {
    if (args[0] === 'exec') {
      // exec's bad input: no container runs here, so only what fails before the shim can be quoted.
      const options = parseExecArguments(args.slice(1));
      if (options === 'help') throw new Error('exec --help is not quoted anywhere');
      code = await exec(options);
    } else {
      if (args[0] !== 'run') throw new Error(`no generator for mydocker ${args[0]}: mark the quote \`captured\``);
      const options = parseRunArguments(args.slice(1));
      if (options === 'help') throw new Error('run --help is not quoted anywhere');
      code = await run(options);
    }
  } catch (error) {
    printed += `mydocker: ${(error as Error).message}\n`;
    code = (error as { exitCode?: number }).exitCode ?? 125;
  } finally {
    write.mockRestore();
    vi.unstubAllEnvs();
  }
  const text = printed
    .replaceAll(stateRoot, '/var/lib/mydocker')
    .replaceAll(fakeCgroupRoot, '/sys/fs/cgroup')
    .replace(/\b([0-9a-f]{8})[0-9a-f]{56}\b/g, '$1...');
  return { lines: text.replace(/\n$/, '').split('\n'), code };
}

/** What changes from run to run: the ids (cut to 8 digits and `...` in the texts), and timings. */
function normalise(lines: readonly string[]): string[] {
  return lines.map(
    (line) =>
      line
        .replace(/\b[0-9a-f]{8}\.\.\./g, '<id>...')
        .replace(/"[0-9a-f]{12}"/g, '"<hostname>"')
        .replace(/\bveth[0-9a-f]{11}\b/g, 'veth<id>') // a container's host end: 11 digits of its id
        .replace(/\b\d+ ms\b/g, '<n> ms')
        .replace(/\b[A-Z][a-z]{2} [ \d]\d \d\d:\d\d\b/g, '<date>') // ls -l
        .replace(/(\/etc\/\w+?)[A-Za-z0-9]{6}'/g, "$1<tmp>'"), // sed -i's temporary file
  );
}

/** The check results README.md's sample shows: ch1-proc's own checks against the stub of mountProc. */
const CH1_PROC_SAMPLE: CheckResult[] = [
  {
    name: 'mountProc mounts a proc filesystem on /proc, nosuid, noexec, nodev',
    hint: 2,
    state: 'failed',
    errors: [
      {
        message: "kernel calls: expected [] to deeply equal [ 'mount proc /proc proc 14' ]",
        expected: '[\n  "mount proc /proc proc 14",\n]',
        actual: '[]',
      },
    ],
  },
  {
    name: "ps inside lists only the container's own processes",
    hint: 1,
    state: 'failed',
    errors: [{ message: 'processes inside: expected [ …(62) ] to deeply equal [ …(2) ]' }],
  },
  {
    name: "/proc/1 inside is the container's command",
    hint: 1,
    state: 'failed',
    errors: [{ message: "expected '/sbin/init' to be 'sleep 30'" }],
  },
  { name: "the lab host's mount table is the same while the container runs", hint: 3, state: 'passed', errors: [] },
].map(
  (check, i) =>
    ({
      type: 'check',
      lab: 'ch1-proc',
      spec: 'checker/specs/ch01/proc.spec.ts',
      durationMs: 10 * (i + 1),
      ...check,
    }) as CheckResult,
);

function labCheck(id: string): string[] {
  const lab = findLab(id);
  if (id !== 'ch1-proc' || !lab)
    throw new Error(`no fixed results for lab check ${id}: add them, or mark the quote \`captured\``);
  const spec = readFileSync(join(project, lab.spec), 'utf8');
  for (const check of CH1_PROC_SAMPLE) {
    // The sample must be the spec's own checks, in its order, with its hint numbers.
    // The name in either quote style: prettier picks the one with fewer escapes.
    const quoted = [`'${check.name.replaceAll("'", "\\'")}'`, `"${check.name.replaceAll('"', '\\"')}"`];
    expect(
      quoted.map((name) => `check(${name}, { hint: ${check.hint} }`).some((call) => spec.includes(call)),
      `${lab.spec} has the check the sample shows: ${quoted[0]}, hint ${check.hint}`,
    ).toBe(true);
  }
  const actions: CheckAction[] = [...CH1_PROC_SAMPLE, { type: 'finished', output: '' }];
  const state = actions.reduce(reduceCheck, initialCheckState(lab, 'labs'));
  const { lastFrame, unmount } = render(<CheckScreen state={state} />);
  const frame = lastFrame() ?? '';
  unmount();
  return frame.split('\n').map((line) => line.trimEnd());
}

const texts = ['README.md', ...chapters.flatMap((chapter) => (chapter.text ? [chapter.text] : []))];
const transcripts = texts.flatMap((file) => transcriptsOf(join(project, file)).map((t) => ({ ...t, file })));

test('the texts quote commands at all (the finder works)', () => {
  expect(transcripts.length).toBeGreaterThan(10);
  expect(transcripts.filter((t) => !t.marks.includes('captured')).length).toBeGreaterThan(3);
});

describe.each(transcripts.filter((t) => !t.marks.includes('captured')).map((t) => [`${t.file}:${t.line}`, t] as const))(
  '%s',
  (_, transcript) => {
    const forReal = transcript.marks.includes('root');
    if (forReal) beforeAll(() => ensureBuilt('solutions'));
    test.skipIf(forReal && !isRoot).each(transcript.commands.map((c) => [c.command, c] as const))(
      '$ %s',
      async (_, { command, output }) => {
        const echoStatus = command.endsWith('; echo $?');
        const words = shellWords(command.replace(/; echo \$\?$/, ''));
        if (words[0] === 'MYDOCKER_SOURCE=solutions') words.shift(); // the reference is what runs here
        if (words[0] === 'npx') words.shift();
        let actual: string[];
        if (words[0] === 'mydocker' && forReal) {
          actual = mydockerForReal(words.slice(1));
        } else if (words[0] === 'mydocker') {
          const { lines, code } = await mydocker(words.slice(1), transcript);
          actual = echoStatus ? [...lines, String(code)] : lines;
        } else if (words[0] === 'lab' && words[1] === 'check' && words.length === 3) {
          actual = labCheck(words[2]!);
        } else {
          throw new Error(
            `no generator for \`${command}\`: generate it here, or mark the quote \`captured\` (CONTRIBUTING.md)`,
          );
        }
        if (process.env.QUOTES_DUMP) {
          mkdirSync(process.env.QUOTES_DUMP, { recursive: true }); // CONTRIBUTING's command names a new directory
          writeFileSync(
            join(process.env.QUOTES_DUMP, `${transcript.file.replaceAll('/', '_')}-${transcript.line}.txt`),
            `$ ${command}\n${actual.join('\n')}\n`,
            { flag: 'a' },
          );
        }
        const quoted = normalise(output);
        const printed = normalise(actual);
        if (!shows(quoted, printed))
          expect(quoted.join('\n'), 'the quote (+) against what the code prints (-)').toBe(printed.join('\n'));
      },
    );
  },
);

describe('the matcher itself', () => {
  test('a `...` line stands for any number of lines, and nothing else is skipped', () => {
    expect(shows(['a', '...', 'd'], ['a', 'b', 'c', 'd'])).toBe(true);
    expect(shows(['a', '   ... (two left out)', 'd'], ['a', 'd'])).toBe(true);
    expect(shows(['a', 'd'], ['a', 'b', 'd'])).toBe(false);
    expect(shows(['a', '...'], ['a', 'b'])).toBe(true);
    expect(shows(['a'], ['a', 'b'])).toBe(false);
  });

  test('shell words: quotes group, and are removed', () => {
    expect(shellWords(`run --rm host sh -c 'echo a   b' "x y"z`)).toEqual([
      'run',
      '--rm',
      'host',
      'sh',
      '-c',
      'echo a   b',
      'x yz',
    ]);
  });
});
