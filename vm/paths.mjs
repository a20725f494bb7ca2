// Where the VM runner lives and writes on the host.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../scripts/build/paths.mjs';

export { projectRoot };
export const vmSourceDir = dirname(fileURLToPath(import.meta.url));
/** Everything the runner writes on the host: the cached initramfs, runs/ (per run), results/ (kept). */
export const vmDir = join(projectRoot, '.lab', 'vm');
