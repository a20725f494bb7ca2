// The state directory: config.json from the runtime, running.json and exit.json from the shim, the
// status derived and reconciled with the kernel (solutions/src/state/).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { StateStore, type ContainerConfig } from '../../solutions/src/state/store.ts';
import {
  isSameProcess,
  killContainer,
  processStart,
  signalContainer,
  thisProcess,
} from '../../solutions/src/state/processes.ts';
import { reconcile, type EntryFiles } from '../../solutions/src/state/reconcile.ts';
import { NameTaken, reserveName } from '../../solutions/src/state/names.ts';
import { containerConfig } from '../support/container-config.ts';

const roots: string[] = [];
function store(warnings: string[] = [], prefix = 'mydocker-state-'): StateStore {
  const root = mkdtempSync(join(tmpdir(), prefix));
  roots.push(root);
  return new StateStore(root, (line) => warnings.push(line));
}
afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

const me = thisProcess();
/** A process that is gone: this one's pid with a start time it does not have. */
const gone = { pid: me.pid, start: me.start + 1 };

function config(id = 'c0ffee', extra: Partial<ContainerConfig> = {}): ContainerConfig {
  return containerConfig(id, { hostname: 'box', creator: me, ...extra });
}

function running(states: StateStore, id: string, pid: number, start: number, shim = gone): void {
  writeFileSync(
    join(states.dir(id), 'running.json'),
    JSON.stringify({ pid, start, shim: shim.pid, shimStart: shim.start, startedAt: '2026-11-23T00:00:01Z' }),
  );
}

describe('processes', () => {
  test('a process is its pid and its start time (field 22 of /proc/<pid>/stat)', () => {
    expect(processStart(process.pid)).toBeGreaterThan(0);
    expect(isSameProcess(me.pid, me.start)).toBe(true);
    expect(isSameProcess(me.pid, me.start + 1), 'the same pid with another start time').toBe(false);
    expect(isSameProcess(2147483646, 1), 'no such pid').toBe(false);
  });
});

describe('signals', () => {
  test('signalContainer signals PID 1 only while it is the process the store recorded', async () => {
    const child = spawn('sleep', ['30']);
    await new Promise((resolve) => child.once('spawn', resolve));
    const pid = child.pid!;
    const start = processStart(pid)!;
    expect(() => signalContainer({ id: 'c0ffee', pid, start: start + 1 }, 'SIGTERM')).toThrow(
      'container c0ffee is not running',
    );
    expect(isSameProcess(pid, start), 'a wrong start time: not signalled').toBe(true);
    const ended = new Promise((resolve) => child.once('exit', (_, signal) => resolve(signal)));
    signalContainer({ id: 'c0ffee', pid, start }, 'SIGTERM');
    expect(await ended).toBe('SIGTERM');
  });

  test('killContainer returns once PID 1 is gone', async () => {
    const child = spawn('sleep', ['30']);
    await new Promise((resolve) => child.once('spawn', resolve));
    const ended = new Promise((resolve) => child.once('exit', (_, signal) => resolve(signal)));
    killContainer({ id: 'c0ffee', pid: child.pid!, start: processStart(child.pid!)!, cgroups: ['/nonexistent'] });
    expect(await ended).toBe('SIGKILL');
  });
});

describe('reconcile', () => {
  const kernel = { isSameProcess, isAlive: (pid: number) => existsSync(`/proc/${pid}`) };
  const entry = (files: Partial<EntryFiles>, rm = false): EntryFiles => ({ config: { rm, creator: gone }, ...files });
  const record = (pid: typeof me, shim: typeof me) => ({
    pid: pid.pid,
    start: pid.start,
    shim: shim.pid,
    shimStart: shim.start,
    startedAt: 'x',
  });

  test.each([
    ['a run in progress', { config: { rm: false, creator: me } }, { status: 'created', action: 'keep' }],
    ['a half-made entry of a dead run', entry({}), { status: 'created', action: 'remove' }],
    ['running', entry({ running: record(me, me) }), { status: 'running', action: 'keep' }],
    ['its shim died, its PID 1 lives on', entry({ running: record(me, gone) }), { status: 'running', action: 'keep' }],
    ['the shim is recording the end', entry({ running: record(gone, me) }), { status: 'running', action: 'keep' }],
    [
      'exited, recorded',
      entry({ running: record(gone, gone), exit: { exitCode: 3, finishedAt: 'y' } }),
      { status: 'exited', exitCode: 3, action: 'keep' },
    ],
    [
      'the shim died first',
      entry({ running: record(gone, gone) }),
      { status: 'exited', exitCode: 255, action: 'record-exit' },
    ],
    [
      'the shim of --rm died',
      entry({ running: record(gone, gone) }, true),
      { status: 'exited', exitCode: 255, action: 'remove' },
    ],
  ] as const)('%s', (_, files, verdict) => {
    expect(reconcile(files as EntryFiles, kernel)).toEqual(verdict);
  });
});

describe('StateStore', () => {
  test('created, then running while PID 1 is the same process, then exited with the code the shim wrote', () => {
    const states = store();
    states.create(config());
    expect(states.list()).toMatchObject([{ id: 'c0ffee', status: 'created' }]);
    running(states, 'c0ffee', me.pid, me.start);
    expect(states.resolve('c0ffee')).toMatchObject({ status: 'running', pid: me.pid, start: me.start });
    writeFileSync(join(states.dir('c0ffee'), 'exit.json'), '{"exitCode":3,"finishedAt":"2026-11-23T00:00:02Z"}');
    expect(states.resolve('c0ffee')).toMatchObject({ status: 'exited', exitCode: 3 });
  });

  test('a pid reused by another process is not the container: exited, 255, recorded once', () => {
    const states = store();
    states.create(config());
    running(states, 'c0ffee', me.pid, me.start - 1);
    expect(states.resolve('c0ffee')).toMatchObject({ status: 'exited', exitCode: 255 });
    const recorded = JSON.parse(readFileSync(join(states.dir('c0ffee'), 'exit.json'), 'utf8'));
    expect(recorded.exitCode).toBe(255);
    expect(states.resolve('c0ffee').finishedAt).toBe(recorded.finishedAt);
  });

  test('--rm is honoured by the next command when the shim died; a half-made entry of a dead run goes', () => {
    const states = store();
    states.create(config('aaaa', { rm: true }));
    running(states, 'aaaa', gone.pid, gone.start);
    states.create(config('bbbb', { creator: gone }));
    expect(states.list()).toEqual([]);
    expect(readdirSync(join(states.root, 'containers'))).toEqual([]);
  });

  test('create publishes the entry whole, or leaves nothing (a full disk)', () => {
    const states = store();
    expect(() =>
      states.create(config(), () => {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }),
    ).toThrow(/cannot create the state of container c0ffee: no space left on the device \(ENOSPC\)/);
    expect(readdirSync(join(states.root, 'containers'))).toEqual([]);
    let seen: string[] = [];
    states.create(config(), () => {
      seen = readdirSync(join(states.root, 'containers'));
    });
    expect(seen, 'while it is filled, only a dot-name exists').toEqual([`.new-${me.pid}-${me.start}-c0ffee`]);
    expect(readdirSync(join(states.root, 'containers'))).toEqual(['c0ffee']);
  });

  test('a dot-directory of a dead process is swept; one of a living process stays', () => {
    const states = store();
    mkdirSync(join(states.root, 'containers', `.new-${gone.pid}-${gone.start}-dead`), { recursive: true });
    mkdirSync(join(states.root, 'containers', `.new-${me.pid}-${me.start}-alive`), { recursive: true });
    states.list();
    expect(readdirSync(join(states.root, 'containers'))).toEqual([`.new-${me.pid}-${me.start}-alive`]);
  });

  test('an unreadable entry is skipped with one warning naming it and rm; it blocks nothing; rm removes it', () => {
    const warnings: string[] = [];
    const states = store(warnings);
    states.create(config('beef'));
    mkdirSync(join(states.root, 'containers', 'bare'));
    mkdirSync(join(states.root, 'containers', 'cut'));
    writeFileSync(join(states.root, 'containers', 'cut', 'config.json'), '{"id":"cut","hostn');
    expect(states.list().map((state) => state.id)).toEqual(['beef']);
    expect(warnings).toEqual([
      `mydocker: warning: skipping ${states.dir('bare')}: it has no config.json (remove it: mydocker rm bare)`,
      `mydocker: warning: skipping ${states.dir('cut')}: its config.json is not valid JSON (truncated?) (remove it: mydocker rm cut)`,
    ]);
    expect(states.resolve('beef').id).toBe('beef');
    expect(states.removeUnreadable('cut')).toBe(true);
    expect(states.removeUnreadable('beef'), 'a readable entry is not taken by that path').toBe(false);
    expect(existsSync(states.dir('cut'))).toBe(false);
  });

  test('the shim steps: running.json when created; exit.json, or everything removed with --rm', () => {
    const states = store();
    const dir = states.dir('c0ffee');
    expect(states.hostSteps('c0ffee', false)).toEqual({
      created: [
        {
          op: 'write',
          path: join(dir, 'running.json'),
          content: '{"pid":{pid},"start":{start},"shim":{shim},"shimStart":{shimstart},"startedAt":"{time}"}\n',
        },
      ],
      ended: [{ op: 'write', path: join(dir, 'exit.json'), content: '{"exitCode":{exit},"finishedAt":"{time}"}\n' }],
      failed: [{ op: 'remove-tree', path: dir }],
    });
    expect(states.hostSteps('c0ffee', true).ended).toEqual(states.hostSteps('c0ffee', true).failed);
  });

  test("resolve finds a container by id, by name, or by a prefix only it has; docker's errors otherwise", () => {
    const states = store();
    states.create(config('c0ffee01aa', { name: 'web' }));
    states.create(config('c0ffee02bb'));
    expect(states.resolve('web').id).toBe('c0ffee01aa');
    expect(states.resolve('c0ffee02bb').id).toBe('c0ffee02bb');
    expect(states.resolve('c0ffee02').id).toBe('c0ffee02bb');
    expect(() => states.resolve('c0ffee')).toThrow(
      'multiple IDs found with provided prefix: c0ffee (c0ffee01aa, c0ffee02bb)',
    );
    expect(() => states.resolve('nothing')).toThrow(/^No such container: nothing$/);
  });

  /** A tmpfs on the container's rootfs while `look` runs, as a run's overlay would be. */
  function whileMounted(states: StateStore, look: () => void): void {
    const mountPoint = join(states.dir('c0ffee'), 'rootfs');
    mkdirSync(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', mountPoint]);
    try {
      look();
    } finally {
      // Wherever it is now: a removal that wrongly went ahead has renamed the entry, mount and all.
      for (const mounted of mountPointsUnder(states.root)) execFileSync('umount', [mounted]);
    }
  }

  function mountPointsUnder(root: string): string[] {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((line) =>
        (line.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_, octal: string) =>
          String.fromCharCode(parseInt(octal, 8)),
        ),
      )
      .filter((point) => point.startsWith(`${root}/`));
  }

  test('remove deletes the directory, and refuses while something is mounted below it', () => {
    const states = store();
    states.create(config());
    whileMounted(states, () => {
      expect(() => states.remove('c0ffee')).toThrow(/rootfs is still mounted on the host/);
      expect(existsSync(join(states.dir('c0ffee'), 'config.json'))).toBe(true);
    });
    states.remove('c0ffee');
    expect(states.list()).toEqual([]);
  });

  test('removeInBackground: gone for every command at once, its files once the promise settles', async () => {
    const states = store();
    states.create(config());
    writeFileSync(join(states.dir('c0ffee'), 'exit.json'), JSON.stringify({ exitCode: 0 }));
    const deleted = states.removeInBackground('c0ffee');
    expect(states.get('c0ffee'), 'looked up while its files are deleted').toBeUndefined();
    expect(states.list()).toEqual([]);
    await deleted;
    expect(readdirSync(join(states.root, 'containers')), 'nothing left, not even the claimed entry').toEqual([]);
    await expect(states.removeInBackground('c0ffee'), 'removed already: nothing to do').resolves.toBeUndefined();
  });

  test('the refusal holds for a state root whose path mountinfo escapes (a space, a backslash)', () => {
    const states = store([], 'mydocker state\\ ');
    states.create(config());
    whileMounted(states, () => {
      expect(() => states.remove('c0ffee')).toThrow(/rootfs is still mounted on the host/);
      expect(() => states.removeInBackground('c0ffee')).toThrow(/rootfs is still mounted on the host/);
    });
    states.remove('c0ffee');
    expect(states.list()).toEqual([]);
  });

  test('remove of an entry whose cgroups are gone already (its shim removed them)', () => {
    const states = store();
    states.create(config());
    writeFileSync(join(states.dir('c0ffee'), 'exit.json'), JSON.stringify({ exitCode: 0 }));
    const cgroup = join(states.root, 'not-a-cgroup');
    mkdirSync(cgroup);
    states.remove('c0ffee', [join(states.root, 'gone-cgroup'), cgroup]);
    expect(states.list()).toEqual([]);
    expect(existsSync(cgroup), 'the one still there is removed').toBe(false);
  });

  test('removeInBackground refuses, as remove does, while something is mounted below it', () => {
    const states = store();
    states.create(config());
    whileMounted(states, () => {
      expect(() => states.removeInBackground('c0ffee')).toThrow(/rootfs is still mounted on the host/);
      expect(states.get('c0ffee')?.id).toBe('c0ffee');
    });
  });
});

describe('names', () => {
  const reservation = (id: string, reserver = me) => ({ id, reserver });

  test('one reservation per name; a stale one (no entry, its run gone) is reclaimed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mydocker-names-'));
    roots.push(dir);
    const holdsIfAlive = (r: { reserver: typeof me }) => isSameProcess(r.reserver.pid, r.reserver.start);
    reserveName(dir, 'dup', reservation('a'), holdsIfAlive);
    expect(() => reserveName(dir, 'dup', reservation('b'), holdsIfAlive)).toThrow(NameTaken);
    expect(() => reserveName(dir, 'dup', reservation('b'), holdsIfAlive)).toThrow(
      'Conflict. The container name "/dup" is already in use by container "a". You have to remove (or rename) that container to be able to reuse that name.',
    );
    const stale = mkdtempSync(join(tmpdir(), 'mydocker-names-'));
    roots.push(stale);
    reserveName(stale, 'dup', reservation('old', gone), holdsIfAlive);
    reserveName(stale, 'dup', reservation('new'), holdsIfAlive);
    expect(readdirSync(join(stale, 'dup')), 'the winner removes the lower numbers').toEqual(['2']);
    expect(JSON.parse(readFileSync(join(stale, 'dup', '2'), 'utf8')).id).toBe('new');
  });

  test('a reservation that is not one (written by hand, corrupt) holds nothing', () => {
    const states = store();
    mkdirSync(join(states.root, 'names', 'web'), { recursive: true });
    writeFileSync(join(states.root, 'names', 'web', '1'), 'garbage');
    states.reserveName('web', 'c0ffee');
    expect(readdirSync(join(states.root, 'names', 'web'))).toEqual(['2']);
    expect(() => states.reserveName('web', 'beef')).toThrow(/in use by container "c0ffee"/);
  });

  test("a killed run's temporary file is swept; a living run's stays", () => {
    const states = store();
    mkdirSync(join(states.root, 'names'), { recursive: true });
    writeFileSync(join(states.root, 'names', `.${gone.pid}-${gone.start}-c0ffee`), '');
    writeFileSync(join(states.root, 'names', `.${me.pid}-${me.start}-beef`), '');
    states.reserveName('web', 'c0ffee');
    expect(readdirSync(join(states.root, 'names')).sort()).toEqual([`.${me.pid}-${me.start}-beef`, 'web']);
  });

  test('a run that finds a higher number after its link backs off, and judges that one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mydocker-names-'));
    roots.push(dir);
    mkdirSync(join(dir, 'dup'));
    // Another run is ahead: it holds number 2 while number 1 is stale.
    writeFileSync(join(dir, 'dup', '1'), JSON.stringify(reservation('old', gone)));
    let calls = 0;
    const holds = (r: { id: string; reserver: typeof me }) => {
      calls++;
      if (r.id === 'old' && calls === 1) writeFileSync(join(dir, 'dup', '3'), JSON.stringify(reservation('ahead')));
      return r.id === 'ahead';
    };
    expect(() => reserveName(dir, 'dup', reservation('late'), holds)).toThrow(/in use by container "ahead"/);
    expect(readdirSync(join(dir, 'dup')).sort(), 'the late run left nothing').toEqual(['1', '3']);
  });
});
