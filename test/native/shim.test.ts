// The native shim, driven directly over its protocol (no TypeScript runtime in between).
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildShim, buildDir } from '../../scripts/build.mjs';
import { encodeFrame, encodePlan, FrameReader, type ShimMessage } from '../../solutions/src/shim/protocol.ts';
import type { Step } from '../../solutions/src/kernel/plan.ts';
import { CLONE_NEWPID, CLONE_NEWUTS } from '../../solutions/src/kernel/constants.ts';

const SHIM = join(buildDir, 'mydocker-shim');
const isRoot = process.getuid?.() === 0;

interface Session {
  messages: ShimMessage[];
  stdout: string;
  stderr: string;
  exitCode: number | null;
  shimPid: number;
}

/** Runs the shim on a plan; `go` decides whether it gets GO after PID. `during` runs after GO. */
function runShim(cloneFlags: number, steps: Step[] | Buffer, options: { go?: boolean; during?: (pid: number, shimPid: number) => void } = {}): Promise<Session> {
  const child = spawn(SHIM, [], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  const control = child.stdio[3] as Socket;
  const reader = new FrameReader();
  const session: Session = { messages: [], stdout: '', stderr: '', exitCode: null, shimPid: child.pid ?? -1 };
  child.stdout?.on('data', (chunk: Buffer) => (session.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (session.stderr += chunk.toString()));
  control.on('error', () => undefined);
  control.on('data', (chunk: Buffer) => {
    for (const message of reader.push(chunk)) {
      session.messages.push(message);
      if (message.type === 'PID') {
        if (options.go === false) control.destroy();
        else {
          control.write(encodeFrame(['GO']));
          options.during?.(message.pid, session.shimPid);
        }
      }
    }
  });
  control.write(Buffer.isBuffer(steps) ? steps : encodePlan({ namespaces: [], cloneFlags, steps }));
  return new Promise((resolve) => child.on('close', (code) => resolve({ ...session, exitCode: code })));
}

const exec = (argv: string[], search = '/usr/bin:/bin', env = ['PATH=' + search]): Step => ({ op: 'exec', argv, env, search });

describe('mydocker-shim', () => {
  let dir = '';
  beforeAll(() => {
    buildShim();
    dir = mkdtempSync(join(tmpdir(), 'shim-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('runs the command with the stdio it was given and reports its exit code', async () => {
    const session = await runShim(0, [exec(['sh', '-c', 'echo out; echo err >&2; exit 7'])]);
    expect(session.messages.map((m) => m.type)).toEqual(['PID', 'STARTED', 'EXITED']);
    expect(session.messages.at(-1)).toEqual({ type: 'EXITED', code: 7 });
    expect(session.stdout).toBe('out\n');
    expect(session.stderr).toBe('err\n');
    expect(session.exitCode).toBe(0);
  });

  test('reports a command killed by a signal as SIGNALED', async () => {
    const session = await runShim(0, [exec(['sh', '-c', 'kill -TERM $$'])]);
    expect(session.messages.at(-1)).toEqual({ type: 'SIGNALED', signal: 15 });
  });

  test('a missing command fails the exec step with ENOENT, named by argv[0]', async () => {
    const session = await runShim(0, [exec(['no-such-program'])]);
    expect(session.messages[1]).toEqual({ type: 'FAILED', step: 0, op: 'exec', subject: 'no-such-program', errno: constants.errno.ENOENT });
  });

  test('searches the PATH of the new environment, skips non-executables, and reports EACCES when only those exist', async () => {
    const first = join(dir, 'first');
    const second = join(dir, 'second');
    mkdirSync(first);
    mkdirSync(second);
    writeFileSync(join(first, 'tool'), '#!/bin/sh\necho first\n');
    chmodSync(join(first, 'tool'), 0o644);
    writeFileSync(join(second, 'tool'), '#!/bin/sh\necho second\n');
    chmodSync(join(second, 'tool'), 0o755);
    const found = await runShim(0, [exec(['tool'], `/nonexistent:${first}:${second}`)]);
    expect(found.stdout).toBe('second\n');
    const denied = await runShim(0, [exec(['tool'], `/nonexistent:${first}`)]);
    expect(denied.messages[1]).toMatchObject({ type: 'FAILED', op: 'exec', errno: constants.errno.EACCES });
  });

  test('an op it does not know fails with ENOSYS instead of being skipped', async () => {
    const session = await runShim(0, encodeFrame(['PLAN', '0', 'frobnicate', '0', 'exec', '3', '/bin', '1', 'true']));
    expect(session.messages[1]).toEqual({ type: 'FAILED', step: 0, op: 'frobnicate', subject: '', errno: constants.errno.ENOSYS });
  });

  test('without GO it kills the held child and exits 125, leaving no process', async () => {
    let childPid = 0;
    const session = await runShim(0, [exec(['sleep', '30'])], { go: false });
    childPid = (session.messages[0] as { pid: number }).pid;
    expect(session.exitCode).toBe(125);
    expect(() => process.kill(childPid, 0)).toThrow();
  });

  test('passes SIGTERM on to the container', async () => {
    const session = await runShim(0, [exec(['sleep', '30'])], {
      during: (_pid, shimPid) => setTimeout(() => process.kill(shimPid, 'SIGTERM'), 100),
    });
    expect(session.messages.at(-1)).toEqual({ type: 'SIGNALED', signal: 15 });
  });

  test('a malformed plan is refused with one line and 125', async () => {
    const child = spawn(SHIM, [], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    (child.stdio[3] as Socket).end(encodeFrame(['NOT-A-PLAN']));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(125);
    expect(stderr).toBe('mydocker-shim: malformed plan from the runtime\n');
  });

  test.runIf(isRoot)('clones into new namespaces: PID 1 with its own hostname', async () => {
    const session = await runShim(CLONE_NEWPID | CLONE_NEWUTS, [
      { op: 'sethostname', name: 'shim-test' },
      exec(['sh', '-c', 'echo $$ $(hostname)']),
    ]);
    expect(session.stdout).toBe('1 shim-test\n');
  });
});
