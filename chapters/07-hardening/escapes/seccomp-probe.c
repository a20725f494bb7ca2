/*
 * seccomp-probe PROBE...: makes system calls that seccomp's default profile denies, in a form that
 * changes nothing even where it succeeds, and prints one line per probe: `NAME: OK`, `NAME: ERRNO`
 * (its errno's name), or `NAME: killed by signal N` (the probes that run in a child). It writes no
 * file. The filter answers before the kernel reads an argument; the kernel's own checks
 * (capabilities) come after it copied them: so a bad pointer gives EFAULT without a filter and EPERM
 * with one, whatever the capabilities (mount(2), clock_settime(2)).
 *
 *   capbnd       prints CapBnd of /proc/self/status (the bounding set the filter's includes.caps follow)
 *   keyctl       keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0): reads, creates nothing
 *   mount        mount() with an unreadable source: EFAULT when the kernel reads it
 *   clock        clock_settime(CLOCK_REALTIME) with an unreadable time: EFAULT, the clock unchanged
 *   userns       unshare(CLONE_NEWUSER), in a child that exits
 *   getpid       getpid(), for a profile that denies it
 *   int80        i386's getpid through int $0x80 (another ABI), in a child
 *   x32          x32's getpid (nr | __X32_SYSCALL_BIT), in a child
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KEYCTL_GET_KEYRING_ID 0
#define KEY_SPEC_SESSION_KEYRING -3
#define X32_SYSCALL_BIT 0x40000000L
#define I386_GETPID 20

static void report(const char *name, long result)
{
	if (result < 0)
		printf("%s: %s\n", name, strerrorname_np(errno) ? strerrorname_np(errno) : "unknown errno");
	else
		printf("%s: OK\n", name);
}

/* Runs the probe in a child: an ABI the filter kills must not kill the probe program. */
static void in_child(const char *name, long (*probe)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		long result = probe();
		report(name, result);
		fflush(stdout);
		_exit(0);
	}
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		printf("%s: cannot fork (%s)\n", name, strerrorname_np(errno));
		return;
	}
	if (WIFSIGNALED(status))
		printf("%s: killed by signal %d\n", name, WTERMSIG(status));
}

static long userns(void)
{
	return unshare(CLONE_NEWUSER);
}

#if defined(__x86_64__)
static long int80(void)
{
	long result;
	__asm__ volatile("int $0x80" : "=a"(result) : "a"(I386_GETPID) : "memory");
	if (result < 0) {
		errno = (int)-result;
		return -1;
	}
	return result;
}

static long x32(void)
{
	return syscall(SYS_getpid | X32_SYSCALL_BIT);
}
#else
/* Other ABIs of x86_64 only: elsewhere the probes report ENOSYS. */
static long int80(void)
{
	errno = ENOSYS;
	return -1;
}

static long x32(void)
{
	errno = ENOSYS;
	return -1;
}
#endif

static void capbnd(void)
{
	char line[256];
	FILE *status = fopen("/proc/self/status", "r");
	while (status && fgets(line, sizeof line, status))
		if (strncmp(line, "CapBnd:", 7) == 0)
			printf("capbnd: %s", line + 8);
	if (status)
		fclose(status);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *probe = argv[i];
		if (!strcmp(probe, "capbnd"))
			capbnd();
		else if (!strcmp(probe, "keyctl"))
			report(probe, syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
		else if (!strcmp(probe, "mount"))
			report(probe, syscall(SYS_mount, (char *)1, "/tmp", "tmpfs", 0UL, NULL));
		else if (!strcmp(probe, "clock"))
			report(probe, syscall(SYS_clock_settime, CLOCK_REALTIME, (void *)1));
		else if (!strcmp(probe, "userns"))
			in_child(probe, userns);
		else if (!strcmp(probe, "getpid"))
			report(probe, syscall(SYS_getpid));
		else if (!strcmp(probe, "int80"))
			in_child(probe, int80);
		else if (!strcmp(probe, "x32"))
			in_child(probe, x32);
		else {
			fprintf(stderr, "seccomp-probe: unknown probe %s\n", probe);
			return 2;
		}
	}
	return 0;
}
