// The C of native/ in its one style (native/.clang-format): `node scripts/format-native.mjs` checks
// it, `--write` rewrites it. Part of `npm run format:check`, so of `npm run check-all`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './build/paths.mjs';

const nativeDir = join(projectRoot, 'native');
const sources = readdirSync(nativeDir)
  .filter((name) => name.endsWith('.c') || name.endsWith('.h'))
  .map((name) => join(nativeDir, name));
const write = process.argv.includes('--write');
const result = spawnSync('clang-format', [write ? '-i' : '--dry-run', ...(write ? [] : ['--Werror']), ...sources], {
  stdio: 'inherit',
});
if (result.error) {
  process.stderr.write('format-native: clang-format is not installed: sudo bash vm/provision.sh --for-contributors\n');
  process.exitCode = 1;
} else if (result.status !== 0) {
  if (!write) process.stderr.write('format-native: native/ is not in its style: run `npm run format`\n');
  process.exitCode = result.status ?? 1;
}
