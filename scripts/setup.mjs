// Runs on `npm install` (the `prepare` script): builds the native shim and both runtimes, so that the
// first `npx lab next` or `npx mydocker` does not wait for a build. Plain JavaScript on purpose: npm
// may run it with an older Node than the one the course uses.
import { platform } from 'node:process';
import { buildBundle, buildShim, SOURCES } from './build.mjs';

if (platform !== 'linux') {
  console.warn('write-your-own-docker: containers need Linux; read the course here, run it in the VM (README, "Using a VM").');
} else {
  try {
    await buildShim();
    for (const source of SOURCES) await buildBundle(source);
    console.log('write-your-own-docker: built the native shim and both runtimes. Next: npx lab next');
  } catch (error) {
    // Do not fail the install: `lab doctor` says what is missing and how to get it.
    console.warn(`write-your-own-docker: the build did not finish (${error.message}); run \`npx lab doctor\``);
  }
}
