// The course's data: chapters/NN-name/labs.yaml, read and checked by read-course.ts. The `lab` bundle
// does not parse YAML at each start (it would cost ~15-45 ms): scripts/build.mjs replaces this module
// there by the data as JSON, read when the bundle is built (docs/decisions/0008).
import { readCourse } from './read-course.ts';

export const course = readCourse();
