// Lab ch7-userns (H4 writes it): --userns remap and rootless, the id maps of a user namespace.
// PLACEHOLDER until then.
import type { SecurityOptions } from './options.ts';
import type { SecurityContext } from './resolve.ts';

export interface IdRange {
  /** The first id inside the container. */
  inside: number;
  /** The first id on the host it maps to. */
  outside: number;
  count: number;
}

export interface UserNamespace {
  uids: IdRange[];
  gids: IdRange[];
}

export function resolveUserNamespace(options: SecurityOptions, context: SecurityContext): UserNamespace | undefined {
  void options;
  void context;
  return undefined;
}
