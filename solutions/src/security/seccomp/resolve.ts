// The container's seccomp filter: the default profile, none (unconfined, --privileged), or a profile
// file in docker's JSON format, resolved for the container's capabilities (rules.ts) and compiled to
// classic BPF (compile.ts, lab ch7-seccomp). A bad profile is refused here, before anything is made.
import { readFileSync } from 'node:fs';
import type { SecurityOptions } from '../options.ts';
import { compileFilter } from './compile.ts';
import { DEFAULT_PROFILE } from './default-profile.ts';
import { bad, checkProfile, parseProfile, type Profile } from './profile.ts';
import { resolveRules } from './rules.ts';

/** A compiled classic-BPF program: struct sock_filter[] as the kernel reads it (8 bytes each). */
export interface SeccompFilter {
  program: Uint8Array;
}

/**
 * The filter for a container whose bounding set holds `capabilities` (CAP_* names; undefined: every
 * capability, as the unhardened stub keeps them): docker matches a rule's includes.caps and
 * excludes.caps against the bounding set (moby's setupSeccomp). undefined: no filter.
 */
export function resolveSeccomp(
  options: SecurityOptions,
  capabilities: readonly string[] | undefined,
): SeccompFilter | undefined {
  if (options.privileged || options.seccomp.kind === 'unconfined') return undefined;
  // The system call table and the architecture check are x86_64's (syscalls-x86_64.ts). Elsewhere
  // (arm64) the default runs without a filter rather than refuse every container, and a profile
  // asked for by name is refused, since it cannot be honoured.
  if (process.arch !== 'x64') {
    if (options.seccomp.kind === 'default') return undefined;
    throw bad(profileName(options.seccomp), `filters are compiled for x86_64 only, not ${process.arch}`);
  }
  // The daemon compiles the same profile for container after container (0.6 ms each here): the
  // filter is a function of the profile's text and the capabilities (and of the kernel, which does
  // not change under a running process). A profile not read yet (no content) is read every time.
  const key =
    options.seccomp.kind === 'file' && options.seccomp.content === undefined
      ? undefined
      : JSON.stringify([options.seccomp, capabilities ?? null]);
  const known = key === undefined ? undefined : compiled.get(key);
  if (known) return known.filter;
  const filter = compileFilter(resolveRules(profileOf(options.seccomp), capabilities));
  // BPF_MAXINSNS: the kernel refuses a longer program (EINVAL); say so before anything is made.
  if (filter && filter.program.length / 8 > 4096)
    throw bad(
      profileName(options.seccomp),
      `it compiles to ${filter.program.length / 8} BPF instructions, more than the kernel's 4096`,
    );
  if (key !== undefined) {
    if (compiled.size >= COMPILED_KEPT) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, { filter });
  }
  return filter;
}

/** The filters compiled in this process, the oldest dropped first past COMPILED_KEPT. */
const compiled = new Map<string, { filter: SeccompFilter | undefined }>();
const COMPILED_KEPT = 32;

const profileName = (seccomp: SecurityOptions['seccomp']): string =>
  seccomp.kind === 'file' ? seccomp.path : 'default';

function profileOf(seccomp: SecurityOptions['seccomp']): Profile {
  if (seccomp.kind !== 'file') return checkProfile(DEFAULT_PROFILE, 'default');
  const profile = parseProfile(seccomp.content ?? readProfileFile(seccomp.path), seccomp.path);
  if (
    profile.architectures.length > 0 &&
    !profile.architectures.some((arch) => arch === 'SCMP_ARCH_X86_64' || arch === 'SCMP_ARCH_NATIVE')
  )
    throw bad(
      seccomp.path,
      `it names no architecture of this machine (SCMP_ARCH_X86_64): ${profile.architectures.join(', ')}`,
    );
  return profile;
}

/**
 * seccomp=FILE with the file's text read in: config.json keeps the profile itself, as docker keeps
 * it in the container's HostConfig, so that `start` and `exec` compile the same filter even after the
 * file changed or went. `run` calls it once, before it saves the container's config.
 */
export function withProfileContent(options: SecurityOptions): SecurityOptions {
  const { seccomp } = options;
  if (seccomp.kind !== 'file' || seccomp.content !== undefined) return options;
  return { ...options, seccomp: { ...seccomp, content: readProfileFile(seccomp.path) } };
}

function readProfileFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw bad(path, code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? (error as Error).message})`);
  }
}
