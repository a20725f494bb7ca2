// The default profile, in docker's JSON format (profile.ts reads it as it reads a file): the intent
// of docker's default (moby's profiles/seccomp/default.json), written as this project's own list.
// Deny by default, with EPERM, and allow what ordinary programs use. What stays denied is what
// reaches kernel state that no namespace isolates, or that is the kernel's attack surface:
//   the keyring (keyctl, add_key, request_key: keys are not namespaced), loading kernels and modules
//   (kexec_load, kexec_file_load, init_module, finit_module, delete_module), the clock
//   (settimeofday, clock_settime), mounts and namespaces (mount, umount2, unshare, setns, the new
//   mount API), bpf, perf_event_open, userfaultfd, swapon/swapoff, reboot, open_by_handle_at (the
//   Shocker escape), ptrace, personality's odd modes, ...
// Some of these come back with the capability that a container would need for them anyway
// (`--cap-add SYS_ADMIN` allows mount, as in docker): the `includes.caps` rules below.

/** A rule of the profile: the names, their action and, optionally, when it applies. */
interface DefaultRule {
  names: string[];
  action: 'SCMP_ACT_ALLOW' | 'SCMP_ACT_ERRNO';
  errnoRet?: number;
  args?: Array<{ index: number; value: number; valueTwo?: number; op: string }>;
  includes?: { caps?: string[]; arches?: string[]; minKernel?: string };
  excludes?: { caps?: string[]; arches?: string[]; minKernel?: string };
}

const allow = (names: string[], more: Omit<DefaultRule, 'names' | 'action'> = {}): DefaultRule => ({
  names,
  action: 'SCMP_ACT_ALLOW',
  ...more,
});

const withCapability = (cap: string, names: string[]): DefaultRule => allow(names, { includes: { caps: [cap] } });

// The CLONE_NEW* flags (<linux/sched.h>): CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET.
const CLONE_NEW_NAMESPACES = 0x7e020000;

// The names are wrapped by hand, a group a paragraph.
// prettier-ignore
const RULES: DefaultRule[] = [
  // Files, directories and their attributes.
  allow([
    'access', 'chdir', 'chmod', 'chown', 'close', 'close_range', 'copy_file_range', 'creat', 'dup', 'dup2', 'dup3',
    'faccessat', 'faccessat2', 'fadvise64', 'fallocate', 'fchdir', 'fchmod', 'fchmodat', 'fchown', 'fchownat',
    'fcntl', 'fdatasync', 'fgetxattr', 'flistxattr', 'flock', 'fremovexattr', 'fsetxattr', 'fstat', 'fstatfs',
    'fsync', 'ftruncate', 'futimesat', 'getcwd', 'getdents', 'getdents64', 'getxattr', 'lchown', 'lgetxattr', 'link',
    'linkat', 'listxattr', 'llistxattr', 'lremovexattr', 'lseek', 'lsetxattr', 'lstat', 'mkdir', 'mkdirat', 'mknod',
    'mknodat', 'name_to_handle_at', 'newfstatat', 'open', 'openat', 'openat2', 'pread64', 'preadv', 'preadv2',
    'pwrite64', 'pwritev', 'pwritev2', 'read', 'readahead', 'readlink', 'readlinkat', 'readv', 'removexattr',
    'rename', 'renameat', 'renameat2', 'rmdir', 'sendfile', 'setxattr', 'splice', 'stat', 'statfs', 'statx',
    'symlink', 'symlinkat', 'sync', 'sync_file_range', 'syncfs', 'tee', 'truncate', 'umask', 'unlink', 'unlinkat',
    'utime', 'utimensat', 'utimes', 'vmsplice', 'write', 'writev', 'inotify_add_watch', 'inotify_init',
    'inotify_init1', 'inotify_rm_watch', 'fanotify_mark',
  ]),
  // Memory.
  allow([
    'brk', 'madvise', 'membarrier', 'memfd_create', 'memfd_secret', 'mincore', 'mlock', 'mlock2', 'mlockall', 'mmap',
    'mprotect', 'mremap', 'msync', 'munlock', 'munlockall', 'munmap', 'pkey_alloc', 'pkey_free', 'pkey_mprotect',
    'remap_file_pages',
  ]),
  // Processes, threads, signals, scheduling, limits, identity (within what the capabilities allow).
  allow([
    'arch_prctl', 'capget', 'capset', 'execve', 'execveat', 'exit', 'exit_group', 'fork', 'vfork', 'futex',
    'futex_waitv', 'get_robust_list', 'set_robust_list', 'get_thread_area', 'set_thread_area', 'set_tid_address',
    'getcpu', 'getegid', 'geteuid', 'getgid', 'getgroups', 'getpgid', 'getpgrp', 'getpid', 'getppid', 'getpriority',
    'getresgid', 'getresuid', 'getrlimit', 'getrusage', 'getsid', 'gettid', 'getuid', 'ioprio_get', 'ioprio_set',
    'kill', 'modify_ldt', 'pause', 'pidfd_open', 'pidfd_send_signal', 'prctl', 'prlimit64', 'process_mrelease',
    'restart_syscall', 'rseq', 'rt_sigaction', 'rt_sigpending', 'rt_sigprocmask', 'rt_sigqueueinfo', 'rt_sigreturn',
    'rt_sigsuspend', 'rt_sigtimedwait', 'rt_tgsigqueueinfo', 'sched_get_priority_max', 'sched_get_priority_min',
    'sched_getaffinity', 'sched_getattr', 'sched_getparam', 'sched_getscheduler', 'sched_rr_get_interval',
    'sched_setaffinity', 'sched_setattr', 'sched_setparam', 'sched_setscheduler', 'sched_yield', 'seccomp',
    'setfsgid', 'setfsuid', 'setgid', 'setgroups', 'setpgid', 'setpriority', 'setregid', 'setresgid', 'setresuid',
    'setreuid', 'setrlimit', 'setsid', 'setuid', 'sigaltstack', 'signalfd', 'signalfd4', 'tgkill', 'tkill', 'wait4',
    'waitid', 'landlock_add_rule', 'landlock_create_ruleset', 'landlock_restrict_self',
  ]),
  // Time: reading clocks and timers (setting the clock needs CAP_SYS_TIME, below). adjtimex and
  // clock_adjtime read the clock's state; a change through them needs CAP_SYS_TIME in the kernel.
  allow([
    'adjtimex', 'alarm', 'clock_adjtime', 'clock_getres', 'clock_gettime', 'clock_nanosleep', 'getitimer',
    'gettimeofday', 'nanosleep', 'setitimer', 'time', 'timer_create', 'timer_delete', 'timer_getoverrun',
    'timer_gettime', 'timer_settime', 'timerfd_create', 'timerfd_gettime', 'timerfd_settime', 'times',
  ]),
  // Waiting on many descriptors, asynchronous I/O, IPC.
  allow([
    'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_ctl_old', 'epoll_pwait', 'epoll_pwait2', 'epoll_wait',
    'epoll_wait_old', 'eventfd', 'eventfd2', 'poll', 'ppoll', 'pselect6', 'select', 'pipe', 'pipe2', 'io_cancel',
    'io_destroy', 'io_getevents', 'io_pgetevents', 'io_setup', 'io_submit', 'io_uring_enter', 'io_uring_register',
    'io_uring_setup', 'ioctl', 'mq_getsetattr', 'mq_notify', 'mq_open', 'mq_timedreceive', 'mq_timedsend',
    'mq_unlink', 'msgctl', 'msgget', 'msgrcv', 'msgsnd', 'semctl', 'semget', 'semop', 'semtimedop', 'shmat',
    'shmctl', 'shmdt', 'shmget',
  ]),
  // Sockets; socket(2) itself below, without AF_VSOCK.
  allow([
    'accept', 'accept4', 'bind', 'connect', 'getpeername', 'getsockname', 'getsockopt', 'listen', 'recvfrom',
    'recvmmsg', 'recvmsg', 'sendmmsg', 'sendmsg', 'sendto', 'setsockopt', 'shutdown', 'socketpair',
  ]),
  // The machine, read only.
  allow(['getrandom', 'sysinfo', 'uname']),
  // AF_VSOCK (40) talks to the hypervisor, which no network namespace isolates.
  allow(['socket'], { args: [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }] }),
  // personality(2): the ordinary Linux persona (0), PER_LINUX32 (8), UNAME26 (0x20000) and both, and
  // the query (0xffffffff); not ADDR_NO_RANDOMIZE and its kin, which weaken ASLR.
  ...[0, 8, 0x20000, 0x20008, 0xffffffff].map((persona) =>
    allow(['personality'], { args: [{ index: 0, value: persona, op: 'SCMP_CMP_EQ' }] }),
  ),
  // ptrace and reading another process's memory: from 4.8 on only (docker's minKernel), since a
  // tracer could change a system call after the filter had seen it before that kernel.
  allow(['ptrace', 'process_vm_readv', 'process_vm_writev'], { includes: { minKernel: '4.8' } }),
  // clone without CLONE_NEW* (threads, fork); with CAP_SYS_ADMIN every clone (below). clone3 hides
  // its flags in memory, which a filter cannot read: ENOSYS makes libc fall back to clone.
  allow(['clone'], {
    args: [{ index: 0, value: CLONE_NEW_NAMESPACES, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
    excludes: { caps: ['CAP_SYS_ADMIN'] },
  }),
  { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38, excludes: { caps: ['CAP_SYS_ADMIN'] } },
  // What a capability allows anyway: the call comes back with the capability it needs.
  withCapability('CAP_DAC_READ_SEARCH', ['open_by_handle_at']),
  withCapability('CAP_SYS_ADMIN', [
    'bpf', 'clone', 'clone3', 'fanotify_init', 'fsconfig', 'fsmount', 'fsopen', 'fspick', 'lookup_dcookie', 'mount',
    'mount_setattr', 'move_mount', 'open_tree', 'perf_event_open', 'quotactl', 'quotactl_fd', 'setdomainname',
    'sethostname', 'setns', 'syslog', 'umount2', 'unshare',
  ]),
  withCapability('CAP_SYS_BOOT', ['reboot']),
  withCapability('CAP_SYS_CHROOT', ['chroot']),
  withCapability('CAP_SYS_MODULE', ['init_module', 'finit_module', 'delete_module']),
  withCapability('CAP_SYS_PACCT', ['acct']),
  withCapability('CAP_SYS_PTRACE', ['kcmp', 'pidfd_getfd', 'process_madvise']),
  withCapability('CAP_SYS_RAWIO', ['iopl', 'ioperm']),
  withCapability('CAP_SYS_TIME', ['settimeofday', 'clock_settime']),
  withCapability('CAP_SYS_TTY_CONFIG', ['vhangup']),
  withCapability('CAP_SYS_NICE', ['get_mempolicy', 'mbind', 'set_mempolicy', 'set_mempolicy_home_node']),
  withCapability('CAP_SYSLOG', ['syslog']),
  withCapability('CAP_BPF', ['bpf']),
  withCapability('CAP_PERFMON', ['perf_event_open']),
];

/** The default profile as JSON would hold it (profile.ts's checkProfile reads it). */
export const DEFAULT_PROFILE = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 1,
  architectures: ['SCMP_ARCH_X86_64'],
  syscalls: RULES,
};
