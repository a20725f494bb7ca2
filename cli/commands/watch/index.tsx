// `lab watch`: not built yet (issue 12).
import type { Lab } from '../../../chapters/manifest.ts';
import { LabError } from '../../errors.ts';

export interface WatchOptions {
  lab?: Lab;
  source: string;
}

export async function watch(_options: WatchOptions): Promise<number> {
  throw new LabError('lab watch is not built yet');
}
