// `npm run dev-check`: proves the workbook itself is sound. CI runs it.
//
// The manifest: ids unique, every lab has two hints or more, its files and spec exist, the named
// functions are in its files, its stub differs from its solution, ready chapters have their text,
// and every file that differs between labs/ and solutions/ belongs to a lab (no orphan): the rest of
// labs/ is generated from solutions/ by `npm run dev-update` (cli/dev/scaffold.ts).
//
// The checker, on real runs:
//   pristine    every lab fails against labs/ as shipped
//   reference   every lab passes against solutions/
//   isolated    every lab fails on its own stub when every other lab is solved: its checks see its
//               own work, not just a broken neighbour
//   in order    every lab passes once it and the labs before it are solved, with later labs still
//               stubs: a learner going in order sees each lab pass as they finish it
//   mistakes    every classic mistake a lab lists (manifest.ts, Lab.mistakes) makes a check of that
//               lab fail; each is printed with the check and the first line a learner would read.
//               All mistakes run in one vitest run, each stopping at its first failing check.
//
// `node cli/dev/check.ts --mistakes [LAB]` runs the manifest's checks and the mistakes (of one lab) only.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt } from '../../scripts/build.mjs';
import { allLabs, chapters, findLab, type Lab, type Mistake } from '../../chapters/manifest.ts';
import { PROJECT_ROOT } from '../../checker/harness/target.ts';
import type { CheckResult } from '../../checker/results.ts';
import { runChecks } from '../check/run-checks.ts';
import { describeDrift, scaffoldDrift, UPDATE_COMMAND } from './scaffold.ts';

const TREES = join(PROJECT_ROOT, '.lab', 'dev-check');
let passed = 0;
let failed = 0;

function record(ok: boolean, what: string, detail = ''): void {
  if (ok) passed++;
  else failed++;
  process.stdout.write(
    `${ok ? 'ok  ' : 'FAIL'} ${what}${!ok && detail ? `\n       ${detail.replaceAll('\n', '\n       ')}` : ''}\n`,
  );
}

function checkManifest(): void {
  const labs = allLabs();
  const ids = labs.map((lab) => lab.id);
  record(new Set(ids).size === ids.length, 'lab ids are unique');
  for (const chapter of chapters.filter((c) => c.status === 'ready')) {
    record(
      chapter.text !== undefined && existsSync(join(PROJECT_ROOT, chapter.text)),
      `chapter ${chapter.number} has its text (${chapter.text})`,
    );
  }
  for (const lab of labs) {
    record(lab.hints.length >= 2, `${lab.id} has at least two staged hints`, `it has ${lab.hints.length}`);
    record(existsSync(join(PROJECT_ROOT, lab.spec)), `${lab.id} has its spec ${lab.spec}`);
    const names = lab.mistakes.map((mistake) => mistake.name);
    record(
      names.length >= 2 && new Set(names).size === names.length,
      `${lab.id} lists two or more classic mistakes, each named once`,
      `names: ${JSON.stringify(names)}`,
    );
    for (const mistake of lab.mistakes) {
      const count = occurrences(mistake);
      record(
        count === 1,
        `${lab.id}: the mistake "${mistake.name}" edits text found once in solutions/${mistake.file}`,
        `found ${count} times (did the solution change?): ${JSON.stringify(mistake.find)}`,
      );
    }
    for (const file of lab.files) {
      const stub = join(PROJECT_ROOT, 'labs', file);
      const solution = join(PROJECT_ROOT, 'solutions', file);
      const both = existsSync(stub) && existsSync(solution);
      record(both, `${lab.id}: ${file} exists in labs/ and solutions/`);
      if (!both) continue;
      const stubText = readFileSync(stub, 'utf8');
      record(stubText !== readFileSync(solution, 'utf8'), `${lab.id}: the stub ${file} differs from its solution`);
      record(stubText.includes('TODO'), `${lab.id}: the stub ${file} has TODOs`);
      // `function NAME` or, for an async generator, `function* NAME`.
      for (const fn of lab.functions) {
        record(new RegExp(`function\\*? ?${fn}\\b`).test(stubText), `${lab.id}: ${file} defines ${fn}()`);
      }
    }
  }
  const trees = {
    labs: join(PROJECT_ROOT, 'labs'),
    solutions: join(PROJECT_ROOT, 'solutions'),
    labFiles: new Set(labs.flatMap((lab) => lab.files)),
  };
  const drifts = scaffoldDrift(trees);
  for (const drift of drifts) record(false, `${describeDrift(drift)}: run \`${UPDATE_COMMAND}\``);
  if (drifts.length === 0) record(true, 'labs/ is the same as solutions/ but for the lab files');
}

/** solutions/ with the given labs' files taken from labs/ (their stubs). */
function treeWithStubs(name: string, stubbed: readonly Lab[]): string {
  const tree = join(TREES, name);
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(tree, { recursive: true });
  cpSync(join(PROJECT_ROOT, 'solutions', 'src'), join(tree, 'src'), { recursive: true });
  for (const lab of stubbed) {
    for (const file of lab.files) cpSync(join(PROJECT_ROOT, 'labs', file), join(tree, file));
  }
  return tree;
}

/** How often a mistake's `find` occurs in its solution file: it must be once. */
function occurrences(mistake: Mistake): number {
  const solution = join(PROJECT_ROOT, 'solutions', mistake.file);
  return existsSync(solution) ? readFileSync(solution, 'utf8').split(mistake.find).length - 1 : 0;
}

/** solutions/ with one mistake made (its `find` occurs once: checkManifest proved it). */
function treeWithMistake(name: string, mistake: Mistake): string {
  const text = readFileSync(join(PROJECT_ROOT, 'solutions', mistake.file), 'utf8');
  const tree = treeWithStubs(name, []);
  writeFileSync(
    join(tree, mistake.file),
    text.replace(mistake.find, () => mistake.replace),
  );
  return tree;
}

async function checksOf(
  specs: string[],
  source: string,
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ byLab: Map<string, CheckResult[]>; errors: string[]; output: string }> {
  const { events, output } = await runChecks({ specs, source, ...options });
  const byLab = new Map<string, CheckResult[]>();
  const errors: string[] = [];
  for (const event of events) {
    if (event.type === 'spec-error') errors.push(`${event.spec}: ${event.message}`);
    // With mistakes, results are kept per lab and mistake: `<lab> / <mistake>`.
    else if (event.type === 'check') {
      const key = event.mistake === undefined ? event.lab : `${event.lab} / ${event.mistake}`;
      byLab.set(key, [...(byLab.get(key) ?? []), event]);
    }
  }
  return { byLab, errors, output };
}

function verdict(results: CheckResult[] | undefined): 'passes' | 'fails' | 'did not run' {
  if (!results || results.length === 0) return 'did not run';
  return results.every((r) => r.state === 'passed') ? 'passes' : 'fails';
}

function summary(results: CheckResult[] | undefined, output: string): string {
  if (!results?.length) return output.split('\n').slice(-15).join('\n');
  return results
    .map(
      (r) =>
        `${r.state === 'passed' ? '✓' : '✗'} ${r.name}${r.errors[0] ? `: ${r.errors[0].message.split('\n')[0]}` : ''}`,
    )
    .join('\n');
}

async function checkChecker(): Promise<void> {
  const labs = allLabs();
  const specs = labs.map((lab) => lab.spec);

  const pristine = await checksOf(specs, 'labs');
  for (const lab of labs) {
    const v = verdict(pristine.byLab.get(lab.id));
    record(
      v === 'fails',
      `pristine: ${lab.id} fails against labs/`,
      `it ${v}\n${summary(pristine.byLab.get(lab.id), pristine.output)}`,
    );
  }

  const reference = await checksOf(specs, 'solutions');
  for (const lab of labs) {
    const v = verdict(reference.byLab.get(lab.id));
    record(
      v === 'passes',
      `reference: ${lab.id} passes against solutions/`,
      `it ${v}\n${summary(reference.byLab.get(lab.id), reference.output)}`,
    );
  }
  record(
    reference.errors.length === 0,
    'reference: no spec errors or leaks against solutions/',
    reference.errors.join('\n'),
  );

  for (const lab of labs) {
    const isolated = await checksOf([lab.spec], treeWithStubs(`isolated-${lab.id}`, [lab]));
    const v = verdict(isolated.byLab.get(lab.id));
    record(
      v === 'fails',
      `isolated: ${lab.id} fails on its own stub with every other lab solved`,
      `it ${v}\n${summary(isolated.byLab.get(lab.id), isolated.output)}`,
    );
  }

  for (const [index, lab] of labs.entries()) {
    const later = labs.slice(index + 1);
    if (later.length === 0) continue; // the same tree as solutions/, proved above
    const inOrder = await checksOf([lab.spec], treeWithStubs(`in-order-${lab.id}`, later));
    const v = verdict(inOrder.byLab.get(lab.id));
    record(
      v === 'passes',
      `in order: ${lab.id} passes with the labs before it solved and the ones after it stubs`,
      `it ${v}\n${summary(inOrder.byLab.get(lab.id), inOrder.output)}`,
    );
  }
}

/** A message's first line, and its last when there are more: a run's "ran: ..." comes first, the comparison last. */
function firstAndLast(message: string): string {
  const lines = message.trim().split('\n');
  return lines.length > 1 ? `${lines[0]} … ${lines.at(-1)!.trim()}` : (lines[0] ?? '');
}

/** A serialised value on one short line. */
function oneLine(value: unknown): string {
  const line = String(value).replace(/\s+/g, ' ').trim();
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

/** Every listed mistake of these labs makes a check of its lab fail: all in one vitest run. */
async function checkMistakes(labs: readonly Lab[]): Promise<void> {
  const runs: Record<string, { name: string; source: string }[]> = {};
  const started = performance.now();
  for (const lab of labs) {
    for (const [index, mistake] of lab.mistakes.entries()) {
      if (occurrences(mistake) !== 1) continue; // recorded as a failure by checkManifest
      const tree = treeWithMistake(`mistake-${lab.id}-${index + 1}`, mistake);
      await ensureBuilt(tree); // here, not inside a check's time limit
      (runs[lab.id] ??= []).push({ name: mistake.name, source: tree });
    }
  }
  const specs = labs.filter((lab) => runs[lab.id]).map((lab) => lab.spec);
  if (specs.length === 0) return;
  const result = await checksOf(specs, 'solutions', {
    env: { LAB_MISTAKES: JSON.stringify(runs) },
    timeoutMs: 1_800_000,
  });
  for (const lab of labs) {
    for (const { name } of runs[lab.id] ?? []) {
      const results = result.byLab.get(`${lab.id} / ${name}`);
      const failedCheck = results?.find((r) => r.state === 'failed');
      const what = `mistake: ${lab.id} "${name}" is caught`;
      if (failedCheck) {
        const error = failedCheck.errors[0];
        const values =
          error?.actual !== undefined && error.expected !== undefined
            ? `\n         actual ${oneLine(error.actual)}, expected ${oneLine(error.expected)}`
            : '';
        record(
          true,
          `${what}\n       ✗ ${failedCheck.name}${failedCheck.hint ? ` (hint ${failedCheck.hint})` : ''}: ${firstAndLast(error?.message ?? '')}${values}`,
        );
      } else {
        record(false, what, `no check of ${lab.id} failed\n${summary(results, result.output)}`);
      }
    }
  }
  process.stdout.write(
    `(mistakes: ${Object.values(runs).flat().length} in ${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
  );
}

try {
  checkManifest();
  const mistakesAt = process.argv.indexOf('--mistakes');
  if (process.argv.includes('--manifest-only')) {
    process.stdout.write('(checker runs skipped: --manifest-only)\n');
  } else if (mistakesAt >= 0) {
    const id = process.argv[mistakesAt + 1];
    const lab = id === undefined ? undefined : findLab(id);
    if (id !== undefined && !lab) {
      record(false, `--mistakes ${id}: no such lab`);
    } else {
      await checkMistakes(lab ? [lab] : allLabs());
    }
  } else {
    await checkChecker();
    await checkMistakes(allLabs());
  }
} finally {
  rmSync(TREES, { recursive: true, force: true });
  for (const entry of existsSync(join(PROJECT_ROOT, '.lab', 'build'))
    ? readdirSync(join(PROJECT_ROOT, '.lab', 'build'))
    : []) {
    if (entry.startsWith('tree-')) rmSync(join(PROJECT_ROOT, '.lab', 'build', entry), { recursive: true, force: true });
  }
}
process.stdout.write(`\ndev-check: ${passed} passed, ${failed} failed\n`);
process.exitCode = failed === 0 ? 0 : 1;
