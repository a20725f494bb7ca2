// <out>/results.json: the ClassResult itself, pretty, with its keys in one fixed order (the order
// cli/grade/result.ts declares them; a key it does not know comes after, alphabetically), so that
// the same grades give the same bytes however the grader built its objects.
import type { ClassResult } from '../result.ts';

// One list serves every level: each object's own keys keep the relative order they have here.
const KEY_ORDER = [
  'course',
  'submissions',
  'learner',
  'source',
  'kind',
  'id',
  'name',
  'title',
  'chapter',
  'digest',
  'status',
  'state',
  'problem',
  'notes',
  'points',
  'earned',
  'passed',
  'hint',
  'message',
  'labs',
  'checks',
];

function rank(key: string): number {
  const index = KEY_ORDER.indexOf(key);
  return index < 0 ? KEY_ORDER.length : index;
}

function ordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(ordered);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((key) => [key, ordered((value as Record<string, unknown>)[key])]));
}

export function resultsJson(result: ClassResult): string {
  return JSON.stringify(ordered(result), null, 2) + '\n';
}
