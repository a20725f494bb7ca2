// Lab ch7-privileges: the last steps before exec, in the order the kernel accepts: no_new_privs,
// the seccomp filter and the capabilities. Every step before them may need root's whole power
// (mount(2) needs CAP_SYS_ADMIN, sethostname(2) too); the command must not have it. So they come
// last, after every mount and before the exec (setUpContainer, container/setup.ts), and `mydocker
// exec` ends the same way (commands/exec.ts), so that an exec'd process is no stronger than PID 1.
import type { Kernel } from '../kernel/kernel.ts';
import type { SecurityOptions } from './options.ts';
import type { ContainerSecurity } from './resolve.ts';

/**
 * no_new_privs is ON by default here, where docker leaves it off: with it no execve in the
 * container can gain privileges (a setuid-root binary runs as its caller, file capabilities are not
 * given), which breaks images whose non-root users need `su`, `sudo` or `ping` with file caps; docker
 * keeps them working, we keep the door shut (README, "no_new_privs"). `--security-opt
 * no-new-privileges=false` opens it, and --privileged (which means "as the host") does too.
 */
export function resolveNoNewPrivileges(options: SecurityOptions): boolean {
  if (options.privileged) return options.noNewPrivileges === true;
  return options.noNewPrivileges ?? true;
}

/** Records the container's last steps before exec; the stub records none (the caller's privileges stay). */
export function dropPrivileges(kernel: Kernel, security: ContainerSecurity): void {
  // SOLUTION: no_new_privs first: it needs no privilege, and it is what lets an unprivileged process
  // load a seccomp filter at all. seccomp(2): SECCOMP_SET_MODE_FILTER needs CAP_SYS_ADMIN in the
  // caller's user namespace, or no_new_privs (EACCES otherwise), so that a filter cannot make a
  // setuid program fail in a way its author never expected. Hence two orders, as runc's
  // standard_init_linux.go has them:
  // - no_new_privs on: the capabilities first, the filter last, just before execve, so that as few
  //   of the shim's own syscalls as possible run under it (the profile need not allow them);
  // - no_new_privs off: the filter while CAP_SYS_ADMIN is still held, then the capabilities (the
  //   filter must allow capset and prctl then: docker's profile does).
  // The capabilities after every mount: without CAP_SYS_ADMIN, mount(2) fails with EPERM.
  const { capabilities, noNewPrivileges, seccomp } = security;
  if (noNewPrivileges) kernel.setNoNewPrivileges();
  if (seccomp && !noNewPrivileges) kernel.loadSeccompFilter(seccomp.program);
  if (capabilities) kernel.setCapabilities(capabilities);
  if (seccomp && noNewPrivileges) kernel.loadSeccompFilter(seccomp.program);
}
