// `npm run dev-update`: writes the scaffolding of labs/ from solutions/ (cli/dev/scaffold.ts) and
// prints each file it changed; the lab files (the stubs) are left alone. Running it twice changes
// nothing the second time.
//
// `node cli/dev/update.ts --check` changes nothing: it prints one line per drifted file and the
// command that fixes it, and exits 1 on a drift. `npm run check-all` runs it (no root, well under a
// second). `--root DIR` works on DIR/labs and DIR/solutions instead of the project's (tests).
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { allLabs } from '../../chapters/manifest.ts';
import { projectRoot } from '../paths.ts';
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

  if (values.check) {
    if (drifts.length === 0) {
      process.stdout.write(
        `dev-update --check: labs/ is in step with solutions/ apart from its ${labFiles.size} lab files\n`,
      );
      return 0;
    }
    for (const drift of drifts) process.stdout.write(`${describeDrift(drift)}\n`);
    process.stdout.write(
      `dev-update --check: ${drifts.length} file${drifts.length === 1 ? '' : 's'} of labs/ out of step: run \`${UPDATE_COMMAND}\` (solutions/ is the source)\n`,
    );
    return 1;
  }

  applyDrift(trees, drifts);
  for (const { file, kind } of drifts) process.stdout.write(`${VERB[kind]} labs/${file}\n`);
  const stubs = drifts.some((drift) => drift.kind === 'stub');
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
