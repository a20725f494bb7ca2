// Lab ch2-pids: the most tasks (processes and threads) a container may have at once.
import type { Resources } from './resources.ts';
import type { Setting } from './setting.ts';

export function pidsSettings(resources: Resources, version: 1 | 2): Setting[] {
  // TODO: with --pids-limit (resources.pidsLimit), one setting of the pids controller. What does a
  // fork() at the limit return, and where does the kernel count the refusals? (pids.events)
  void resources;
  void version;
  return [];
}
