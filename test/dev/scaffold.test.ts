// The scaffolding of labs/ generated from solutions/ (cli/dev/scaffold.ts, `npm run dev-update`):
// on small trees made here, then on a copy of the project's own labs/ and solutions/.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { allLabs } from '../../chapters/manifest.ts';
import { projectRoot } from '../../cli/paths.ts';
import { applyDrift, filesUnder, scaffoldDrift, type Trees } from '../../cli/dev/scaffold.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-scaffold-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(path: string, text: string, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, mode);
}

/** Every file of a tree with its content and mode: what "left alone" and "idempotent" compare. */
function snapshot(tree: string): Record<string, string> {
  return Object.fromEntries(
    filesUnder(tree).map((file) => [
      file,
      `${(statSync(join(tree, file)).mode & 0o7777).toString(8)} ${readFileSync(join(tree, file), 'utf8')}`,
    ]),
  );
}

describe('scaffoldDrift and applyDrift', () => {
  let trees: Trees;
  beforeEach(() => {
    trees = {
      labs: join(dir, 'labs'),
      solutions: join(dir, 'solutions'),
      labFiles: new Set(['src/lab.ts', 'src/new-lab.ts']),
    };
    // In step: the same scaffolding, and a lab file whose stub differs from its solution.
    for (const tree of [trees.labs, trees.solutions]) {
      write(join(tree, 'src/main.ts'), 'main\n');
      write(join(tree, 'src/tool.sh'), '#!/bin/sh\n', 0o755);
    }
    write(join(trees.solutions, 'src/lab.ts'), 'the solution\n');
    write(join(trees.labs, 'src/lab.ts'), '// TODO: the stub\n');
  });

  test('trees in step have no drift, though their lab files differ', () => {
    expect(scaffoldDrift(trees)).toEqual([]);
  });

  test('each kind of drift is found, sorted by path; a changed stub is none', () => {
    write(join(trees.solutions, 'src/added/new.ts'), 'new\n');
    write(join(trees.labs, 'src/main.ts'), 'main, edited in labs/ by mistake\n');
    chmodSync(join(trees.labs, 'src/tool.sh'), 0o644);
    write(join(trees.labs, 'src/old/gone.ts'), 'removed from solutions/\n');
    write(join(trees.solutions, 'src/new-lab.ts'), "a new lab's solution\n");
    write(join(trees.labs, 'src/lab.ts'), '// TODO: the stub, worked on\n');
    expect(scaffoldDrift(trees)).toEqual([
      { file: 'src/added/new.ts', kind: 'new' },
      { file: 'src/main.ts', kind: 'changed' },
      { file: 'src/new-lab.ts', kind: 'stub' },
      { file: 'src/old/gone.ts', kind: 'stale' },
      { file: 'src/tool.sh', kind: 'mode' },
    ]);
  });

  test('the update brings labs/ in step, leaves lab files alone, and a second run changes nothing', () => {
    write(join(trees.solutions, 'src/added/new.ts'), 'new\n', 0o600);
    write(join(trees.solutions, 'src/main.ts'), 'main, changed\n');
    chmodSync(join(trees.labs, 'src/tool.sh'), 0o644);
    write(join(trees.labs, 'src/old/gone.ts'), 'removed from solutions/\n');
    write(join(trees.solutions, 'src/new-lab.ts'), "a new lab's solution\n");
    const stub = snapshot(trees.labs)['src/lab.ts'];

    applyDrift(trees, scaffoldDrift(trees));

    const labs = snapshot(trees.labs);
    const solutions = snapshot(trees.solutions);
    expect(labs).toEqual({ ...solutions, 'src/lab.ts': stub });
    expect(labs['src/tool.sh']).toBe('755 #!/bin/sh\n');
    expect(labs['src/added/new.ts']).toBe('600 new\n');
    expect(labs['src/new-lab.ts'], 'a missing stub starts as its solution').toBe(solutions['src/new-lab.ts']);
    expect(existsSync(join(trees.labs, 'src/old')), 'the emptied directory is removed').toBe(false);

    expect(scaffoldDrift(trees)).toEqual([]);
    applyDrift(trees, scaffoldDrift(trees));
    expect(snapshot(trees.labs)).toEqual(labs);
  });

  test('a symlink in a tree is refused, not silently skipped', () => {
    symlinkSync('main.ts', join(trees.solutions, 'src/link.ts'));
    expect(() => scaffoldDrift(trees)).toThrow(/src\/link\.ts is not a regular file or a directory/);
  });
});

describe('node cli/dev/update.ts on a copy of the project', { timeout: 30_000 }, () => {
  const labFiles = allLabs().flatMap((lab) => lab.files);
  // A scaffolding file both runtimes import: anything not a lab file.
  const scaffolding = 'src/errors.ts';

  function update(...args: string[]) {
    const result = spawnSync(process.execPath, [join(projectRoot, 'cli/dev/update.ts'), '--root', dir, ...args], {
      encoding: 'utf8',
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  beforeEach(() => {
    for (const tree of ['labs', 'solutions']) cpSync(join(projectRoot, tree), join(dir, tree), { recursive: true });
  });

  test('the copy is in step; a changed scaffolding file fails the check, which names it and the command', () => {
    expect(labFiles).not.toContain(scaffolding);
    expect(update('--check')).toMatchObject({ code: 0, stderr: '' });

    const edited = `${readFileSync(join(dir, 'labs', scaffolding), 'utf8')}// edited in labs/\n`;
    writeFileSync(join(dir, 'labs', scaffolding), edited);
    expect(update('--check')).toEqual({
      code: 1,
      stdout:
        `labs/${scaffolding} differs from solutions/${scaffolding} but belongs to no lab (scaffolding must be identical)\n` +
        'dev-update --check: 1 file of labs/ out of step: run `npm run dev-update` (solutions/ is the source)\n',
      stderr: '',
    });
    expect(readFileSync(join(dir, 'labs', scaffolding), 'utf8'), '--check changes nothing').toBe(edited);
  });

  test('the update fixes it, leaves the stubs alone, and then has nothing to do', () => {
    const stubs = Object.fromEntries(labFiles.map((file) => [file, readFileSync(join(dir, 'labs', file), 'utf8')]));
    writeFileSync(join(dir, 'labs', scaffolding), 'edited in labs/\n');
    write(join(dir, 'labs/src/stale.ts'), 'no longer in solutions/\n');

    expect(update()).toEqual({
      code: 0,
      stdout: `updated labs/${scaffolding}\nremoved labs/src/stale.ts\ndev-update: 2 files of labs/ written from solutions/\n`,
      stderr: '',
    });
    expect(update('--check').code).toBe(0);
    for (const file of labFiles) expect(readFileSync(join(dir, 'labs', file), 'utf8'), file).toBe(stubs[file]);
    expect(update()).toEqual({ code: 0, stdout: 'dev-update: labs/ is up to date\n', stderr: '' });
  });

  test("README.md's table of chapters is derived too: the check names the command, the update writes it", () => {
    const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
    const stale = readme.replace(/^\| 1 \| (.*) \| ready: \d+ labs \|$/m, '| 1 | $1 | coming |');
    expect(stale).not.toBe(readme);
    writeFileSync(join(dir, 'README.md'), stale);
    expect(update('--check')).toEqual({
      code: 1,
      stdout:
        "dev-update --check: README.md's table of chapters out of step: run `npm run dev-update` (chapters/*/labs.yaml is the source)\n",
      stderr: '',
    });
    expect(readFileSync(join(dir, 'README.md'), 'utf8'), '--check changes nothing').toBe(stale);
    expect(update()).toEqual({
      code: 0,
      stdout: 'updated README.md (its table of chapters)\ndev-update: labs/ is up to date\n',
      stderr: '',
    });
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe(readme);
  });

  test('a bad option is one line and exit 2', () => {
    expect(update('--chek')).toEqual({
      code: 2,
      stdout: '',
      stderr: "dev-update: Unknown option '--chek'; usage: node cli/dev/update.ts [--check] [--root DIR]\n",
    });
  });
});
