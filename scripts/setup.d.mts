// Types for scripts/setup.mjs, for its tests.
import type { Files } from './requirements.mjs';

export function setUp(options?: {
  os?: string;
  files?: Files;
  build?: () => Promise<void>;
  link?: () => void;
  log?: (line: string) => void;
  error?: (line: string) => void;
}): Promise<number>;

/** Links node_modules/.bin/node to the registry package's binary where npm did not (npm 9). */
export function linkProjectNode(root?: string): void;
