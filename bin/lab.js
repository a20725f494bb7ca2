#!/usr/bin/env node
// The workbook: `lab next`, `lab check`, `lab hint`, ... (cli/main.tsx). Runs a bundle of the CLI
// from .lab/build/lab, rebuilding it first when one of its sources is newer than the build.
import { ensureLabBuilt, labBundlePath } from '../scripts/build.mjs';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 15)) {
  process.stderr.write(
    `lab: Node.js 22.15 or newer is needed, this is ${process.version}: run \`npx lab\`, or put the project's Node first on PATH with \`eval "$(npx lab env)"\`\n`,
  );
  process.exit(1);
}

await ensureLabBuilt();
await import(labBundlePath());
