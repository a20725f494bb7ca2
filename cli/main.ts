// `lab`: the workbook's command line. This file only declares the commands; each one lives in
// cli/commands/<name>/ and is loaded when it runs. It is also the only place that sets the exit code.
import { Command, CommanderError, Option } from 'commander';
import type { Lab } from '../chapters/manifest.ts';
import type { GradeCommandOptions } from './commands/grade/options.ts';
import { LabError, USAGE } from './errors.ts';

// Options are validated here, once, into the typed options each command takes.

async function labById(id: string): Promise<Lab> {
  const session = await import('./session.ts');
  return session.labById(id);
}

async function optionalLab(id: string | undefined): Promise<Lab | undefined> {
  return id === undefined ? undefined : labById(id);
}

/** The runtime a check drives: --solutions, else MYDOCKER_SOURCE, else labs/. */
async function checkSource(solutions: boolean): Promise<string> {
  const source = solutions ? 'solutions' : process.env.MYDOCKER_SOURCE || 'labs';
  const { sourceDir } = await import('../scripts/build.mjs');
  try {
    sourceDir(source);
  } catch (error) {
    throw new LabError((error as Error).message, USAGE);
  }
  return source;
}

let exitCode = 0;

// `lab next | head`: the reader went away, so the rest of the text has nowhere to go. End as `cat`
// does in a pipe (SIGPIPE: 128 + 13), without a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(141);
});

const program = new Command('lab')
  .description('Write your own Docker, one lab at a time, checked on the real kernel.')
  .showSuggestionAfterError()
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(`lab: ${text.replace(/^error: /, '')}`) });

program
  .command('next')
  .description('show the lab you are on, or move to the next once it passes')
  .action(async () => {
    const { next } = await import('./commands/next/index.ts');
    exitCode = await next({});
  });

program
  .command('check')
  .description('run the checks of a lab (default: the current one) on the real kernel')
  .argument('[lab]', 'a lab id, as `lab list` shows them')
  .option('--json', 'print the results as one JSON object, for tools')
  .option('--solutions', 'check the reference solution instead of your labs/')
  .option('--vm', 'run the checks inside a micro-VM with cgroup v2 only (qemu; see docs/vm.md)')
  .action(async (id: string | undefined, options: { json?: boolean; solutions?: boolean; vm?: boolean }) => {
    const lab = await optionalLab(id);
    const source = await checkSource(options.solutions === true);
    const { check } = await import('./commands/check/index.tsx');
    exitCode = await check({ lab, json: options.json === true, source, vm: options.vm === true });
  });

program
  .command('watch')
  .description("re-run a lab's checks on every save of its files (keys: h hint, n next, l list, q quit)")
  .argument('[lab]', 'a lab id (default: the current one)')
  .option('--solutions', 'watch the reference solution instead of your labs/')
  .action(async (id: string | undefined, options: { solutions?: boolean }) => {
    const lab = await optionalLab(id);
    const source = await checkSource(options.solutions === true);
    const { watch } = await import('./commands/watch/index.tsx');
    exitCode = await watch({ lab, source });
  });

program
  .command('grade')
  .description("grade learners' submissions (directories, git repositories or bundles, tarballs) into reports")
  .argument('<submissions...>', 'submissions, or directories that hold one per learner')
  .option('--roster <file>', 'the class: one learner id a line (# comments)')
  .option('--labs <list>', 'lab ids or chapter numbers, comma-separated (default: every lab of every ready chapter)')
  .option('-j, --jobs <n>', 'submissions graded at once', '1')
  .option('-o, --out <dir>', 'where the reports go', 'grades')
  .option('--force', 'grade again what is graded already')
  .option('--vm', 'run each submission inside the cgroup v2 micro-VM (a learner runtime runs as root)')
  .option('--timeout <minutes>', 'the time budget of one submission')
  .option('--memory <size>', 'the memory budget of one submission (512m, 2g)')
  .action(async (submissions: string[], options: GradeCommandOptions) => {
    const { grade } = await import('./commands/grade/index.tsx');
    exitCode = await grade({ submissions, ...options });
  });

program
  .command('hint')
  .description('reveal the next hint of a lab (default: the current one)')
  .argument('[lab]', 'a lab id')
  .action(async (id: string | undefined) => {
    const lab = await optionalLab(id);
    const { hint } = await import('./commands/hint/index.tsx');
    exitCode = await hint({ lab });
  });

program
  .command('list')
  .description('the whole course, and where you are in it')
  .action(async () => {
    const { list } = await import('./commands/list/index.tsx');
    exitCode = await list({});
  });

program
  .command('solution')
  .description("show a lab's reference solution, once the lab passes")
  .argument('<lab>', 'a lab id')
  .option('--diff', 'show it as a diff from your labs/ file')
  .option('--force', 'show it even though the lab has not passed yet')
  .action(async (id: string, options: { diff?: boolean; force?: boolean }) => {
    const lab = await labById(id);
    const { solution } = await import('./commands/solution/index.tsx');
    exitCode = await solution({ lab, diff: options.diff === true, force: options.force === true });
  });

program
  .command('reset')
  .description("restore a lab's files in labs/ to the pristine stub")
  .argument('<lab>', 'a lab id')
  .action(async (id: string) => {
    const lab = await labById(id);
    const { reset } = await import('./commands/reset/index.tsx');
    exitCode = await reset({ lab });
  });

program
  .command('doctor')
  .description('can this machine run the checks? what to fix if not')
  .addOption(new Option('--json', 'print the findings as JSON'))
  .action(async (options: { json?: boolean }) => {
    const { doctor } = await import('./commands/doctor/index.tsx');
    exitCode = await doctor({ json: options.json === true });
  });

program
  .command('env')
  .description('print the PATH line that lets you call lab and mydocker directly: eval "$(npx lab env)"')
  .action(async () => {
    const { env } = await import('./commands/env/index.ts');
    exitCode = await env({});
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // commander has printed its message already (help, version, or a usage error).
    exitCode = error.exitCode === 0 ? 0 : USAGE;
  } else if (error instanceof LabError) {
    process.stderr.write(`lab: ${error.message}\n`);
    exitCode = error.exitCode;
  } else {
    // A bug, not a learner's mistake: still one line, with the stack when LAB_DEBUG is set.
    const detail = error instanceof Error ? (process.env.LAB_DEBUG ? error.stack : error.message) : String(error);
    process.stderr.write(`lab: ${detail}\n`);
    exitCode = 1;
  }
}
process.exitCode = exitCode;
