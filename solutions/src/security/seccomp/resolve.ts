// The container's seccomp filter (H1 writes it): the default profile, unconfined, or a profile file
// in docker's JSON format, compiled by compile.ts (lab ch7-seccomp). PLACEHOLDER until then.
import type { SecurityOptions } from '../options.ts';

/** A compiled classic-BPF program: struct sock_filter[] as the kernel reads it (8 bytes each). */
export interface SeccompFilter {
  program: Uint8Array;
}

export function resolveSeccomp(options: SecurityOptions): SeccompFilter | undefined {
  void options;
  return undefined;
}
