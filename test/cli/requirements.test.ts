// One list of what the machine needs (scripts/requirements.mjs): the set-up stops on what is missing,
// vm/provision.sh installs all of it, and the README names all of it and starts with the provision.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { projectRoot } from '../../cli/paths.ts';
import { REQUIREMENTS, type Files } from '../../scripts/requirements.mjs';
import { setUp } from '../../scripts/setup.mjs';

const text = (file: string) => readFileSync(join(projectRoot, file), 'utf8');

/** A machine that has every required file, but for those of `without` packages. */
function machine(...without: string[]): Files {
  const paths = new Set<string>();
  for (const requirement of REQUIREMENTS) {
    if (without.includes(requirement.package)) continue;
    for (const command of requirement.commands ?? []) paths.add(`/usr/bin/${command}`);
    for (const file of requirement.files ?? []) paths.add(file);
    if (requirement.staticElf) paths.add(requirement.staticElf);
  }
  const staticElf = Buffer.alloc(64);
  staticElf.writeUInt32BE(0x7f454c46, 0);
  staticElf[4] = 2;
  staticElf[5] = 1;
  return {
    exists: (path) => paths.has(path),
    head: (path) => (paths.has(path) ? staticElf : undefined),
  };
}

describe('the set-up (npm install runs it)', () => {
  const run = async (files: Files, build = vi.fn(async () => {})) => {
    const lines: string[] = [];
    const code = await setUp({ os: 'linux', files, build, log: (l) => lines.push(l), error: (l) => lines.push(l) });
    return { code, lines, build };
  };

  test('stops, saying which packages are missing and the command that installs them, before building', async () => {
    const { code, lines, build } = await run(machine('busybox-static', 'attr'));
    expect(code).toBe(1);
    expect(build).not.toHaveBeenCalled();
    expect(lines).toEqual([
      'write-your-own-docker: set-up stopped: the packages busybox-static and attr are missing: run `sudo bash vm/provision.sh` (in a root shell: `bash vm/provision.sh`), then `npm install` again; `npx lab doctor` says what each is for',
    ]);
  });

  test('builds when nothing is missing', async () => {
    const { code, lines, build } = await run(machine());
    expect(build).toHaveBeenCalledOnce();
    expect(code).toBe(0);
    expect(lines).toEqual([expect.stringContaining('Next: npx lab next')]);
  });

  test('a failed build stops the install too, with one line', async () => {
    const { code, lines } = await run(
      machine(),
      vi.fn(async () => {
        throw new Error('make: *** [Makefile:9] Error 1');
      }),
    );
    expect(code).toBe(1);
    expect(lines).toEqual([
      expect.stringMatching(/^write-your-own-docker: set-up stopped: the build failed \(make: .*\)/),
    ]);
  });
});

describe('the one list against the provision script and the README', () => {
  test('vm/provision.sh installs every package on the list, on every machine', () => {
    // PROVISION_FACTS empty: a machine none of vm/packages.txt's conditions holds for (not amd64, not
    // Debian, with npm): what it installs there, it installs everywhere.
    const provisioned = execFileSync('bash', [join(projectRoot, 'vm', 'provision.sh'), '--list'], {
      encoding: 'utf8',
      env: { ...process.env, PROVISION_FACTS: '' },
    }).split('\n');
    expect(REQUIREMENTS.map((r) => r.package).filter((name) => !provisioned.includes(name))).toEqual([]);
  });

  test("the README's requirements name exactly the packages on the list", () => {
    const readme = text('README.md');
    const section = readme.slice(
      readme.indexOf('## Requirements'),
      readme.indexOf('\n## ', readme.indexOf('## Requirements') + 1),
    );
    const bullet = section.split('\n- ').find((item) => item.includes('vm/provision.sh'))!;
    const named = [...bullet.slice(0, bullet.indexOf('vm/provision.sh')).matchAll(/`([a-z0-9.+-]+)`/g)].map(
      (m) => m[1],
    );
    expect(named.sort()).toEqual(REQUIREMENTS.map((r) => r.package).sort());
  });

  test("the README's first command provisions, installs, and reaches lab next", () => {
    const first = /```sh\n([^\n]*)/.exec(text('README.md').slice(text('README.md').indexOf('## Requirements')))![1]!;
    expect(first).toMatch(/^bash vm\/provision\.sh && npm install && eval "\$\(npx lab env\)" && lab next\b/);
  });
});
