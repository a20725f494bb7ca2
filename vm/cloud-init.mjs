// vm/cloud-init.yaml, Multipass's course VM, is made from the one provisioning: vm/provision.sh and
// vm/packages.txt. Multipass mounts the course (`multipass mount . mydocker-lab:/course`) only after
// cloud-init has run, so cloud-init cannot run /course/vm/provision.sh; the YAML carries a copy of
// both files (write_files) and runs that (runcmd). `npm run dev-update` writes it (cli/dev/update.ts),
// `npm run check-all` fails when it is out of step, test/vm/course-vm.test.ts checks it against
// cloud-init's own schema, and vm/rehearse-fresh-debian.sh runs its copy on a fresh Debian 12.
//
//   node vm/cloud-init.mjs --extract ROOT   writes the YAML's files under ROOT, prints its runcmd
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { projectRoot, vmSourceDir } from './paths.mjs';

export const cloudInitFile = join(vmSourceDir, 'cloud-init.yaml');
/** Where the VM keeps its copy of the provisioning. */
export const guestDir = '/opt/mydocker-lab';
/** cloud-init unpacked, not installed, by `provision.sh --for-contributors`. */
export const cloudInitTool = join(projectRoot, '.lab', 'tools', 'cloud-init');

const HEADER = `#cloud-config
# Multipass's course VM (README.md, docs/instructor.md):
#   multipass launch 24.04 --name mydocker-lab --cpus 2 --memory 4G --disk 10G --timeout 900 \\
#     --cloud-init vm/cloud-init.yaml
#   multipass mount . mydocker-lab:/course && multipass shell mydocker-lab
# then, as root (sudo -i) in /course, README's first command.
#
# Written by \`npm run dev-update\` from vm/provision.sh and vm/packages.txt, the one provisioning (CI,
# the Vagrantfile and README's first command run those files): edit them, not this. Multipass mounts
# the course only after cloud-init has run, so this carries a copy of both and runs it.
`;

/** @param {string} text @returns {string} a YAML literal block's lines, six spaces in (empty lines stay empty) */
function literal(text) {
  if (!text.endsWith('\n') || text.endsWith('\n\n'))
    throw new Error('a file carried in cloud-init.yaml must end with one newline');
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => (line === '' ? '' : `      ${line}`))
    .join('\n');
}

/**
 * The YAML for these two files' texts.
 * @param {{ provision: string, packages: string }} files
 * @returns {string}
 */
export function cloudInitText({ provision, packages }) {
  return `${HEADER}write_files:
  - path: ${guestDir}/packages.txt
    content: |
${literal(packages)}
  - path: ${guestDir}/provision.sh
    permissions: '0755'
    content: |
${literal(provision)}
runcmd:
  - [bash, ${guestDir}/provision.sh]
`;
}

/** @returns {string | undefined} vm/cloud-init.yaml's new text when it is out of step with its sources */
export function cloudInitUpdate() {
  const wanted = cloudInitText({
    provision: readFileSync(join(vmSourceDir, 'provision.sh'), 'utf8'),
    packages: readFileSync(join(vmSourceDir, 'packages.txt'), 'utf8'),
  });
  let current = '';
  try {
    current = readFileSync(cloudInitFile, 'utf8');
  } catch {
    // missing: written anew
  }
  return current === wanted ? undefined : wanted;
}

/**
 * The files and commands a cloud-config asks for, read the way cloud-init reads them (a YAML parse,
 * not the generator's own template).
 * @param {string} text
 * @returns {{ files: { path: string, content: string, mode: number }[], commands: string[] }}
 */
export function cloudInitActions(text) {
  /** @type {{ write_files?: { path: string, content?: string, permissions?: string }[], runcmd?: (string | string[])[] }} */
  const config = parse(text) ?? {};
  const files = (config.write_files ?? []).map((file) => ({
    path: file.path,
    content: file.content ?? '',
    mode: Number.parseInt(file.permissions ?? '0644', 8),
  }));
  // runcmd: a list is one command's argv (quoted here for sh), a string is a shell line (as cloud-init does).
  const quote = (/** @type {string} */ word) => `'${word.replaceAll("'", `'\\''`)}'`;
  const commands = (config.runcmd ?? []).map((command) =>
    Array.isArray(command) ? command.map(quote).join(' ') : command,
  );
  return { files, commands };
}

/**
 * Runs cloud-init's own schema check (`cloud-init schema --config-file`) with the unpacked copy.
 * Debian's /usr/bin/python3: the libraries it needs are Debian's python3-* packages, which another
 * python3 first on PATH (pyenv, a venv) does not see.
 * @param {string} file
 * @returns {{ status: number | null, output: string }}
 */
export function cloudInitSchema(file) {
  const result = spawnSync(
    '/usr/bin/python3',
    [join(cloudInitTool, 'usr', 'bin', 'cloud-init'), 'schema', '--config-file', file],
    {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin', PYTHONPATH: join(cloudInitTool, 'usr', 'lib', 'python3', 'dist-packages') },
    },
  );
  return {
    status: result.status,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`,
  };
}

/** @param {string[]} argv @returns {number} */
function main(argv) {
  const [option, root] = argv;
  if (option !== '--extract' || root === undefined || argv.length !== 2) {
    process.stderr.write('cloud-init: usage: node vm/cloud-init.mjs --extract ROOT\n');
    return 2;
  }
  const { files, commands } = cloudInitActions(readFileSync(cloudInitFile, 'utf8'));
  for (const file of files) {
    const target = join(root, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    chmodSync(target, file.mode);
  }
  for (const command of commands) process.stdout.write(`${command}\n`);
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
