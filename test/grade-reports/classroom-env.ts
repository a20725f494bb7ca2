// What the Classroom workflow's tests share: the files, and who sets which variable of the script.
export const CLASSROOM_WORKFLOW = '.github/workflows/classroom.yml';
export const CLASSROOM_SCRIPT = 'scripts/classroom/grade.sh';

/** What GitHub Actions sets in every step's environment, of what the script reads. */
export const GITHUB_SETS = [
  'GITHUB_ACTIONS',
  'GITHUB_WORKSPACE',
  'GITHUB_REPOSITORY',
  'GITHUB_STEP_SUMMARY',
  'GITHUB_OUTPUT',
  'RUNNER_TEMP',
];

/** Read by the script, set by neither: overrides for a machine other than the runner (the local test). */
export const LOCAL_ONLY = ['COURSE_DIR', 'SUBMISSION_DIR', 'GRADES_DIR', 'SKIP_PROVISION', 'SKIP_NPM_CI'];
