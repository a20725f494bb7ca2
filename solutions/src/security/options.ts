// The hardening flags of `mydocker run` (chapter 7), as given, checked for their shape only: which
// names and files they hold is each part's to check when the security is resolved (resolve.ts), so
// that one module knows one fact. Saved in config.json, so that `start` and `exec` resolve the same
// security again.
import { UsageError } from '../errors.ts';

export interface SecurityOptions {
  /** --cap-add, as given (CAP_NET_ADMIN, net_admin, ALL), in order. */
  capAdd: string[];
  /** --cap-drop, as given, in order. */
  capDrop: string[];
  /** --privileged: every capability, no seccomp filter, no masked paths, every device. */
  privileged: boolean;
  /** --security-opt seccomp=...: the default profile, none, or a profile file in docker's JSON format. */
  seccomp:
    | { kind: 'default' }
    | { kind: 'unconfined' }
    /** content: the profile's text, read by run and kept in config.json (seccomp/resolve.ts). */
    | { kind: 'file'; path: string; content?: string };
  /** --security-opt no-new-privileges[=true|false]; undefined when not given (the default applies). */
  noNewPrivileges?: boolean;
  /** --security-opt systempaths=unconfined: /proc and /sys without masked and read-only paths. */
  systemPathsUnconfined: boolean;
  /** --device HOST[:CONTAINER[:PERMISSIONS]], as given. */
  devices: string[];
  /** --cgroupns: private (the default: a cgroup namespace of its own) or host (docker's flag). */
  cgroupns?: 'private' | 'host';
  /** --userns: host (the default: no user namespace) or remap[:USER]. */
  userns: string;
}

export const DEFAULT_SECURITY: SecurityOptions = {
  capAdd: [],
  capDrop: [],
  privileged: false,
  seccomp: { kind: 'default' },
  systemPathsUnconfined: false,
  devices: [],
  userns: 'host',
};

export interface SecurityFlags {
  'cap-add'?: string[];
  'cap-drop'?: string[];
  privileged?: boolean;
  'security-opt'?: string[];
  device?: string[];
  cgroupns?: string;
  userns?: string;
}

/** The flags as parseArgs gave them, into SecurityOptions; a malformed --security-opt is a UsageError. */
export function parseSecurityOptions(flags: SecurityFlags): SecurityOptions {
  const options: SecurityOptions = {
    ...DEFAULT_SECURITY,
    capAdd: flags['cap-add'] ?? [],
    capDrop: flags['cap-drop'] ?? [],
    privileged: flags.privileged ?? false,
    devices: flags.device ?? [],
    ...(flags.cgroupns !== undefined && { cgroupns: parseCgroupns(flags.cgroupns) }),
    userns: flags.userns ?? DEFAULT_SECURITY.userns,
  };
  for (const opt of flags['security-opt'] ?? []) applySecurityOpt(options, opt);
  return options;
}

function parseCgroupns(mode: string): 'private' | 'host' {
  if (mode === 'private' || mode === 'host') return mode;
  throw new UsageError(`invalid --cgroupns "${mode}": it takes private or host (see 'mydocker run --help')`);
}

function applySecurityOpt(options: SecurityOptions, opt: string): void {
  // docker takes KEY=VALUE, and the older KEY:VALUE (see moby's parseSecurityOpts).
  const at = opt.search(/[=:]/);
  const key = at < 0 ? opt : opt.slice(0, at);
  const value = at < 0 ? undefined : opt.slice(at + 1);
  if (key === 'no-new-privileges') {
    if (value === undefined || value === 'true') options.noNewPrivileges = true;
    else if (value === 'false') options.noNewPrivileges = false;
    else throw badOpt(opt, 'no-new-privileges takes true or false');
  } else if (key === 'seccomp') {
    if (!value) throw badOpt(opt, "seccomp takes unconfined or the path of a profile (docker's JSON format)");
    options.seccomp = value === 'unconfined' ? { kind: 'unconfined' } : { kind: 'file', path: value };
  } else if (key === 'systempaths') {
    if (value !== 'unconfined') throw badOpt(opt, 'systempaths takes only unconfined');
    options.systemPathsUnconfined = true;
  } else {
    throw badOpt(
      opt,
      'the options are seccomp=unconfined|PATH, no-new-privileges[=true|false] and systempaths=unconfined',
    );
  }
}

function badOpt(opt: string, why: string): UsageError {
  return new UsageError(`invalid --security-opt "${opt}": ${why} (see 'mydocker run --help')`);
}
