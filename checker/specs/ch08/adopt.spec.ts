// Lab ch8-adopt: a daemon started again after a kill -9 takes over the containers the store holds
// (docker's live-restore): the running ones go on, untouched; it removes the --rm ones that ended
// while no daemon ran, and the running --rm ones once they end; it keeps the others that ended.
import { expect } from 'vitest';
import { daemonOf } from '../../harness/daemon.ts';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import type { Mydocker } from '../../harness/mydocker.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';
import { scaled } from '../../harness/timing.ts';

type AdoptModule = typeof import('../../../solutions/src/daemon/adopt.ts');

async function until(what: string, condition: () => boolean, ms = scaled(15_000)): Promise<void> {
  for (const start = Date.now(); !condition(); await new Promise((resolve) => setTimeout(resolve, 50))) {
    if (Date.now() - start > ms) throw new Error(`${what} did not happen within ${ms / 1000} s`);
  }
}

const statusOf = (mydocker: Mydocker, id: string) => mydocker.states().find((state) => state.id === id)?.status;

describeLab('ch8-adopt', (check) => {
  check(
    'adoptionOf: keep what the daemon promised nothing, remove an ended --rm one, a running --rm one once it ends',
    { hint: 1 },
    async () => {
      const { adoptionOf } = await importTarget<AdoptModule>('daemon/adopt.ts');
      expect(adoptionOf({ id: 'a', status: 'running' }), 'a running container, no --rm').toBe('keep');
      expect(adoptionOf({ id: 'b', status: 'exited' }), 'an ended container, no --rm (docker keeps it)').toBe('keep');
      expect(adoptionOf({ id: 'c', status: 'exited', autoRemove: true }), 'an ended --rm container (hint 2)').toBe(
        'remove',
      );
      expect(
        adoptionOf({ id: 'd', status: 'running', autoRemove: true }),
        'a running --rm container: not before it ends (hint 2)',
      ).toBe('remove-when-ended');
    },
  );

  check(
    'kill -9 of the daemon: its containers run on; the next daemon keeps them, and keeps the promise of --rm',
    { hint: 2, timeout: 60_000 },
    async ({ host, mydocker }) => {
      const client = await daemonOf(host, mydocker);
      const start = async (args: string[]): Promise<string> => {
        const result = await client.docker(['run', '-d', '--network', 'none', ...args]);
        expectExitCode(result, 0);
        return result.stdout.trim();
      };
      const plain = await start(['busybox', 'sleep', '60']);
      const removable = await start(['--rm', 'busybox', 'sleep', '60']);
      const short = await start(['--rm', 'busybox', 'sleep', '1']);
      const ended = await start(['busybox', 'true']);
      try {
        await until('the end of `true`', () => statusOf(mydocker, ended) === 'exited');
        const pidOf = (id: string) => mydocker.states().find((s) => s.id === id)?.pid;
        const before = [pidOf(plain), pidOf(removable)];
        await client.killNow();
        // While no daemon runs, the --rm container's `sleep 1` ends: nobody is there to remove it.
        await until("the end of --rm's `sleep 1`", () => statusOf(mydocker, short) === 'exited');
        await client.restart();
        expect(
          [pidOf(plain), pidOf(removable)],
          'the running containers: the same processes as before the kill',
        ).toEqual(before);
        expect(statusOf(mydocker, plain), `after kill -9 and a new daemon (it said: ${client.output.trim()})`).toBe(
          'running',
        );
        expect(statusOf(mydocker, removable), 'the running --rm container: not removed before it ends').toBe('running');
        expect(statusOf(mydocker, ended), 'the ended container without --rm: kept, as docker keeps it').toBe('exited');
        expect(statusOf(mydocker, short), 'the --rm container that ended while no daemon ran: removed').toBeUndefined();
        const listed = await client.docker(['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.State}}']);
        expect(listed.stdout.split('\n').filter(Boolean).sort(), describeRun(listed)).toEqual(
          [`${plain} running`, `${removable} running`, `${ended} exited`].sort(),
        );
        expectExitCode(await client.docker(['stop', '-t', '0', removable]), 0);
        await until(
          'the removal of the --rm container the new daemon stopped',
          () => statusOf(mydocker, removable) === undefined,
        );
      } finally {
        await client.docker(['rm', '-f', plain, removable, short, ended]);
      }
      expect(mydocker.states(), 'containers left').toEqual([]);
    },
  );
});
