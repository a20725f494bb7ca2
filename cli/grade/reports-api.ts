// The reports' side of grading (cli/grade/reports/, written from the ClassResult), in one place: the
// grader's one import of it.
export { gradeLabs, isSafeLearnerId, unsafeLearnerIdProblem, writeReports } from './reports/index.ts';
