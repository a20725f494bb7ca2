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
  // TODO(ch7-privileges): the command runs with every privilege the set-up had. Three steps take
  // them away: kernel.setNoNewPrivileges() (when security.noNewPrivileges), the seccomp filter
  // (kernel.loadSeccompFilter(security.seccomp.program), when there is one) and the capabilities
  // (kernel.setCapabilities(security.capabilities), when there are some). In which order does the
  // kernel accept them? Read seccomp(2) on SECCOMP_SET_MODE_FILTER: what must the caller have?
  void kernel;
  void security;
}
