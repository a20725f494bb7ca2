// The one kind of error a command throws on purpose: a sentence for the learner and an exit code.
// The entry file (main.tsx) prints it as one line, `lab: <message>`, and exits with the code.
export class LabError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'LabError';
    this.exitCode = exitCode;
  }
}

/** 2 is for the command line itself being wrong (an unknown lab, a bad option), as commander does. */
export const USAGE = 2;
