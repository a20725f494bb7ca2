/*
 * mydocker-shim: the part of mydocker that runs the container. See README.md beside this file.
 *
 * Why it exists: Node.js runs several threads before any user code, and the kernel refuses or limits
 * the namespace calls a container needs in a multi-threaded process. So, like runc's nsexec, this
 * small single-threaded program clone()s the container into its namespaces, holds it at a barrier
 * while the host side is prepared, runs the container's set-up steps, and stays as its parent.
 *
 * It carries no policy. The runtime (TypeScript) decides everything and writes it down as a plan;
 * then Node replaces itself with this program (execve: same pid, no fork), passing the plan as argv:
 *
 *   mydocker-shim 2 CLONE_FLAGS STDIN OUTPUT  enter N OP...  container N OP...  created N OP...  ended N OP...  failed N OP...
 *
 * Each OP is: name, argument count, arguments. STDIN is `null` (/dev/null, as docker run without -i)
 * or `inherit` (-i). OUTPUT is `inherit` (the caller's stdout and stderr) or the absolute path of a
 * log (-d: the shim detaches, and a supervisor writes the output there as docker's json-file lines;
 * see "detach" below). A `pty` op among the container's gives it a terminal of its own (-t). The
 * sections, in the order the shim runs them:
 *
 *      shim (the host side)                                 container (new namespaces)
 *      `enter` ops on itself: setns() into a running          |
 *        container's namespaces (mydocker exec; else none)    |
 *      clone(CLONE_FLAGS) ---------------------------------> blocks on the barrier pipe
 *      `created` ops, {pid} = the container's pid            |
 *        (state, later cgroups and network)                  |
 *      barrier byte ---------------------------------------> `container` ops: mount, sethostname, ...
 *      error pipe: closed empty on exec = started <--------- execve(the user's command)
 *                  a step number and errno = failed <------- or the first step that failed
 *      waitpid; `ended` ops, {exit} = the exit code           exits
 *        (or `failed` ops if the container never started)
 *      exit with docker's code: the command's own, 128+n for signal n, 127 command not found,
 *      126 cannot run it, 125 the runtime failed.
 *
 * The ops are the tables `container_ops` and `host_ops` below, documented in README.md ("Operations").
 * The command's environment is not in argv (which every user can read in /proc/<pid>/cmdline): it is
 * the shim's own environment, which Node set to exactly that in execve(); only root can read it.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/seccomp.h>
#include <linux/if_bridge.h>
#include <linux/if_ether.h>
#include <linux/veth.h>
#include <net/if.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define EXIT_RUNTIME_ERROR 125
#define EXIT_CANNOT_INVOKE 126
#define EXIT_NOT_FOUND 127

/* The most fixed arguments an op has (mount's five); exec's argv comes after its fixed ones. */
#define MAX_FIXED_ARGS 5

struct op_spec;

struct op {
	const char *name;
	int argc;
	char **argv;
	const struct op_spec *spec; /* its entry in the table, found when the plan is read */
	unsigned long number[MAX_FIXED_ARGS]; /* its numeric arguments, parsed and checked then */
};

struct section {
	int count;
	struct op *ops;
};

enum stdin_mode { STDIN_NULL, STDIN_INHERIT };

struct plan {
	unsigned long clone_flags;
	enum stdin_mode stdin_mode;
	const char *log_path; /* OUTPUT: NULL for `inherit`; a path: detached, the output goes there */
	int has_pty; /* a `pty` op is among the container's */
	struct section enter, container, created, ended, failed;
};

/*
 * The container's stdio, made before clone (see connect_stdio). Detached: pipes for its output, read
 * by the supervisor's log pump, and with -i a stdin pipe whose write end the supervisor holds open and
 * never writes: `run -di busybox sh` then waits on it, as under docker, instead of ending at EOF.
 * With -t: a socket pair, over which the `pty` op sends the terminal's master (SCM_RIGHTS).
 */
static struct {
	int out[2], err[2], in[2], console[2];
} io = {{-1, -1}, {-1, -1}, {-1, -1}, {-1, -1}};

/* The caller's window size, read before clone: the `pty` op gives it to the new terminal. */
static struct winsize caller_size;
static int caller_size_fd = -1; /* the descriptor of the caller's terminal it came from, or -1 */

/* ---- small helpers -------------------------------------------------------------------------- */

static void close_if_open(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* strerror as Go and docker print it: "no such file or directory". */
static const char *error_text(int errnum)
{
	static char text[128];
	snprintf(text, sizeof text, "%s", strerror(errnum));
	text[0] = (char)tolower((unsigned char)text[0]);
	return text;
}

static const char *error_name(int errnum)
{
	const char *name = strerrorname_np(errnum);
	return name ? name : "E?";
}

/*
 * A whole decimal or octal number from `min` to `max`, or -1: no sign, no blank, nothing after it.
 * strtoul alone would take "12x" as 12, "" as 0 and "-1" as ULONG_MAX.
 */
static int parse_number(const char *text, int base, unsigned long min, unsigned long max, unsigned long *out)
{
	if (!isdigit((unsigned char)text[0]))
		return -1;
	char *end;
	errno = 0;
	unsigned long value = strtoul(text, &end, base);
	if (errno || *end || value < min || value > max)
		return -1;
	*out = value;
	return 0;
}

/* ---- host ops: run by the shim, on the host, with {pid}, {exit} and the rest filled in ------- */

/*
 * A process's start time: field 22 of /proc/<pid>/stat, in clock ticks since boot (proc(5)). A pid
 * alone names a process only while it lives; after it exits the kernel gives the number to the next
 * process. The pair (pid, start time) never names two processes (until a reboot, which empties the
 * state's processes anyway): the state store records both, and judges a pid only with its start time.
 * 0 when it cannot be read (the process is gone), which no live process has.
 */
static unsigned long long process_start(pid_t pid)
{
	char path[64], stat[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, stat, sizeof stat - 1);
	close(fd);
	if (n <= 0)
		return 0;
	stat[n] = '\0';
	/* The command (field 2) is in parentheses and may hold spaces and ')': count from the last ')'. */
	char *p = strrchr(stat, ')');
	if (!p)
		return 0;
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	return p ? strtoull(p + 1, NULL, 10) : 0;
}

/*
 * Now, as docker writes its times (state and log lines): RFC 3339 in UTC with nine digits of
 * nanoseconds, always nine (moby's RFC3339NanoFixed), `2026-12-02T01:02:03.123456789Z`.
 */
static void rfc3339_now(char out[40])
{
	struct timespec now;
	struct tm utc;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &utc);
	size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &utc);
	snprintf(out + n, 40 - n, ".%09ldZ", now.tv_nsec);
}

/*
 * `template` with its placeholders replaced, in a new buffer; NULL (errno set) when out of memory.
 * {pid} the container's pid (host view) and {start} its start time; {shim} this shim's pid and
 * {shimstart} its start time (the supervisor's, when detached); {exit} the exit code; {time} now.
 */
static char *substitute(const char *template, pid_t pid, int exit_code)
{
	size_t size = strlen(template) + 1;
	for (const char *p = template; (p = strchr(p, '{')); p++)
		size += 40; /* room for one number or one time per placeholder */
	char *out = malloc(size), *o = out;
	if (!out)
		return NULL;
	for (const char *p = template; *p;) {
		char time[40];
		if (strncmp(p, "{pid}", 5) == 0)
			o += sprintf(o, "%d", pid), p += 5;
		else if (strncmp(p, "{exit}", 6) == 0)
			o += sprintf(o, "%d", exit_code), p += 6;
		else if (strncmp(p, "{start}", 7) == 0)
			o += sprintf(o, "%llu", process_start(pid)), p += 7;
		else if (strncmp(p, "{shim}", 6) == 0)
			o += sprintf(o, "%d", (int)getpid()), p += 6;
		else if (strncmp(p, "{shimstart}", 11) == 0)
			o += sprintf(o, "%llu", process_start(getpid())), p += 11;
		else if (strncmp(p, "{time}", 6) == 0)
			rfc3339_now(time), o += sprintf(o, "%s", time), p += 6;
		else
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)ftw;
	/*
	 * A directory its owner cannot read: overlayfs makes work/work mode 0. Root reads it anyway
	 * (CAP_DAC_OVERRIDE); rootless, the shim is its owner, who may give it a mode and walk it again.
	 */
	if (type == FTW_DNR) {
		if (chmod(path, 0700) < 0)
			return -1;
		return nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	}
	return (type == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT ? -1 : 0;
}

/* Atomic: a reader sees the old file or the new one, never half of one (rename(2)). */
static int host_write(const struct op *op, pid_t pid, int exit_code)
{
	char temporary[PATH_MAX];
	if (snprintf(temporary, sizeof temporary, "%s.%d.tmp", op->argv[0], (int)getpid()) >= (int)sizeof temporary) {
		errno = ENAMETOOLONG;
		return -1;
	}
	char *content = substitute(op->argv[1], pid, exit_code);
	if (!content)
		return -1;
	int fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int failed = fd < 0 || write_full(fd, content, strlen(content)) < 0;
	free(content);
	if (fd >= 0 && close(fd) < 0)
		failed = 1;
	if (failed || rename(temporary, op->argv[0]) < 0) {
		int saved = errno;
		unlink(temporary);
		errno = saved;
		return -1;
	}
	return 0;
}

/*
 * A control file (cgroupfs) takes one write(2) and acts on it: no temporary file and rename, and the
 * kernel's answer to the write is the error to report (EINVAL for a bad value).
 */
static int host_set(const struct op *op, pid_t pid, int exit_code)
{
	char *content = substitute(op->argv[1], pid, exit_code);
	if (!content)
		return -1;
	int fd = open(op->argv[0], O_WRONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : write(fd, content, strlen(content));
	int saved = errno;
	free(content);
	if (fd >= 0)
		close(fd);
	errno = saved;
	return n < 0 ? -1 : 0;
}

static int host_mkdir(const struct op *op, pid_t pid, int exit_code)
{
	(void)pid, (void)exit_code;
	return mkdir(op->argv[0], 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* Clean-up ops tolerate what is already gone: they also run after partial failures. */
static int host_unlink(const struct op *op, pid_t pid, int exit_code)
{
	(void)pid, (void)exit_code;
	return unlink(op->argv[0]) < 0 && errno != ENOENT ? -1 : 0;
}

/*
 * A cgroup can be removed once no process is in it. When PID 1 of a PID namespace exits, the kernel
 * kills the rest of the namespace, but they leave the cgroup a moment later: retry EBUSY for up to a
 * second.
 */
static int host_rmdir(const struct op *op, pid_t pid, int exit_code)
{
	(void)pid, (void)exit_code;
	for (int attempt = 0;; attempt++) {
		if (rmdir(op->argv[0]) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || attempt == 100)
			return -1;
		usleep(10000);
	}
}

/*
 * rm -rf of a container's own directory (its overlay upper and work directories). FTW_PHYS: never
 * follow a symlink out of it. FTW_MOUNT: never enter another filesystem; had something stayed mounted
 * below it, its rmdir fails (EBUSY) and is reported, instead of deleting what the mount shows.
 */
static int host_remove_tree(const struct op *op, pid_t pid, int exit_code)
{
	(void)pid, (void)exit_code;
	struct stat st;
	if (lstat(op->argv[0], &st) < 0)
		return errno == ENOENT ? 0 : -1;
	return nftw(op->argv[0], remove_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* ---- container ops: run by the child, inside the new namespaces ----------------------------- */

/*
 * The container moves itself ("0" means the writer) into its cgroup. Moving another process, or a
 * whole thread group, takes the kernel's global cgroup_threadgroup_rwsem for writing, which waits out
 * an RCU grace period when the lock was idle: about 6 ms here. A thread that moves itself through
 * v1's `tasks` skips that lock (cgroup_procs_write_start): 0.5 ms.
 */
static int op_join(const struct op *op)
{
	int fd = open(op->argv[0], O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, "0", 1);
	int saved = errno;
	close(fd);
	errno = saved;
	return n < 0 ? -1 : 0;
}

static int op_mount(const struct op *op)
{
	const char *source = op->argv[0][0] ? op->argv[0] : NULL;
	const char *fstype = op->argv[2][0] ? op->argv[2] : NULL;
	const char *data = op->argv[4][0] ? op->argv[4] : NULL;
	return mount(source, op->argv[1], fstype, op->number[3], data);
}

static int op_sethostname(const struct op *op)
{
	return sethostname(op->argv[0], strlen(op->argv[0]));
}

/*
 * The root filesystem ops (chapter 3). glibc has no pivot_root() wrapper: the raw syscall. It refuses
 * (EINVAL) when the new root is not a mount point or a mount involved is shared.
 */
static int op_pivot_root(const struct op *op)
{
	return (int)syscall(SYS_pivot_root, op->argv[0], op->argv[1]);
}

static int op_chroot(const struct op *op)
{
	return chroot(op->argv[0]);
}

static int op_chdir(const struct op *op)
{
	return chdir(op->argv[0]);
}

static int op_umount2(const struct op *op)
{
	return umount2(op->argv[0], (int)op->number[1]);
}

/* A directory that exists already is fine: an image may ship /dev/pts or the put_old directory. */
static int op_mkdir(const struct op *op)
{
	return mkdir(op->argv[0], (mode_t)op->number[1]) < 0 && errno != EEXIST ? -1 : 0;
}

static int op_rmdir(const struct op *op)
{
	return rmdir(op->argv[0]);
}

/* mknod applies the umask; the chmod after it gives the node exactly the mode asked for. */
static int op_mknod(const struct op *op)
{
	mode_t mode = (mode_t)op->number[1];
	if (mknod(op->argv[0], mode, makedev((unsigned int)op->number[2], (unsigned int)op->number[3])) < 0)
		return -1;
	return chmod(op->argv[0], mode & 07777);
}

static int op_symlink(const struct op *op)
{
	return symlink(op->argv[0], op->argv[1]);
}

/*
 * setns(2) into the namespace that PATH (/proc/<pid>/ns/<type>) names; NSTYPE is its CLONE_NEW* flag,
 * so the kernel refuses (EINVAL) a file of another type. Used by the shim itself (`enter`, before
 * clone) and by the child (the mount namespace, last). This is why the shim exists for exec: the
 * kernel refuses setns() into a mount namespace (EINVAL) from a process whose threads share its
 * filesystem information (CLONE_FS; mntns_install in fs/namespace.c: `fs->users != 1`), which every
 * multi-threaded process does: Node, and Go (the book's cgo constructor runs before the Go runtime
 * starts its threads). The shim is single-threaded.
 */
static int op_setns(const struct op *op)
{
	int fd = open(op->argv[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int result = setns(fd, (int)op->number[1]);
	int saved = errno;
	close(fd);
	errno = saved;
	return result;
}

/*
 * exec with a PATH search done here, not by execvp(3): glibc's execvp searches the PATH of the
 * *calling* process, not the PATH in the environment handed to the new program. Like execvp, it
 * keeps looking after ENOENT/ENOTDIR and reports EACCES if a candidate existed but was not
 * executable. Returns only on failure, with errno set.
 */
static void exec_search(const char *search, char **argv, char **envp)
{
	const char *file = argv[0];
	if (strchr(file, '/')) {
		execve(file, argv, envp);
		return;
	}
	int saw_eacces = 0;
	char candidate[PATH_MAX];
	for (const char *dir = search; dir;) {
		const char *end = strchr(dir, ':');
		size_t dlen = end ? (size_t)(end - dir) : strlen(dir);
		const char *prefix = dlen ? dir : "."; /* an empty PATH entry means the current directory */
		if (snprintf(candidate, sizeof candidate, "%.*s/%s", (int)(dlen ? dlen : 1), prefix, file) <
		    (int)sizeof candidate) {
			execve(candidate, argv, envp);
			if (errno == EACCES)
				saw_eacces = 1;
			else if (errno != ENOENT && errno != ENOTDIR)
				return;
		}
		dir = end ? end + 1 : NULL;
	}
	errno = saw_eacces ? EACCES : ENOENT;
}

static int op_exec(const struct op *op)
{
	/* argv must be a NULL-terminated array of its own; the environment is the shim's. */
	size_t nargv = op->number[1];
	char **argv = calloc(nargv + 1, sizeof *argv);
	if (!argv)
		return -1;
	memcpy(argv, &op->argv[2], nargv * sizeof *argv);
	exec_search(op->argv[0], argv, environ);
	return -1;
}

/* Sends `fd` over a Unix socket (SCM_RIGHTS, unix(7)): the receiver gets its own descriptor of it. */
static int send_fd(int socket, int fd)
{
	char byte = 'm';
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		struct cmsghdr header;
		char space[CMSG_SPACE(sizeof(int))];
	} control;
	memset(&control, 0, sizeof control);
	struct msghdr message = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space, .msg_controllen = sizeof control.space};
	struct cmsghdr *header = CMSG_FIRSTHDR(&message);
	header->cmsg_level = SOL_SOCKET;
	header->cmsg_type = SCM_RIGHTS;
	header->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(header), &fd, sizeof fd);
	return sendmsg(socket, &message, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

static int receive_fd(int socket)
{
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		struct cmsghdr header;
		char space[CMSG_SPACE(sizeof(int))];
	} control;
	struct msghdr message = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space, .msg_controllen = sizeof control.space};
	ssize_t n;
	while ((n = recvmsg(socket, &message, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	struct cmsghdr *header = n > 0 ? CMSG_FIRSTHDR(&message) : NULL;
	if (!header || header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) {
		if (n >= 0)
			errno = EPROTO; /* the container ended, or sent no descriptor */
		return -1;
	}
	int fd;
	memcpy(&fd, CMSG_DATA(header), sizeof fd);
	return fd;
}

/*
 * -t: a terminal of the container's own. /dev/ptmx here is the container's, a link to pts/ptmx: the
 * ptmx of the devpts instance mounted with `newinstance` on /dev/pts (rootfs/dev.ts), so the pair is
 * made in that instance, which the host's /dev/pts does not show (devpts(5)). The master goes to the
 * shim over the socket made before clone (runc's console socket); the slave becomes the controlling
 * terminal of a new session (setsid, TIOCSCTTY: tty_ioctl(4)) and the container's 0-2. The caller's
 * terminal is never handed on, so a TIOCSTI from inside can only push input into this terminal.
 */
static int op_pty(const struct op *op)
{
	(void)op;
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || unlockpt(master) < 0)
		return -1;
	/* TIOCGPTPEER (Linux 4.13) opens the slave from the master itself, with no path to look up. */
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (slave < 0) {
		char name[64];
		if (ptsname_r(master, name, sizeof name) != 0 || (slave = open(name, O_RDWR | O_NOCTTY)) < 0)
			return -1;
	}
	/* The size before the command runs: a shell, or `stty size`, reads it at once. */
	if (caller_size_fd >= 0 && ioctl(slave, TIOCSWINSZ, &caller_size) < 0)
		return -1;
	if (send_fd(io.console[1], master) < 0)
		return -1;
	close(master);
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		return -1;
	for (int fd = 0; fd <= 2; fd++)
		if (dup2(slave, fd) < 0)
			return -1;
	if (slave > 2)
		close(slave);
	return 0;
}

/* ---- network ops: rtnetlink requests (rtnetlink(7)) -------------------------------------------- */

/*
 * One rtnetlink request, built in a buffer: its header, its fixed part (ifinfomsg, ifaddrmsg or
 * rtmsg) and its attributes, some of them nested (IFLA_LINKINFO). 1 KiB holds the largest, the veth.
 */
union netlink_request {
	struct nlmsghdr header;
	char bytes[1024];
};

static void *netlink_start(union netlink_request *request, int type, int flags, size_t fixed)
{
	memset(request, 0, sizeof *request);
	request->header.nlmsg_len = (uint32_t)NLMSG_LENGTH(fixed);
	request->header.nlmsg_type = (uint16_t)type;
	request->header.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	return NLMSG_DATA(&request->header);
}

/* Appends one attribute (its payload may be empty: a nest, closed by netlink_end_nest). */
static struct rtattr *netlink_add(union netlink_request *request, int type, const void *data, size_t length)
{
	struct rtattr *attribute = (struct rtattr *)(request->bytes + NLMSG_ALIGN(request->header.nlmsg_len));
	attribute->rta_type = (unsigned short)type;
	attribute->rta_len = (unsigned short)RTA_LENGTH(length);
	if (data)
		memcpy(RTA_DATA(attribute), data, length);
	request->header.nlmsg_len = (uint32_t)(NLMSG_ALIGN(request->header.nlmsg_len) + RTA_ALIGN(attribute->rta_len));
	return attribute;
}

static void netlink_end_nest(union netlink_request *request, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)(request->bytes + request->header.nlmsg_len - (char *)nest);
}

/*
 * Sends the request on a NETLINK_ROUTE socket of the caller's network namespace (a socket belongs to
 * the namespace it was made in, so the child opens its own) and reads the kernel's answer: with
 * NLM_F_ACK it always answers with an NLMSG_ERROR, whose error is 0 or a negative errno.
 */
static int netlink_talk(union netlink_request *request)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	struct {
		struct nlmsghdr header;
		struct nlmsgerr error;
		char rest[512]; /* the request echoed back, or extended ack attributes */
	} answer;
	ssize_t n = sendto(fd, request, request->header.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel);
	if (n >= 0)
		while ((n = recv(fd, &answer, sizeof answer, 0)) < 0 && errno == EINTR)
			;
	int saved = errno;
	close(fd);
	if (n < 0) {
		errno = saved;
		return -1;
	}
	if (n < (ssize_t)NLMSG_LENGTH(sizeof answer.error) || answer.header.nlmsg_type != NLMSG_ERROR) {
		errno = EPROTO;
		return -1;
	}
	if (answer.error.error) {
		errno = -answer.error.error;
		return -1;
	}
	return 0;
}

/* if_nametoindex(3) in the caller's network namespace; ENODEV (as the kernel says it) when none. */
static int link_index(const char *name)
{
	unsigned int index = if_nametoindex(name);
	if (index == 0 && (errno == ENXIO || errno == 0))
		errno = ENODEV;
	return index ? (int)index : -1;
}

static int link_name_attribute(union netlink_request *request, const char *name)
{
	netlink_add(request, IFLA_IFNAME, name, strlen(name) + 1);
	return 0;
}

/*
 * A MAC address, six hex pairs with colons. One that the kernel would refuse for an Ethernet link
 * (EADDRNOTAVAIL, eth_validate_addr: multicast or all zeros) is refused with the plan.
 */
static int parse_mac(const char *text, unsigned char mac[ETH_ALEN])
{
	unsigned int byte[ETH_ALEN];
	char end;
	if (strlen(text) != 17 || sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &byte[0], &byte[1], &byte[2], &byte[3],
					 &byte[4], &byte[5], &end) != 6)
		return -1;
	int zero = 1;
	for (int i = 0; i < ETH_ALEN; i++) {
		if (!isxdigit((unsigned char)text[3 * i]) || !isxdigit((unsigned char)text[3 * i + 1]))
			return -1;
		mac[i] = (unsigned char)byte[i];
		zero &= mac[i] == 0;
	}
	return zero || (mac[0] & 1) ? -1 : 0;
}

/*
 * A veth pair: HOST in the shim's network namespace, PEER created directly in the container's
 * (VETH_INFO_PEER's own IFLA_NET_NS_PID, drivers/net/veth.c veth_newlink), so no move and no rename
 * follow, and no name of the host's (its own eth0) can collide with it. When the container's network
 * namespace goes, the kernel deletes PEER and with it HOST (a veth's ends go together).
 */
static int host_veth(const struct op *op, pid_t pid, int exit_code)
{
	(void)exit_code;
	union netlink_request request;
	netlink_start(&request, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
	link_name_attribute(&request, op->argv[0]);
	struct rtattr *info = netlink_add(&request, IFLA_LINKINFO, NULL, 0);
	netlink_add(&request, IFLA_INFO_KIND, "veth", 4);
	struct rtattr *data = netlink_add(&request, IFLA_INFO_DATA, NULL, 0);
	struct rtattr *peer = netlink_add(&request, VETH_INFO_PEER, NULL, sizeof(struct ifinfomsg));
	/* its ifinfomsg stays zero (netlink_start cleared the buffer); its attributes follow it */
	link_name_attribute(&request, op->argv[1]);
	unsigned char mac[ETH_ALEN];
	parse_mac(op->argv[2], mac);
	netlink_add(&request, IFLA_ADDRESS, mac, sizeof mac);
	uint32_t netns_pid = (uint32_t)pid;
	netlink_add(&request, IFLA_NET_NS_PID, &netns_pid, sizeof netns_pid);
	netlink_end_nest(&request, peer);
	netlink_end_nest(&request, data);
	netlink_end_nest(&request, info);
	return netlink_talk(&request);
}

/* RTM_NEWLINK on an existing link, named by IFLA_IFNAME (rtnl_setlink looks it up when the index is 0). */
static int set_link(const char *name, int master)
{
	union netlink_request request;
	struct ifinfomsg *link = netlink_start(&request, RTM_NEWLINK, 0, sizeof *link);
	link->ifi_family = AF_UNSPEC;
	link->ifi_flags = IFF_UP;
	link->ifi_change = IFF_UP;
	link_name_attribute(&request, name);
	if (master > 0) {
		uint32_t index = (uint32_t)master;
		netlink_add(&request, IFLA_MASTER, &index, sizeof index);
	}
	return netlink_talk(&request);
}

/*
 * Hairpin mode on a bridge port (IFLA_BRPORT_MODE, BRIDGE_MODE_HAIRPIN): the bridge may send a frame
 * back out of the port it came in by. A container reaching its own published port through the host's
 * address needs it wherever br_netfilter hands bridged frames to iptables (bridge-nf-call-iptables=1,
 * per network namespace since Linux 5.3): the DNAT then happens while the frame is being bridged, and
 * its new destination is behind the port it arrived on. An AF_BRIDGE request (rtnl_bridge_setlink),
 * which names the port by index.
 */
static int set_hairpin(const char *name)
{
	int index = link_index(name);
	if (index < 0)
		return -1;
	union netlink_request request;
	struct ifinfomsg *link = netlink_start(&request, RTM_SETLINK, 0, sizeof *link);
	link->ifi_family = AF_BRIDGE;
	link->ifi_index = index;
	struct rtattr *protinfo = netlink_add(&request, IFLA_PROTINFO | NLA_F_NESTED, NULL, 0);
	uint8_t on = 1;
	netlink_add(&request, IFLA_BRPORT_MODE, &on, sizeof on);
	netlink_end_nest(&request, protinfo);
	return netlink_talk(&request);
}

/* The host end onto its bridge (IFLA_MASTER, a port of it) and up, in one request; then hairpin mode. */
static int host_attach(const struct op *op, pid_t pid, int exit_code)
{
	(void)pid, (void)exit_code;
	int bridge = link_index(op->argv[1]);
	return bridge < 0 || set_link(op->argv[0], bridge) < 0 ? -1 : set_hairpin(op->argv[0]);
}

/* Clean-up: a link that is gone already (the container's namespace took the pair with it) is fine. */
static int host_link_delete(const struct op *op, pid_t pid, int exit_code)
{
	(void)pid, (void)exit_code;
	union netlink_request request;
	netlink_start(&request, RTM_DELLINK, 0, sizeof(struct ifinfomsg));
	link_name_attribute(&request, op->argv[0]);
	return netlink_talk(&request) < 0 && errno != ENODEV ? -1 : 0;
}

/*
 * PROGRAM with ARGV, its stdin INPUT (NULL: the shim's), waited for. posix_spawn reports a failed
 * open or exec as its own error; the child gets a clean signal state (the shim blocks and ignores
 * some, and both are inherited across execve). An exit status other than 0 is EINVAL: the program
 * refused its input, and its own line on stderr says why.
 */
static int run_program_in(char *const argv[], const char *input, char *const envp[])
{
	if (argv[0][0] != '/') {
		errno = EINVAL;
		return -1;
	}
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attributes;
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&actions);
	if (input)
		posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0);
	posix_spawnattr_init(&attributes);
	posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(&attributes, &none);
	posix_spawnattr_setsigdefault(&attributes, &all);
	pid_t child;
	int error = posix_spawn(&child, argv[0], &actions, &attributes, argv, envp);
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attributes);
	if (error) {
		errno = error;
		return -1;
	}
	int status;
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	errno = WIFSIGNALED(status) ? EINTR : EINVAL;
	return -1;
}

/*
 * run_program_in with an empty environment. The shim's own is the container's (its user chose it
 * with -e), and a program of the host's run as root must not take an LD_PRELOAD or a PATH from it:
 * iptables-restore and newuidmap need none.
 */
static int run_program(char *const argv[], const char *input)
{
	static char *const none[] = {NULL};
	return run_program_in(argv, input, none);
}

/*
 * iptables-restore: PROGRAM (an absolute path, resolved by the runtime) with FILE as its stdin and
 * `-w --noflush`: wait for the xtables lock instead of failing while another writer holds it, and
 * add to the tables (or delete from them) instead of replacing them. One process loads all the
 * container's rules in one transaction per table.
 */
static int host_restore_rules(const struct op *op, pid_t pid, int exit_code)
{
	(void)pid, (void)exit_code;
	char *argv[] = {op->argv[0], "-w", "--noflush", NULL};
	return run_program(argv, op->argv[1]);
}

/*
 * `[NAME=VALUE...] PROGRAM [ARG...]`, as env(1) takes it: PROGRAM (an absolute path) with exactly
 * the leading assignments as its environment, never the shim's (that is the container's, which its
 * user chose with -e: a NODE_OPTIONS there must not reach a program of the host's), waited for. The
 * runtime's own work at the end of a --rm container that only the runtime can do (a user network's
 * /etc/hosts files, written again from who is left: network/hosts.ts).
 */
static int host_run_program(const struct op *op, pid_t pid, int exit_code)
{
	(void)pid, (void)exit_code;
	size_t count = op->number[0], assignments = 0;
	char *const *words = &op->argv[1];
	while (assignments < count && words[assignments][0] != '/' && strchr(words[assignments], '='))
		assignments++;
	if (assignments == count) {
		errno = EINVAL; /* no program after the assignments */
		return -1;
	}
	/* Each must be a NULL-terminated array of its own. */
	char **envp = calloc(assignments + 1, sizeof *envp);
	char **argv = calloc(count - assignments + 1, sizeof *argv);
	if (!envp || !argv) {
		free(envp);
		free(argv);
		errno = ENOMEM;
		return -1;
	}
	memcpy(envp, words, assignments * sizeof *envp);
	memcpy(argv, &words[assignments], (count - assignments) * sizeof *argv);
	int result = run_program_in(argv, NULL, envp);
	int saved = errno;
	free(envp);
	free(argv);
	errno = saved;
	return result;
}

/* In the container's network namespace: a link up (lo, eth0). */
static int op_link_up(const struct op *op)
{
	return set_link(op->argv[0], 0);
}

/* An IPv4 address with its prefix on a link (RTM_NEWADDR); the prefix route comes with it. */
static int op_addr(const struct op *op)
{
	int index = link_index(op->argv[0]);
	if (index < 0)
		return -1;
	union netlink_request request;
	struct ifaddrmsg *address = netlink_start(&request, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof *address);
	address->ifa_family = AF_INET;
	address->ifa_prefixlen = (unsigned char)atoi(strchr(op->argv[1], '/') + 1); /* checked with the plan */
	address->ifa_index = (unsigned int)index;
	uint32_t value = (uint32_t)op->number[1];
	netlink_add(&request, IFA_LOCAL, &value, sizeof value);
	netlink_add(&request, IFA_ADDRESS, &value, sizeof value);
	return netlink_talk(&request);
}

/* The default route (0.0.0.0/0) via the gateway out of a link, in the main table (RTM_NEWROUTE). */
static int op_route(const struct op *op)
{
	int index = link_index(op->argv[0]);
	if (index < 0)
		return -1;
	union netlink_request request;
	struct rtmsg *route = netlink_start(&request, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof *route);
	route->rtm_family = AF_INET;
	route->rtm_table = RT_TABLE_MAIN;
	route->rtm_protocol = RTPROT_BOOT;
	route->rtm_scope = RT_SCOPE_UNIVERSE;
	route->rtm_type = RTN_UNICAST;
	uint32_t gateway = (uint32_t)op->number[1], oif = (uint32_t)index;
	netlink_add(&request, RTA_GATEWAY, &gateway, sizeof gateway);
	netlink_add(&request, RTA_OIF, &oif, sizeof oif);
	return netlink_talk(&request);
}

/* ---- chapter 7: hardening. Placeholders (ENOSYS) until each part is written ---------------------- */

/*
 * The five capability sets (capabilities(7)), masks with bit n for capability n: bounding,
 * effective, permitted, inheritable, ambient. In this order, because each step needs what the next
 * takes away:
 * - the bounding set first: PR_CAPBSET_DROP needs CAP_SETPCAP in the effective set, which capset
 *   may remove. Every capability the kernel has but the mask lacks, up to its last (the first one
 *   PR_CAPBSET_READ refuses with EINVAL: no /proc needed). The bounding set only ever shrinks.
 * - capset(2), version 3: two 32-bit words per set (capabilities 0-31, then 32-63); permitted may
 *   only shrink (EPERM), effective and inheritable stay within it (and inheritable within the
 *   bounding set, without CAP_SETPCAP).
 * - the ambient set last: cleared, then each capability raised, which needs it in both permitted
 *   and inheritable (EPERM), as set just before.
 */
_Static_assert(sizeof(unsigned long) == 8, "the 'x' kind holds a 64-bit mask in an unsigned long");

static int op_capabilities(const struct op *op)
{
	uint64_t bounding = op->number[0], effective = op->number[1], permitted = op->number[2];
	uint64_t inheritable = op->number[3], ambient = op->number[4];
	for (int cap = 0; cap < 64 && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (!(bounding & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return -1;
	struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	for (int word = 0; word < _LINUX_CAPABILITY_U32S_3; word++) {
		data[word].effective = (uint32_t)(effective >> (32 * word));
		data[word].permitted = (uint32_t)(permitted >> (32 * word));
		data[word].inheritable = (uint32_t)(inheritable >> (32 * word));
	}
	if (syscall(SYS_capset, &header, data) < 0)
		return -1;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return -1;
	for (int cap = 0; cap < 64; cap++)
		if ((ambient & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return -1;
	return 0;
}

/* prctl(PR_SET_NO_NEW_PRIVS): no execve after it grants privileges (setuid bits, file capabilities). */
static int op_no_new_privs(const struct op *op)
{
	(void)op;
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/* One hex digit's value, or -1. */
static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex pairs into bytes: `*length` bytes, malloc'd; NULL (EINVAL) on an odd count or a bad digit. */
static unsigned char *hex_bytes(const char *hex, size_t *length)
{
	size_t digits = strlen(hex);
	unsigned char *bytes = digits % 2 == 0 ? malloc(digits / 2 + 1) : NULL;
	if (!bytes) {
		errno = digits % 2 ? EINVAL : ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < digits / 2; i++) {
		int high = hex_digit(hex[2 * i]), low = hex_digit(hex[2 * i + 1]);
		if (high < 0 || low < 0) {
			free(bytes);
			errno = EINVAL;
			return NULL;
		}
		bytes[i] = (unsigned char)(high << 4 | low);
	}
	*length = digits / 2;
	return bytes;
}

/*
 * The `b` kind: a classic-BPF program as hex, struct sock_filter[] (8 bytes each: u16 code, u8 jt,
 * u8 jf, u32 k, in the host's byte order). 1 to BPF_MAXINSNS (4096) instructions, which is what
 * seccomp(2) takes (EINVAL otherwise); the number is the count of instructions.
 */
static int parse_bpf_program(const char *text, unsigned long *out)
{
	size_t length = strlen(text);
	const size_t digits = 2 * sizeof(struct sock_filter);
	if (length == 0 || length % digits != 0 || length / digits > BPF_MAXINSNS)
		return -1;
	for (const char *p = text; *p; p++)
		if (hex_digit(*p) < 0)
			return -1;
	*out = length / digits;
	return 0;
}

/*
 * seccomp(SECCOMP_SET_MODE_FILTER): from here on the kernel runs the program on every system call of
 * this process and of everything it execs, for good (seccomp(2)). Without no_new_privs the kernel
 * asks for CAP_SYS_ADMIN (EACCES otherwise): privileges.ts orders the steps.
 */
static int op_seccomp(const struct op *op)
{
	size_t length;
	struct sock_filter *program = (struct sock_filter *)hex_bytes(op->argv[0], &length);
	if (!program)
		return -1;
	struct sock_fprog fprog = {.len = (unsigned short)op->number[0], .filter = program};
	long result = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog);
	int saved = errno;
	free(program);
	errno = saved;
	return result < 0 ? -1 : 0;
}

/*
 * unshare(2) of the plan's CLONE_NEW* flags (checked with the plan: namespace flags only). Chapter 7
 * uses it for the cgroup namespace, which cannot be one of clone's flags: a new cgroup namespace's
 * root is the cgroup its maker is in at that moment (cgroup_namespaces(7)), and at clone the child is
 * still in the shim's cgroups. After its `join` ops it is in its own, and that becomes its "/".
 */
static int op_unshare(const struct op *op)
{
	return unshare((int)op->number[0]);
}

/*
 * The container becomes its user namespace's root (uid and gid 0 there: on the host, the first ids
 * of its map). The child of clone(CLONE_NEWUSER) still has the caller's ids, which its own namespace
 * does not map (it is "nobody" there), with every capability in that namespace. The gid first, and
 * the supplementary groups (the caller's, unmapped too) dropped, while CAP_SETGID is still there; the
 * uid last. Becoming uid 0 from an unmapped uid keeps the capabilities (capabilities(7), "Effect of
 * user ID changes on capabilities": only leaving 0 clears them). Changing credentials clears the
 * parent-death signal (commit_creds in kernel/cred.c): it is set again, so the container still dies
 * with its shim.
 */
static int op_identity(const struct op *op)
{
	uid_t uid = (uid_t)op->number[0];
	gid_t gid = (gid_t)op->number[1];
	if (setresgid(gid, gid, gid) < 0 || setgroups(0, NULL) < 0 || setresuid(uid, uid, uid) < 0)
		return -1;
	return prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/*
 * cgroup v2's devices: the eBPF program (struct bpf_insn[], built by security/devices.ts) loaded as
 * BPF_PROG_TYPE_CGROUP_DEVICE and attached to the container's cgroup directory (bpf(2)). The kernel
 * runs it at each mknod and open of a device node by a process of the cgroup; 0 refuses (EPERM).
 * BPF_F_ALLOW_MULTI: a program a parent cgroup has (systemd's) still runs too, and both must allow.
 * The program's fd is closed at once: the attachment holds the program until the cgroup is removed.
 * The license string is the kernel's MODULE_LICENSE's; the program calls no GPL-only helper, so
 * "Apache" (runc's) is accepted. The verifier's log goes to stderr if the kernel refuses the program.
 */
static int host_device_program(const struct op *op, pid_t pid, int exit_code)
{
	(void)pid, (void)exit_code;
	size_t length;
	unsigned char *program = hex_bytes(op->argv[1], &length);
	if (!program)
		return -1;
	if (length == 0 || length % sizeof(struct bpf_insn)) {
		free(program);
		errno = EINVAL;
		return -1;
	}
	static char log[16384];
	log[0] = '\0';
	union bpf_attr load;
	memset(&load, 0, sizeof load);
	load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	load.insns = (uint64_t)(uintptr_t)program;
	load.insn_cnt = (uint32_t)(length / sizeof(struct bpf_insn));
	load.license = (uint64_t)(uintptr_t) "Apache";
	load.log_buf = (uint64_t)(uintptr_t)log;
	load.log_size = sizeof log;
	load.log_level = 1;
	int fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load);
	int saved = errno;
	free(program);
	if (fd < 0) {
		if (log[0])
			fprintf(stderr, "mydocker: the kernel's verifier refused the device program:\n%s", log);
		errno = saved;
		return -1;
	}
	int cgroup = open(op->argv[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int result = -1;
	if (cgroup >= 0) {
		union bpf_attr attach;
		memset(&attach, 0, sizeof attach);
		attach.target_fd = (uint32_t)cgroup;
		attach.attach_bpf_fd = (uint32_t)fd;
		attach.attach_type = BPF_CGROUP_DEVICE;
		attach.attach_flags = BPF_F_ALLOW_MULTI;
		result = (int)syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof attach);
	}
	saved = errno;
	if (cgroup >= 0)
		close(cgroup);
	close(fd);
	errno = saved;
	return result < 0 ? -1 : 0;
}

/*
 * A user namespace's id map (user_namespaces(7), "User and group ID mappings"): MAP is uid or gid,
 * RANGES the triples "inside outside count ...". PROGRAM empty: the shim (root) writes
 * /proc/<pid>/<map>_map itself, in one write(2), as the kernel takes it (a second write is refused:
 * the map is set once). Rootless, the kernel lets an unprivileged writer map only its own id, so the
 * setuid helper PROGRAM (newuidmap, newgidmap from shadow's uidmap) writes it, after checking the
 * ranges against /etc/subuid or /etc/subgid: `PROGRAM <pid> inside outside count ...`.
 */
static int host_id_map(const struct op *op, pid_t pid, int exit_code)
{
	(void)exit_code;
	const char *map = op->argv[0], *program = op->argv[1], *ranges = op->argv[2];
	if (strcmp(map, "uid") != 0 && strcmp(map, "gid") != 0) {
		errno = EINVAL;
		return -1;
	}
	char pid_text[16];
	snprintf(pid_text, sizeof pid_text, "%d", (int)pid);
	char *copy = strdup(ranges);
	if (!copy)
		return -1;
	int result;
	if (program[0] == '\0') {
		/* The triples, three to a line. */
		int field = 0;
		for (char *p = copy; *p; p++)
			if (*p == ' ' && ++field % 3 == 0)
				*p = '\n';
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/%s_map", (int)pid, map);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		size_t length = strlen(copy);
		ssize_t n = fd < 0 ? -1 : write(fd, copy, length);
		int saved = errno;
		if (fd >= 0)
			close(fd);
		errno = n >= 0 && (size_t)n != length ? EIO : saved;
		result = n >= 0 && (size_t)n == length ? 0 : -1;
	} else {
		char *argv[3 + 3 * 340] = {(char *)program, pid_text};
		int argc = 2;
		for (char *word = strtok(copy, " "); word && argc < (int)(sizeof argv / sizeof *argv) - 1;
		     word = strtok(NULL, " "))
			argv[argc++] = word;
		argv[argc] = NULL;
		result = run_program(argv, NULL);
	}
	int saved = errno;
	free(copy);
	errno = saved;
	return result;
}

/*
 * The container's input from whoever connects (-i, detached; chapter 8's attach). The supervisor
 * holds the write end of the container's stdin pipe (or its terminal's master, with -t); with this
 * op it also listens on a unix socket at PATH, and the bytes of every connection become the
 * container's input, in the order they come: a daemon passes its client's keys on without being in
 * the way (it connects, and may go; the container's stdin stays open), as conmon's attach socket does
 * for podman. ONCE (docker's StdinOnce): the first connection's end is the end of the container's
 * input. The supervisor never blocks on it: the input is non-blocking, and what it cannot take yet
 * waits while no connection is read (a writer then waits in its socket's buffer).
 */
#define INPUT_CLIENTS 8
static struct {
	int listener; /* -1: no input socket */
	const char *path;
	int once;
	int target; /* the pipe's write end or the master, once supervise() starts; -1: nowhere */
	int clients[INPUT_CLIENTS];
	char pending[4096];
	size_t length, offset;
} input = {.listener = -1, .target = -1, .clients = {-1, -1, -1, -1, -1, -1, -1, -1}};

static int host_input_socket(const struct op *op, pid_t pid, int exit_code)
{
	(void)pid;
	(void)exit_code;
	const char *path = op->argv[0], *name = strrchr(path, '/');
	/* Only a container with an input to give: its stdin pipe (-i), or a terminal (made by now). */
	if (input.listener >= 0 || !name || name[1] == '\0' || (io.in[1] < 0 && io.console[0] < 0)) {
		errno = EINVAL;
		return -1;
	}
	/*
	 * sun_path holds 108 bytes (unix(7)) and a state root's path may be longer: the directory is
	 * reached through a descriptor of its own, /proc/self/fd/N, which the name is then made in.
	 */
	char dir_path[PATH_MAX];
	snprintf(dir_path, sizeof dir_path, "%.*s", (int)(name - path), path);
	int dir = open(dir_path[0] ? dir_path : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -1;
	struct sockaddr_un address = {.sun_family = AF_UNIX};
	int length = snprintf(address.sun_path, sizeof address.sun_path, "/proc/self/fd/%d%s", dir, name);
	int fd = length < (int)sizeof address.sun_path ? socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)
						       : (errno = ENAMETOOLONG, -1);
	int result = -1;
	if (fd >= 0) {
		mode_t mask = umask(0177); /* the socket is root's alone, as the directory it is in */
		result = bind(fd, (struct sockaddr *)&address, sizeof address) < 0 || listen(fd, INPUT_CLIENTS) < 0 ? -1
														    : 0;
		umask(mask);
	}
	int saved = errno;
	close(dir);
	if (result < 0) {
		if (fd >= 0)
			close(fd);
		errno = saved;
		return -1;
	}
	input.listener = fd;
	input.path = path;
	input.once = op->number[1] != 0;
	return 0;
}

/* ---- the tables of ops: the protocol's one list on this side (README.md, "Operations") ------- */

/*
 * One letter per argument, checked for every op of the plan before anything is made:
 *   s  a string (any bytes but NUL; empty is allowed)
 *   f  decimal mount flags, 0 to ULONG_MAX (mount(2)'s unsigned long)
 *   i  decimal flags, 0 to INT_MAX (umount2(2)'s int)
 *   p  octal permission bits, 0 to 07777
 *   m  octal mode with the file type, 0 to 0177777 (S_IFMT | 07777)
 *   d  decimal device number, 0 to UINT_MAX (makedev(3)'s unsigned int)
 *   n  decimal count, 1 to INT_MAX, of the arguments that follow the fixed ones (exec's argv); last
 *   c  one namespace's decimal CLONE_NEW* flag (setns(2)'s nstype; 0, "any type", is refused)
 *   l  an interface name as the kernel takes it (dev_valid_name): 1 to 15 bytes (IFNAMSIZ 16 with
 *      its NUL), not "." or "..", no '/', ':' or blank
 *   4  an IPv4 address, dotted quad (inet_pton(3)); parsed into the number, in network byte order
 *   a  an IPv4 address and prefix length, 10.88.0.2/16: the prefix from 0 to 32
 *   u  decimal CLONE_NEW* flags, one or more (unshare(2)'s): no other bit, not 0
 *   x  a 64-bit hex mask, 0x0 to 0xffffffffffffffff (a capability set: bit n is capability n)
 *   b  a classic-BPF program, hex of struct sock_filter[]: 1 to 4096 instructions (the number)
 */
struct op_spec {
	const char *name;
	const char *args;
	int subject; /* the argument that names what the op acted on, for messages: `mount /proc: EPERM` */
	int subjects; /* 2: it and the next one name it (`addr eth0 10.88.0.2/16`); else 1 */
	int (*run_container)(const struct op *op);
	int (*run_host)(const struct op *op, pid_t pid, int exit_code);
};

static const struct op_spec container_ops[] = {
	{.name = "join", .args = "s", .subject = 0, .run_container = op_join},
	{.name = "mount", .args = "sssfs", .subject = 1, .run_container = op_mount},
	{.name = "sethostname", .args = "s", .subject = 0, .run_container = op_sethostname},
	{.name = "pivot_root", .args = "ss", .subject = 0, .run_container = op_pivot_root},
	{.name = "chroot", .args = "s", .subject = 0, .run_container = op_chroot},
	{.name = "chdir", .args = "s", .subject = 0, .run_container = op_chdir},
	{.name = "umount2", .args = "si", .subject = 0, .run_container = op_umount2},
	{.name = "mkdir", .args = "sp", .subject = 0, .run_container = op_mkdir},
	{.name = "rmdir", .args = "s", .subject = 0, .run_container = op_rmdir},
	{.name = "mknod", .args = "smdd", .subject = 0, .run_container = op_mknod},
	{.name = "symlink", .args = "ss", .subject = 1, .run_container = op_symlink},
	{.name = "setns", .args = "sc", .subject = 0, .run_container = op_setns},
	{.name = "pty", .args = "", .subject = 0, .run_container = op_pty},
	{.name = "exec", .args = "sn", .subject = 2, .run_container = op_exec}, /* its command, argv[0] */
	{.name = "link-up", .args = "l", .subject = 0, .run_container = op_link_up},
	{.name = "addr", .args = "la", .subject = 0, .subjects = 2, .run_container = op_addr},
	{.name = "route", .args = "l4", .subject = 0, .subjects = 2, .run_container = op_route},
	{.name = "capabilities", .args = "xxxxx", .subject = 0, .run_container = op_capabilities},
	{.name = "no-new-privs", .args = "", .subject = 0, .run_container = op_no_new_privs},
	{.name = "seccomp", .args = "b", .subject = 1, .run_container = op_seccomp}, /* no subject: the program */
	{.name = "unshare", .args = "u", .subject = 0, .run_container = op_unshare},
	{.name = "identity", .args = "dd", .subject = 0, .subjects = 2, .run_container = op_identity},
	{0},
};

/* Ops the shim runs on itself, in order, before clone: they act on the calling process, as container ops do. */
static const struct op_spec enter_ops[] = {
	{.name = "setns", .args = "sc", .subject = 0, .run_container = op_setns},
	{0},
};

static const struct op_spec host_ops[] = {
	{.name = "write", .args = "ss", .subject = 0, .run_host = host_write},
	{.name = "set", .args = "ss", .subject = 0, .run_host = host_set},
	{.name = "mkdir", .args = "s", .subject = 0, .run_host = host_mkdir},
	{.name = "unlink", .args = "s", .subject = 0, .run_host = host_unlink},
	{.name = "rmdir", .args = "s", .subject = 0, .run_host = host_rmdir},
	{.name = "remove-tree", .args = "s", .subject = 0, .run_host = host_remove_tree},
	{.name = "veth", .args = "lle", .subject = 0, .subjects = 2, .run_host = host_veth},
	{.name = "attach", .args = "ll", .subject = 0, .subjects = 2, .run_host = host_attach},
	{.name = "link-delete", .args = "l", .subject = 0, .run_host = host_link_delete},
	{.name = "restore-rules", .args = "ss", .subject = 1, .run_host = host_restore_rules},
	{.name = "run-program", .args = "n", .subject = 1, .run_host = host_run_program}, /* its first word */
	{.name = "device-program", .args = "ss", .subject = 0, .run_host = host_device_program},
	{.name = "id-map", .args = "sss", .subject = 0, .run_host = host_id_map},
	{.name = "input-socket", .args = "si", .subject = 0, .run_host = host_input_socket},
	{0},
};

struct number_kind {
	char letter;
	int base;
	unsigned long min, max;
	const char *what;
	unsigned long one_bit_of; /* if not 0: the number must be exactly one of these bits */
	int (*parse)(const char *text, unsigned long *out); /* if set: it checks, not base, min and max */
};

/* dev_valid_name() in net/core/dev.c: what the kernel would refuse (EINVAL) is refused with the plan. */
static int parse_interface_name(const char *text, unsigned long *out)
{
	size_t length = strlen(text);
	if (length == 0 || length >= IFNAMSIZ || !strcmp(text, ".") || !strcmp(text, ".."))
		return -1;
	for (const char *p = text; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return -1;
	*out = length;
	return 0;
}

static int parse_ipv4(const char *text, unsigned long *out)
{
	struct in_addr address;
	if (inet_pton(AF_INET, text, &address) != 1)
		return -1;
	*out = address.s_addr;
	return 0;
}

static int parse_ipv4_prefix(const char *text, unsigned long *out)
{
	char address[INET_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	unsigned long prefix;
	if (!slash || (size_t)(slash - text) >= sizeof address)
		return -1;
	memcpy(address, text, (size_t)(slash - text));
	address[slash - text] = '\0';
	return parse_number(slash + 1, 10, 0, 32, &prefix) < 0 ? -1 : parse_ipv4(address, out);
}

static int parse_mac_argument(const char *text, unsigned long *out)
{
	unsigned char mac[ETH_ALEN];
	*out = 0;
	return parse_mac(text, mac);
}

#define CLONE_NEW_ANY                                                                                                  \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |   \
	 CLONE_NEWTIME)

/* unshare(2)'s flags as the plan may give them: namespaces only (never CLONE_FS, CLONE_FILES, ...). */
static int parse_namespace_flags(const char *text, unsigned long *out)
{
	return parse_number(text, 10, 1, INT_MAX, out) < 0 || (*out & ~(unsigned long)CLONE_NEW_ANY) ? -1 : 0;
}

static const struct number_kind number_kinds[] = {
	{'f', 10, 0, ULONG_MAX, "a decimal number", 0, NULL},
	{'i', 10, 0, INT_MAX, "a decimal number up to 2147483647", 0, NULL},
	{'p', 8, 0, 07777, "an octal mode up to 7777", 0, NULL},
	{'m', 8, 0, 0177777, "an octal mode up to 177777", 0, NULL},
	{'d', 10, 0, UINT_MAX, "a decimal number up to 4294967295", 0, NULL},
	{'n', 10, 1, INT_MAX, "a decimal count from 1", 0, NULL},
	{'c', 10, 1, INT_MAX, "one CLONE_NEW* namespace flag", CLONE_NEW_ANY, NULL},
	{'l', 0, 0, 0, "an interface name of 1 to 15 bytes without '/', ':' or blanks", 0, parse_interface_name},
	{'4', 0, 0, 0, "an IPv4 address", 0, parse_ipv4},
	{'a', 0, 0, 0, "an IPv4 address/prefix length (0 to 32)", 0, parse_ipv4_prefix},
	{'e', 0, 0, 0, "a unicast MAC address like 02:42:ac:11:00:02", 0, parse_mac_argument},
	{'u', 0, 0, 0, "CLONE_NEW* namespace flags", 0, parse_namespace_flags},
	{'x', 16, 0, ULONG_MAX, "a hex mask like 0xa80425fb", 0, NULL},
	{'b', 0, 0, 0, "a BPF program: hex of 1 to 4096 struct sock_filter (16 digits each)", 0, parse_bpf_program},
	{0, 0, 0, 0, NULL, 0, NULL},
};

/* The argument that names what an op acted on, for messages (`mount ... /proc: EPERM`). */
static const char *op_subject(const struct op *op)
{
	static char both[64];
	int first = op->spec->subject;
	if (first >= op->argc)
		return "";
	if (op->spec->subjects != 2 || first + 1 >= op->argc)
		return op->argv[first];
	snprintf(both, sizeof both, "%s %s", op->argv[first], op->argv[first + 1]);
	return both;
}

static int is_exec(const struct op *op)
{
	return op->spec->run_container == op_exec;
}

/* ---- reading and checking the plan: all of it, before anything is made ------------------------ */

static void bad_plan(const char *why)
{
	fprintf(stderr, "mydocker-shim: malformed plan from the runtime (%s); start containers with mydocker\n", why);
	exit(EXIT_RUNTIME_ERROR);
}

/*
 * An op the table does not hold, the wrong number of arguments, or a number out of its range: the
 * runtime and this shim are out of step. Said before clone, so nothing was made that needs undoing.
 */
static void refuse_op(const char *section, int index, const char *name, const char *why)
{
	fprintf(stderr, "mydocker-shim: plan refused, %s step %d, %s: %s (the runtime and the shim are out of step)\n",
		section, index + 1, name, why);
	exit(EXIT_RUNTIME_ERROR);
}

/* Finds the op in its table and checks its arguments against the entry, parsing its numbers. */
static void check_op(const struct op_spec *table, const char *section, int index, struct op *op)
{
	char why[160];
	for (op->spec = table; op->spec->name && strcmp(op->spec->name, op->name) != 0; op->spec++)
		;
	if (!op->spec->name)
		refuse_op(section, index, op->name, "unknown op");
	int fixed = (int)strlen(op->spec->args);
	long expected = fixed;
	if (op->argc < fixed) {
		snprintf(why, sizeof why, "%d arguments, expected %d", op->argc, fixed);
		refuse_op(section, index, op->name, why);
	}
	for (int i = 0; i < fixed; i++) {
		char letter = op->spec->args[i];
		if (letter == 's')
			continue;
		const struct number_kind *kind = number_kinds;
		while (kind->letter && kind->letter != letter)
			kind++;
		if (!kind->letter)
			refuse_op(section, index, op->name,
				  "the shim's table gives it an argument kind it does not define");
		unsigned long *value = &op->number[i];
		if ((kind->parse ? kind->parse(op->argv[i], value)
				 : parse_number(op->argv[i], kind->base, kind->min, kind->max, value)) < 0 ||
		    (kind->one_bit_of && ((*value & (*value - 1)) || !(*value & kind->one_bit_of)))) {
			snprintf(why, sizeof why, "argument %d is \"%.40s\", not %s", i + 1, op->argv[i], kind->what);
			refuse_op(section, index, op->name, why);
		}
		if (letter == 'n')
			expected += (long)op->number[i];
	}
	if (op->argc != expected) {
		snprintf(why, sizeof why, "%d arguments, expected %ld", op->argc, expected);
		refuse_op(section, index, op->name, why);
	}
}

/* Parses `NAME N OP...` at argv[*at], advancing *at past it, and checks each op against `table`. */
static void parse_section(int argc, char **argv, int *at, const char *name, const struct op_spec *table,
			  struct section *section)
{
	unsigned long count;
	if (*at + 1 >= argc || strcmp(argv[*at], name) != 0 ||
	    parse_number(argv[*at + 1], 10, 0, (unsigned long)argc, &count) < 0)
		bad_plan(name);
	section->count = (int)count;
	*at += 2;
	section->ops = calloc((size_t)section->count + 1, sizeof *section->ops);
	if (!section->ops)
		bad_plan("out of memory");
	for (int i = 0; i < section->count; i++) {
		unsigned long op_argc;
		if (*at + 1 >= argc ||
		    parse_number(argv[*at + 1], 10, 0, (unsigned long)(argc - *at - 2), &op_argc) < 0)
			bad_plan(name);
		struct op *op = &section->ops[i];
		op->name = argv[*at];
		op->argc = (int)op_argc;
		op->argv = &argv[*at + 2];
		*at += 2 + op->argc;
		check_op(table, name, i, op);
	}
}

static void parse_plan(int argc, char **argv, struct plan *plan)
{
	if (argc < 5 || strcmp(argv[1], "2") != 0)
		bad_plan("version");
	if (parse_number(argv[2], 10, 0, ULONG_MAX, &plan->clone_flags) < 0)
		bad_plan("clone flags");
	if (strcmp(argv[3], "null") == 0)
		plan->stdin_mode = STDIN_NULL;
	else if (strcmp(argv[3], "inherit") == 0)
		plan->stdin_mode = STDIN_INHERIT;
	else
		bad_plan("stdin");
	if (strcmp(argv[4], "inherit") == 0)
		plan->log_path = NULL;
	else if (argv[4][0] == '/')
		plan->log_path = argv[4];
	else
		bad_plan("output");
	int at = 5;
	parse_section(argc, argv, &at, "enter", enter_ops, &plan->enter);
	parse_section(argc, argv, &at, "container", container_ops, &plan->container);
	parse_section(argc, argv, &at, "created", host_ops, &plan->created);
	parse_section(argc, argv, &at, "ended", host_ops, &plan->ended);
	parse_section(argc, argv, &at, "failed", host_ops, &plan->failed);
	if (at != argc)
		bad_plan("trailing arguments");
	for (int i = 0; i < plan->container.count; i++)
		if (plan->container.ops[i].spec->run_container == op_pty)
			plan->has_pty = 1;
}

/* ---- running the plan ---------------------------------------------------------------------- */

/* Runs a host section; returns the index of the op that failed (errno set), or -1. */
static int run_host_section(const struct section *section, pid_t pid, int exit_code)
{
	for (int i = 0; i < section->count; i++)
		if (section->ops[i].spec->run_host(&section->ops[i], pid, exit_code) < 0)
			return i;
	return -1;
}

/*
 * Every op is tried, and a failing one is reported in one line but does not stop the rest: clean-up
 * (`failed`), and the `ended` ops, where a cgroup that cannot be removed must not keep the state
 * unwritten.
 */
static void run_every_host_op(const struct section *section, pid_t pid, int exit_code, const char *when)
{
	for (int i = 0; i < section->count; i++) {
		const struct op *op = &section->ops[i];
		if (op->spec->run_host(op, pid, exit_code) < 0)
			fprintf(stderr, "mydocker: %s %s %s: %s (%s)\n", when, op->name, op_subject(op),
				error_name(errno), error_text(errno));
	}
}

/*
 * The container's 0-2, before its set-up steps. In the foreground: the caller's (stdin /dev/null
 * without -i). Detached: never the caller's, which would keep a `$(mydocker run -d ...)` waiting for
 * their end: the log pipes, and /dev/null or the held stdin pipe. With -t the `pty` op then replaces
 * all three with its terminal.
 */
static int connect_stdio(const struct plan *plan)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return -1;
	int in = plan->stdin_mode == STDIN_NULL ? null : plan->log_path && io.in[0] >= 0 ? io.in[0] : 0;
	int out = plan->log_path ? (io.out[1] >= 0 ? io.out[1] : null) : 1;
	int err = plan->log_path ? (io.err[1] >= 0 ? io.err[1] : null) : 2;
	if ((in != 0 && dup2(in, 0) < 0) || (out != 1 && dup2(out, 1) < 0) || (err != 2 && dup2(err, 2) < 0))
		return -1;
	if (null > 2)
		close(null);
	return 0;
}

/* Runs in the new namespaces. Never returns: it execs the user's command or exits 125. */
static void container_main(const struct plan *plan, int barrier_fd, int error_fd)
{
	/*
	 * If the shim is killed, the container goes with it rather than living on unsupervised. (Had it
	 * died before prctl() took effect, the barrier read below sees EOF. getppid() cannot tell: in a
	 * new PID namespace it returns 0.)
	 */
	prctl(PR_SET_PDEATHSIG, SIGKILL);

	char go;
	if (read_full(barrier_fd, &go, 1) < 0)
		_exit(EXIT_RUNTIME_ERROR); /* the shim gave up on this container, or died */
	close(barrier_fd);

	/*
	 * Start the user's command with a clean signal state: a handler becomes SIG_DFL across execve,
	 * but an ignored signal stays ignored and a blocked one stays blocked.
	 */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	/*
	 * glibc keeps 32 and 33 for itself (SIGCANCEL, SIGSETXID): its signal() refuses them, and its
	 * posix_spawn leaves them ignored in the program it starts, as the daemon starts this shim
	 * (solutions/src/shim/spawn.ts). The kernel's own call resets them. Every field but the handler
	 * is zero, so the struct's layout (with or without sa_restorer) does not matter.
	 */
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		unsigned long mask;
	} default_action = {SIG_DFL, 0, NULL, 0};
	for (int sig = 32; sig < SIGRTMIN; sig++)
		syscall(SYS_rt_sigaction, sig, &default_action, NULL, sizeof default_action.mask);

	if (connect_stdio(plan) < 0) {
		perror("mydocker: the container's stdio");
		_exit(EXIT_RUNTIME_ERROR);
	}
	/*
	 * Node opens its stdio with O_CLOEXEC: a command exec'd with FD_CLOEXEC on 1 and 2 starts with no
	 * output at all. Clear it on 0-2, and make every other inherited descriptor close on exec, so the
	 * container gets only its stdio (the error pipe must stay open until the exec itself).
	 */
	for (int fd = 0; fd <= 2; fd++)
		fcntl(fd, F_SETFD, 0);
	if (syscall(SYS_close_range, 3, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */) < 0)
		for (int fd = 3; fd < 1024; fd++)
			if (fd != error_fd)
				fcntl(fd, F_SETFD, FD_CLOEXEC);

	for (int step = 0; step < plan->container.count; step++) {
		const struct op *op = &plan->container.ops[step];
		if (op->spec->run_container(op) < 0) {
			int report[2] = {step, errno};
			write_full(error_fd, report, sizeof report);
			_exit(EXIT_RUNTIME_ERROR);
		}
	}
	int report[2] = {plan->container.count, ENOEXEC}; /* a plan without exec */
	write_full(error_fd, report, sizeof report);
	_exit(EXIT_RUNTIME_ERROR);
}

/* ---- the log: docker's json-file lines ----------------------------------------------------- */

/* docker's json-file cuts a line that has no newline at 16 KiB (the size of its reader's buffer). */
#define LOG_LINE_MAX 16384

static int log_fd = -1;
static off_t log_size; /* what the file holds of whole records: a short write is cut back to it */

/* The bytes as a JSON string's content: `"`, `\` and control characters escaped, the rest as they are. */
static char *json_escape(char *out, const char *text, size_t length)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < length; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '"' || c == '\\') {
			*out++ = '\\';
			*out++ = (char)c;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			*out++ = '\\';
			*out++ = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		} else if (c < 0x20) {
			memcpy(out, "\\u00", 4);
			out[4] = hex[c >> 4];
			out[5] = hex[c & 15];
			out += 6;
		} else {
			*out++ = (char)c;
		}
	}
	return out;
}

/*
 * One record, `{"log":"...","stream":"stdout","time":"..."}` and a newline, in one write(2) to a file
 * opened with O_APPEND: a reader (`logs -f`) never sees half a record. When the disk is full the
 * record is dropped, as docker's json-file drops it, and a short write is cut off again (ftruncate) so
 * that no half JSON line stays in the file. The container is never held up by its log.
 */
static void log_record(const char *stream, const char *text, size_t length)
{
	static char record[LOG_LINE_MAX * 6 + 96]; /* every byte escaped as \u00XX, and the fields */
	char time[40];
	rfc3339_now(time);
	char *end = json_escape(stpcpy(record, "{\"log\":\""), text, length);
	end += sprintf(end, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", stream, time);
	size_t size = (size_t)(end - record);
	ssize_t n;
	while ((n = write(log_fd, record, size)) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)size)
		log_size += n;
	else if (n > 0 && ftruncate(log_fd, log_size) < 0) {
		/* nothing more to do: the next record starts a line of its own after the torn one */
	}
}

/*
 * One of the container's outputs as the supervisor reads it: the pipe of its stdout or stderr, or
 * the master of its terminal. `relay` >= 0: written on to that descriptor (a foreground -t). Else
 * logged as lines of `name`: each line with its newline, 16 KiB without one, the rest at the end.
 */
struct stream {
	int fd; /* -1 once it ended */
	int relay;
	const char *name;
	size_t length; /* an unfinished line */
	char line[LOG_LINE_MAX];
};

static void end_stream(struct stream *stream)
{
	if (stream->relay < 0 && stream->length > 0)
		log_record(stream->name, stream->line, stream->length);
	stream->length = 0;
	close(stream->fd);
	stream->fd = -1;
}

/* Reads once what poll(2) said is there. */
static void pump(struct stream *stream)
{
	ssize_t n = read(stream->fd, stream->line + stream->length, LOG_LINE_MAX - stream->length);
	if (n < 0 && (errno == EINTR || errno == EAGAIN)) /* EAGAIN: a master made non-blocking for input */
		return;
	if (n <= 0) { /* the end; a terminal's master says EIO once its slave is closed everywhere */
		end_stream(stream);
		return;
	}
	if (stream->relay >= 0) {
		write_full(stream->relay, stream->line, (size_t)n); /* a caller gone (EPIPE): dropped */
		return;
	}
	char *start = stream->line, *end = stream->line + stream->length + n, *newline;
	while ((newline = memchr(start, '\n', (size_t)(end - start)))) {
		log_record(stream->name, start, (size_t)(newline + 1 - start));
		start = newline + 1;
	}
	stream->length = (size_t)(end - start);
	if (stream->length == LOG_LINE_MAX) {
		log_record(stream->name, stream->line, LOG_LINE_MAX);
		stream->length = 0;
	} else {
		memmove(stream->line, start, stream->length);
	}
}

/* ---- the container's input from the input socket (host_input_socket) ------------------------ */

/* No more input: ONCE's first end, or a container that closed its stdin. A master stays: it is the output too. */
static void end_input(void)
{
	for (int i = 0; i < INPUT_CLIENTS; i++)
		close_if_open(&input.clients[i]);
	close_if_open(&input.listener);
	input.length = input.offset = 0;
	if (input.target >= 0 && input.target == io.in[1])
		close_if_open(&io.in[1]);
	input.target = -1;
}

static void accept_input(void)
{
	int fd = accept4(input.listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	for (int i = 0; i < INPUT_CLIENTS; i++)
		if (input.clients[i] < 0) {
			input.clients[i] = fd;
			return;
		}
	close(fd); /* more at once than docker ever attaches */
}

/* Writes what is pending, as far as the input takes it now. */
static void flush_input(void)
{
	while (input.offset < input.length) {
		ssize_t n = write(input.target, input.pending + input.offset, input.length - input.offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) { /* EPIPE: nobody reads the container's stdin any more; EIO: its terminal is gone */
			end_input();
			return;
		}
		input.offset += (size_t)n;
	}
	input.length = input.offset = 0;
}

static void read_input(int slot)
{
	ssize_t n = read(input.clients[slot], input.pending, sizeof input.pending);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0) {
		input.length = (size_t)n;
		input.offset = 0;
		flush_input();
		return;
	}
	close_if_open(&input.clients[slot]);
	if (input.once)
		end_input();
}

/* ---- the caller's terminal (-it in the foreground) ----------------------------------------- */

static struct termios caller_termios;
static int caller_is_raw;

static void restore_terminal(void)
{
	if (caller_is_raw && tcsetattr(0, TCSADRAIN, &caller_termios) == 0)
		caller_is_raw = 0;
}

/*
 * Raw mode (termios(3), cfmakeraw): every key goes to the container's terminal as it is typed, and
 * Ctrl-C is a byte there, whose line discipline makes it SIGINT for the container's foreground
 * group. Restored at exit (atexit). The shim takes SIGTERM and SIGHUP through its signalfd and
 * forwards them, so it is never ended by them with the terminal raw; SIGKILL cannot be caught:
 * after a kill -9 of the shim, `reset` (or `stty sane`) gives the terminal back.
 */
static void make_terminal_raw(void)
{
	if (tcgetattr(0, &caller_termios) < 0)
		return;
	struct termios raw = caller_termios;
	cfmakeraw(&raw);
	if (tcsetattr(0, TCSADRAIN, &raw) == 0) {
		caller_is_raw = 1;
		atexit(restore_terminal);
	}
}

/* The caller's window size onto the container's terminal (a resize: SIGWINCH). */
static void pass_window_size(int master)
{
	if (caller_size_fd >= 0 && ioctl(caller_size_fd, TIOCGWINSZ, &caller_size) == 0)
		ioctl(master, TIOCSWINSZ, &caller_size);
}

/* ---- the shim ------------------------------------------------------------------------------ */

/*
 * The signals the shim takes through a signalfd (signalfd(2)), blocked from before clone, so none is
 * lost and none ends the shim before its `ended` ops. The child unblocks them (container_main).
 */
static int supervised_signals(sigset_t *set)
{
	int signals[] = {SIGCHLD, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGINT, SIGQUIT, SIGWINCH};
	sigemptyset(set);
	for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
		sigaddset(set, signals[i]);
	signal(SIGPIPE, SIG_IGN);
	return sigprocmask(SIG_BLOCK, set, NULL);
}

/* Detached: the supervisor's pipe to the CLI process, which waits for the start's outcome. */
static int report_fd = -1;

/* The container runs: the CLI process may print the id and go. Nothing of the caller's stays open. */
static void report_started(void)
{
	if (report_fd < 0)
		return;
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 2);
		close(null);
	}
	int code = 0;
	write_full(report_fd, &code, sizeof code);
	close(report_fd);
	report_fd = -1;
}

/* The container never started: clean up, say why in one line, and return docker's exit code. */
static int start_failed(const struct plan *plan, pid_t pid, const char *message, int code)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	fprintf(stderr, "mydocker: %s\n", message);
	run_every_host_op(&plan->failed, pid, EXIT_RUNTIME_ERROR, "clean-up");
	if (report_fd >= 0)
		write_full(report_fd, &code, sizeof code);
	return code;
}

/*
 * The child's report {step, errno} as docker says it, in `message`; returns docker's exit code: 127
 * when there is no such command, 126 when it cannot be run, 125 for any other step.
 */
static int describe_container_failure(const struct plan *plan, const int report[2], char *message, size_t size)
{
	int step = report[0], err = report[1];
	if (step < 0 || step >= plan->container.count) {
		snprintf(message, size, "the plan ends without an exec step: nothing to run");
		return EXIT_RUNTIME_ERROR;
	}
	const struct op *op = &plan->container.ops[step];
	const char *subject = op_subject(op);
	if (!is_exec(op)) {
		snprintf(message, size, "step %d, %s%s%s: %s (%s)", step + 1, op->name, *subject ? " " : "", subject,
			 error_name(err), error_text(err));
		return EXIT_RUNTIME_ERROR;
	}
	if (err == ENOENT && !strchr(subject, '/'))
		snprintf(message, size, "exec: \"%s\": executable file not found in $PATH", subject);
	else
		snprintf(message, size, "exec: \"%s\": %s", subject, error_text(err));
	return err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_INVOKE;
}

/*
 * From the start until the container's end: its output to the log or the caller's terminal, the
 * caller's keys to its terminal (-it), and signals. SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 are passed
 * on to the container. SIGINT and SIGQUIT too when it has a terminal of its own or runs detached; in
 * the foreground without -t the terminal has sent them to the container already (it is in the
 * caller's process group), and the shim only survives them. Returns the wait status.
 */
static int supervise(const struct plan *plan, pid_t pid, int signals, int master)
{
	static struct stream out = {.fd = -1, .relay = -1, .name = "stdout"};
	static struct stream err = {.fd = -1, .relay = -1, .name = "stderr"};
	if (master >= 0) {
		out.fd = master;
		out.relay = plan->log_path ? -1 : 1;
	} else if (plan->log_path) {
		out.fd = io.out[0];
		err.fd = io.err[0];
	}
	/* -it in the foreground: the caller's keys to the container's terminal. */
	int keys = master >= 0 && !plan->log_path && plan->stdin_mode == STDIN_INHERIT ? 0 : -1;
	/* The input socket's bytes go to the terminal or the stdin pipe, which never block the supervisor. */
	if (input.listener >= 0) {
		input.target = master >= 0 ? master : io.in[1];
		fcntl(input.target, F_SETFL, fcntl(input.target, F_GETFL) | O_NONBLOCK);
	}
	int status = 0, ended = 0;
	char buffer[4096];
	enum { FIXED = 6 };
	for (;;) {
		int pending = input.length > 0;
		struct pollfd fds[FIXED + INPUT_CLIENTS] = {{.fd = signals, .events = POLLIN},
							    {.fd = out.fd, .events = POLLIN},
							    {.fd = err.fd, .events = POLLIN},
							    {.fd = keys, .events = POLLIN},
							    {.fd = ended ? -1 : input.listener, .events = POLLIN},
							    {.fd = pending ? input.target : -1, .events = POLLOUT}};
		for (int i = 0; i < INPUT_CLIENTS; i++)
			fds[FIXED + i] =
				(struct pollfd){.fd = pending || ended ? -1 : input.clients[i], .events = POLLIN};
		/* Once the container ended, only what its outputs still hold is read (timeout 0). */
		int ready = poll(fds, FIXED + INPUT_CLIENTS, ended ? 0 : -1);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0 && ended)
			break;
		struct signalfd_siginfo info;
		while (read(signals, &info, sizeof info) == (ssize_t)sizeof info) {
			int sig = (int)info.ssi_signo;
			if (sig == SIGCHLD) {
				if (!ended && waitpid(pid, &status, WNOHANG) == pid)
					ended = 1;
			} else if (sig == SIGWINCH) {
				if (master >= 0 && !plan->log_path)
					pass_window_size(master);
			} else if ((sig != SIGINT && sig != SIGQUIT) || master >= 0 || plan->log_path) {
				kill(pid, sig);
			}
		}
		if (fds[1].revents)
			pump(&out);
		if (fds[2].revents)
			pump(&err);
		if (fds[3].revents) {
			ssize_t n = read(keys, buffer, sizeof buffer);
			if (n > 0)
				write_full(master, buffer, (size_t)n);
			else if (n == 0 || errno != EINTR)
				keys = -1; /* the caller's stdin ended: nothing more to pass on */
		}
		if (fds[4].revents)
			accept_input();
		if (fds[5].revents)
			flush_input();
		for (int i = 0; i < INPUT_CLIENTS; i++)
			if (fds[FIXED + i].revents && input.clients[i] >= 0 && input.length == 0)
				read_input(i);
		if (ended && out.fd < 0 && err.fd < 0)
			break;
	}
	/* A process that outlived PID 1 (no PID namespace) may hold an output open: it is not waited for. */
	if (out.fd >= 0)
		end_stream(&out);
	if (err.fd >= 0)
		end_stream(&err);
	if (input.path) {
		end_input();
		unlink(input.path);
	}
	restore_terminal();
	return status;
}

/* Makes what connect_stdio and the pty op need, before clone; -1 with errno set and `what` named. */
static int make_stdio(const struct plan *plan, const char **what)
{
	if (plan->has_pty) {
		*what = "socketpair";
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, io.console) < 0)
			return -1;
	}
	if (!plan->log_path)
		return 0;
	*what = plan->log_path;
	log_fd = open(plan->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	struct stat st;
	if (log_fd < 0 || fstat(log_fd, &st) < 0)
		return -1;
	log_size = st.st_size;
	if (plan->has_pty)
		return 0; /* the terminal carries all three */
	*what = "pipe2";
	if (pipe2(io.out, O_CLOEXEC) < 0 || pipe2(io.err, O_CLOEXEC) < 0)
		return -1;
	return plan->stdin_mode == STDIN_INHERIT ? pipe2(io.in, O_CLOEXEC) : 0;
}

/* clone, the host's steps around the container, its start, its supervision, its end. */
static int run_container(struct plan *plan)
{
	char message[PATH_MAX + 256];
	/*
	 * `mydocker exec`: join a running container's namespaces, in the plan's order, before clone. The
	 * PID namespace applies to the children only (setns(2): "pid_for_children"), so the child that
	 * clone() makes next is in it. The mount namespace is joined by the child, last (its plan says so).
	 */
	for (int i = 0; i < plan->enter.count; i++) {
		const struct op *op = &plan->enter.ops[i];
		if (op->spec->run_container(op) < 0) {
			snprintf(message, sizeof message, "entering the container, %s %s: %s (%s)", op->name,
				 op_subject(op), error_name(errno), error_text(errno));
			return start_failed(plan, 0, message, EXIT_RUNTIME_ERROR);
		}
	}

	const char *what = "signalfd";
	sigset_t set;
	int barrier[2], errors[2], signals = -1;
	if (supervised_signals(&set) < 0 || (signals = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0 ||
	    make_stdio(plan, &what) < 0 || (what = "pipe2", pipe2(barrier, O_CLOEXEC) < 0) ||
	    pipe2(errors, O_CLOEXEC) < 0) {
		snprintf(message, sizeof message, "%s: %s (%s)", what, error_name(errno), error_text(errno));
		return start_failed(plan, 0, message, EXIT_RUNTIME_ERROR);
	}

	/*
	 * clone() with the raw syscall and no new stack behaves like fork(), with namespace flags.
	 * CLONE_NEWPID applies to the child itself: it becomes PID 1 of the new namespace.
	 */
	pid_t pid = (pid_t)syscall(SYS_clone, plan->clone_flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		/* clone(2): ENOMEM when the PID namespace joined has no init any more (the container ended). */
		snprintf(message, sizeof message, "clone(0x%lx): %s (%s)%s", plan->clone_flags, error_name(errno),
			 error_text(errno),
			 errno == EPERM				    ? "; namespaces need root"
			 : errno == ENOMEM && plan->enter.count > 0 ? "; the container's PID 1 has exited"
								    : "");
		return start_failed(plan, 0, message, EXIT_RUNTIME_ERROR);
	}
	if (pid == 0) {
		close(barrier[1]);
		close(errors[0]);
		container_main(plan, barrier[0], errors[1]);
	}
	close(barrier[0]);
	close(errors[1]);
	/* The container's ends: the pipes must see their end when the container's copies close. */
	close_if_open(&io.out[1]);
	close_if_open(&io.err[1]);
	close_if_open(&io.in[0]);
	close_if_open(&io.console[1]);

	/* The barrier: the container waits while the host side is made ready for it. */
	int failed_op = run_host_section(&plan->created, pid, 0);
	if (failed_op >= 0) {
		const struct op *op = &plan->created.ops[failed_op];
		snprintf(message, sizeof message, "preparing the host, %s %s: %s (%s)", op->name, op_subject(op),
			 error_name(errno), error_text(errno));
		return start_failed(plan, pid, message, EXIT_RUNTIME_ERROR);
	}
	write_full(barrier[1], "g", 1);
	close(barrier[1]);

	int report[2];
	if (read_full(errors[0], report, sizeof report) == 0) {
		int exit_code = describe_container_failure(plan, report, message, sizeof message);
		return start_failed(plan, pid, message, exit_code);
	}
	close(errors[0]);

	/* The `pty` op ran before the exec, so its master is waiting in the socket. */
	int master = -1;
	if (plan->has_pty && (master = receive_fd(io.console[0])) < 0) {
		snprintf(message, sizeof message, "receiving the container's terminal: %s (%s)", error_name(errno),
			 error_text(errno));
		return start_failed(plan, pid, message, EXIT_RUNTIME_ERROR);
	}
	close_if_open(&io.console[0]);
	if (master >= 0 && !plan->log_path) {
		pass_window_size(master); /* a resize between the first reading and now */
		if (plan->stdin_mode == STDIN_INHERIT && isatty(0))
			make_terminal_raw();
	}
	/* What only the start needed: the container's ops (its strings are argv's, on the stack). */
	free(plan->container.ops);
	plan->container.ops = NULL;
	plan->container.count = 0;
	report_started();

	int status = supervise(plan, pid, signals, master);
	/* A shell reports a command killed by signal n as 128+n, and so does docker: 137 is SIGKILL. */
	int exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	run_every_host_op(&plan->ended, pid, exit_code, "after the container ended,");
	return exit_code;
}

/* ---- detach (-d) --------------------------------------------------------------------------- */

/*
 * The CLI process waits for the supervisor's word on the start: 0 (the container runs: print its
 * id, which is the name of the log's directory, containers/<id>/), or docker's exit code after the
 * supervisor printed why on the caller's stderr and cleaned up. Nothing at all: the supervisor died
 * first (its container with it, PDEATHSIG), and the `failed` ops are run here.
 */
static int await_start(const struct plan *plan, int report, pid_t supervisor)
{
	int code;
	if (read_full(report, &code, sizeof code) < 0) {
		fprintf(stderr, "mydocker: the shim supervising the container died before it started\n");
		while (waitpid(supervisor, NULL, 0) < 0 && errno == EINTR)
			;
		run_every_host_op(&plan->failed, 0, EXIT_RUNTIME_ERROR, "clean-up");
		return EXIT_RUNTIME_ERROR;
	}
	if (code != 0) {
		while (waitpid(supervisor, NULL, 0) < 0 && errno == EINTR)
			; /* it has cleaned up: let it be gone too */
		return code;
	}
	const char *end = strrchr(plan->log_path, '/'), *start = end;
	while (start > plan->log_path && start[-1] != '/')
		start--;
	printf("%.*s\n", (int)(end - start), start);
	return fflush(stdout) == 0 ? 0 : EXIT_RUNTIME_ERROR;
}

/*
 * -d: this process (the one Node execve()d into) forks the supervisor and waits for its word on the
 * start. The supervisor leaves the caller's session (setsid: no terminal, no job control signals),
 * keeps none of the caller's descriptors but stderr until the start is known, and goes on as the
 * container's parent. Returns the CLI process's exit code, or -1 in the supervisor.
 */
static int detach(const struct plan *plan)
{
	int report[2];
	pid_t supervisor = -1;
	if (pipe2(report, O_CLOEXEC) < 0 || (supervisor = fork()) < 0) {
		fprintf(stderr, "mydocker: %s: %s (%s)\n", supervisor < 0 ? "fork" : "pipe2", error_name(errno),
			error_text(errno));
		run_every_host_op(&plan->failed, 0, EXIT_RUNTIME_ERROR, "clean-up");
		return EXIT_RUNTIME_ERROR;
	}
	if (supervisor > 0) {
		close(report[1]);
		return await_start(plan, report[0], supervisor);
	}
	close(report[0]);
	report_fd = report[1];
	setsid();
	/* What the caller's parent passed on (a shell's, a CI runner's descriptors) must not stay open. */
	if (report_fd > 3)
		syscall(SYS_close_range, 3, (unsigned)report_fd - 1, 0);
	syscall(SYS_close_range, (unsigned)report_fd + 1, ~0U, 0);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		close(null);
	}
	return -1;
}

/* ---- the sealed copy: the container never runs the runtime's own file (CVE-2019-5736) ---------- */

/*
 * Whatever the container runs while it is still the shim, or execs as /proc/self/exe (a command of
 * that name, or a script whose #! names it), is this shim's executable; so is /proc/<pid>/exe of an
 * exec'd child in its PID namespace. Were that the host's file, root in the container could open it
 * for writing once no process ran it any more (CVE-2019-5736: open O_PATH, wait for the runtime to
 * exit, reopen through /proc/self/fd) and put its own code where the host next runs a container.
 *
 * So before anything else the shim copies itself into a memfd, seals it and execs the copy
 * (fexecve: same pid, same argv and environment), as runc's libcontainer/nsenter/cloned_binary.c
 * did. The copy is a file of no filesystem, gone with its last user; F_SEAL_WRITE, SHRINK and GROW
 * refuse any change of its contents to everyone (EPERM: memfd_create(2)), and F_SEAL_SEAL any
 * removal of the seals. That it already runs from such a copy is the kernel's word, not an
 * environment variable a caller could set: F_GET_SEALS answers only for a memfd (EINVAL for any file
 * on a disk), and only the seals prove the copy is ours to trust. A container that execs
 * /proc/self/exe runs the same sealed copy again, and does not copy it.
 *
 * Why a copy and not runc 1.2's way (a private, read-only overlayfs mount over the binary's
 * directory, opened and exec'd through a detached mount: no copy, the page cache shared): that needs
 * CAP_SYS_ADMIN (fsopen(2)), so rootless mydocker would need the copy anyway, and runc does copy for
 * rootless. runc avoids the copy because runc is 10 MB and a copy per container costs that much
 * memory while it starts; this shim is about 1 MB: the copy takes 0.4 ms, and the second start about
 * as long as glibc's own start-up (docs/benchmarks.md, "The sealed copy and the cgroup namespace").
 * One way, everywhere.
 */
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* linux/memfd.h, Linux 6.3: executable, whatever vm.memfd_noexec's default */
#endif
#define SEALED_COPY_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* A memfd holding the whole of `exe`, sealed; -1 with errno set and `what` named. */
static int sealed_copy(int exe, const char **what)
{
	struct stat st;
	*what = "fstat /proc/self/exe";
	if (fstat(exe, &st) < 0)
		return -1;
	*what = "memfd_create";
	int copy = memfd_create("mydocker-shim", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (copy < 0 && errno == EINVAL) /* before Linux 6.3 MFD_EXEC is unknown; every memfd may be run */
		copy = memfd_create("mydocker-shim", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (copy < 0)
		return -1;
	*what = "copying /proc/self/exe";
	for (off_t sent = 0; sent < st.st_size;) {
		ssize_t n = sendfile(copy, exe, &sent, (size_t)(st.st_size - sent));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO; /* the file got shorter while it was copied */
			close(copy);
			return -1;
		}
	}
	*what = "F_ADD_SEALS";
	if (fcntl(copy, F_ADD_SEALS, SEALED_COPY_SEALS) < 0) {
		close(copy);
		return -1;
	}
	return copy;
}

/* Returns if the shim runs from its sealed copy already; else execs one, or exits 125 saying why. */
static void run_from_sealed_copy(char **argv)
{
	const char *what = "open /proc/self/exe";
	int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe >= 0) {
		int seals = fcntl(exe, F_GET_SEALS);
		if (seals >= 0 && (seals & SEALED_COPY_SEALS) == SEALED_COPY_SEALS) {
			close(exe);
			/*
			 * The kernel named this process after the file it ran: the memfd's name, cut to 15
			 * bytes ("memfd:mydocker-"). ps, top and the checker know the shim by its own name, the
			 * last part of argv[0] (the name exec gives a process, from the path it ran).
			 */
			const char *slash = strrchr(argv[0], '/');
			prctl(PR_SET_NAME, slash ? slash + 1 : argv[0]);
			return;
		}
		int copy = sealed_copy(exe, &what);
		close(exe);
		if (copy >= 0) {
			what = "fexecve";
			fexecve(copy, argv, environ); /* returns only on failure; MFD_CLOEXEC closes it on success */
			close(copy);
		}
	}
	fprintf(stderr, "mydocker-shim: cannot run from a sealed copy of itself (see native/README.md): %s: %s (%s)\n",
		what, error_name(errno), error_text(errno));
	exit(EXIT_RUNTIME_ERROR);
}

/* ---- a plan on stdin: the daemon's shim started before its container ------------------------ */

/*
 * `mydocker-shim --plan-on-stdin`: the daemon starts a shim before it has a container for it (the
 * posix_spawn and the exec, 0.8 ms here, are then paid before the start and not during it). The
 * shim waits on its stdin, a pipe, for its argv and its environment as the command line would hold
 * them, each string ended by a NUL: ARGC, the ARGC words (the first is argv[0]), ENVC, the ENVC
 * assignments; then the pipe's end. No request at all (the daemon stopped or died) is not an error:
 * it exits 0, having made nothing. The request has the limit execve(2) would have (6 MiB).
 */
#define PLAN_ON_STDIN "--plan-on-stdin"
#define PLAN_ON_STDIN_MAX (6 * 1024 * 1024)

/* The next NUL-ended string of the request from *at, or NULL if the request ends first. */
static char *next_string(char **at, char *end)
{
	char *start = *at, *nul = memchr(start, '\0', (size_t)(end - start));
	if (!nul)
		return NULL;
	*at = nul + 1;
	return start;
}

/* A count word: a decimal number of strings that can still follow. */
static int next_count(char **at, char *end, unsigned long *count)
{
	char *word = next_string(at, end);
	return word && parse_number(word, 10, 0, (unsigned long)(end - *at), count) == 0 ? 0 : -1;
}

/* Reads the request into a new argv and environ; returns argc, or exits (0: none came; 125: bad). */
static int read_plan_from_stdin(char ***argv_out)
{
	size_t size = 0, room = 64 * 1024;
	char *request = malloc(room);
	for (;;) {
		if (!request)
			bad_plan("out of memory reading the plan");
		ssize_t n = read(0, request + size, room - size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			bad_plan("cannot read the plan on stdin");
		if (n == 0)
			break;
		size += (size_t)n;
		if (size == room) {
			if (room >= PLAN_ON_STDIN_MAX)
				bad_plan("the plan on stdin is larger than execve(2) would take");
			room *= 2;
			request = realloc(request, room);
		}
	}
	if (size == 0)
		exit(0); /* never used: nothing to do */
	char *at = request, *end = request + size;
	unsigned long argc, envc;
	if (next_count(&at, end, &argc) < 0 || argc < 1)
		bad_plan("the plan on stdin has no argument count");
	char **args = calloc(argc + 1, sizeof *args);
	for (unsigned long i = 0; args && i < argc; i++)
		if (!(args[i] = next_string(&at, end)))
			bad_plan("the plan on stdin ends inside its arguments");
	if (!args || next_count(&at, end, &envc) < 0)
		bad_plan("the plan on stdin has no environment count");
	char **env = calloc(envc + 1, sizeof *env);
	for (unsigned long i = 0; env && i < envc; i++)
		if (!(env[i] = next_string(&at, end)))
			bad_plan("the plan on stdin ends inside its environment");
	if (!env || at != end)
		bad_plan("the plan on stdin has more than its environment after it");
	environ = env;
	/* Its stdin is done with: the container's must not be the daemon's pipe. */
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		close(null);
	}
	*argv_out = args;
	return (int)argc;
}

int main(int argc, char **argv)
{
	static struct plan plan;
	/* First of all: nothing below may run from the runtime's own file. */
	run_from_sealed_copy(argv);
	if (argc == 2 && strcmp(argv[1], PLAN_ON_STDIN) == 0)
		argc = read_plan_from_stdin(&argv);
	/* The whole plan is read and checked against the tables first: a refusal leaves nothing made. */
	parse_plan(argc, argv, &plan);

	/*
	 * Node leaves the terminal's open file description non-blocking, and it is shared with the user's
	 * shell and with the container: a command reading a non-blocking stdin gets EAGAIN (dash says
	 * "turning off NDELAY mode"). Blocking is what every program expects of its stdio.
	 */
	for (int fd = 0; fd <= 2; fd++) {
		int flags = fcntl(fd, F_GETFL);
		if (flags >= 0 && (flags & O_NONBLOCK))
			fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	}
	/* -t: the caller's window size, for the container's terminal (0, 1 or 2: whichever is a terminal). */
	for (int fd = 0; plan.has_pty && caller_size_fd < 0 && fd <= 2; fd++)
		if (ioctl(fd, TIOCGWINSZ, &caller_size) == 0)
			caller_size_fd = fd;

	if (plan.log_path) {
		int code = detach(&plan);
		if (code >= 0)
			return code;
	}
	return run_container(&plan);
}
