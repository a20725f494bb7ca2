// The checker's events of one submission, as marks: each lab passed or not, each check's state, and
// for a failure the message a learner reads. Pure (no clock, no files), so that the same events give
// the same marks: `lab grade` is deterministic because this is.
import { stripVTControlCharacters } from 'node:util';
import type { Lab } from '../../../chapters/manifest.ts';
import type { CheckEvent } from '../../../checker/results.ts';
import type { GradedCheck, GradedLab } from '../result.ts';

/** A failure's message is cut to this many lines: the feedback and the JUnit stay readable. */
export const MESSAGE_LINES = 6;
/** ... and this many characters (a diff of a whole file would drown the rest). */
export const MESSAGE_CHARS = 800;

/**
 * One GradedLab per lab, in the order given (the course's). `chapterOf` is chapters/manifest.ts's
 * (a parameter, so that tests can grade labs that are not in the manifest).
 */
export function gradeLabs(
  labs: readonly Lab[],
  events: readonly CheckEvent[],
  chapterOf: (lab: Lab) => { number: number },
): GradedLab[] {
  return labs.map((lab) => gradeLab(lab, eventsOf(lab, events), chapterOf(lab).number));
}

/** A check names its lab (the spec's meta); one that does not is its spec's; a spec-error only has the spec. */
function eventsOf(lab: Lab, events: readonly CheckEvent[]): CheckEvent[] {
  return events.filter((event) =>
    event.type === 'spec-error' || event.lab === '' ? event.spec === lab.spec : event.lab === lab.id,
  );
}

function gradeLab(lab: Lab, events: CheckEvent[], chapter: number): GradedLab {
  const checks: GradedCheck[] = [];
  const problems: string[] = [];
  for (const event of events) {
    if (event.type === 'check-started') {
      // Not run until its result comes: a check whose result never came was stopped (a budget, a crash).
      checks.push({ name: event.name, state: 'not run' });
    } else if (event.type === 'check') {
      const graded: GradedCheck = { name: event.name, state: event.state };
      if (event.hint !== undefined) graded.hint = event.hint;
      if (event.state === 'failed') graded.message = failureMessage(event.errors[0]?.message);
      // Two checks may share a name (in two describe blocks): the result belongs to the first still waiting.
      const waiting = checks.findIndex((check) => check.state === 'not run' && check.name === event.name);
      if (waiting >= 0) checks[waiting] = graded;
      else checks.push(graded);
    } else {
      problems.push(`its checks could not all run: ${firstLine(event.message)}`);
    }
  }
  if (checks.length === 0 && problems.length === 0) problems.push('none of its checks ran');
  const passed = problems.length === 0 && checks.every((check) => check.state === 'passed');
  const graded: GradedLab = {
    id: lab.id,
    title: lab.title,
    chapter,
    points: lab.points,
    earned: passed ? lab.points : 0,
    passed,
    checks,
  };
  if (problems.length > 0) graded.problem = problems[0];
  return graded;
}

/**
 * The first error's message without colours, trimmed to a few lines. Typed a string, but the
 * checker's events carry what vitest serialised (an `expected` of 0 comes as the number 0): text
 * is made of whatever came.
 */
export function failureMessage(message: unknown): string {
  const text = stripVTControlCharacters(message === undefined || message === null ? '' : String(message))
    .replace(/\r\n?/g, '\n')
    .trim();
  if (text === '') return 'the check failed without a message';
  const lines = text.split('\n');
  let cut = lines.slice(0, MESSAGE_LINES).join('\n');
  if (cut.length > MESSAGE_CHARS) cut = cut.slice(0, MESSAGE_CHARS).trimEnd();
  return cut.length < text.length ? `${cut}\n…` : cut;
}

function firstLine(message: unknown): string {
  const line =
    stripVTControlCharacters(String(message ?? ''))
      .trim()
      .split(/\r?\n/)[0] ?? '';
  return line === '' ? 'the spec failed without a message' : line;
}
