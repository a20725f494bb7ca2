// The workbook's one manifest: every chapter, every lab, the files a lab edits, the checks that
// prove it, and its staged hints. `lab` reads only this; the dev check (cli/dev/check.ts) proves it
// true: each lab fails on its stub and passes on its solution, has two hints or more, and every
// file that differs between labs/ and solutions/ belongs to a lab. Every other file of labs/ is
// generated from solutions/ by `npm run dev-update` (cli/dev/update.ts), which leaves lab files alone.

export interface Lab {
  /** Stable id: used on the command line (`lab check ch1-proc`) and in the progress file. */
  id: string;
  title: string;
  /** What to do, in one paragraph of Markdown. */
  task: string;
  /**
   * Files to edit, relative to labs/ (the same path exists under solutions/): the stubs, which
   * `npm run dev-update` never overwrites (it writes every other file of labs/ from solutions/).
   */
  files: string[];
  /** The functions in those files that hold TODOs. */
  functions: string[];
  /** The checker spec that proves the lab, relative to the project root. */
  spec: string;
  /** Staged hints, from a nudge to nearly the answer; `lab hint` reveals one at a time. */
  hints: string[];
  /**
   * The classic mistakes the lab's checks must catch, as edits of the solution: the dev check copies
   * solutions/, replaces `find` (which must occur exactly once in `file`, so that a change of the
   * solution shows) with `replace`, runs the lab's spec on that tree and proves a check fails.
   */
  mistakes: Mistake[];
}

/** One classic mistake: the solution with one edit (see Lab.mistakes). */
export interface Mistake {
  /** What the learner got wrong, in a few words: "no MS_REC". */
  name: string;
  /** The file to edit, relative to solutions/ (usually one of the lab's files). */
  file: string;
  find: string;
  replace: string;
}

export interface Chapter {
  number: number;
  title: string;
  /** 'ready' chapters have text and labs; 'coming' ones are listed so the course's shape is visible. */
  status: 'ready' | 'coming';
  /** The chapter's text, relative to the project root. */
  text?: string;
  /** What the book (《自己动手写Docker》) covers in the matching place. */
  book: string;
  labs: Lab[];
}

export const chapters: Chapter[] = [
  {
    number: 0,
    title: 'Set-up: how this workbook works',
    status: 'ready',
    text: 'chapters/00-setup/README.md',
    book: 'chapter 1',
    labs: [],
  },
  {
    number: 1,
    title: 'Namespaces: a process that sees its own world',
    status: 'ready',
    text: 'chapters/01-namespaces/README.md',
    book: 'chapters 2.1 and 3.1',
    labs: [
      {
        id: 'ch1-command',
        title: 'Run the command as given, in its own environment',
        task:
          'Make `execCommand` hand the command to the kernel word for word, and `containerEnv` build the ' +
          "environment docker gives a container: PATH, HOSTNAME, HOME, TERM with -t, then each `-e`. The " +
          "shim passes the command's exit status on the way docker does (its own code, 128+n for signal " +
          'n, 127 when there is no such command, 126 when it cannot be run).',
        files: ['src/container/command.ts'],
        functions: ['execCommand', 'containerEnv'],
        spec: 'checker/specs/ch01/command.spec.ts',
        hints: [
          'Run `mydocker run host sh -c "echo a   b"`, then the same `sh -c` on the host, and compare. ' +
            'By the time mydocker runs, your shell has split the line into words and removed the quotes: ' +
            'what shape is `command` already in, and what shape does execve(2) take?',
          'The exit codes come from the shim (native/shim.c, the end of main), but only if the command ' +
            'it runs is the one you meant: split into words again, `sh -c \'exit 3\'` runs `exit` alone ' +
            'and exits 0, and a check that holds its container with `sh -c ...` never sees it start.',
          '`execCommand` needs no string handling at all: pass `command` to `kernel.exec` unchanged, ' +
            'with `env`. For `containerEnv`, a `Map` from name to value keeps each name once, in ' +
            'first-seen order, with its last value: start it with PATH, HOSTNAME and HOME, add TERM when ' +
            '`tty`, then apply each assignment (`indexOf(\'=\')` < 0 means copy `process.env[name]`, if ' +
            'set). Return `NAME=value` strings.',
        ],
        mistakes: [
          { name: 'the command split into words again', file: 'src/container/command.ts', find: 'kernel.exec(command, env);', replace: 'kernel.exec(command.join(\' \').split(\' \'), env);' },
          { name: 'TERM set without -t', file: 'src/container/command.ts', find: 'if (tty) env.set(\'TERM\', \'xterm\');', replace: 'env.set(\'TERM\', \'xterm\');' },
          { name: 'a later -e does not override an earlier value', file: 'src/container/command.ts', find: 'env.set(assignment.slice(0, equals), assignment.slice(equals + 1));', replace: 'if (!env.has(assignment.slice(0, equals))) env.set(assignment.slice(0, equals), assignment.slice(equals + 1));' },
          { name: 'the caller\'s environment passed on', file: 'src/container/command.ts', find: 'return [...env].map(', replace: 'return [...Object.entries(process.env), ...env].map(' },
        ],
      },
      {
        id: 'ch1-namespaces',
        title: 'Clone the container into new namespaces',
        task:
          'Make `containerNamespaces` list the five namespaces a container gets (uts, pid, mnt, ipc, ' +
          'net) and `cloneFlags` turn such a list into the flags for clone(2).',
        files: ['src/container/namespaces.ts'],
        functions: ['containerNamespaces', 'cloneFlags'],
        spec: 'checker/specs/ch01/namespaces.spec.ts',
        hints: [
          '`ls -l /proc/self/ns` lists the namespace names the kernel knows. Which five isolate the ' +
            'hostname, the process ids, the mounts, System V IPC and the network? (The chapter says why ' +
            '`user` and `cgroup` wait.)',
          'Print each CLONE_NEW* constant in hex: each is a single bit. Which operator combines bits so ' +
            'that a namespace listed twice still gives the same flags? With `+`, two equal bits carry ' +
            'into the next one, which is another flag altogether.',
          'Return `[\'uts\', \'pid\', \'mnt\', \'ipc\', \'net\']`, and OR the bits: ' +
            '`namespaces.reduce((flags, ns) => flags | CLONE_FLAG[ns], 0)`. Then `mydocker run --explain ' +
            'host true` shows the clone flags, and `mydocker run host sh -c "echo $$"` prints 1.',
        ],
        mistakes: [
          { name: 'no net namespace', file: 'src/container/namespaces.ts', find: 'return [\'uts\', \'pid\', \'mnt\', \'ipc\', \'net\'];', replace: 'return [\'uts\', \'pid\', \'mnt\', \'ipc\'];' },
          { name: 'no pid namespace', file: 'src/container/namespaces.ts', find: 'return [\'uts\', \'pid\', \'mnt\', \'ipc\', \'net\'];', replace: 'return [\'uts\', \'mnt\', \'ipc\', \'net\'];' },
          { name: 'flags combined with || instead of |', file: 'src/container/namespaces.ts', find: 'flags | CLONE_FLAG[ns]', replace: 'flags || CLONE_FLAG[ns]' },
        ],
      },
      {
        id: 'ch1-private-mounts',
        title: "Keep the container's mounts away from the host",
        task:
          'Make `makeMountsPrivate` change the propagation of `/` and of every mount below it to ' +
          'private, so that nothing the container mounts later reaches the host.',
        files: ['src/container/mounts.ts'],
        functions: ['makeMountsPrivate'],
        spec: 'checker/specs/ch01/private-mounts.spec.ts',
        hints: [
          'Look at `/proc/self/mountinfo` on the host: `shared:N` on a line means mounts and unmounts ' +
            'there are copied to every peer in group N, the new namespace\'s copies included. What must ' +
            'change, and for which mounts?',
          'A propagation change is a mount(2) call of its own (mount(2), "Changing the propagation type ' +
            'of an existing mount"): it takes no source, no filesystem type and no data, only the new ' +
            'type\'s flag, and mixing in other flags is EINVAL. On its own it changes one mount: one more ' +
            'flag makes it reach every mount below the target.',
          '`kernel.mount(\'\', \'/\', \'\', MS_REC | MS_PRIVATE)`: the shell\'s `mount --make-rprivate ' +
            '/`.',
        ],
        mistakes: [
          { name: 'no MS_REC', file: 'src/container/mounts.ts', find: 'MS_REC | MS_PRIVATE);', replace: 'MS_PRIVATE);' },
          { name: 'MS_REC without a propagation type', file: 'src/container/mounts.ts', find: 'MS_REC | MS_PRIVATE);', replace: 'MS_REC);' },
          { name: 'made private on /proc, not on /', file: 'src/container/mounts.ts', find: 'kernel.mount(\'\', \'/\', ', replace: 'kernel.mount(\'\', \'/proc\', ' },
        ],
      },
      {
        id: 'ch1-proc',
        title: 'Give the container its own /proc',
        task:
          'Make `mountProc` mount a new proc filesystem on /proc (nosuid, noexec, nodev), so `ps` ' +
          "inside lists only the container's processes and the host's mounts stay as they were.",
        files: ['src/container/proc.ts'],
        functions: ['mountProc'],
        spec: 'checker/specs/ch01/proc.spec.ts',
        hints: [
          'ps reads /proc. The /proc the container has is the host\'s mount, which shows the host\'s ' +
            'PID namespace. A proc filesystem shows the PID namespace of whoever mounted it.',
          'In the shell it is `mount -t proc proc /proc`: map each word onto mount(2)\'s arguments ' +
            '(source, target, type). For the flags, ask what /proc must never do: run a program, honour a ' +
            'set-uid bit, open a device. mount(2) has one flag for each.',
          '`kernel.mount(\'proc\', \'/proc\', \'proc\', MS_NOSUID | MS_NOEXEC | MS_NODEV)`. If the lab ' +
            'host gains a proc mount while your container runs, your mounts are not private yet: finish ' +
            'lab ch1-private-mounts first (it runs before this step in setup.ts).',
        ],
        mistakes: [
          { name: 'no flags', file: 'src/container/proc.ts', find: 'MS_NOSUID | MS_NOEXEC | MS_NODEV);', replace: '0);' },
          { name: 'no MS_NOEXEC', file: 'src/container/proc.ts', find: 'MS_NOSUID | MS_NOEXEC | MS_NODEV);', replace: 'MS_NOSUID | MS_NODEV);' },
          { name: 'the host\'s /proc bound instead of a new proc', file: 'src/container/proc.ts', find: 'kernel.mount(\'proc\', \'/proc\', \'proc\', ', replace: 'kernel.mount(\'/proc\', \'/proc\', \'\', 4096 /* MS_BIND */ | ' },
        ],
      },
      {
        id: 'ch1-hostname',
        title: 'Name the container',
        task:
          'Make `containerHostname` choose the name (the requested one, or the first 12 characters of ' +
          'the container id) and `setHostname` set it inside the container only.',
        files: ['src/container/hostname.ts'],
        functions: ['containerHostname', 'setHostname'],
        spec: 'checker/specs/ch01/hostname.spec.ts',
        hints: [
          'The hostname belongs to the UTS namespace. After clone with CLONE_NEWUTS the container has a ' +
            'copy of the host\'s; changing the copy changes nothing outside.',
          'sethostname(2) changes the name in the caller\'s UTS namespace, and the plan\'s steps run in ' +
            'the container: one step is enough. Without --hostname, docker names a container as `docker ' +
            'ps` shows its id: how many characters is that?',
          '`setHostname` is `kernel.sethostname(hostname)`, and `containerHostname` returns `requested ' +
            '?? containerId.slice(0, 12)`, as docker does.',
        ],
        mistakes: [
          { name: 'the id\'s first 11 characters (off by one)', file: 'src/container/hostname.ts', find: 'containerId.slice(0, 12)', replace: 'containerId.slice(0, 11)' },
          { name: '--hostname ignored', file: 'src/container/hostname.ts', find: 'return requested ?? containerId.slice(0, 12);', replace: 'return containerId.slice(0, 12);' },
          { name: 'sethostname left out', file: 'src/container/hostname.ts', find: 'kernel.sethostname(hostname);', replace: 'void kernel;' },
        ],
      },
    ],
  },
  {
    number: 2,
    title: 'Cgroups: limits the kernel enforces',
    status: 'ready',
    text: 'chapters/02-cgroups/README.md',
    book: 'chapters 2.2 and 3.2',
    labs: [
      {
        id: 'ch2-lifecycle',
        title: "Put the container in its cgroups, and take them away",
        task:
          'Make `cgroupSteps` plan a container\'s cgroups: the host makes each one and writes its limits ' +
          'while the container waits at the barrier; the container then moves itself in, first thing; ' +
          'the host removes them when it ends, and when it never started.',
        files: ['src/cgroups/lifecycle.ts'],
        functions: ['cgroupSteps'],
        spec: 'checker/specs/ch02/lifecycle.spec.ts',
        hints: [
          '`mydocker run --explain host true` shows the plan. A cgroup is a directory: `mkdir` makes ' +
            'one (the kernel fills it with control files), and writing a pid into its `tasks` or ' +
            '`cgroup.procs` moves that process in; "0" means the writer itself.',
          '`created` runs while the container waits: a control file exists only once its cgroup does, ' +
            'and the limits must be in place before anyone joins. `join` names, for each leaf, the file ' +
            'the container writes "0" into (`joinFile`). For `ended` and `failed`: how is a directory ' +
            'full of the kernel\'s files removed (try `rm -r` on one), and why must a start that failed ' +
            'clean up exactly as a normal end does?',
          '`created`: a `{ op: \'mkdir\', path }` per leaf, then a `{ op: \'set\', path, content }` per ' +
            'write. `join`: `join(leaf, joinFile)` per leaf, plain paths. `ended` and `failed`: the same ' +
            'list, a `{ op: \'rmdir\', path }` per leaf. Why the container joins by itself: read the ' +
            '`join` op in native/shim.c (a process that moves itself skips a global lock in the kernel).',
        ],
        mistakes: [
          { name: 'limits written before the mkdir', file: 'src/cgroups/lifecycle.ts', find: '      ...leaves.map((dir) => ({ op: \'mkdir\' as const, path: dir })),\n      ...writes.map(({ path, value }) => ({ op: \'set\' as const, path, content: value })),', replace: '      ...writes.map(({ path, value }) => ({ op: \'set\' as const, path, content: value })),\n      ...leaves.map((dir) => ({ op: \'mkdir\' as const, path: dir })),' },
          { name: 'the container never joins', file: 'src/cgroups/lifecycle.ts', find: 'join: leaves.map((dir) => join(dir, joinFile)),', replace: 'join: [],' },
          { name: 'no clean-up when the container never started', file: 'src/cgroups/lifecycle.ts', find: 'failed: remove,', replace: 'failed: [],' },
        ],
      },
      {
        id: 'ch2-memory',
        title: 'Limit memory',
        task:
          'Make `memorySettings` give the files and values for `-m` and `--memory-swap` on cgroup v1 and ' +
          "v2, with docker's defaults: swap as much as memory unless told, `-1` for unlimited swap.",
        files: ['src/cgroups/memory.ts'],
        functions: ['memorySettings'],
        spec: 'checker/specs/ch02/memory.spec.ts',
        hints: [
          'Run `mydocker run --rm -m 32m host sh -c "cat /proc/self/cgroup"` and look in the memory ' +
            'cgroup it names, on the host, while a container runs: `memory.limit_in_bytes` (v1) or ' +
            '`memory.max` (v2) hold the limit in bytes.',
          'Read the rules under "ch2-memory" in the chapter before you write code: `--memory-swap` ' +
            'counts memory plus swap, v1\'s memsw does too, v2\'s swap.max counts swap alone. Work out ' +
            'the default (no --memory-swap) and `-1` on each version, and which v1 file must be written ' +
            'first.',
          'Total memory+swap is `resources.memorySwap ?? memory * 2`, and the swap setting is ' +
            '`optional: true` exactly when `resources.memorySwap` is undefined. v1: ' +
            '`memory.limit_in_bytes` = memory, then `memory.memsw.limit_in_bytes` = total (none for -1). ' +
            'v2: `memory.max` = memory, `memory.swap.max` = total - memory, or `max` for -1. The OOM ' +
            'counters: v1 `memory.oom_control` (oom_kill), v2 `memory.events` (oom_kill).',
        ],
        mistakes: [
          { name: '--memory-swap -1 written to memsw on v1', file: 'src/cgroups/memory.ts', find: 'if (total !== -1) settings.push(', replace: 'settings.push(' },
          { name: '--memory-swap -1 written as a number on v2', file: 'src/cgroups/memory.ts', find: 'total === -1 ? \'max\' : String(total - memory)', replace: 'String(total - memory)' },
          { name: 'v2 swap.max the total, not the swap alone', file: 'src/cgroups/memory.ts', find: 'String(total - memory)', replace: 'String(total)' },
          { name: 'no swap by default', file: 'src/cgroups/memory.ts', find: 'resources.memorySwap ?? memory * 2', replace: 'resources.memorySwap ?? memory' },
          { name: 'a wrong file name: memory.limit_bytes', file: 'src/cgroups/memory.ts', find: 'file: \'memory.limit_in_bytes\'', replace: 'file: \'memory.limit_bytes\'' },
        ],
      },
      {
        id: 'ch2-cpu',
        title: 'Limit CPU time, and weigh CPU shares',
        task:
          'Make `cpuSettings` turn `--cpus` into a CFS quota per 100 ms period and `--cpu-shares` into ' +
          "v1's shares or v2's weight, and `sharesToWeight` convert between the two scales as runc did until 1.3.2.",
        files: ['src/cgroups/cpu.ts'],
        functions: ['cpuSettings', 'sharesToWeight'],
        spec: 'checker/specs/ch02/cpu.spec.ts',
        hints: [
          'The quota is CPU time per period across all CPUs: `--cpus 0.2` is 20 ms of every 100 ms. ' +
            'Watch `cpu.stat` (nr_throttled) in the container\'s cgroup while a busy loop runs.',
          'Quota and period are in µs, and the period is `CFS_PERIOD_US`. v1 has one file for each ' +
            '(`cpu.cfs_period_us` and `cpu.cfs_quota_us`); v2 has one file, `cpu.max`, holding both as ' +
            '"QUOTA PERIOD". Shares and weight are different scales: the chapter\'s table gives the ' +
            'straight line runc used, through (2, 1) and (262144, 10000), in whole numbers.',
          'quota = `Math.round(cpus * CFS_PERIOD_US)`. v1: `cpu.cfs_period_us`, then ' +
            '`cpu.cfs_quota_us`; v2: `cpu.max` = `"<quota> <period>"`. Shares: v1 `cpu.shares` as given, ' +
            'v2 `cpu.weight` = `sharesToWeight(shares)`, and `sharesToWeight(s)` = `1 + Math.floor(((s - ' +
            '2) * 9999) / 262142)`: 2 → 1, 262144 → 10000.',
        ],
        mistakes: [
          { name: 'the quota in ms, not µs', file: 'src/cgroups/cpu.ts', find: 'Math.round(resources.cpus * CFS_PERIOD_US)', replace: 'Math.round(resources.cpus * 100)' },
          { name: 'v2 cpu.max as period then quota', file: 'src/cgroups/cpu.ts', find: '`${quota} ${CFS_PERIOD_US}`', replace: '`${CFS_PERIOD_US} ${quota}`' },
          { name: 'v2 weight given the shares unconverted', file: 'src/cgroups/cpu.ts', find: 'String(sharesToWeight(resources.cpuShares))', replace: 'String(resources.cpuShares)' },
          { name: 'sharesToWeight without the 1 + (off by one)', file: 'src/cgroups/cpu.ts', find: 'return 1 + Math.floor(', replace: 'return Math.floor(' },
        ],
      },
      {
        id: 'ch2-cpuset',
        title: 'Pin the container to CPUs',
        task: 'Make `cpusetSettings` turn `--cpuset-cpus` into the cpuset setting, on v1 and v2.',
        files: ['src/cgroups/cpuset.ts'],
        functions: ['cpusetSettings'],
        spec: 'checker/specs/ch02/cpuset.spec.ts',
        hints: [
          'The CPUs a process may run on show in `/proc/<pid>/status` as `Cpus_allowed_list`. The ' +
            'cpuset controller narrows them for every process in the cgroup.',
          "One setting, the same in v1 and v2: `{ controller: 'cpuset', file: 'cpuset.cpus', value: " +
            'resources.cpusetCpus }`, and none without the flag. (The v1 trap, empty cpuset.cpus and ' +
            'cpuset.mems in a new cgroup, is handled in driver.ts: read why there.)',
        ],
        mistakes: [
          { name: 'a wrong file name: cpuset.cpu', file: 'src/cgroups/cpuset.ts', find: 'file: \'cpuset.cpus\'', replace: 'file: \'cpuset.cpu\'' },
          { name: 'the CPUs written to cpuset.mems', file: 'src/cgroups/cpuset.ts', find: 'file: \'cpuset.cpus\'', replace: 'file: \'cpuset.mems\'' },
          { name: 'a setting without the flag', file: 'src/cgroups/cpuset.ts', find: 'if (resources.cpusetCpus === undefined) return [];', replace: '' },
        ],
      },
      {
        id: 'ch2-pids',
        title: 'Limit the number of processes',
        task: 'Make `pidsSettings` turn `--pids-limit` into the pids setting, so a fork bomb stops at the limit.',
        files: ['src/cgroups/pids.ts'],
        functions: ['pidsSettings'],
        spec: 'checker/specs/ch02/pids.spec.ts',
        hints: [
          'The pids controller counts tasks (processes and threads) in `pids.current` and refuses ' +
            'fork() with EAGAIN past `pids.max`; `pids.events` counts the refusals (`max`).',
          "One setting, the same in v1 and v2: `{ controller: 'pids', file: 'pids.max', value: " +
            'String(resources.pidsLimit) }`, and none without the flag (0 and -1 already mean none).',
        ],
        mistakes: [
          { name: 'pids.max one higher (off by one)', file: 'src/cgroups/pids.ts', find: 'String(resources.pidsLimit)', replace: 'String(resources.pidsLimit + 1)' },
          { name: 'a wrong file name: pids.limit', file: 'src/cgroups/pids.ts', find: 'file: \'pids.max\'', replace: 'file: \'pids.limit\'' },
          { name: 'a setting without the flag', file: 'src/cgroups/pids.ts', find: 'if (resources.pidsLimit === undefined) return [];', replace: '' },
        ],
      },
    ],
  },
  {
    number: 3,
    title: 'Root filesystems and pivot_root',
    status: 'ready',
    text: 'chapters/03-rootfs/README.md',
    book: 'chapters 2.3 and 4.1',
    labs: [
      {
        id: 'ch3-pivot-root',
        title: 'Swap the root with pivot_root, and close the chroot escape',
        task:
          'Make `enterRootfs` turn the image into the root of the container\'s mount namespace with ' +
          'pivot_root(2), and detach the host\'s old root, so that nothing of the host is left to ' +
          'reach: not with `..`, not with the chroot breakout program, not in /proc/1/mountinfo.',
        files: ['src/rootfs/pivot-root.ts'],
        functions: ['enterRootfs'],
        spec: 'checker/specs/ch03/pivot-root.spec.ts',
        hints: [
          'Run the breakout against the stub first, then read pivot_root(2): what must `new_root` be ' +
            '(EINVAL otherwise), and where must `put_old` be? Binding a directory onto itself makes it a ' +
            'mount point; mind what is already mounted below it.',
          'After pivot_root the host\'s whole tree is still mounted in the container\'s namespace, at ' +
            'put_old, in plain sight. It is busy (every host mount below it), so a plain unmount fails ' +
            'with EBUSY: which umount(2) flag takes it out at once? And where is the process\'s working ' +
            'directory after the pivot, and the put_old directory after the unmount?',
          'In order: `kernel.mount(root, root, \'\', MS_BIND | MS_REC)`; ' +
            '`kernel.mkdir(`${root}/${PUT_OLD}`, 0o700)`; `kernel.pivotRoot(root, `${root}/${PUT_OLD}`)`; ' +
            '`kernel.chdir(\'/\')`; `kernel.umount2(`/${PUT_OLD}`, MNT_DETACH)`; ' +
            '`kernel.rmdir(`/${PUT_OLD}`)`.',
        ],
        mistakes: [
          { name: 'no chdir(\'/\') after pivot_root', file: 'src/rootfs/pivot-root.ts', find: 'kernel.chdir(\'/\');', replace: '' },
          { name: 'no rmdir of the put-old directory', file: 'src/rootfs/pivot-root.ts', find: 'kernel.rmdir(`/${PUT_OLD}`);', replace: '' },
          { name: 'the old root not detached', file: 'src/rootfs/pivot-root.ts', find: 'kernel.umount2(`/${PUT_OLD}`, MNT_DETACH);', replace: '' },
          { name: 'umount2 without MNT_DETACH', file: 'src/rootfs/pivot-root.ts', find: 'kernel.umount2(`/${PUT_OLD}`, MNT_DETACH);', replace: 'kernel.umount2(`/${PUT_OLD}`, 0);' },
          { name: 'chroot instead of pivot_root', file: 'src/rootfs/pivot-root.ts', find: 'kernel.pivotRoot(root, `${root}/${PUT_OLD}`);', replace: 'kernel.chroot(root);' },
        ],
      },
      {
        id: 'ch3-sysfs',
        title: 'Mount /sys, read-only',
        task: 'Make `mountSys` mount a sysfs on /sys that shows the container\'s own network devices and cannot be written.',
        files: ['src/rootfs/sysfs.ts'],
        functions: ['mountSys'],
        spec: 'checker/specs/ch03/sysfs.spec.ts',
        hints: [
          'A sysfs belongs to the network namespace of the process that mounts it: mounted by the ' +
            'container, after clone(CLONE_NEWNET), /sys/class/net lists its own `lo` only.',
          "One call: `kernel.mount('sysfs', '/sys', 'sysfs', MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV)`. " +
            'MS_RDONLY is the point: root in the container is root on the host.',
        ],
        mistakes: [
          { name: 'no MS_RDONLY', file: 'src/rootfs/sysfs.ts', find: 'MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV', replace: 'MS_NOSUID | MS_NOEXEC | MS_NODEV' },
          { name: 'a wrong filesystem type: sys', file: 'src/rootfs/sysfs.ts', find: 'kernel.mount(\'sysfs\', \'/sys\', \'sysfs\', ', replace: 'kernel.mount(\'sysfs\', \'/sys\', \'sys\', ' },
        ],
      },
      {
        id: 'ch3-dev',
        title: 'Build a minimal /dev',
        task:
          'Make `mountDev` give the container a /dev of its own on a tmpfs: the character devices in ' +
          '`DEVICES`, a new devpts instance with /dev/ptmx, a /dev/shm, and the links in `DEV_LINKS`; ' +
          'none of the host\'s devices.',
        files: ['src/rootfs/dev.ts'],
        functions: ['mountDev'],
        spec: 'checker/specs/ch03/dev.spec.ts',
        hints: [
          'Start with a filesystem in memory on /dev (tmpfs(5): its `size=` and `mode=` options), and ' +
            'choose its mount flags with care: on a `nodev` mount no device node opens, yours included. ' +
            'Then one node per entry of DEVICES, and one link per entry of DEV_LINKS.',
          'mknod(2) takes the file type and the permissions in one mode (`S_IFCHR` for a character ' +
            'device, OR the permission bits), and the major and minor numbers that DEVICES lists. Which ' +
            'permission bits let every user of the container read and write? For terminals: which ' +
            'filesystem gives the container its own instance, and what does its `ptmxmode` default to?',
          '`kernel.mount(\'tmpfs\', \'/dev\', \'tmpfs\', MS_NOSUID | MS_STRICTATIME, ' +
            '\'mode=755,size=65536k\')`; per device `kernel.mknod(`/dev/${d.name}`, S_IFCHR | 0o666, ' +
            'd.major, d.minor)`; `kernel.mkdir(\'/dev/pts\', 0o755)` and a devpts with ' +
            '`\'newinstance,ptmxmode=0666,mode=0620,gid=5\'` (MS_NOSUID | MS_NOEXEC); `/dev/shm`: mkdir ' +
            '0o1777 and a tmpfs `\'mode=1777,size=65536k\'` (MS_NOSUID | MS_NODEV | MS_NOEXEC); then ' +
            '`kernel.symlink(link.target, link.path)` for each of DEV_LINKS.',
        ],
        mistakes: [
          { name: 'MS_NODEV on the /dev tmpfs', file: 'src/rootfs/dev.ts', find: 'kernel.mount(\'tmpfs\', \'/dev\', \'tmpfs\', MS_NOSUID | MS_STRICTATIME', replace: 'kernel.mount(\'tmpfs\', \'/dev\', \'tmpfs\', MS_NOSUID | MS_NODEV | MS_STRICTATIME' },
          { name: 'mknod without S_IFCHR (regular files)', file: 'src/rootfs/dev.ts', find: 'S_IFCHR | 0o666', replace: '0o666' },
          { name: 'major and minor swapped', file: 'src/rootfs/dev.ts', find: 'device.major, device.minor)', replace: 'device.minor, device.major)' },
          { name: 'no /dev/ptmx link', file: 'src/rootfs/dev.ts', find: '  { path: \'/dev/ptmx\', target: \'pts/ptmx\' },\n', replace: '' },
        ],
      },
      {
        id: 'ch3-etc-files',
        title: 'Give the container its own hostname, hosts and resolv.conf',
        task:
          'Make `hostsFile` and `resolvConf` write the contents docker gives a container, and ' +
          '`bindEtcFiles` put the three files over the image\'s /etc/hostname, /etc/hosts and ' +
          '/etc/resolv.conf without changing the image.',
        files: ['src/rootfs/etc-files.ts'],
        functions: ['hostsFile', 'resolvConf', 'bindEtcFiles'],
        spec: 'checker/specs/ch03/etc-files.spec.ts',
        hints: [
          'hosts: `localhost` and the container\'s own name must resolve without DNS. While the ' +
            'container has no network but its loopback, which address can both have? docker\'s file adds ' +
            'the usual IPv6 names (`::1 localhost ip6-localhost ip6-loopback`, `fe00::0 ip6-localnet`, ' +
            '`ff00::0 ip6-mcastprefix`, `ff02::1 ip6-allnodes`, `ff02::2 ip6-allrouters`).',
          'resolv.conf: a nameserver on the host\'s loopback (127.0.0.0/8, ::1: systemd-resolved\'s ' +
            '127.0.0.53) is the container\'s loopback once inside, where nobody answers. Which lines go, ' +
            'which stay (`search`, `options`), and what is left if no nameserver is?',
          'hosts: `127.0.0.1\\tlocalhost`, the IPv6 lines, `127.0.0.1\\t<name>`. resolv.conf: drop ' +
            'those nameservers, keep the rest, add DEFAULT_NAMESERVERS if none is left. Three bind ' +
            'mounts, before pivot_root (the sources are host paths): `kernel.mount(files.hostname, ' +
            '`${root}/etc/hostname`, \'\', MS_BIND)`, and the same for hosts and resolv.conf.',
        ],
        mistakes: [
          { name: 'hosts without the container\'s own name', file: 'src/rootfs/etc-files.ts', find: '    `127.0.0.1\\t${hostname}`,\n', replace: '' },
          { name: 'only 127.0.0.1 taken for a local nameserver', file: 'src/rootfs/etc-files.ts', find: 'match[1]!.startsWith(\'127.\')', replace: 'match[1] === \'127.0.0.1\'' },
          { name: 'no fallback nameservers', file: 'src/rootfs/etc-files.ts', find: 'kept.push(...DEFAULT_NAMESERVERS.map((address) => `nameserver ${address}`));', replace: '' },
          { name: '/etc/hosts not bound', file: 'src/rootfs/etc-files.ts', find: 'kernel.mount(files.hosts, `${root}/etc/hosts`, \'\', MS_BIND);', replace: '' },
        ],
      },
    ],
  },
  {
    number: 4,
    title: 'Union filesystems, volumes and commit',
    status: 'ready',
    text: 'chapters/04-union/README.md',
    book: 'chapters 4.2 to 4.4',
    labs: [
      {
        id: 'ch4-overlay',
        title: 'Stack the image\'s layers with overlayfs',
        task:
          'Make `overlayOptions` and `mountRootfs` mount the container\'s root as an overlay of the ' +
          'image\'s read-only layers and a layer of its own, so that writes never reach the image and ' +
          '`mydocker commit` can save exactly the container\'s changes.',
        files: ['src/union/overlay.ts'],
        functions: ['overlayOptions', 'mountRootfs'],
        spec: 'checker/specs/ch04/overlay.spec.ts',
        hints: [
          'overlayfs stacks `lowerdir=a:b:c` with `a` on top; an image manifest lists its layers bottom ' +
            'first. Which order does the option want?',
          '`mountRootfs` replaces the bind with one mount(2) of type `overlay`: its data are the ' +
            'options, and its source is free text that mountinfo shows (`overlay` by custom). Copy-up (a ' +
            'lower file is copied to upperdir on its first write) and whiteouts then happen by ' +
            'themselves.',
          '`lowerdir=${[...layers.lower].reverse().join(\':\')},upperdir=${layers.upper},workdir=${layers.work}`, ' +
            'and `kernel.mount(\'overlay\', target, \'overlay\', 0, overlayOptions(layers))`.',
        ],
        mistakes: [
          { name: 'the lower layers not reversed', file: 'src/union/overlay.ts', find: '[...layers.lower].reverse().join(\':\')', replace: '[...layers.lower].join(\':\')' },
          { name: 'upperdir and workdir swapped', file: 'src/union/overlay.ts', find: 'upperdir=${layers.upper},workdir=${layers.work}', replace: 'upperdir=${layers.work},workdir=${layers.upper}' },
          { name: 'the lower layers joined with commas', file: 'src/union/overlay.ts', find: '[...layers.lower].reverse().join(\':\')', replace: '[...layers.lower].reverse().join(\',\')' },
        ],
      },
      {
        id: 'ch4-whiteouts',
        title: 'Read whiteouts and opaque directories in image layers',
        task:
          'Make `whiteoutMark` tell an ordinary tar entry from a whiteout (`.wh.NAME`: NAME is deleted) ' +
          'and an opaque marker (`.wh..wh..opq`: the directory\'s lower content is hidden), so that ' +
          'the import writes what overlayfs understands and a layered image shows its final view.',
        files: ['src/images/whiteouts.ts'],
        functions: ['whiteoutMark'],
        spec: 'checker/specs/ch04/whiteouts.spec.ts',
        hints: [
          'Only the last name of the path matters: `etc/.wh.passwd` deletes `etc/passwd`; `etc/x.wh.y` ' +
            'is an ordinary file. Drop a leading `./` first.',
          '`.wh..wh..opq` is the opaque marker of the directory it is in (`.` at the root of the ' +
            'layer); the import sets the xattr trusted.overlay.opaque=y on that directory.',
          "Split on '/', drop '' and '.', pop the base name; `base === '.wh..wh..opq'` → " +
            "`{ kind: 'opaque', directory }`; `base.startsWith('.wh.')` → `{ kind: 'whiteout', hides: dir + '/' + base.slice(4) }`.",
        ],
        mistakes: [
          { name: 'the opaque marker taken for a whiteout', file: 'src/images/whiteouts.ts', find: 'if (base === OPAQUE_MARKER) return { kind: \'opaque\', directory };', replace: '' },
          { name: 'a leading ./ not dropped', file: 'src/images/whiteouts.ts', find: 'name !== \'\' && name !== \'.\'', replace: 'name !== \'\'' },
          { name: 'a bare .wh. taken for a whiteout', file: 'src/images/whiteouts.ts', find: 'hidden === \'\' || ', replace: '' },
          { name: 'the prefix cut one short (off by one)', file: 'src/images/whiteouts.ts', find: 'base.slice(WHITEOUT_PREFIX.length)', replace: 'base.slice(WHITEOUT_PREFIX.length - 1)' },
        ],
      },
      {
        id: 'ch4-volumes',
        title: 'Bind-mount volumes, read-only when asked',
        task:
          'Make `parseVolume` read `-v HOST:CONTAINER[:ro]` and refuse every malformed spec with one ' +
          'clear message, and `mountVolumes` bind each host directory into the container, read-only ' +
          'with `:ro`.',
        files: ['src/union/volumes.ts'],
        functions: ['parseVolume', 'mountVolumes'],
        spec: 'checker/specs/ch04/volumes.spec.ts',
        hints: [
          'Two or three parts, none empty; both paths absolute; the mode `ro` or `rw`; and the target, ' +
            'normalized (`posix.normalize`), must not be `/`. Throw a UsageError for each.',
          'A volume is a bind mount made before pivot_root, while the host path can still be named: the ' +
            'source is the host directory, the target is inside `root`. Which flag brings along what is ' +
            'mounted below the source? And does MS_RDONLY on that same call do anything (mount(2), ' +
            '"Creating a bind mount")?',
          '`kernel.mount(volume.source, `${root}${volume.target}`, \'\', MS_BIND | MS_REC)`. The kernel ' +
            'ignores MS_RDONLY when it creates a bind mount; read-only takes a second call on the new ' +
            'mount: `kernel.mount(\'\', target, \'\', MS_BIND | MS_REMOUNT | MS_RDONLY)`.',
        ],
        mistakes: [
          { name: 'no read-only remount', file: 'src/union/volumes.ts', find: 'if (volume.readOnly) kernel.mount(\'\', target, \'\', MS_BIND | MS_REMOUNT | MS_RDONLY);', replace: '' },
          { name: 'MS_RDONLY on the bind itself, no remount', file: 'src/union/volumes.ts', find: 'kernel.mount(volume.source, target, \'\', MS_BIND | MS_REC);\n    if (volume.readOnly) kernel.mount(\'\', target, \'\', MS_BIND | MS_REMOUNT | MS_RDONLY);', replace: 'kernel.mount(volume.source, target, \'\', MS_BIND | MS_REC | (volume.readOnly ? MS_RDONLY : 0));' },
          { name: 'the remount without MS_BIND', file: 'src/union/volumes.ts', find: 'MS_BIND | MS_REMOUNT | MS_RDONLY', replace: 'MS_REMOUNT | MS_RDONLY' },
          { name: 'the root checked before normalizing', file: 'src/union/volumes.ts', find: 'if (normalized === \'/\') {', replace: 'if (target === \'/\') {' },
        ],
      },
    ],
  },
  {
    number: 5,
    title: 'Container lifecycle: -d, ps, logs, exec, stop, rm',
    status: 'coming',
    book: 'chapter 5',
    labs: [],
  },
  {
    number: 6,
    title: 'Bridge networking: veth, bridge, iptables',
    status: 'coming',
    book: 'chapter 6',
    labs: [],
  },
];

export function allLabs(): Lab[] {
  return chapters.flatMap((chapter) => chapter.labs);
}

export function findLab(id: string): Lab | undefined {
  return allLabs().find((lab) => lab.id === id);
}

export function chapterOf(lab: Lab): Chapter {
  const chapter = chapters.find((c) => c.labs.includes(lab));
  if (!chapter) throw new Error(`lab ${lab.id} is in no chapter`);
  return chapter;
}
