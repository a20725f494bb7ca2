import type { Controller } from './system.ts';

/** One value to write into one control file of the container's cgroup. */
export interface Setting {
  controller: Controller;
  /** The file's name, like memory.max; the driver puts it in the right directory. */
  file: string;
  value: string;
  /**
   * Leave it out when this kernel has no such file (memory.memsw.* exists only with swap accounting).
   * A setting the user asked for is never optional: then mydocker says the kernel cannot do it.
   */
  optional?: boolean;
}
