// `lab list`: the whole course, and where the learner stands in it.
import { chapters } from '../../../chapters/manifest.ts';
import { openSession } from '../../session.ts';
import { print } from '../../ui/output.ts';
import { courseOf } from './list-data.ts';
import { ListView } from './ListView.tsx';

export type ListOptions = Record<string, never>;

export async function list(_options: ListOptions = {}): Promise<number> {
  const { progress } = openSession();
  print(<ListView course={courseOf(chapters, progress)} />);
  return 0;
}
