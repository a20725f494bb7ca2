// Runs on `npm install` (the `prepare` script): builds the native shim and both runtimes, so that the
// first `npx lab next` or `npx mydocker` does not wait for a build. Plain JavaScript on purpose: npm
// may run it with an older Node than the one the course uses.
import { platform } from 'node:process';
import { BUSYBOX, buildBundle, buildShim, ensureBusyboxImage, SOURCES } from './build.mjs';

if (platform !== 'linux') {
  console.warn('write-your-own-docker: containers need Linux; read the course here, run it in the VM (README, "Using a VM").');
} else {
  try {
    await buildShim();
    for (const source of SOURCES) await buildBundle(source);
    try {
      await ensureBusyboxImage();
    } catch (error) {
      // Chapters 1 and 2 need no image; `lab doctor` says how to get busybox-static for the rest.
      console.warn(`write-your-own-docker: the default busybox image was not built from ${BUSYBOX} (${error.message}); run \`npx lab doctor\``);
    }
    console.log('write-your-own-docker: built the native shim, both runtimes and the busybox image. Next: npx lab next');
  } catch (error) {
    // Do not fail the install: `lab doctor` says what is missing and how to get it.
    console.warn(`write-your-own-docker: the build did not finish (${error.message}); run \`npx lab doctor\``);
  }
}
