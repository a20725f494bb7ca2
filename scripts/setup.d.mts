// Types for scripts/setup.mjs, for its tests.
import type { Files } from './requirements.mjs';

export function setUp(options?: {
  os?: string;
  files?: Files;
  build?: () => Promise<void>;
  log?: (line: string) => void;
  error?: (line: string) => void;
}): Promise<number>;
