// `mydocker -H unix://PATH` (and DOCKER_HOST): the CLI as a client of the daemon, against a real one
// (root): run with its streams apart and its exit code, -i, -d with ps, logs, stop and rm, a pull's
// refusal, the exit codes docker's CLI gives, and a command the API does not have.
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt, projectRoot } from '../../scripts/build.mjs';
import { TestDaemon } from '../support/test-daemon.ts';

const isRoot = process.getuid?.() === 0;
const daemon = new TestDaemon('client');

function mydocker(args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
  return execa(process.execPath, [join(projectRoot, 'bin', 'mydocker.cjs'), ...args], {
    reject: false,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
    env: { MYDOCKER_SOURCE: 'solutions', DOCKER_HOST: '', ...options.env },
    timeout: 30_000,
  });
}

const remote = (args: string[], input?: string) =>
  mydocker(['-H', `unix://${daemon.socket}`, ...args], input === undefined ? {} : { input });

describe.runIf(isRoot)('mydocker -H, a client of mydocker daemon (root)', () => {
  beforeAll(async () => {
    await ensureBuilt('solutions');
    await daemon.start();
  }, 60_000);

  afterAll(async () => {
    await daemon.destroy();
  }, 60_000);

  test('run: stdout and stderr apart, the exit code, --rm; -i passes the input', async () => {
    const run = await remote([
      'run',
      '--rm',
      '--network',
      'none',
      'busybox',
      'sh',
      '-c',
      'echo out; echo err >&2; exit 3',
    ]);
    expect([run.stdout, run.stderr, run.exitCode]).toEqual(['out', 'err', 3]);
    const piped = await remote(['run', '-i', '--rm', '--network', 'none', 'busybox', 'tr', 'a-z', 'A-Z'], 'typed\n');
    expect([piped.stdout, piped.exitCode]).toEqual(['TYPED', 0]);
    const listed = await remote(['ps', '-a', '-q']);
    expect(listed.stdout).toBe('');
  });

  test('-d, then ps, logs, stop and rm through the daemon; DOCKER_HOST does the same as -H', async () => {
    const started = await remote([
      'run',
      '-d',
      '--name',
      'remote',
      '--network',
      'none',
      'busybox',
      'sh',
      '-c',
      'echo hi; exec sleep 30',
    ]);
    expect(started.exitCode, started.stderr).toBe(0);
    expect(started.stdout).toMatch(/^[0-9a-f]{64}$/);
    const ps = await mydocker(['ps'], { env: { DOCKER_HOST: `unix://${daemon.socket}` } });
    expect(ps.stdout).toMatch(/\n[0-9a-f]{12} +busybox:latest +"sh -c echo hi; exec…" .* Up .* remote$/);
    await expect.poll(async () => (await remote(['logs', 'remote'])).stdout).toBe('hi');
    expect((await remote(['stop', '-t', '0', 'remote'])).stdout).toBe('remote');
    expect((await remote(['rm', 'remote'])).stdout).toBe('remote');
    expect((await remote(['ps', '-a', '-q'])).stdout).toBe('');
  });

  test("docker's exit codes: 127 for a command not found, 1 for an unknown container, 125 for what the API lacks", async () => {
    const missing = await remote(['run', '--rm', '--network', 'none', 'busybox', 'nosuchcmd']);
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toBe(
      'mydocker: Error response from daemon: exec: "nosuchcmd": executable file not found in $PATH',
    );
    const rm = await remote(['rm', 'nosuch']);
    expect([rm.exitCode, rm.stderr]).toEqual([1, 'mydocker: Error response from daemon: No such container: nosuch']);
    const top = await remote(['top', 'x']);
    expect(top.exitCode).toBe(125);
    expect(top.stderr).toMatch(/^mydocker: 'top' is not available through a daemon/);
    const gone = await mydocker(['-H', 'unix:///nonexistent/mydocker.sock', 'ps']);
    expect([gone.exitCode, gone.stderr]).toEqual([
      125,
      'mydocker: Cannot connect to the daemon at unix:///nonexistent/mydocker.sock: is `mydocker daemon` running?',
    ]);
  });
});
