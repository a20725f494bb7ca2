// Builds one submission's tree (ensureBuilt), in a process of its own: esbuild prints a failed
// build's errors on stderr, which the grader keeps out of its own; the error's message comes back on
// stdout as JSON.   node cli/grade/build-tree.ts TREE
import { writeSync } from 'node:fs';
import { ensureBuilt } from '../../scripts/build.mjs';

try {
  await ensureBuilt(process.argv[2]!);
} catch (error) {
  writeSync(1, JSON.stringify({ error: error instanceof Error ? error.message : String(error) }) + '\n');
  process.exitCode = 1;
}
