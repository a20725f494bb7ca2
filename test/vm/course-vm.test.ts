// The course VM's set-up, without a VM: the one package list (vm/packages.txt) as provision.sh reads
// it, vm/cloud-init.yaml in step with it and valid by cloud-init's own schema check, the Vagrantfile's
// syntax (ruby -c) and its provisioning. (vm/rehearse-fresh-debian.sh runs all of it on a fresh
// Debian 12: slow, networked, not here.) Needs no root: `npm run check-all` runs it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  cloudInitActions,
  cloudInitFile,
  cloudInitSchema,
  cloudInitText,
  cloudInitTool,
  guestDir,
} from '../../vm/cloud-init.mjs';
import { projectRoot } from '../../vm/paths.mjs';

const vm = join(projectRoot, 'vm');
const read = (name: string) => readFileSync(join(vm, name), 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'course-vm-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** provision.sh --list with these facts instead of this machine's. */
function listFor(facts: string, ...options: string[]): string[] {
  return execFileSync('bash', [join(vm, 'provision.sh'), '--list', ...options], {
    encoding: 'utf8',
    env: { ...process.env, PROVISION_FACTS: facts },
  })
    .split('\n')
    .filter(Boolean);
}

describe('vm/packages.txt, as provision.sh reads it', () => {
  test('a package is listed only where each of its conditions holds', () => {
    const ubuntuArm = listFor('');
    expect(ubuntuArm).toEqual(expect.arrayContaining(['gcc', 'busybox-static', 'iptables', 'util-linux', 'attr']));
    expect(ubuntuArm).not.toEqual(expect.arrayContaining(['qemu-system-x86']));
    expect(ubuntuArm).not.toContain('npm');
    expect(ubuntuArm).not.toContain('clang-format');

    const ubuntuAmd64 = listFor('amd64 no-npm');
    expect(ubuntuAmd64).toEqual(expect.arrayContaining(['qemu-system-x86', 'xz-utils', 'npm']));
    expect(ubuntuAmd64).not.toContain('linux-image-amd64');

    expect(listFor('amd64 debian')).toContain('linux-image-amd64');
    // debian alone is not enough: the kernel package is amd64's.
    expect(listFor('debian')).not.toContain('linux-image-amd64');

    const contributors = listFor('', '--for-contributors');
    expect(contributors).toEqual(
      expect.arrayContaining(['clang-format', 'tmux', 'ruby', 'libxml2-utils', 'python3-jsonschema']),
    );
    expect(new Set(contributors).size).toBe(contributors.length);
  });

  test('every package of the list is a line of its own, comments and blank lines aside', () => {
    const named = read('packages.txt')
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim())
      .filter(Boolean)
      .map((line) => line.split(/\s+/)[0]);
    expect(listFor('amd64 debian no-npm', '--for-contributors')).toEqual(named);
  });

  test('an unknown condition or option stops it with one line', () => {
    const dir = join(scratch, 'bad-list');
    mkdirSync(dir);
    writeFileSync(join(dir, 'provision.sh'), read('provision.sh'));
    writeFileSync(join(dir, 'packages.txt'), 'gcc\nqemu-system-x86 amd46\n');
    const typo = spawnSync('bash', [join(dir, 'provision.sh'), '--list'], { encoding: 'utf8' });
    expect(typo.status).toBe(1);
    expect(typo.stderr).toBe(
      "provision: vm/packages.txt line 2: unknown condition 'amd46' (amd64, debian, no-npm or contributors)\n",
    );
    const option = spawnSync('bash', [join(vm, 'provision.sh'), '--list', '--for-learners'], { encoding: 'utf8' });
    expect(option.status).toBe(2);
    expect(option.stderr).toMatch(/^provision: unknown option '--for-learners'; usage: .*\n$/);
  });
});

describe('vm/cloud-init.yaml', () => {
  const text = readFileSync(cloudInitFile, 'utf8');

  test('is what `npm run dev-update` makes from provision.sh and packages.txt', () => {
    expect(text).toBe(cloudInitText({ provision: read('provision.sh'), packages: read('packages.txt') }));
  });

  test('carries the same two files, byte for byte, and runs that provision.sh', () => {
    const { files, commands } = cloudInitActions(text);
    expect(files).toEqual([
      { path: `${guestDir}/packages.txt`, content: read('packages.txt'), mode: 0o644 },
      { path: `${guestDir}/provision.sh`, content: read('provision.sh'), mode: 0o755 },
    ]);
    expect(commands).toEqual([`'bash' '${guestDir}/provision.sh'`]);
  });

  describe('cloud-init schema', () => {
    const tool = join(cloudInitTool, 'usr', 'bin', 'cloud-init');
    test('cloud-init is unpacked (`sudo bash vm/provision.sh --for-contributors`)', () => {
      expect(existsSync(tool), `${tool} is missing: run \`sudo bash vm/provision.sh --for-contributors\``).toBe(true);
    });

    test('accepts vm/cloud-init.yaml', () => {
      const result = cloudInitSchema(cloudInitFile);
      expect(result.output).toContain('Valid cloud-config');
      expect(result.status).toBe(0);
    });

    test('refuses a cloud-config that is wrong (so its yes means something)', () => {
      const bad = join(scratch, 'bad-cloud-init.yaml');
      writeFileSync(bad, text.replace("permissions: '0755'", 'permissions: [0755]'));
      const result = cloudInitSchema(bad);
      expect(result.status).not.toBe(0);
      expect(result.output).toMatch(/permissions/);
    });
  });
});

describe('vm/Vagrantfile', () => {
  const vagrantfile = read('Vagrantfile');

  test("ruby's syntax check passes", () => {
    const result = spawnSync('ruby', ['-c', join(vm, 'Vagrantfile')], { encoding: 'utf8' });
    expect(result.error, 'ruby is missing: run `sudo bash vm/provision.sh --for-contributors`').toBeUndefined();
    expect(result.stdout).toBe('Syntax OK\n');
    expect(result.status).toBe(0);
  });

  test("ruby's syntax check fails on a broken copy (so its yes means something)", () => {
    const broken = join(scratch, 'Vagrantfile');
    writeFileSync(broken, vagrantfile.replace(/\nend\s*$/, '\n'));
    const result = spawnSync('ruby', ['-c', broken], { encoding: 'utf8' });
    expect(result.status).not.toBe(0);
  });

  test('provisions with provision.sh, the one list, from the course folder it syncs', () => {
    expect(vagrantfile).toContain("config.vm.synced_folder '..', '/course'");
    expect(vagrantfile).toMatch(/config\.vm\.provision 'shell', inline: 'bash \/course\/vm\/provision\.sh'/);
  });
});
