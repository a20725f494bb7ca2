// A stand-in for cli/grade/reports/index.ts (REPORTS' part), with its signatures; removed at the merge.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../../chapters/manifest.ts';
import type { CheckEvent } from '../../checker/results.ts';
import type { ClassResult, GradedCheck, GradedLab } from './result.ts';

export function gradeLabs(
  labs: readonly Lab[],
  events: readonly CheckEvent[],
  chapterOf: (lab: Lab) => { number: number },
): GradedLab[] {
  return labs.map((lab) => {
    const checks: GradedCheck[] = [];
    let problem: string | undefined;
    for (const event of events) {
      if (event.type === 'spec-error') {
        if (event.spec === lab.spec) problem ??= `its checks could not all run: ${event.message.split('\n')[0]}`;
      } else if (event.lab === lab.id) {
        if (event.type === 'check-started') checks.push({ name: event.name, state: 'not run' });
        else {
          const at = checks.findIndex((c) => c.state === 'not run' && c.name === event.name);
          const graded: GradedCheck = {
            name: event.name,
            state: event.state,
            ...(event.hint !== undefined && { hint: event.hint }),
          };
          if (event.state === 'failed') graded.message = event.errors[0]?.message ?? '';
          if (at >= 0) checks[at] = graded;
          else checks.push(graded);
        }
      }
    }
    if (checks.length === 0) problem ??= 'none of its checks ran';
    const passed = problem === undefined && checks.every((c) => c.state === 'passed');
    return {
      id: lab.id,
      title: lab.title,
      chapter: chapterOf(lab).number,
      points: lab.points,
      earned: passed ? lab.points : 0,
      passed,
      checks,
      ...(problem && { problem }),
    };
  });
}

export function isSafeLearnerId(id: string): boolean {
  // eslint-disable-next-line no-control-regex
  return id.length > 0 && !id.startsWith('.') && !id.includes('/') && !/[\u0000-\u001F\u007F]/.test(id);
}

export function unsafeLearnerIdProblem(id: string): string {
  return `learner id ${JSON.stringify(id)} cannot name a file: rename the submission`;
}

export function writeReports(result: ClassResult, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'results.json');
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  return [file];
}
