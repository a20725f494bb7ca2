// A command of `mydocker exec` that waits, so that a check can look at its process from the host:
// its namespaces and root (chapter 5), its capabilities and no_new_privs (chapter 7).
import { readdirSync, readFileSync } from 'node:fs';
import { describeRun } from './expect.ts';
import type { HeldContainer, Mydocker, RunResult } from './mydocker.ts';
import { scaled } from './timing.ts';

/** The host's pids of the shell whose command line holds `token`. */
function processesWith(token: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
        return argv[0] === 'sh' && argv.includes(token); // not the shim, whose plan holds it too
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * `mydocker exec -i CONTAINER sh -c 'echo ready; read _' TOKEN`: a command that waits, found on the
 * host by the token in its argv, so the check can look at it from outside while it lives.
 */
export async function holdExec(
  mydocker: Mydocker,
  container: HeldContainer,
  options: string[] = [],
): Promise<{ pid: number; release: () => Promise<RunResult> }> {
  const token = `exec-probe-${process.pid}-${Date.now()}`;
  const args = ['exec', '-i', ...options, container.state.id, 'sh', '-c', 'echo ready; read _', token];
  const child = mydocker.start(args, 'pipe');
  const release = async (): Promise<RunResult> => {
    child.stdin?.end('\n');
    const result = await child;
    return {
      exitCode: result.exitCode,
      stdout: String(result.stdout),
      stderr: String(result.stderr),
      command: `mydocker ${args.join(' ')}`,
    };
  };
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), scaled(10_000));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    void child.then(() => resolve(false));
  });
  if (!ready) {
    const result = await release();
    throw new Error(`${describeRun(result)}\nthe exec'd command should print "ready" and wait`);
  }
  const pids = processesWith(token);
  if (pids.length !== 1) {
    await release();
    throw new Error(`expected one process of the exec'd command on the host, found ${pids.length}`);
  }
  return { pid: pids[0]!, release };
}
