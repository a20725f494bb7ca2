#!/usr/bin/env node
// The workbook: `lab next`, `lab check`, `lab hint`, ... (cli/main.tsx). Runs a bundle of the CLI
// from .lab/build/lab, rebuilding it first when one of its sources is newer than the build.
import module from 'node:module';
import { join } from 'node:path';
import { buildDir, ensureLabBuilt, labBundlePath } from '../scripts/build.mjs';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 15)) {
  process.stderr.write(
    `lab: Node.js 22.15 or newer is needed, this is ${process.version}: run \`npx lab\`, or put the project's Node first on PATH with \`eval "$(npx lab env)"\`\n`,
  );
  process.exit(1);
}

await ensureLabBuilt();
// V8's code for the bundle's chunks (ink, react, marked, ...), kept on disk between runs: ~8% of a
// `lab list` or `lab next` (docs/benchmarks.md). The same directory as mydocker's.
module.enableCompileCache?.(join(buildDir, 'compile-cache'));
await import(labBundlePath());
