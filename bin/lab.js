#!/usr/bin/env node
// The workbook: `lab next`, `lab check`, `lab hint`, ... (cli/main.ts). Runs a bundle of the CLI
// from .lab/build/lab, rebuilding it first when one of its sources is newer than the build.
import module, { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// Before anything else is loaded: an older Node hands this run to the project's (bin/project-node.cjs).
createRequire(import.meta.url)('./project-node.cjs').ensureProjectNode(fileURLToPath(import.meta.url), 'lab', 1);
const { compileCacheDir } = await import('../scripts/build/paths.mjs');
const { ensureLabBuilt, labBundlePath } = await import('../scripts/build/lab.mjs');

await ensureLabBuilt();
// V8's code for the bundle's chunks (ink, react, marked, ...), kept on disk between runs: ~8% of a
// `lab list` or `lab next` (docs/benchmarks.md). The same directory as mydocker's.
module.enableCompileCache?.(compileCacheDir);
await import(labBundlePath());
