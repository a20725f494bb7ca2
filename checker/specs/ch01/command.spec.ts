// Lab ch1-command: the command runs exactly as given, in docker's environment, and its exit status
// comes back docker's way.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRun, expectExitCode, expectOutput } from '../../harness/expect.ts';
import { FakeKernel } from '../../harness/fake-kernel.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';

type CommandModule = typeof import('../../../solutions/src/container/command.ts');

describeLab('ch1-command', (check) => {
  check('execCommand passes every argument on as one argv entry', { hint: 1 }, async () => {
    const { execCommand } = await importTarget<CommandModule>('container/command.ts');
    const kernel = new FakeKernel();
    const argv = ['sh', '-c', 'echo a   b', "it's", ''];
    execCommand(kernel, argv, ['PATH=/bin']);
    expect(kernel.execed, 'the argv handed to exec').toEqual(argv);
  });

  check("containerEnv gives docker's defaults, TERM only with -t, and applies -e in order", { hint: 3 }, async () => {
    const { containerEnv, DEFAULT_PATH } = await importTarget<CommandModule>('container/command.ts');
    expect(containerEnv({ hostname: 'box', tty: false, assignments: [] }), 'without -t or -e').toEqual([
      `PATH=${DEFAULT_PATH}`,
      'HOSTNAME=box',
      'HOME=/root',
    ]);
    process.env.MYDOCKER_CHECK_COPIED = 'from mydocker';
    try {
      const env = containerEnv({
        hostname: 'box',
        tty: true,
        assignments: ['HOME=/tmp', 'A=b=c', 'MYDOCKER_CHECK_COPIED', 'MYDOCKER_CHECK_UNSET'],
      });
      expect(env, 'with -t, -e HOME=/tmp -e A=b=c -e MYDOCKER_CHECK_COPIED -e MYDOCKER_CHECK_UNSET').toEqual([
        `PATH=${DEFAULT_PATH}`,
        'HOSTNAME=box',
        'HOME=/tmp',
        'TERM=xterm',
        'A=b=c',
        'MYDOCKER_CHECK_COPIED=from mydocker',
      ]);
    } finally {
      delete process.env.MYDOCKER_CHECK_COPIED;
    }
  });

  check("the command sees that environment and nothing else of mydocker's", { hint: 3 }, async ({ mydocker }) => {
    const result = await mydocker.run([
      'run',
      '--rm',
      '--hostname',
      'envbox',
      '-e',
      'GREETING=hello world',
      'host',
      'env',
    ]);
    expectExitCode(result, 0);
    const env = result.stdout.trim().split('\n').sort();
    expect(env, describeRun(result)).toEqual([
      'GREETING=hello world',
      'HOME=/root',
      'HOSTNAME=envbox',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    ]);
  });

  check('arguments keep their spaces and quotes', { hint: 1 }, async ({ mydocker }) => {
    const result = await mydocker.run(['run', '--rm', 'host', 'printf', '[%s]\\n', 'a   b', `it's "quoted"`, '']);
    expectOutput(result, `[a   b]\n[it's "quoted"]\n[]\n`);
  });

  check('stdout and stderr arrive separately', { hint: 1 }, async ({ mydocker }) => {
    const result = await mydocker.run(['run', '--rm', 'host', 'sh', '-c', 'echo to-stdout; echo to-stderr >&2']);
    expectExitCode(result, 0);
    expect(result.stdout, describeRun(result)).toBe('to-stdout\n');
    expect(result.stderr, describeRun(result)).toBe('to-stderr\n');
  });

  check(
    'a command that succeeds exits 0, one that fails passes its own code on (3)',
    { hint: 1 },
    async ({ mydocker }) => {
      expectExitCode(await mydocker.run(['run', '--rm', 'host', 'true']), 0);
      expectExitCode(await mydocker.run(['run', '--rm', 'host', 'sh', '-c', 'exit 3']), 3);
    },
  );

  check('a command that does not exist exits 127', { hint: 1 }, async ({ mydocker }) => {
    const result = await mydocker.run(['run', '--rm', 'host', 'no-such-command-anywhere']);
    expectExitCode(result, 127);
    expect(result.stderr, 'one clear line on stderr').toMatch(/no-such-command-anywhere.*not found/);
  });

  check('a file that is not executable exits 126', { hint: 1 }, async ({ mydocker }) => {
    const dir = mkdtempSync(join(tmpdir(), `mydocker-check-${process.pid}-noexec-`));
    try {
      const file = join(dir, 'not-a-program');
      writeFileSync(file, 'just text\n');
      chmodSync(file, 0o644);
      expectExitCode(await mydocker.run(['run', '--rm', 'host', file]), 126);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  check('a container killed with SIGKILL from the host exits 137 (128 + 9)', { hint: 2 }, async ({ mydocker }) => {
    const container = await mydocker.hold(['--rm']);
    expectExitCode(await container.kill('SIGKILL'), 137);
  });
});
