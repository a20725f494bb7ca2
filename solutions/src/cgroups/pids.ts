// Lab ch2-pids: the most tasks (processes and threads) a container may have at once.
import type { Resources } from './resources.ts';
import type { Setting } from './setting.ts';

export function pidsSettings(resources: Resources, version: 1 | 2): Setting[] {
  // SOLUTION: the same file in v1 and v2. At the limit, fork() and clone() fail with EAGAIN, and the
  // kernel counts the refusals in pids.events ("max").
  void version;
  if (resources.pidsLimit === undefined) return [];
  return [{ controller: 'pids', file: 'pids.max', value: String(resources.pidsLimit) }];
}
