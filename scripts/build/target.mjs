// The oldest Node the bundles must run on: the bins' minimum (bin/project-node.cjs, which a test
// keeps equal to package.json's engines), as esbuild's target.
import { createRequire } from 'node:module';

/** @type {{ MINIMUM_NODE: readonly [number, number] }} */
const { MINIMUM_NODE } = createRequire(import.meta.url)('../../bin/project-node.cjs');

export const nodeTarget = `node${MINIMUM_NODE.join('.')}`;
