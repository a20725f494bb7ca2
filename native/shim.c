/*
 * mydocker-shim: the single-threaded part of mydocker.
 *
 * Why this exists (see README.md beside this file): Node.js runs several threads before any user code,
 * and the kernel refuses or limits the namespace calls a container needs in a multi-threaded process.
 * So, like runc's nsexec, this small program does what must be single-threaded: it clone()s the
 * container into new namespaces, holds it at a barrier, executes the plan that the TypeScript runtime
 * built, and stays behind as the container's parent to collect its exit status.
 *
 * It carries no policy. Which namespaces, which mounts and which command are decided in TypeScript.
 *
 * Protocol on fd 3 (a stream socket inherited from Node). Every message is a frame: a 4-byte
 * little-endian length, then that many bytes of NUL-terminated fields, the first naming the message.
 *
 *      node                                 shim                               child
 *       |  PLAN flags op...                   |                                   |
 *       |------------------------------------>|  clone(flags) -------------------->| blocks on barrier
 *       |                     PID hostpid     |                                   |
 *       |<------------------------------------|                                   |
 *       |  (cgroups, network, state file)     |                                   |
 *       |  GO                                 |                                   |
 *       |------------------------------------>|  barrier byte -------------------->| runs plan steps
 *       |  STARTED | FAILED step op what errno|<--- error pipe (closes on exec) ---| execve(command)
 *       |<------------------------------------|                                   |
 *       |        EXITED code | SIGNALED sig   |<--------- waitpid ----------------| exits
 *       |<------------------------------------|                                   |
 *
 * A plan op is: name, argument count, arguments. Ops: mount SRC TARGET FSTYPE FLAGS DATA,
 * sethostname NAME, exec SEARCHPATH ARGC ARGV... ENV...  (exec is always last).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CONTROL_FD 3
#define MAX_FRAME (1 << 20)
#define MAX_FIELDS 4096

struct op {
	const char *name;
	int argc;
	char **argv;
};

struct plan {
	unsigned long flags;
	int count;
	struct op ops[256];
};

static pid_t container_pid;

static void die(const char *what)
{
	fprintf(stderr, "mydocker-shim: %s: %s\n", what, strerror(errno));
	_exit(125);
}

static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n == 0)
			return -1; /* the peer closed: Node is gone */
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* Node went away; the container goes on regardless */
		p += n;
		len -= (size_t)n;
	}
}

/* Reads one frame and splits it into fields. Returns the field count, or -1 on EOF or a bad frame. */
static int read_frame(char **fields, int max_fields)
{
	uint32_t len;
	if (read_full(CONTROL_FD, &len, sizeof len) < 0 || len == 0 || len > MAX_FRAME)
		return -1;
	char *buf = malloc(len);
	if (!buf || read_full(CONTROL_FD, buf, len) < 0 || buf[len - 1] != '\0')
		return -1;
	int n = 0;
	for (char *p = buf; p < buf + len && n < max_fields; p += strlen(p) + 1)
		fields[n++] = p;
	return n;
}

static void send_message(const char *type, const char *a, const char *b, const char *c, const char *d)
{
	char frame[8192];
	size_t len = 4;
	const char *parts[] = {type, a, b, c, d};
	for (int i = 0; i < 5 && parts[i]; i++) {
		size_t n = strnlen(parts[i], 2048) + 1;
		if (len + n > sizeof frame)
			break;
		memcpy(frame + len, parts[i], n - 1);
		frame[len + n - 1] = '\0';
		len += n;
	}
	uint32_t payload = (uint32_t)(len - 4);
	memcpy(frame, &payload, 4);
	write_full(CONTROL_FD, frame, len);
}

static int parse_plan(char **fields, int n, struct plan *plan)
{
	if (n < 2 || strcmp(fields[0], "PLAN") != 0)
		return -1;
	plan->flags = strtoul(fields[1], NULL, 10);
	plan->count = 0;
	for (int i = 2; i < n;) {
		if (plan->count == (int)(sizeof plan->ops / sizeof plan->ops[0]) || i + 1 >= n)
			return -1;
		struct op *op = &plan->ops[plan->count++];
		op->name = fields[i];
		op->argc = atoi(fields[i + 1]);
		if (op->argc < 0 || i + 2 + op->argc > n)
			return -1;
		op->argv = &fields[i + 2];
		i += 2 + op->argc;
	}
	return 0;
}

/* The argument that names what an op acted on, for the error message (`mount ... /proc: EPERM`). */
static const char *op_subject(const struct op *op)
{
	if (strcmp(op->name, "mount") == 0 && op->argc >= 2)
		return op->argv[1];
	if (strcmp(op->name, "exec") == 0 && op->argc >= 3)
		return op->argv[2];
	return op->argc > 0 ? op->argv[0] : "";
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
		if (dlen == 0)
			dlen = 1, dir = "."; /* an empty PATH entry means the current directory */
		if (snprintf(candidate, sizeof candidate, "%.*s/%s", (int)dlen, dir, file) < (int)sizeof candidate) {
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

static int run_op(const struct op *op)
{
	if (strcmp(op->name, "mount") == 0 && op->argc == 5) {
		const char *source = op->argv[0][0] ? op->argv[0] : NULL;
		const char *fstype = op->argv[2][0] ? op->argv[2] : NULL;
		const char *data = op->argv[4][0] ? op->argv[4] : NULL;
		return mount(source, op->argv[1], fstype, strtoul(op->argv[3], NULL, 10), data);
	}
	if (strcmp(op->name, "sethostname") == 0 && op->argc == 1)
		return sethostname(op->argv[0], strlen(op->argv[0]));
	if (strcmp(op->name, "exec") == 0 && op->argc >= 3) {
		int nargv = atoi(op->argv[1]);
		if (nargv < 1 || 2 + nargv > op->argc) {
			errno = EINVAL;
			return -1;
		}
		/* argv and envp must be NULL-terminated arrays of their own. */
		char **argv = calloc((size_t)nargv + 1, sizeof *argv);
		char **envp = calloc((size_t)(op->argc - 2 - nargv) + 1, sizeof *envp);
		if (!argv || !envp)
			return -1;
		memcpy(argv, &op->argv[2], (size_t)nargv * sizeof *argv);
		memcpy(envp, &op->argv[2 + nargv], (size_t)(op->argc - 2 - nargv) * sizeof *envp);
		exec_search(op->argv[0], argv, envp);
		return -1;
	}
	errno = ENOSYS; /* an op this shim does not know: the runtime and the shim are out of step */
	return -1;
}

/* Runs in the new namespaces. Never returns: it execs the user's command or exits 125. */
static void container_main(struct plan *plan, int barrier_fd, int error_fd)
{
	char go;
	if (read_full(barrier_fd, &go, 1) < 0)
		_exit(125); /* the shim died or gave up before GO */
	close(barrier_fd);

	/* If the shim is killed, the container goes with it rather than living on unsupervised. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);

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
	 * Node opens its stdio with O_CLOEXEC. libuv dup2()s the shim's stdio (which clears it), but clear
	 * it again here: a command exec'd with FD_CLOEXEC on 1 and 2 starts with no output at all.
	 */
	for (int fd = 0; fd <= 2; fd++)
		fcntl(fd, F_SETFD, 0);

	for (int step = 0; step < plan->count; step++) {
		if (run_op(&plan->ops[step]) < 0) {
			int report[2] = {step, errno};
			write_full(error_fd, report, sizeof report);
			_exit(125);
		}
	}
	int report[2] = {plan->count, ENOEXEC}; /* a plan without exec */
	write_full(error_fd, report, sizeof report);
	_exit(125);
}

static void ignore_signal(int sig)
{
	(void)sig;
}

static void forward_signal(int sig)
{
	if (container_pid > 0)
		kill(container_pid, sig);
}

int main(void)
{
	char *fields[MAX_FIELDS];
	static struct plan plan;
	char number[32], errname[32];

	if (fcntl(CONTROL_FD, F_SETFD, FD_CLOEXEC) < 0)
		die("fd 3 is not open (start the shim from mydocker, not by hand)");
	int n = read_frame(fields, MAX_FIELDS);
	if (n < 0 || parse_plan(fields, n, &plan) < 0) {
		fprintf(stderr, "mydocker-shim: malformed plan from the runtime\n");
		return 125;
	}

	int barrier[2], errors[2];
	if (pipe2(barrier, O_CLOEXEC) < 0 || pipe2(errors, O_CLOEXEC) < 0)
		die("pipe2");

	/*
	 * clone() with the raw syscall and no new stack behaves like fork(), with namespace flags.
	 * CLONE_NEWPID applies to the child itself: it becomes PID 1 of the new namespace.
	 */
	pid_t pid = (pid_t)syscall(SYS_clone, plan.flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		snprintf(number, sizeof number, "%lu", plan.flags);
		snprintf(errname, sizeof errname, "%d", errno);
		send_message("FAILED", "-1", "clone", number, errname);
		return 125;
	}
	if (pid == 0) {
		close(barrier[1]);
		close(errors[0]);
		container_main(&plan, barrier[0], errors[1]);
	}
	close(barrier[0]);
	close(errors[1]);
	container_pid = pid;

	struct sigaction forward = {.sa_handler = forward_signal, .sa_flags = SA_RESTART};
	int forwarded[] = {SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH};
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
		sigaction(forwarded[i], &forward, NULL);
	/*
	 * Ctrl-C and Ctrl-\ from the terminal reach every process in the foreground group, the container
	 * included, so the shim must not pass them on a second time; it just survives them. (A handler,
	 * not SIG_IGN: ignored dispositions would be inherited by the container through execve.)
	 */
	struct sigaction survive = {.sa_handler = ignore_signal};
	sigaction(SIGINT, &survive, NULL);
	sigaction(SIGQUIT, &survive, NULL);

	snprintf(number, sizeof number, "%d", pid);
	send_message("PID", number, NULL, NULL, NULL);

	n = read_frame(fields, MAX_FIELDS);
	if (n < 1 || strcmp(fields[0], "GO") != 0) {
		kill(pid, SIGKILL); /* Node gave up (or died) before the start: leave no process behind */
		waitpid(pid, NULL, 0);
		return 125;
	}
	write_full(barrier[1], "g", 1);
	close(barrier[1]);

	int report[2];
	if (read_full(errors[0], report, sizeof report) == 0) {
		char step[16];
		snprintf(step, sizeof step, "%d", report[0]);
		snprintf(errname, sizeof errname, "%d", report[1]);
		const char *opname = report[0] < plan.count ? plan.ops[report[0]].name : "exec";
		const char *subject = report[0] < plan.count ? op_subject(&plan.ops[report[0]]) : "";
		send_message("FAILED", step, opname, subject, errname);
	} else {
		send_message("STARTED", NULL, NULL, NULL, NULL);
	}
	close(errors[0]);

	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	if (WIFSIGNALED(status)) {
		snprintf(number, sizeof number, "%d", WTERMSIG(status));
		send_message("SIGNALED", number, NULL, NULL, NULL);
	} else {
		snprintf(number, sizeof number, "%d", WEXITSTATUS(status));
		send_message("EXITED", number, NULL, NULL, NULL);
	}
	return 0;
}
