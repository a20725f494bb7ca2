// Lab ch2-memory: the memory limit, in v1's files and in v2's.
import type { Resources } from './resources.ts';
import type { Setting } from './setting.ts';

/**
 * The memory settings for a container. docker's rules: without --memory-swap, memory plus swap is
 * twice the memory (as much swap again); --memory-swap -1 leaves swap unlimited.
 */
export function memorySettings(resources: Resources, version: 1 | 2): Setting[] {
  // SOLUTION: nothing to write without -m; a new cgroup starts unlimited.
  const memory = resources.memory;
  if (memory === undefined) return [];
  const total = resources.memorySwap ?? memory * 2;
  const optional = resources.memorySwap === undefined; // only the default may be dropped
  if (version === 1) {
    // v1 counts memory and memory+swap ("memsw") separately, and refuses a memsw limit below the
    // memory limit (EINVAL): so the memory limit is written first (a new cgroup starts unlimited).
    const settings: Setting[] = [{ controller: 'memory', file: 'memory.limit_in_bytes', value: String(memory) }];
    if (total !== -1)
      settings.push({ controller: 'memory', file: 'memory.memsw.limit_in_bytes', value: String(total), optional });
    return settings;
  }
  // v2 limits swap on its own: memory.swap.max is the swap alone, not memory plus swap.
  return [
    { controller: 'memory', file: 'memory.max', value: String(memory) },
    { controller: 'memory', file: 'memory.swap.max', value: total === -1 ? 'max' : String(total - memory), optional },
  ];
}
