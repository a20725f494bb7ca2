// The class roster: one learner id a line; `#` starts a comment; blank lines are ignored.
import { readFileSync } from 'node:fs';
import { LabError } from '../errors.ts';

export function parseRoster(text: string): string[] {
  const learners: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const id = line.replace(/#.*$/, '').trim();
    if (id !== '' && !learners.includes(id)) learners.push(id);
  }
  return learners;
}

export function readRoster(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new LabError(
      `lab grade: the roster ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  return parseRoster(text);
}

export interface RosterCheck {
  /** On the roster, no submission. */
  missing: string[];
  /** Submitted, not on the roster (graded all the same). */
  unlisted: string[];
}

export function compareWithRoster(roster: readonly string[], submitted: readonly string[]): RosterCheck {
  const have = new Set(submitted);
  const listed = new Set(roster);
  return {
    missing: roster.filter((id) => !have.has(id)),
    unlisted: submitted.filter((id) => !listed.has(id)),
  };
}
