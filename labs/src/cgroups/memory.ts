// Lab ch2-memory: the memory limit, in v1's files and in v2's.
import type { Resources } from './resources.ts';
import type { Setting } from './setting.ts';

/**
 * The memory settings for a container. docker's rules: without --memory-swap, memory plus swap is
 * twice the memory (as much swap again); --memory-swap -1 leaves swap unlimited.
 */
export function memorySettings(resources: Resources, version: 1 | 2): Setting[] {
  // TODO: with -m (resources.memory, in bytes):
  //   v1: memory.limit_in_bytes, then memory.memsw.limit_in_bytes (memory + swap)
  //   v2: memory.max, then memory.swap.max (swap alone: not memory + swap!)
  // Mark the swap setting `optional` when it is docker's default (no --memory-swap): v1 kernels
  // without swap accounting have no memsw files. Why must v1's memory limit be written before memsw?
  // (A new cgroup starts unlimited; what does the kernel say to memsw < memory?)
  void resources;
  void version;
  return [];
}
