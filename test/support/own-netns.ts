// A network namespace of the caller's own, for the project's tests and benches that run the real
// runtime on this machine. From chapter 6 on, `mydocker run` makes a bridge, turns on ip_forward and
// adds iptables rules in the network namespace it runs in: run there, the runtime changes only this
// namespace, never the host's, whatever mode a test forgets to pass. One namespace serves all the
// commands of a test file (a `run -d` and its `rm` must see the same rules).
//
// The namespace is held by an anchor, `unshare --net` running a shell that exits once its owner is
// gone (or at release()): a namespace lives while a process is in it (network_namespaces(7)), so
// nothing is left after the tests, even if they are killed.
import { spawn, spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';

interface Anchor {
  pid: number;
  /** `net:[4026532...]`: the namespace's identity, checked before every use (a pid can be reused). */
  netns: string;
}

let anchor: Anchor | undefined;

function netnsOf(pid: number | 'self'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return undefined;
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function create(): Anchor {
  const owner = process.pid;
  // The shell polls for its owner: a test worker killed with SIGKILL never runs its clean-up.
  const child = spawn('unshare', ['--net', '--', 'sh', '-c', `while kill -0 ${owner} 2>/dev/null; do sleep 1; done`], {
    stdio: 'ignore',
    detached: true,
  });
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start unshare --net (util-linux): no network namespace of our own');
  // Until unshare(2) has run, /proc/<pid>/ns/net is still the host's: never hand that one out.
  const host = netnsOf('self');
  for (let waited = 0; waited < 5000; waited += 5) {
    const netns = netnsOf(pid);
    if (netns === undefined) break; // it exited: unshare failed
    if (netns !== host) {
      const lo = spawnSync('nsenter', ['-n', '-t', String(pid), 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'ignore' });
      if (lo.status !== 0) break;
      return { pid, netns };
    }
    sleepMs(5);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
  throw new Error('could not make a network namespace of our own (unshare --net needs root)');
}

/** This process's own network namespace's anchor, made on first use. */
export function ownNetns(): Anchor {
  if (anchor === undefined || netnsOf(anchor.pid) !== anchor.netns) anchor = create();
  return anchor;
}

/** `command` run in our own network namespace: `nsenter -n` execs it, so its pid is the command's. */
export function inOwnNetns(command: readonly string[]): [string, ...string[]] {
  // Without root the runtime cannot touch any network namespace's devices or rules, and unshare
  // --net would fail: the command runs as it is (its bad input is all such a test sees).
  if (process.getuid?.() !== 0) return [command[0]!, ...command.slice(1)];
  const { pid } = ownNetns();
  return ['nsenter', '-n', '-t', String(pid), '--', ...command];
}

/** Ends the anchor (the namespace goes once the last process in it has ended). */
export function releaseOwnNetns(): void {
  if (anchor === undefined) return;
  try {
    if (netnsOf(anchor.pid) === anchor.netns) process.kill(anchor.pid, 'SIGKILL');
  } catch {
    // gone already
  }
  anchor = undefined;
}
