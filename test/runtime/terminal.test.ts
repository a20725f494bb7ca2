// `mydocker run -it host /bin/sh` on a real terminal (a pty from util-linux `script`): an interactive
// shell as PID 1, whose exit code comes back, with no complaint about the terminal.
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt, projectRoot } from '../../scripts/build.mjs';
import { removeCgroupParent, testCgroupParent } from '../support/cgroup-parent.ts';
import { OWN_NETNS_PREFIX } from '../support/own-netns.ts';

const stateRoot = mkdtempSync(join(tmpdir(), 'mydocker-terminal-'));
const isRoot = process.getuid?.() === 0;
const cgroupParent = testCgroupParent('terminal');

describe.runIf(isRoot)('mydocker run -it on a terminal', () => {
  beforeAll(() => ensureBuilt('solutions'));
  afterAll(() => {
    rmSync(stateRoot, { recursive: true, force: true });
    removeCgroupParent(cgroupParent);
  });

  test('an interactive shell is PID 1, sees a terminal, and its exit code comes back', async () => {
    const mydocker = `${OWN_NETNS_PREFIX}${process.execPath} ${join(projectRoot, 'bin', 'mydocker.cjs')} run -it --rm --hostname tty-box host /bin/sh`;
    const result = await execa('script', ['-qec', mydocker, '/dev/null'], {
      input: 'echo "pid=$$ host=$(hostname)"; test -t 0 && echo on-a-terminal; exit 4\n',
      env: { MYDOCKER_SOURCE: 'solutions', MYDOCKER_ROOT: stateRoot, MYDOCKER_CGROUP_PARENT: cgroupParent },
      reject: false,
      timeout: 10_000,
    });
    expect(result.stdout).toContain('pid=1 host=tty-box');
    expect(result.stdout).toContain('on-a-terminal');
    // Node leaves the terminal non-blocking (dash: "turning off NDELAY mode"), and a shell that cannot
    // see its original process group complains at exit ("Cannot set tty process group"): neither.
    expect(result.stdout).not.toMatch(/NDELAY|process group/);
    expect(result.exitCode).toBe(4);
  });
});
