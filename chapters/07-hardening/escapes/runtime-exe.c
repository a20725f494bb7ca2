/*
 * The CVE-2019-5736 shape, harmless (chapter 7, "The runtime's binary"): can a container get at the
 * file the runtime runs from, to write its own code into it?
 *
 *   runtime-exe MARKER_DIR
 *
 * Run as a child of the runtime's binary inside the container: the check's container command is
 * /proc/self/exe, which the kernel resolves, while the shim execs it, to the shim's own executable;
 * that shim is given a plan (its argv) whose one step execs this program. So the parent's
 * /proc/<ppid>/exe is what the runtime runs from. It prints what it finds, one fact a line:
 *   exe: the link's target (the host's file, or /memfd:... for a copy)
 *   inode: device:inode of the file it opens (the check compares them with the host's shim)
 *   seals: the memfd's seals (F_GET_SEALS), or "none" for a file on a disk
 *   open-write: "opened" or the errno of open(O_WRONLY): ETXTBSY while any process runs the file
 * An open for writing that succeeds also leaves a marker in MARKER_DIR, which the check owns. It
 * never writes what it opened: a real attack would, once no process ran the file any more (open
 * O_PATH, wait for the runtime to exit, reopen through /proc/self/fd/N), and ETXTBSY would no longer
 * stop it. What does stop it is that the file is not the host's (exe, inode), and that its seals
 * refuse every write to everyone (F_SEAL_WRITE: EPERM, memfd_create(2)). Then it prints "ready" and
 * waits (up to 30 s) for MARKER_DIR/go, so that the check can look at its parent from the host.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *name(int err)
{
	const char *text = strerrorname_np(err);
	return text ? text : "E?";
}

static void mark(const char *dir, const char *file, const char *what)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	FILE *out = fopen(path, "w");
	if (out) {
		fprintf(out, "%s\n", what);
		fclose(out);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: runtime-exe MARKER_DIR\n");
		return 2;
	}
	const char *markers = argv[1];
	char exe[64], target[4096];
	snprintf(exe, sizeof exe, "/proc/%d/exe", (int)getppid());
	ssize_t n = readlink(exe, target, sizeof target - 1);
	target[n > 0 ? n : 0] = '\0';
	printf("exe: %s\n", n > 0 ? target : name(errno));

	int fd = open(exe, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) == 0)
		printf("inode: %llu:%llu\n", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	else
		printf("inode: %s\n", name(errno));
	int seals = fd >= 0 ? fcntl(fd, F_GET_SEALS) : -1;
	if (seals >= 0)
		printf("seals: %d\n", seals);
	else
		printf("seals: none\n");

	int writable = open(exe, O_WRONLY | O_CLOEXEC);
	if (writable >= 0) {
		printf("open-write: opened\n");
		mark(markers, "opened-for-writing", exe);
		close(writable); /* nothing written: the open alone is the proof */
	} else {
		printf("open-write: %s\n", name(errno));
	}

	if (fd >= 0)
		close(fd);

	printf("ready\n");
	fflush(stdout);
	char go[4096];
	snprintf(go, sizeof go, "%s/go", markers);
	for (int i = 0; i < 3000 && access(go, F_OK) != 0; i++)
		usleep(10000);
	return 0;
}
