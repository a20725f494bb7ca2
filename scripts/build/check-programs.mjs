// The checker's own small C programs, static (they run in images with no libc of their own): chapter
// 3's chroot breakout, chapter 7's escapes, and the counter of a cgroup's device programs. Built once
// here, where a change of the source rebuilds it; the checker uses the build when it is fresh and
// compiles for itself only when it is not. In the micro-VM (qemu TCG, about ten times slower) the
// project is read-only and gcc -static of one program took seconds, once per spec file: `npm run
// checker:v2` and `lab check --vm` build them on the host before booting (vm/checker-command.mjs).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildDir, mtimeOrZero, projectRoot } from './paths.mjs';

export const checkProgramsDir = join(buildDir, 'check-programs');

const ESCAPES = join(projectRoot, 'chapters', '07-hardening', 'escapes');

/** Every program's source, absolute. */
export function checkProgramSources() {
  return [
    join(projectRoot, 'chapters', '03-rootfs', 'breakout.c'),
    join(projectRoot, 'checker', 'harness', 'native', 'device-programs.c'),
    ...readdirSync(ESCAPES)
      .filter((name) => name.endsWith('.c'))
      .sort()
      .map((name) => join(ESCAPES, name)),
  ];
}

/**
 * Where the build of `source` goes: its path in the project, `/` as `--`, without `.c`, so two
 * programs of one name in different chapters stay apart.
 * @param {string} source absolute
 */
export function checkProgramPath(source) {
  return join(checkProgramsDir, relative(projectRoot, source).replaceAll('/', '--').replace(/\.c$/, ''));
}

/** @param {string} source absolute */
export function isCheckProgramFresh(source) {
  const built = mtimeOrZero(checkProgramPath(source));
  return built > 0 && built >= mtimeOrZero(source);
}

/**
 * Compiles `source` into `output` (gcc -static -O2), through a temporary name renamed into place, so
 * a concurrent reader never sees half a program.
 * @param {string} source
 * @param {string} output
 */
export function compileStatic(source, output) {
  const partial = `${output}.${process.pid}.partial`;
  try {
    execFileSync('gcc', ['-static', '-O2', '-o', partial, source], { stdio: ['ignore', 'ignore', 'pipe'] });
    renameSync(partial, output);
  } finally {
    rmSync(partial, { force: true });
  }
}

/** Builds the programs that are not fresh; returns how many it built. */
export function ensureCheckPrograms() {
  mkdirSync(checkProgramsDir, { recursive: true });
  let built = 0;
  for (const source of checkProgramSources()) {
    if (isCheckProgramFresh(source)) continue;
    compileStatic(source, checkProgramPath(source));
    built++;
  }
  return built;
}
