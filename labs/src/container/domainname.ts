// Lab ch1-domainname (a trial of CONTRIBUTING's "Adding a lab": not a lesson).
import type { Kernel } from '../kernel/kernel.ts';

/** The NIS domain name every container gets. */
export const CONTAINER_DOMAINNAME = 'mydocker.test';

/** Sets the container's NIS domain name inside its UTS namespace; the host's stays as it was. */
export function setDomainname(kernel: Kernel): void {
  // TODO: one kernel call. Which namespace holds the domain name, and why does the host keep its own?
  void kernel;
}
