#!/usr/bin/env node
// Runs the mydocker built from labs/ (yours), or from solutions/ with MYDOCKER_SOURCE=solutions,
// rebuilding it first when a source file is newer than the build.
import { ensureBuilt, bundlePath, sourceDir } from '../scripts/build.mjs';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `mydocker: Node.js 22.12 or newer is needed, this is ${process.version}: run \`npx mydocker\`, or put the project's Node first on PATH with \`eval "$(npx lab env)"\`\n`,
  );
  process.exit(125);
}

const source = process.env.MYDOCKER_SOURCE ?? 'labs';
try {
  sourceDir(source);
} catch (error) {
  process.stderr.write(`mydocker: ${error.message}\n`);
  process.exit(125);
}
await ensureBuilt(source);
await import(bundlePath(source));
