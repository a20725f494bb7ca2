// Flag values from the kernel's uapi headers (<linux/sched.h>, <linux/mount.h>). They are the same on
// every architecture Linux supports, so they can be written down here instead of read from C.

/** clone(2) flags that put the child into a new namespace of each kind. */
export const CLONE_NEWNS = 0x00020000;
export const CLONE_NEWCGROUP = 0x02000000;
export const CLONE_NEWUTS = 0x04000000;
export const CLONE_NEWIPC = 0x08000000;
export const CLONE_NEWUSER = 0x10000000;
export const CLONE_NEWPID = 0x20000000;
export const CLONE_NEWNET = 0x40000000;

const CLONE_FLAG_NAMES: ReadonlyArray<[number, string]> = [
  [CLONE_NEWNS, 'CLONE_NEWNS'],
  [CLONE_NEWCGROUP, 'CLONE_NEWCGROUP'],
  [CLONE_NEWUTS, 'CLONE_NEWUTS'],
  [CLONE_NEWIPC, 'CLONE_NEWIPC'],
  [CLONE_NEWUSER, 'CLONE_NEWUSER'],
  [CLONE_NEWPID, 'CLONE_NEWPID'],
  [CLONE_NEWNET, 'CLONE_NEWNET'],
];

/** `CLONE_NEWNET` for 0x40000000: one namespace's flag, as setns(2)'s nstype is shown to people. */
export function cloneFlagName(flag: number): string {
  return CLONE_FLAG_NAMES.find(([bit]) => bit === flag)?.[1] ?? `0x${flag.toString(16)}`;
}

/** mount(2) flags. */
export const MS_RDONLY = 0x1;
export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;
export const MS_NOEXEC = 0x8;
export const MS_REMOUNT = 0x20;
export const MS_BIND = 0x1000;
export const MS_REC = 0x4000;
export const MS_PRIVATE = 0x40000;
export const MS_SLAVE = 0x80000;
export const MS_SHARED = 0x100000;
export const MS_STRICTATIME = 0x1000000;

/** umount2(2) flags. */
export const MNT_DETACH = 0x2;

/** File types in a mode (<sys/stat.h>), for mknod(2). */
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFREG = 0o100000;
export const S_IFMT = 0o170000;

const MOUNT_FLAG_NAMES: ReadonlyArray<[number, string]> = [
  [MS_RDONLY, 'MS_RDONLY'],
  [MS_NOSUID, 'MS_NOSUID'],
  [MS_NODEV, 'MS_NODEV'],
  [MS_NOEXEC, 'MS_NOEXEC'],
  [MS_REMOUNT, 'MS_REMOUNT'],
  [MS_BIND, 'MS_BIND'],
  [MS_REC, 'MS_REC'],
  [MS_PRIVATE, 'MS_PRIVATE'],
  [MS_SLAVE, 'MS_SLAVE'],
  [MS_SHARED, 'MS_SHARED'],
  [MS_STRICTATIME, 'MS_STRICTATIME'],
];

/** `MS_REC|MS_PRIVATE` for 0x44000: how the plan is shown to people. */
export function mountFlagNames(flags: number): string {
  const names = MOUNT_FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name);
  const known = MOUNT_FLAG_NAMES.reduce((all, [bit]) => all | bit, 0);
  const unknown = flags & ~known;
  if (unknown) names.push(`0x${unknown.toString(16)}`);
  return names.length ? names.join('|') : '0';
}
