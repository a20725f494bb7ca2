// `lab hint`: one more hint each time, never past the last, and the command on a temporary progress file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { findLab } from '../../chapters/manifest.ts';
import { nextHint } from '../../cli/commands/hint/hint-data.ts';
import { hint } from '../../cli/commands/hint/index.tsx';
import { emptyProgress } from '../../cli/progress/progress.ts';
import { b1, commandRun } from './fixtures.ts';

describe('nextHint', () => {
  test('reveals one at a time, then says none remain', () => {
    let progress = emptyProgress();
    const seen: Array<[number, boolean, number]> = [];
    for (let i = 0; i < 3; i++) {
      const result = nextHint(progress, b1, true);
      progress = result.progress;
      seen.push([result.hints.revealed.length, result.hints.newlyRevealed, result.hints.remaining]);
    }
    expect(seen).toEqual([
      [1, true, 1],
      [2, true, 0],
      [2, false, 0],
    ]);
    expect(nextHint(progress, b1, true).hints.revealed).toEqual(['hint 1 of b1', 'hint 2 of b1']);
  });

  test('the command names the lab unless it is the current one', () => {
    expect(nextHint(emptyProgress(), b1, true).hints.command).toBe('lab hint');
    expect(nextHint(emptyProgress(), b1, false).hints.command).toBe('lab hint b1');
  });
});

describe('the hint command', () => {
  const run = commandRun('hint');

  test('prints the hints revealed so far and records them', async () => {
    const lab = findLab('ch1-proc')!;
    await hint({ lab });
    expect(await hint({ lab })).toBe(0);
    expect(run.written).toContain(`Hints for ch1-proc`);
    expect(run.written).toContain(`${lab.hints.length - 2} more`);
    const saved = JSON.parse(readFileSync(join(run.dir, 'progress.json'), 'utf8'));
    expect(saved.labs['ch1-proc']).toEqual({ hintsRevealed: 2 });
  });
});
