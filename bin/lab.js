#!/usr/bin/env node
// The workbook: `lab next`, `lab check`, `lab hint`, ... (cli/main.tsx). Runs a bundle of the CLI
// from .lab/build/lab, rebuilding it first when one of its sources is newer than the build.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// Before anything else is loaded: an older Node hands this run to the project's (bin/project-node.cjs).
createRequire(import.meta.url)('./project-node.cjs').ensureProjectNode(fileURLToPath(import.meta.url), 'lab', 1);
const { ensureLabBuilt, labBundlePath } = await import('../scripts/build.mjs');

await ensureLabBuilt();
await import(labBundlePath());
