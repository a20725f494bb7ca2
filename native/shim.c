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
 *   mydocker-shim 1 CLONE_FLAGS STDIN  container N OP...  created N OP...  ended N OP...  failed N OP...
 *
 * Each OP is: name, argument count, arguments. STDIN is `null` (/dev/null, as docker run without -i),
 * `inherit`, or `terminal` (-it: inherit, and the container becomes the terminal's foreground process
 * group). The sections, in the order the shim runs them:
 *
 *      shim (the host side)                                 container (new namespaces)
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
 * Container ops: join FILE (write "0": the container moves itself into a cgroup); mount SRC TARGET
 *                FSTYPE FLAGS DATA; sethostname NAME; pivot_root NEW PUT_OLD; chroot DIR; chdir DIR;
 *                umount2 TARGET FLAGS; mkdir PATH OCTAL-MODE; rmdir PATH; mknod PATH OCTAL-MODE
 *                MAJOR MINOR; symlink TARGET PATH; exec SEARCHPATH ARGC ARGV...  (always last).
 * The command's environment is not in argv (which every user can read in /proc/<pid>/cmdline): it is
 * the shim's own environment, which Node set to exactly that in execve(); only root can read it.
 * Host ops: write PATH CONTENT (atomic, {pid} and {exit} replaced); set PATH CONTENT (one plain
 * write, for cgroup files, where rename is impossible); mkdir PATH; unlink PATH; rmdir PATH;
 * remove-tree PATH (rm -rf that stays on one filesystem).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

extern char **environ;

#define EXIT_RUNTIME_ERROR 125
#define EXIT_CANNOT_INVOKE 126
#define EXIT_NOT_FOUND 127

struct op {
	const char *name;
	int argc;
	char **argv;
};

struct section {
	int count;
	struct op *ops;
};

enum stdin_mode { STDIN_NULL, STDIN_INHERIT, STDIN_TERMINAL };

struct plan {
	unsigned long clone_flags;
	enum stdin_mode stdin_mode;
	struct section container, created, ended, failed;
};

static pid_t container_pid;

/* ---- parsing the plan ---------------------------------------------------------------------- */

static void bad_plan(const char *why)
{
	fprintf(stderr, "mydocker-shim: malformed plan from the runtime (%s); start containers with mydocker\n", why);
	exit(EXIT_RUNTIME_ERROR);
}

/* Parses `NAME N OP...` at argv[*at], advancing *at past it. */
static void parse_section(int argc, char **argv, int *at, const char *name, struct section *section)
{
	if (*at + 1 >= argc || strcmp(argv[*at], name) != 0)
		bad_plan(name);
	section->count = atoi(argv[*at + 1]);
	*at += 2;
	if (section->count < 0 || section->count > argc)
		bad_plan(name);
	section->ops = calloc((size_t)section->count + 1, sizeof *section->ops);
	if (!section->ops)
		bad_plan("out of memory");
	for (int i = 0; i < section->count; i++) {
		if (*at + 1 >= argc)
			bad_plan(name);
		struct op *op = &section->ops[i];
		op->name = argv[*at];
		op->argc = atoi(argv[*at + 1]);
		op->argv = &argv[*at + 2];
		*at += 2 + op->argc;
		if (op->argc < 0 || *at > argc)
			bad_plan(name);
	}
}

static void parse_plan(int argc, char **argv, struct plan *plan)
{
	if (argc < 4 || strcmp(argv[1], "1") != 0)
		bad_plan("version");
	plan->clone_flags = strtoul(argv[2], NULL, 10);
	if (strcmp(argv[3], "null") == 0)
		plan->stdin_mode = STDIN_NULL;
	else if (strcmp(argv[3], "inherit") == 0)
		plan->stdin_mode = STDIN_INHERIT;
	else if (strcmp(argv[3], "terminal") == 0)
		plan->stdin_mode = STDIN_TERMINAL;
	else
		bad_plan("stdin");
	int at = 4;
	parse_section(argc, argv, &at, "container", &plan->container);
	parse_section(argc, argv, &at, "created", &plan->created);
	parse_section(argc, argv, &at, "ended", &plan->ended);
	parse_section(argc, argv, &at, "failed", &plan->failed);
	if (at != argc)
		bad_plan("trailing arguments");
}

/* ---- small helpers -------------------------------------------------------------------------- */

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

/* ---- host ops: run by the shim, on the host, with {pid} and {exit} filled in ---------------- */

/* `template` with {pid} and {exit} replaced, in a new buffer; NULL (errno set) when out of memory. */
static char *substitute(const char *template, pid_t pid, int exit_code)
{
	size_t size = strlen(template) + 1;
	for (const char *p = template; (p = strchr(p, '{')); p++)
		size += 16; /* room for one number per placeholder */
	char *out = malloc(size), *o = out;
	if (!out)
		return NULL;
	for (const char *p = template; *p;) {
		if (strncmp(p, "{pid}", 5) == 0)
			o += sprintf(o, "%d", pid), p += 5;
		else if (strncmp(p, "{exit}", 6) == 0)
			o += sprintf(o, "%d", exit_code), p += 6;
		else
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)ftw;
	return (type == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT ? -1 : 0;
}

/*
 * rm -rf of a container's own directory (its overlay upper and work directories). FTW_PHYS: never
 * follow a symlink out of it. FTW_MOUNT: never enter another filesystem; had something stayed mounted
 * below it, its rmdir fails (EBUSY) and is reported, instead of deleting what the mount shows.
 */
static int remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	return nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static int run_host_op(const struct op *op, pid_t pid, int exit_code)
{
	if (strcmp(op->name, "write") == 0 && op->argc == 2) {
		/* Atomic: a reader sees the old file or the new one, never half of one (rename(2)). */
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
	if (strcmp(op->name, "set") == 0 && op->argc == 2) {
		/*
		 * A control file (cgroupfs) takes one write(2) and acts on it: no temporary file and rename,
		 * and the kernel's answer to the write is the error to report (EINVAL for a bad value).
		 */
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
	if (strcmp(op->name, "mkdir") == 0 && op->argc == 1)
		return mkdir(op->argv[0], 0755) < 0 && errno != EEXIST ? -1 : 0;
	/* Clean-up ops tolerate what is already gone: they also run after partial failures. */
	if (strcmp(op->name, "unlink") == 0 && op->argc == 1)
		return unlink(op->argv[0]) < 0 && errno != ENOENT ? -1 : 0;
	if (strcmp(op->name, "remove-tree") == 0 && op->argc == 1)
		return remove_tree(op->argv[0]);
	if (strcmp(op->name, "rmdir") == 0 && op->argc == 1) {
		/*
		 * A cgroup can be removed once no process is in it. When PID 1 of a PID namespace exits, the
		 * kernel kills the rest of the namespace, but they leave the cgroup a moment later: retry
		 * EBUSY for up to a second.
		 */
		for (int attempt = 0;; attempt++) {
			if (rmdir(op->argv[0]) == 0 || errno == ENOENT)
				return 0;
			if (errno != EBUSY || attempt == 100)
				return -1;
			usleep(10000);
		}
	}
	errno = ENOSYS;
	return -1;
}

/* Runs a host section; returns the index of the op that failed (errno set), or -1. */
static int run_host_section(const struct section *section, pid_t pid, int exit_code)
{
	for (int i = 0; i < section->count; i++)
		if (run_host_op(&section->ops[i], pid, exit_code) < 0)
			return i;
	return -1;
}

/* Clean-up after a failure: every op is tried, and a failing one is reported but does not stop it. */
static void run_cleanup(const struct section *section, pid_t pid)
{
	for (int i = 0; i < section->count; i++) {
		const struct op *op = &section->ops[i];
		if (run_host_op(op, pid, EXIT_RUNTIME_ERROR) < 0)
			fprintf(stderr, "mydocker: clean-up %s %s: %s (%s)\n", op->name, op->argc ? op->argv[0] : "",
				error_name(errno), error_text(errno));
	}
}

/* ---- container ops: run by the child, inside the new namespaces ----------------------------- */

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

static int run_container_op(const struct op *op)
{
	if (strcmp(op->name, "join") == 0 && op->argc == 1) {
		/*
		 * The container moves itself ("0" means the writer) into its cgroup. Moving another process,
		 * or a whole thread group, takes the kernel's global cgroup_threadgroup_rwsem for writing,
		 * which waits out an RCU grace period when the lock was idle: about 6 ms here. A thread that
		 * moves itself through v1's `tasks` skips that lock (cgroup_procs_write_start): 0.5 ms.
		 */
		int fd = open(op->argv[0], O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		ssize_t n = write(fd, "0", 1);
		int saved = errno;
		close(fd);
		errno = saved;
		return n < 0 ? -1 : 0;
	}
	if (strcmp(op->name, "mount") == 0 && op->argc == 5) {
		const char *source = op->argv[0][0] ? op->argv[0] : NULL;
		const char *fstype = op->argv[2][0] ? op->argv[2] : NULL;
		const char *data = op->argv[4][0] ? op->argv[4] : NULL;
		return mount(source, op->argv[1], fstype, strtoul(op->argv[3], NULL, 10), data);
	}
	if (strcmp(op->name, "sethostname") == 0 && op->argc == 1)
		return sethostname(op->argv[0], strlen(op->argv[0]));
	/*
	 * The root filesystem ops (chapter 3). glibc has no pivot_root() wrapper: the raw syscall. It
	 * refuses (EINVAL) when the new root is not a mount point or a mount involved is shared.
	 */
	if (strcmp(op->name, "pivot_root") == 0 && op->argc == 2)
		return (int)syscall(SYS_pivot_root, op->argv[0], op->argv[1]);
	if (strcmp(op->name, "chroot") == 0 && op->argc == 1)
		return chroot(op->argv[0]);
	if (strcmp(op->name, "chdir") == 0 && op->argc == 1)
		return chdir(op->argv[0]);
	if (strcmp(op->name, "umount2") == 0 && op->argc == 2)
		return umount2(op->argv[0], (int)strtol(op->argv[1], NULL, 10));
	/* A directory that exists already is fine: an image may ship /dev/pts or the put_old directory. */
	if (strcmp(op->name, "mkdir") == 0 && op->argc == 2)
		return mkdir(op->argv[0], (mode_t)strtoul(op->argv[1], NULL, 8)) < 0 && errno != EEXIST ? -1 : 0;
	if (strcmp(op->name, "rmdir") == 0 && op->argc == 1)
		return rmdir(op->argv[0]);
	if (strcmp(op->name, "mknod") == 0 && op->argc == 4) {
		/* mknod applies the umask; the chmod after it gives the node exactly the mode asked for. */
		mode_t mode = (mode_t)strtoul(op->argv[1], NULL, 8);
		dev_t dev = makedev(strtoul(op->argv[2], NULL, 10), strtoul(op->argv[3], NULL, 10));
		if (mknod(op->argv[0], mode, dev) < 0)
			return -1;
		return chmod(op->argv[0], mode & 07777);
	}
	if (strcmp(op->name, "symlink") == 0 && op->argc == 2)
		return symlink(op->argv[0], op->argv[1]);
	if (strcmp(op->name, "exec") == 0 && op->argc >= 3) {
		int nargv = atoi(op->argv[1]);
		if (nargv < 1 || 2 + nargv != op->argc) {
			errno = EINVAL;
			return -1;
		}
		/* argv must be a NULL-terminated array of its own; the environment is the shim's. */
		char **argv = calloc((size_t)nargv + 1, sizeof *argv);
		if (!argv)
			return -1;
		memcpy(argv, &op->argv[2], (size_t)nargv * sizeof *argv);
		exec_search(op->argv[0], argv, environ);
		return -1;
	}
	errno = ENOSYS; /* an op this shim does not know: the runtime and the shim are out of step */
	return -1;
}

/* The argument that names what an op acted on, for messages (`mount ... /proc: EPERM`). */
static const char *op_subject(const struct op *op)
{
	if (strcmp(op->name, "mount") == 0 && op->argc >= 2)
		return op->argv[1];
	if (strcmp(op->name, "symlink") == 0 && op->argc >= 2)
		return op->argv[1];
	if (strcmp(op->name, "exec") == 0 && op->argc >= 3)
		return op->argv[2];
	return op->argc > 0 ? op->argv[0] : "";
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

	if (plan->stdin_mode == STDIN_NULL) {
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0) {
			perror("mydocker: stdin from /dev/null");
			_exit(EXIT_RUNTIME_ERROR);
		}
		if (null > 2)
			close(null);
	}
	/*
	 * -it shares the user's terminal (a pty of its own comes with the lifecycle chapter). Put the
	 * container in a process group of its own and make that the terminal's foreground group: then the
	 * shell inside sees itself in the foreground from the start, Ctrl-C reaches only the container, and
	 * at exit the shell has no group outside its PID namespace to restore (which it cannot see). A
	 * background group calling tcsetpgrp() gets SIGTTOU, so it is ignored for the call.
	 */
	if (plan->stdin_mode == STDIN_TERMINAL && isatty(0)) {
		signal(SIGTTOU, SIG_IGN);
		setpgid(0, 0);
		tcsetpgrp(0, getpgrp());
		signal(SIGTTOU, SIG_DFL);
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
		if (run_container_op(&plan->container.ops[step]) < 0) {
			int report[2] = {step, errno};
			write_full(error_fd, report, sizeof report);
			_exit(EXIT_RUNTIME_ERROR);
		}
	}
	int report[2] = {plan->container.count, ENOEXEC}; /* a plan without exec */
	write_full(error_fd, report, sizeof report);
	_exit(EXIT_RUNTIME_ERROR);
}

/* ---- the shim ------------------------------------------------------------------------------ */

static void ignore_signal(int sig)
{
	(void)sig;
}

static void forward_signal(int sig)
{
	if (container_pid > 0)
		kill(container_pid, sig);
}

static void set_up_signals(void)
{
	struct sigaction forward = {.sa_handler = forward_signal, .sa_flags = SA_RESTART};
	int forwarded[] = {SIGTERM, SIGHUP, SIGUSR1, SIGUSR2};
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
		sigaction(forwarded[i], &forward, NULL);
	/*
	 * Ctrl-C and Ctrl-\ (and SIGWINCH on a resize) from the terminal reach every process in the
	 * foreground group, the container included, so the shim does not pass them on a second time; it
	 * just survives them. (The child resets every disposition before exec, so none of this reaches
	 * the user's command.)
	 */
	struct sigaction survive = {.sa_handler = ignore_signal, .sa_flags = SA_RESTART};
	sigaction(SIGINT, &survive, NULL);
	sigaction(SIGQUIT, &survive, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The container never started: clean up, say why in one line, exit with docker's code. */
static void start_failed(const struct plan *plan, pid_t pid, const char *message)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	fprintf(stderr, "mydocker: %s\n", message);
	run_cleanup(&plan->failed, pid);

}

int main(int argc, char **argv)
{
	static struct plan plan;
	char message[PATH_MAX + 256];
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

	int barrier[2], errors[2];
	if (pipe2(barrier, O_CLOEXEC) < 0 || pipe2(errors, O_CLOEXEC) < 0) {
		snprintf(message, sizeof message, "pipe2: %s (%s)", error_name(errno), error_text(errno));
		start_failed(&plan, 0, message);
		return EXIT_RUNTIME_ERROR;
	}

	/*
	 * clone() with the raw syscall and no new stack behaves like fork(), with namespace flags.
	 * CLONE_NEWPID applies to the child itself: it becomes PID 1 of the new namespace.
	 */
	pid_t pid = (pid_t)syscall(SYS_clone, plan.clone_flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		snprintf(message, sizeof message, "clone(0x%lx): %s (%s)%s", plan.clone_flags, error_name(errno),
			 error_text(errno), errno == EPERM ? "; namespaces need root" : "");
		start_failed(&plan, 0, message);
		return EXIT_RUNTIME_ERROR;
	}
	if (pid == 0) {
		close(barrier[1]);
		close(errors[0]);
		container_main(&plan, barrier[0], errors[1]);
	}
	close(barrier[0]);
	close(errors[1]);
	container_pid = pid;
	set_up_signals();

	/* The barrier: the container waits while the host side is made ready for it. */
	int failed_op = run_host_section(&plan.created, pid, 0);
	if (failed_op >= 0) {
		const struct op *op = &plan.created.ops[failed_op];
		snprintf(message, sizeof message, "preparing the host, %s %s: %s (%s)", op->name,
			 op->argc ? op->argv[0] : "", error_name(errno), error_text(errno));
		start_failed(&plan, pid, message);
		return EXIT_RUNTIME_ERROR;
	}
	write_full(barrier[1], "g", 1);
	close(barrier[1]);

	int report[2];
	if (read_full(errors[0], report, sizeof report) == 0) {
		int step = report[0], err = report[1];
		const struct op *op = step < plan.container.count ? &plan.container.ops[step] : NULL;
		const char *subject = op ? op_subject(op) : "";
		int exec_step = op && strcmp(op->name, "exec") == 0;
		if (!op)
			snprintf(message, sizeof message, "the plan ends without an exec step: nothing to run");
		else if (exec_step && err == ENOENT && !strchr(subject, '/'))
			snprintf(message, sizeof message, "exec: \"%s\": executable file not found in $PATH", subject);
		else if (exec_step)
			snprintf(message, sizeof message, "exec: \"%s\": %s", subject, error_text(err));
		else
			snprintf(message, sizeof message, "step %d, %s%s%s: %s (%s)", step + 1, op->name, *subject ? " " : "",
				 subject, error_name(err), error_text(err));
		start_failed(&plan, pid, message);
		/* docker's convention: 127 when there is no such command, 126 when it cannot be run. */
		if (!exec_step)
			return EXIT_RUNTIME_ERROR;
		return err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_INVOKE;
	}
	close(errors[0]);

	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("mydocker-shim: waitpid");
			return EXIT_RUNTIME_ERROR;
		}
	/* Take the terminal back from the container's process group (see container_main). */
	if (plan.stdin_mode == STDIN_TERMINAL && isatty(0)) {
		signal(SIGTTOU, SIG_IGN);
		tcsetpgrp(0, getpgrp());
	}
	/* A shell reports a command killed by signal n as 128+n, and so does docker: 137 is SIGKILL. */
	int exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	/* Every `ended` op is tried: a cgroup that cannot be removed must not keep the state unwritten. */
	for (int i = 0; i < plan.ended.count; i++) {
		const struct op *op = &plan.ended.ops[i];
		if (run_host_op(op, pid, exit_code) < 0)
			fprintf(stderr, "mydocker: after the container ended, %s %s: %s (%s)\n", op->name,
				op->argc ? op->argv[0] : "", error_name(errno), error_text(errno));
	}
	return exit_code;
}
