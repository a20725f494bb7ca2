// The state directory: config.json from the runtime, pid and exit from the shim, status derived.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { StateStore } from '../../solutions/src/state/store.ts';

const roots: string[] = [];
function store(): StateStore {
  const root = mkdtempSync(join(tmpdir(), 'mydocker-state-'));
  roots.push(root);
  return new StateStore(root);
}
afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

const config = {
  id: 'c0ffee',
  hostname: 'box',
  command: ['true'],
  created: '2026-11-23T00:00:00.000Z',
  image: 'host',
  layers: [],
};

describe('StateStore', () => {
  test('created, then running while its pid lives, then exited with the code the shim wrote', () => {
    const states = store();
    states.create(config);
    expect(states.load('c0ffee')).toEqual({ ...config, status: 'created' });
    writeFileSync(join(states.dir('c0ffee'), 'pid'), `${process.pid}\n`);
    expect(states.load('c0ffee')).toMatchObject({ status: 'running', pid: process.pid });
    writeFileSync(join(states.dir('c0ffee'), 'exit'), '3\n');
    expect(states.load('c0ffee')).toMatchObject({ status: 'exited', pid: process.pid, exitCode: 3 });
  });

  test('a pid that no longer lives means exited, even without an exit file (the shim was killed)', () => {
    const states = store();
    states.create(config);
    writeFileSync(join(states.dir('c0ffee'), 'pid'), '2147483646\n');
    expect(states.load('c0ffee')).toMatchObject({ status: 'exited', exitCode: undefined });
  });

  test('the shim steps: pid when created; exit code, or everything removed with --rm', () => {
    const states = store();
    const dir = states.dir('c0ffee');
    expect(states.hostSteps('c0ffee', false)).toEqual({
      created: [{ op: 'write', path: join(dir, 'pid'), content: '{pid}\n' }],
      ended: [{ op: 'write', path: join(dir, 'exit'), content: '{exit}\n' }],
      failed: [{ op: 'remove-tree', path: dir }],
    });
    expect(states.hostSteps('c0ffee', true).ended).toEqual(states.hostSteps('c0ffee', true).failed);
  });

  test('resolve finds a container by id, by name, or by a prefix only it has', () => {
    const states = store();
    states.create({ ...config, id: 'c0ffee01aa', name: 'web' });
    states.create({ ...config, id: 'c0ffee02bb' });
    expect(states.resolve('web').id).toBe('c0ffee01aa');
    expect(states.resolve('c0ffee02bb').id).toBe('c0ffee02bb');
    expect(states.resolve('c0ffee02').id).toBe('c0ffee02bb');
    expect(() => states.resolve('c0ffee')).toThrow(/matches 2 containers/);
    expect(() => states.resolve('nothing')).toThrow(/no such container: nothing/);
  });

  test('remove deletes the directory, and refuses while something is mounted below it', () => {
    const states = store();
    states.create(config);
    const mountPoint = join(states.dir('c0ffee'), 'rootfs');
    mkdirSync(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', mountPoint]);
    try {
      expect(() => states.remove('c0ffee')).toThrow(/rootfs is still mounted on the host/);
      expect(existsSync(join(states.dir('c0ffee'), 'config.json'))).toBe(true);
    } finally {
      execFileSync('umount', [mountPoint]);
    }
    states.remove('c0ffee');
    expect(states.list()).toEqual([]);
  });

  test('list shows every container', () => {
    const states = store();
    states.create(config);
    states.create({ ...config, id: 'beef' });
    expect(
      states
        .list()
        .map((s) => s.id)
        .sort(),
    ).toEqual(['beef', 'c0ffee']);
  });
});
