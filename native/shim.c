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
 * The ops are the tables `container_ops` and `host_ops` below, documented in README.md ("Operations").
 * The command's environment is not in argv (which every user can read in /proc/<pid>/cmdline): it is
 * the shim's own environment, which Node set to exactly that in execve(); only root can read it.
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

enum stdin_mode { STDIN_NULL, STDIN_INHERIT, STDIN_TERMINAL };

struct plan {
	unsigned long clone_flags;
	enum stdin_mode stdin_mode;
	struct section container, created, ended, failed;
};

static pid_t container_pid;

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

/* Now, in UTC, as RFC 3339 with nanoseconds: docker's format (2026-12-02T01:02:03.123456789Z). */
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
 */
struct op_spec {
	const char *name;
	const char *args;
	int subject; /* the argument that names what the op acted on, for messages: `mount /proc: EPERM` */
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
	{.name = "exec", .args = "sn", .subject = 2, .run_container = op_exec}, /* its command, argv[0] */
	{0},
};

static const struct op_spec host_ops[] = {
	{.name = "write", .args = "ss", .subject = 0, .run_host = host_write},
	{.name = "set", .args = "ss", .subject = 0, .run_host = host_set},
	{.name = "mkdir", .args = "s", .subject = 0, .run_host = host_mkdir},
	{.name = "unlink", .args = "s", .subject = 0, .run_host = host_unlink},
	{.name = "rmdir", .args = "s", .subject = 0, .run_host = host_rmdir},
	{.name = "remove-tree", .args = "s", .subject = 0, .run_host = host_remove_tree},
	{0},
};

struct number_kind {
	char letter;
	int base;
	unsigned long min, max;
	const char *what;
};

static const struct number_kind number_kinds[] = {
	{'f', 10, 0, ULONG_MAX, "a decimal number"},
	{'i', 10, 0, INT_MAX, "a decimal number up to 2147483647"},
	{'p', 8, 0, 07777, "an octal mode up to 7777"},
	{'m', 8, 0, 0177777, "an octal mode up to 177777"},
	{'d', 10, 0, UINT_MAX, "a decimal number up to 4294967295"},
	{'n', 10, 1, INT_MAX, "a decimal count from 1"},
	{0, 0, 0, 0, NULL},
};

/* The argument that names what an op acted on, for messages (`mount ... /proc: EPERM`). */
static const char *op_subject(const struct op *op)
{
	return op->spec->subject < op->argc ? op->argv[op->spec->subject] : "";
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
		if (parse_number(op->argv[i], kind->base, kind->min, kind->max, &op->number[i]) < 0) {
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
	if (argc < 4 || strcmp(argv[1], "1") != 0)
		bad_plan("version");
	if (parse_number(argv[2], 10, 0, ULONG_MAX, &plan->clone_flags) < 0)
		bad_plan("clone flags");
	if (strcmp(argv[3], "null") == 0)
		plan->stdin_mode = STDIN_NULL;
	else if (strcmp(argv[3], "inherit") == 0)
		plan->stdin_mode = STDIN_INHERIT;
	else if (strcmp(argv[3], "terminal") == 0)
		plan->stdin_mode = STDIN_TERMINAL;
	else
		bad_plan("stdin");
	int at = 4;
	parse_section(argc, argv, &at, "container", container_ops, &plan->container);
	parse_section(argc, argv, &at, "created", host_ops, &plan->created);
	parse_section(argc, argv, &at, "ended", host_ops, &plan->ended);
	parse_section(argc, argv, &at, "failed", host_ops, &plan->failed);
	if (at != argc)
		bad_plan("trailing arguments");
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
	run_every_host_op(&plan->failed, pid, EXIT_RUNTIME_ERROR, "clean-up");
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

int main(int argc, char **argv)
{
	static struct plan plan;
	char message[PATH_MAX + 256];
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
		snprintf(message, sizeof message, "preparing the host, %s %s: %s (%s)", op->name, op_subject(op),
			 error_name(errno), error_text(errno));
		start_failed(&plan, pid, message);
		return EXIT_RUNTIME_ERROR;
	}
	write_full(barrier[1], "g", 1);
	close(barrier[1]);

	int report[2];
	if (read_full(errors[0], report, sizeof report) == 0) {
		int exit_code = describe_container_failure(&plan, report, message, sizeof message);
		start_failed(&plan, pid, message);
		return exit_code;
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
	run_every_host_op(&plan.ended, pid, exit_code, "after the container ended,");
	return exit_code;
}
