// Every build of the project, one module per job under scripts/build/:
//   runtime.mjs        the runtime bundles (one per source tree) and the native shim; ensureBuilt()
//   busybox-image.mjs  the default image, made offline from busybox-static (with tar.mjs, its tar
//                      writer, which tests use too)
//   lab.mjs            the `lab` CLI's bundle (bin/lab.js)
//   compile-cache.mjs  prunes V8's compile cache, which the bundles and vitest share
//   peer-tools.mjs     the paths of the peer tools vm/provision.sh unpacks (docker-registry, docker)
// Importers may take any name from here; `node scripts/build.mjs` builds what the set-up builds.
import { fileURLToPath } from 'node:url';
import { ensureBusyboxImage } from './build/busybox-image.mjs';
import { buildBundle, buildShim, SOURCES } from './build/runtime.mjs';

export * from './build/paths.mjs';
export * from './build/runtime.mjs';
export * from './build/tar.mjs';
export * from './build/busybox-image.mjs';
export * from './build/lab.mjs';
export * from './build/compile-cache.mjs';
export * from './build/check-programs.mjs';
export * from './build/peer-tools.mjs';

/** The shim, both runtimes and the busybox image: what the set-up builds (scripts/setup.mjs). */
export async function buildAll() {
  await buildShim();
  for (const source of SOURCES) await buildBundle(source);
  await ensureBusyboxImage();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildAll();
