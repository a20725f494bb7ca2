// isSafeLearnerId: a learner id names <out>/feedback/<id>.md and <out>/.graded/<id>.json.
import { describe, expect, test } from 'vitest';
import { MAX_LEARNER_ID_BYTES, isSafeLearnerId } from '../../cli/grade/reports/learner-id.ts';

describe('isSafeLearnerId', () => {
  test.each([
    'alice',
    'bob.smith',
    'a..b',
    '=cmd',
    '+1',
    '-rf',
    'zoë "the, <best>" | x',
    "o'brien",
    'é'.repeat(MAX_LEARNER_ID_BYTES / 2),
  ])('takes %j', (id) => {
    expect(isSafeLearnerId(id)).toBe(true);
  });

  test.each([
    '',
    '.',
    '..',
    '.graded',
    '../x',
    'a/b',
    '/abs',
    'nul\u0000byte',
    'two\nlines',
    'tab\there',
    'del\u007f',
    'x'.repeat(MAX_LEARNER_ID_BYTES + 1),
    'é'.repeat(MAX_LEARNER_ID_BYTES / 2 + 1),
  ])('refuses %j', (id) => {
    expect(isSafeLearnerId(id)).toBe(false);
  });
});
