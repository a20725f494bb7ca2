// Lab ch1-hostname: the container has a hostname of its own, and the lab host keeps its name.
import { expect } from 'vitest';
import { expectOutput } from '../../harness/expect.ts';
import { LAB_HOSTNAME } from '../../harness/labhost.ts';
import { describeLab } from '../../harness/suite.ts';

describeLab('ch1-hostname', (check) => {
  check('--hostname sets the name inside the container', { hint: 1 }, async ({ mydocker }) => {
    expectOutput(await mydocker.run(['run', '--rm', '--hostname', 'box-1', 'host', 'hostname']), 'box-1\n');
  });

  check("the lab host's name stays as it was, during and after", { hint: 1 }, async ({ host, mydocker }) => {
    const container = await mydocker.hold(['--rm', '--hostname', 'box-2'], 'hostname');
    try {
      expect(await host.hostname(), 'the lab host hostname while the container runs').toBe(LAB_HOSTNAME);
    } finally {
      expectOutput(await container.release(), 'ready\nbox-2\n');
    }
    expect(await host.hostname(), 'the lab host hostname afterwards').toBe(LAB_HOSTNAME);
  });

  check(
    'without --hostname, the name is the first 12 characters of the container id',
    { hint: 2 },
    async ({ mydocker }) => {
      const container = await mydocker.hold([], 'hostname');
      const id = container.state.id;
      expectOutput(await container.release(), `ready\n${id.slice(0, 12)}\n`);
    },
  );
});
