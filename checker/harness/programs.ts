// The checker's static C programs (scripts/build/check-programs.mjs lists them): the project's build
// when it is fresh, which is always so in the micro-VM (the host built them before booting);
// otherwise compiled now, once per checker process, into the build directory, or into a directory
// of this process's own when the project cannot be written.
import { accessSync, constants, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkProgramPath,
  checkProgramsDir,
  compileStatic,
  isCheckProgramFresh,
} from '../../scripts/build/check-programs.mjs';
import { PROJECT_ROOT } from './target.ts';

const compiledHere = new Map<string, string>();
let scratch: string | undefined;

/** The static build of `source`, a path in the project (`chapters/03-rootfs/breakout.c`). */
export function staticProgram(source: string): string {
  const absolute = join(PROJECT_ROOT, source);
  const built = checkProgramPath(absolute);
  if (isCheckProgramFresh(absolute)) return built;
  const known = compiledHere.get(absolute);
  if (known) return known;
  const output = canWrite() ? built : join((scratch ??= ownScratch()), source.replaceAll('/', '--'));
  compileStatic(absolute, output);
  compiledHere.set(absolute, output);
  return output;
}

function canWrite(): boolean {
  try {
    mkdirSync(checkProgramsDir, { recursive: true });
    accessSync(checkProgramsDir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Removed with the checker's other temporary directories (its `mydocker-check-<pid>-` prefix). */
function ownScratch(): string {
  return mkdtempSync(join(tmpdir(), `mydocker-check-${process.pid}-programs-`));
}
