// `--network MODE`: docker's four modes and its user networks, as config.json keeps them.
import { UsageError } from '../errors.ts';

/** What `--network` asked for, before anything is looked up. */
export type NetworkRequest =
  { mode: 'bridge'; network: string } | { mode: 'none' } | { mode: 'host' } | { mode: 'container'; container: string };

/** The default: docker's `bridge`, the default network (`default` is docker's other name for it). */
export const DEFAULT_NETWORK = 'bridge';

export function parseNetworkMode(value: string): NetworkRequest {
  if (value === 'none' || value === 'host') return { mode: value };
  if (value === 'bridge' || value === 'default') return { mode: 'bridge', network: DEFAULT_NETWORK };
  if (value.startsWith('container:')) {
    const container = value.slice('container:'.length);
    if (container === '') {
      throw new UsageError(
        `invalid argument "${value}" for "--network" flag: container:NAME needs a container's name or id`,
      );
    }
    return { mode: 'container', container };
  }
  if (value === '') throw new UsageError(`invalid argument "" for "--network" flag: a network's name is needed`);
  return { mode: 'bridge', network: value };
}
