// What `lab grade` found, the contract between the grading (cli/grade/grader.ts and the modules it
// uses) and the reports written from it (cli/grade/reports/). Everything here is deterministic: the
// same submission graded twice against the same course gives the same value (no clock, no timings,
// no absolute paths of the grader's machine; submissions sorted by learner, labs in course order,
// checks in the order their spec declares them).

/** One check of a lab, as the learner's feedback needs it. */
export interface GradedCheck {
  name: string;
  /** 'not run': the checker stopped (a budget, a crash) before it came to this check. */
  state: 'passed' | 'failed' | 'skipped' | 'not run';
  /** The staged hint (1-based) that helps, as the check declares it. */
  hint?: number;
  /** For a failed check: its message, one line or a few, without colours. */
  message?: string;
}

export interface GradedLab {
  id: string;
  title: string;
  chapter: number;
  /** The manifest's points (chapters/manifest.ts Lab.points). */
  points: number;
  /** points when every check passed, else 0. */
  earned: number;
  passed: boolean;
  checks: GradedCheck[];
  /** Why the lab's checks could not all run (its spec failed to load, a budget ran out), one line. */
  problem?: string;
}

export type SubmissionStatus =
  /** The checks ran (each lab passed or failed on its own). */
  | 'graded'
  /** Its runtime does not build: `problem` holds the build's first error; every lab earned 0. */
  | 'build-failed'
  /** Not a submission of this course (a missing path, an empty or corrupt tarball, no labs/ in it). */
  | 'unreadable'
  /** Its time or memory budget ran out: what finished counts, the rest is 'not run'. */
  | 'over-budget'
  /** On the roster, but no submission came. */
  | 'missing';

export interface SubmissionResult {
  /** The learner's id: the roster's, else the submission's name (its file or directory, without .tar.gz, .bundle, ...). */
  learner: string;
  /** The submission as given on the command line, or under a class directory (relative, as typed). */
  source: string;
  kind: 'directory' | 'git' | 'bundle' | 'tarball' | 'none';
  /** sha256 of the lab files taken from it (path, NUL, content, in manifest order); absent when none could be read. */
  digest?: string;
  status: SubmissionStatus;
  /** One line, for any status but 'graded': what was wrong and what to do. */
  problem?: string;
  /** What the grader noticed and did about it: "labs/src/container/proc.ts was missing: its stub was graded". */
  notes: string[];
  /** Every lab graded, in course order; empty for 'unreadable' and 'missing'. */
  labs: GradedLab[];
}

export interface ClassResult {
  course: {
    /** The labs graded, in course order. */
    labs: { id: string; title: string; chapter: number; points: number }[];
    /** sha256 of what the grade depends on besides the submission (the specs, the scaffolding, the manifest). */
    digest: string;
  };
  /** Sorted by learner. */
  submissions: SubmissionResult[];
}
