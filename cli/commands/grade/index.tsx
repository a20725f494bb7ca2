// `lab grade`: not built yet (issue 12).
import { LabError } from '../../errors.ts';
import type { GradeInvocation } from './options.ts';

export async function grade(_options: GradeInvocation): Promise<number> {
  throw new LabError('lab grade is not built yet');
}
