// Lab ch7-privileges (H2 writes it): the last steps before exec, in the order the kernel accepts:
// no_new_privs, the seccomp filter, the capabilities. PLACEHOLDER until then.
import type { Kernel } from '../kernel/kernel.ts';
import type { SecurityOptions } from './options.ts';
import type { ContainerSecurity } from './resolve.ts';

export function resolveNoNewPrivileges(options: SecurityOptions): boolean {
  void options;
  return false;
}

/** Records the container's last steps before exec; the stub records none (the caller's privileges stay). */
export function dropPrivileges(kernel: Kernel, security: ContainerSecurity): void {
  void kernel;
  void security;
  if (security.seccomp) kernel.loadSeccompFilter(security.seccomp.program); // H1's, for testing: H2 orders it
}
