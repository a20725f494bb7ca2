// Lab ch1-domainname (a trial): the container has a NIS domain name of its own, the lab host keeps its own.
import { expectOutput } from '../../harness/expect.ts';
import { describeLab } from '../../harness/suite.ts';

describeLab('ch1-domainname', (check) => {
  check('the domain name inside the container is mydocker.test', { hint: 1 }, async ({ mydocker }) => {
    expectOutput(await mydocker.run(['run', '--rm', 'host', 'cat', '/proc/sys/kernel/domainname']), 'mydocker.test\n');
  });

  check("the hostname is the container's, not the domain name", { hint: 2 }, async ({ mydocker }) => {
    expectOutput(await mydocker.run(['run', '--rm', '--hostname', 'box-1', 'host', 'hostname']), 'box-1\n');
  });
});
