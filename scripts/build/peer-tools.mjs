// The peer tools that vm/provision.sh unpacks into .lab/tools/PACKAGE (dpkg-deb -x), never installs:
// Debian's docker-registry (chapter 8's checks and bench/pull.ts start it themselves, on 127.0.0.1
// only) and docker.io, of which only the `docker` client is used (dockerd is never started).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './paths.mjs';

export const toolsDir = join(projectRoot, '.lab', 'tools');

/** @param {string} packageName @param {string} path @returns {string} */
function peerTool(packageName, path) {
  const file = join(toolsDir, packageName, path);
  if (!existsSync(file))
    throw new Error(
      `${file} is missing: run \`sudo bash vm/provision.sh\` (it unpacks Debian's ${packageName} there, without installing it)`,
    );
  return file;
}

/** Debian's docker-registry (distribution 2.8), unpacked. */
export function registryBinary() {
  return peerTool('docker-registry', 'usr/bin/docker-registry');
}

/** Debian's `docker` client (docker.io 20.10), unpacked. */
export function dockerCli() {
  return peerTool('docker.io', 'usr/bin/docker');
}
