// .github/workflows/classroom.yml and scripts/classroom/grade.sh cannot drift apart: the workflow's
// one `run` step is exactly that script, from the course's checkout, and what each says of the
// other (checkout paths, the reports' directory, the environment) is true of the other.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { projectRoot } from '../../cli/paths.ts';
import { CLASSROOM_SCRIPT, CLASSROOM_WORKFLOW, GITHUB_SETS, LOCAL_ONLY } from './classroom-env.ts';

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string>;
}

const workflow = parse(readFileSync(join(projectRoot, CLASSROOM_WORKFLOW), 'utf8')) as {
  on: Record<string, unknown>;
  env: Record<string, string>;
  jobs: Record<string, { if: string; 'runs-on': string; steps: Step[] }>;
};
const script = readFileSync(join(projectRoot, CLASSROOM_SCRIPT), 'utf8');
const job = workflow.jobs.grade!;

describe('the Classroom workflow', () => {
  test('runs on push, on an Ubuntu 24.04 hosted runner, and not in the template itself', () => {
    expect(Object.keys(workflow.on)).toContain('push');
    expect(job['runs-on']).toBe('ubuntu-24.04');
    expect(job.if).toMatch(/^\$\{\{ !github\.event\.repository\.is_template && /);
  });

  test("its one run step is the course's copy of scripts/classroom/grade.sh, nothing else", () => {
    const runs = job.steps.filter((step) => step.run !== undefined);
    expect(runs.map((step) => step.run)).toEqual([`bash course/${CLASSROOM_SCRIPT}`]);
    expect(existsSync(join(projectRoot, CLASSROOM_SCRIPT))).toBe(true);
    // Every other step is an action: the two checkouts and the upload.
    expect(job.steps.filter((step) => step.run === undefined).map((step) => step.uses?.replace(/@.*/, ''))).toEqual([
      'actions/checkout',
      'actions/checkout',
      'actions/upload-artifact',
    ]);
  });

  test("checks the learner's repository and the course (at the pinned ref) out where the script looks", () => {
    const [learner, course] = job.steps.filter((step) => step.uses?.startsWith('actions/checkout@'));
    expect(learner!.with).toMatchObject({ path: 'submission' });
    expect(learner!.with).not.toHaveProperty('repository');
    expect(course!.with).toMatchObject({
      path: 'course',
      repository: '${{ env.COURSE_REPOSITORY }}',
      ref: '${{ env.COURSE_REF }}',
    });
    expect(script).toContain('${SUBMISSION_DIR:-$workspace/submission}');
    expect(script).toContain('${COURSE_DIR:-$workspace/course}');
  });

  test('uploads the directory the script writes the reports to, even when the grade step failed', () => {
    const upload = job.steps.find((step) => step.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.with).toMatchObject({ path: 'grades/' });
    expect(upload.if).toBe('${{ !cancelled() }}');
    expect(script).toContain('${GRADES_DIR:-$workspace/grades}');
  });

  test('each variable the workflow sets is one the script (or a step) reads, and each the script reads is set by someone', () => {
    const read = [...new Set([...script.matchAll(/\$\{([A-Z][A-Z0-9_]*)[:}]/g)].map((match) => match[1]!))].sort();
    const steps = JSON.stringify(job.steps);
    const workflowSets = Object.keys(workflow.env);
    for (const name of workflowSets) {
      const used = read.includes(name) || steps.includes(`\${{ env.${name} }}`);
      expect(used, `neither the script nor a step reads ${name}`).toBe(true);
    }
    const setters = new Set([...workflowSets, ...GITHUB_SETS, ...LOCAL_ONLY]);
    for (const name of read) expect(setters.has(name), `nobody sets ${name}`).toBe(true);
  });
});
