// Lab ch1-domainname (a trial of CONTRIBUTING's "Adding a lab": not a lesson).
import type { Kernel } from '../kernel/kernel.ts';

/** The NIS domain name every container gets. */
export const CONTAINER_DOMAINNAME = 'mydocker.test';

/** Sets the container's NIS domain name inside its UTS namespace; the host's stays as it was. */
export function setDomainname(kernel: Kernel): void {
  // SOLUTION: setdomainname(2), like sethostname(2), changes the caller's UTS namespace only.
  kernel.setdomainname(CONTAINER_DOMAINNAME);
}
