// `mydocker daemon [-H unix://PATH]`: the runtime as a server of docker's Engine API (chapter 8), so
// that docker's own CLI, or any Engine API client, drives it: DOCKER_HOST=unix:///run/mydocker.sock
// docker run --rm busybox echo hi. The containers it starts outlive it (their shims have left its
// session and are not its children), and a daemon started again takes them over from the store.
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';
import { StateStore } from '../state/store.ts';
import { flagError } from './flags.ts';

export const DAEMON_USAGE = `Usage: mydocker daemon [OPTIONS]

Serve docker's Engine API on a unix socket (as root): docker's CLI and SDKs then drive this runtime

Options:
  -H, --host unix://PATH   The socket to listen on (default unix:///run/mydocker.sock)
`;

export async function daemon(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: { host: { type: 'string', short: 'H' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
    }));
  } catch (error) {
    throw flagError(error, 'daemon');
  }
  if (values.help) {
    process.stdout.write(DAEMON_USAGE);
    return 0;
  }
  const { DEFAULT_SOCKET, listen } = await import('../daemon/server.ts');
  const path = socketPath(values.host ?? `unix://${DEFAULT_SOCKET}`);
  if (process.getuid?.() !== 0)
    throw new UsageError(
      "mydocker daemon must run as root: its socket gives root's power to whoever may use it (run it with sudo)",
    );
  const { Engine } = await import('../daemon/engine.ts');
  const engine = new Engine(new StateStore());
  const adopted = engine.adopt();
  const warn = (line: string): void => void process.stderr.write(`${line}\n`);
  const created = await engine.restoreCreated(warn);
  const server = await listen(path, engine);
  const kept = created === 0 ? '' : `, ${created} created one${created === 1 ? '' : 's'} kept`;
  process.stderr.write(
    `mydocker daemon: listening on unix://${path} (Engine API 1.41); ${adopted.running} running container${adopted.running === 1 ? '' : 's'} taken over, ${adopted.removed} ended --rm one${adopted.removed === 1 ? '' : 's'} removed${kept}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      // The containers stay: only the socket goes (docker's live-restore).
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await engine.settled();
  const { stopSpares } = await import('../shim/spawn.ts');
  await stopSpares();
  process.stderr.write('mydocker daemon: stopped; the containers keep running\n');
  return 0;
}

/** -H as docker takes it: unix://PATH (tcp:// is refused: the API is root's, never on the network). */
export function socketPath(host: string): string {
  const match = /^unix:\/\/(\/.+)$/.exec(host);
  if (!match)
    throw new UsageError(
      `-H ${host}: mydocker's daemon listens on a unix socket only (unix:///PATH): a TCP socket would give root to the network`,
    );
  return match[1]!;
}
