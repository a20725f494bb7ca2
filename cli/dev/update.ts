// `npm run dev-update`: writes what is derived, and prints each file it changed: the scaffolding of
// labs/ from solutions/ (cli/dev/scaffold.ts; the lab files, the stubs, are left alone) and
// README.md's table of chapters from chapters/*/labs.yaml (cli/dev/readme-table.ts), and
// vm/cloud-init.yaml from vm/provision.sh and vm/packages.txt (vm/cloud-init.mjs). Running it twice
// changes nothing the second time.
//
// `node cli/dev/update.ts --check` changes nothing: it prints one line per drifted file and the
// command that fixes it, and exits 1 on a drift. `npm run check-all` runs it (no root, well under a
// second). `--root DIR` works on DIR/labs, DIR/solutions and DIR/README.md (if there is one)
// instead of the project's (tests).
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { allLabs } from '../../chapters/manifest.ts';
import { projectRoot } from '../paths.ts';
import { cloudInitFile, cloudInitUpdate } from '../../vm/cloud-init.mjs';
import { chapterTableUpdate } from './readme-table.ts';
import { applyDrift, describeDrift, scaffoldDrift, UPDATE_COMMAND, type Drift, type Trees } from './scaffold.ts';

const VERB: Record<Drift['kind'], string> = {
  new: 'copied ',
  changed: 'updated',
  mode: 'chmod  ',
  stale: 'removed',
  stub: 'stub   ',
};

function main(argv: string[]): number {
  let values: { check?: boolean; root?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { check: { type: 'boolean' }, root: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(
      `dev-update: ${(error as Error).message}; usage: node cli/dev/update.ts [--check] [--root DIR]\n`,
    );
    return 2;
  }
  const root = resolve(values.root ?? projectRoot);
  const labFiles = new Set(allLabs().flatMap((lab) => lab.files));
  const trees: Trees = { labs: join(root, 'labs'), solutions: join(root, 'solutions'), labFiles };
  const drifts = scaffoldDrift(trees);
  const readme = join(root, 'README.md');
  const readmeUpdate = values.root === undefined || existsSync(readme) ? chapterTableUpdate(readme) : undefined;
  // The project's own VM set-up; a --root tree (the tests') has none.
  const cloudInit = values.root === undefined ? cloudInitUpdate() : undefined;

  if (values.check) {
    for (const drift of drifts) process.stdout.write(`${describeDrift(drift)}\n`);
    if (drifts.length > 0)
      process.stdout.write(
        `dev-update --check: ${drifts.length} file${drifts.length === 1 ? '' : 's'} of labs/ out of step: run \`${UPDATE_COMMAND}\` (solutions/ is the source)\n`,
      );
    if (readmeUpdate !== undefined)
      process.stdout.write(
        `dev-update --check: README.md's table of chapters out of step: run \`${UPDATE_COMMAND}\` (chapters/*/labs.yaml is the source)\n`,
      );
    if (cloudInit !== undefined)
      process.stdout.write(
        `dev-update --check: vm/cloud-init.yaml out of step: run \`${UPDATE_COMMAND}\` (vm/provision.sh and vm/packages.txt are the source)\n`,
      );
    if (drifts.length > 0 || readmeUpdate !== undefined || cloudInit !== undefined) return 1;
    process.stdout.write(
      `dev-update --check: labs/ is in step with solutions/ apart from its ${labFiles.size} lab files\n`,
    );
    return 0;
  }

  applyDrift(trees, drifts);
  for (const { file, kind } of drifts) process.stdout.write(`${VERB[kind]} labs/${file}\n`);
  const stubs = drifts.some((drift) => drift.kind === 'stub');
  if (readmeUpdate !== undefined) {
    writeFileSync(readme, readmeUpdate);
    process.stdout.write('updated README.md (its table of chapters)\n');
  }
  if (cloudInit !== undefined) {
    writeFileSync(cloudInitFile, cloudInit);
    process.stdout.write('updated vm/cloud-init.yaml (from vm/provision.sh and vm/packages.txt)\n');
  }
  process.stdout.write(
    drifts.length === 0
      ? 'dev-update: labs/ is up to date\n'
      : `dev-update: ${drifts.length} file${drifts.length === 1 ? '' : 's'} of labs/ written from solutions/${stubs ? ' (a file marked "stub" is a copy of its solution: make it the stub)' : ''}\n`,
  );
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`dev-update: ${(error as Error).message}\n`);
  process.exitCode = 2;
}
