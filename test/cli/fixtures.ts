// A small course for the CLI's tests: two ready chapters, one coming, independent of the real manifest;
// and a command's run on a progress file of its own, its output captured.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';
import type { Chapter, Lab } from '../../chapters/manifest.ts';

export function fakeLab(id: string, hints = 3): Lab {
  return {
    id,
    title: `Title of ${id}`,
    task: `Do **${id}**.`,
    files: [`src/${id}.ts`],
    functions: [`${id.replace(/\W/g, '')}Fn`],
    spec: `checker/specs/${id}.spec.ts`,
    points: 1,
    hints: Array.from({ length: hints }, (_, i) => `hint ${i + 1} of ${id}`),
    mistakes: [],
  };
}

export const a1 = fakeLab('a1');
export const a2 = fakeLab('a2');
export const b1 = fakeLab('b1', 2);

export const course: Chapter[] = [
  { number: 0, title: 'Set-up', status: 'ready', text: 'chapters/00/README.md', book: 'ch 1', labs: [] },
  { number: 1, title: 'Alpha', status: 'ready', text: 'chapters/01/README.md', book: 'ch 2', labs: [a1, a2] },
  { number: 2, title: 'Beta', status: 'ready', text: 'chapters/02/README.md', book: 'ch 3', labs: [b1] },
  { number: 3, title: 'Gamma', status: 'coming', book: 'ch 4', labs: [fakeLab('c1')] },
];

export const PASSED = { passedAt: '2026-01-01T00:00:00.000Z', hintsRevealed: 0 };

/**
 * For each test of the describe block it is called in: a temporary directory holding the progress
 * file (LAB_PROGRESS_FILE), and what the command writes to stdout, captured in `written`.
 */
export function commandRun(name: string): { dir: string; written: string } {
  const run = { dir: '', written: '' };
  beforeEach(() => {
    run.dir = mkdtempSync(join(tmpdir(), `lab-${name}-`));
    vi.stubEnv('LAB_PROGRESS_FILE', join(run.dir, 'progress.json'));
    run.written = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      run.written += String(chunk);
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    rmSync(run.dir, { recursive: true, force: true });
  });
  return run;
}
