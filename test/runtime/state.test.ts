// The state directory: config.json from the runtime, pid and exit from the shim, status derived.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

const config = { id: 'c0ffee', hostname: 'box', command: ['true'], created: '2026-11-23T00:00:00.000Z' };

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
      failed: [
        { op: 'unlink', path: join(dir, 'exit') },
        { op: 'unlink', path: join(dir, 'pid') },
        { op: 'unlink', path: join(dir, 'config.json') },
        { op: 'rmdir', path: dir },
      ],
    });
    expect(states.hostSteps('c0ffee', true).ended).toEqual(states.hostSteps('c0ffee', true).failed);
  });

  test('list shows every container', () => {
    const states = store();
    states.create(config);
    states.create({ ...config, id: 'beef' });
    expect(states.list().map((s) => s.id).sort()).toEqual(['beef', 'c0ffee']);
  });
});
