// The runtime's default network (chapter 6) makes a bridge, and with it rules and ip_forward, in the
// network namespace it runs in. A test that runs the real runtime on this shared machine therefore runs
// it in a network namespace of its own: unshare(1) --net, which execs the command (same pid, so tests
// that signal or follow the run's process still can). Without root nothing could be made anyway, and
// unshare would fail: the command then runs as it is.

const isRoot = process.getuid?.() === 0;

/** `[file, args]` for execa/spawn: `command ARGS` in a new network namespace when root. */
export function inOwnNetns(command: string, args: readonly string[]): [string, string[]] {
  return isRoot ? ['unshare', ['--net', '--', command, ...args]] : [command, [...args]];
}

/** The same, as the words of a shell command line (script -c). */
export const OWN_NETNS_PREFIX = isRoot ? 'unshare --net -- ' : '';
