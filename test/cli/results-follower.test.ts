// The follower reads the checker's results file as it grows, and once more when stopped.
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ResultsFollower } from '../../cli/check/run-checks.ts';
import type { CheckEvent } from '../../checker/results.ts';

test('passes each event on once, in order, including those written just before stop()', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'follower-'));
  try {
    const file = join(dir, 'results.ndjson');
    const seen: string[] = [];
    const follower = new ResultsFollower(file, (event) =>
      seen.push(event.type === 'check' || event.type === 'check-started' ? event.name : event.spec),
    );
    const started: CheckEvent = { type: 'check-started', lab: 'a', spec: 's', name: 'first' };
    appendFileSync(file, JSON.stringify(started) + '\n');
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(seen).toEqual(['first']);
    appendFileSync(file, JSON.stringify({ type: 'spec-error', spec: 'broken.spec.ts', message: 'x' }) + '\n');
    expect(follower.stop().length).toBe(2);
    expect(seen).toEqual(['first', 'broken.spec.ts']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
