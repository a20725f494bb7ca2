// The store reads an entry's files, then asks the kernel about its processes. A shim that records the
// end and exits in between must not pass for a shim that died without recording it (255): the race
// the ch5-stop check met in CI, made to happen every time here by finishing the shim exactly when the
// store asks whether it still runs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test, vi } from 'vitest';
import { containerConfig } from '../support/container-config.ts';

/** The shim's pid and start time in this test; asking about it "ends" the shim, once. */
const SHIM = { pid: 2147483645, start: 7 };
const PID1 = { pid: 2147483644, start: 7 };
let finishShim: (() => void) | undefined;

vi.mock('../../solutions/src/state/processes.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../solutions/src/state/processes.ts')>();
  return {
    ...original,
    isSameProcess(pid: number, start: number): boolean {
      if (pid === SHIM.pid && start === SHIM.start) {
        const finish = finishShim;
        finishShim = undefined;
        finish?.(); // the shim writes exit.json and exits just as it is asked about
        return false;
      }
      return pid === PID1.pid ? false : original.isSameProcess(pid, start);
    },
  };
});

const { StateStore } = await import('../../solutions/src/state/store.ts');

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

test.each([false, true])('the code the shim wrote just before it ended stands, not 255 (--rm: %s)', (rm) => {
  const root = mkdtempSync(join(tmpdir(), 'mydocker-state-race-'));
  roots.push(root);
  const states = new StateStore(root, () => {});
  states.create(containerConfig('c0ffee', { rm }));
  writeFileSync(
    join(states.dir('c0ffee'), 'running.json'),
    JSON.stringify({ ...PID1, shim: SHIM.pid, shimStart: SHIM.start, startedAt: '2026-11-23T00:00:01Z' }),
  );
  finishShim = () =>
    writeFileSync(join(states.dir('c0ffee'), 'exit.json'), '{"exitCode":137,"finishedAt":"2026-11-23T00:00:02Z"}');
  const listed = states.list();
  expect(finishShim, 'the store asked whether the shim still runs').toBeUndefined();
  // --rm: the entry goes (the shim removes it itself); without: exited with the shim's code.
  expect(listed).toEqual(rm ? [] : [expect.objectContaining({ status: 'exited', exitCode: 137 })]);
});
