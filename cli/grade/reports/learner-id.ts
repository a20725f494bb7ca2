// A learner id names files: <out>/feedback/<id>.md and the grader's <out>/.graded/<id>.json. So it
// must stay one name in one directory: no '/', no NUL, not '.' or '..', and no leading '.' at all
// (that also keeps it from hiding, or from being .graded itself); no control characters (a newline
// in a file name breaks every script that lists the directory); at most 200 bytes (ext4 and most file
// systems allow 255 for a name, with room left for the extension).
export const MAX_LEARNER_ID_BYTES = 200;

export function isSafeLearnerId(id: string): boolean {
  return (
    id.length > 0 &&
    !id.startsWith('.') &&
    !id.includes('/') &&
    !/[\u0000-\u001F\u007F]/.test(id) &&
    Buffer.byteLength(id) <= MAX_LEARNER_ID_BYTES
  );
}

/** The one line a grader prints when it refuses an id. */
export function unsafeLearnerIdProblem(id: string): string {
  return `learner id ${JSON.stringify(id)} cannot name a file (it is empty, starts with '.', holds '/' or a control character, or is over ${MAX_LEARNER_ID_BYTES} bytes): rename the submission`;
}
