// `lab grade`'s options as commander hands them over: text, validated by the command itself (one
// line and exit 2 for each thing wrong, before any submission is touched).
export interface GradeCommandOptions {
  roster?: string;
  labs?: string;
  jobs: string;
  out: string;
  force?: boolean;
  vm?: boolean;
  timeout?: string;
  memory?: string;
}

export interface GradeInvocation extends GradeCommandOptions {
  submissions: string[];
}
