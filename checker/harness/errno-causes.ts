// Plain-language causes for the errno names a failing step reports, in the situations of this course.
const CAUSES: Record<string, string> = {
  EPERM:
    'operation not permitted: the runtime is not root, the step needs a namespace the container does not have, or a capability it needs was dropped before it (chapter 7)',
  EACCES: 'permission denied: the file exists but is not executable (or a directory on the way cannot be searched)',
  ENOENT: 'no such file or directory: the path does not exist as the container sees it',
  ENOTDIR: 'a component of the path is not a directory',
  EINVAL:
    'invalid argument: for mount, often a propagation flag combined with other flags, or a target that is not a mount point; for pivot_root, a new root that is not a mount point or a shared `/`',
  EBUSY: 'device or resource busy: something is still mounted there or still uses it',
  ENOEXEC:
    'exec format error: the file is not a program this kernel can run (a script without #!, or another architecture)',
  ENOSYS:
    'function not implemented: this kernel does not have the system call (an op the shim does not know is refused before the start)',
  ENOSPC: 'no space left on device: for a v1 cpuset cgroup, cpuset.cpus or cpuset.mems is still empty',
  EEXIST: 'file exists: something is already there',
};

/** The errno names in a message, each with its cause, one per line. */
export function explainErrnos(message: string): string {
  const names = [...new Set(message.match(/\bE[A-Z0-9]{2,}\b/g) ?? [])].filter((name) => CAUSES[name]);
  return names.map((name) => `${name}: ${CAUSES[name]}`).join('\n');
}
