// One source for each host fact (issue 9): the rule lives in one module, and doctor, the VM runner
// and the checker call it. These tests fail when a second copy of a rule appears, or when the callers
// stop agreeing with the home.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { projectRoot } from '../scripts/build.mjs';
import { checkRequirement, filesAt, REQUIREMENTS } from '../scripts/requirements.mjs';
import { checkerInVm } from '../vm/checker-command.mjs';
import { findBusybox, VmError } from '../vm/host.mjs';

const CODE_DIRS = ['bin', 'bench', 'checker', 'cli', 'labs/src', 'scripts', 'solutions/src', 'test/support', 'vm'];

function codeFiles(dir: string): string[] {
  return readdirSync(join(projectRoot, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|tsx|mjs|cjs|js)$/.test(entry.name))
    .map((entry) => relative(projectRoot, join(entry.parentPath, entry.name)));
}

/** The files whose code matches `pattern`. */
function filesMatching(pattern: RegExp): string[] {
  return CODE_DIRS.flatMap(codeFiles)
    .filter((file) => pattern.test(readFileSync(join(projectRoot, file), 'utf8')))
    .sort();
}

describe('each rule is written once', () => {
  test.each([
    {
      fact: 'is this host cgroup v2 (a look at /sys/fs/cgroup instead of the mount table)',
      pattern: /existsSync\([^)]*cgroup\.controllers|['/]sys\/fs\/cgroup\/memory['`]/,
      homes: [],
    },
    {
      fact: 'the cgroup system, from the mount table',
      pattern: /fstype === 'cgroup2'/,
      homes: ['labs/src/cgroups/system.ts', 'solutions/src/cgroups/system.ts'],
    },
    { fact: 'a static ELF (PT_INTERP)', pattern: /PT_INTERP \*\//, homes: ['scripts/requirements.mjs'] },
    { fact: "vitest's options in the read-only guest", pattern: /'--configLoader'/, homes: ['vm/checker-command.mjs'] },
    {
      fact: 'the minimum Node',
      pattern: /\b22\.15\b|\[22, 15\]|=== 22\b/,
      homes: ['bin/project-node.cjs', 'labs/src/images/compression.ts', 'solutions/src/images/compression.ts'],
    },
  ])('$fact', ({ pattern, homes }) => {
    expect(filesMatching(pattern)).toEqual(homes);
  });
});

describe('the callers agree with the home', () => {
  test("the VM's busybox is busybox-static's requirement, as the set-up and doctor check it", () => {
    const busybox = REQUIREMENTS.find((requirement) => requirement.package === 'busybox-static')!;
    const ok = checkRequirement(busybox, filesAt('/')).ok;
    if (ok) expect(findBusybox()).toBe(busybox.staticElf);
    else expect(() => findBusybox()).toThrow(VmError);
  });

  test("the checker in the VM: the project's vitest, the read-only options, the reporter, the specs last", () => {
    const { command, env } = checkerInVm({
      source: 'labs',
      specs: ['checker/specs/ch02/'],
      reporter: '/r.ts',
      cwd: projectRoot,
    });
    expect(command.slice(0, 5)).toEqual([
      process.execPath,
      join(projectRoot, 'node_modules/vitest/vitest.mjs'),
      'run',
      '--project',
      'checker',
    ]);
    expect(command).toEqual(expect.arrayContaining(['--configLoader', 'runner', '--no-cache']));
    expect(command.slice(-3)).toEqual(['--reporter', '/r.ts', 'checker/specs/ch02/']);
    expect(env).toEqual({ MYDOCKER_SOURCE: 'labs', LAB_TIME_SCALE: '5', MYDOCKER_NO_BUILD: '1' });
    expect(checkerInVm({ source: 'solutions', specs: [] }).command).not.toContain('--reporter');
  });
});
