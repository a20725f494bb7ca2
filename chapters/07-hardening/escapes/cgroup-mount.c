/*
 * The cgroup v1 release_agent escape (CVE-2022-0492): a container that can mount a v1 cgroup
 * hierarchy writes a program's path into its release_agent, and the kernel runs that program as
 * root in the host's namespaces when the last process of a cgroup with notify_on_release leaves.
 * The step that needs privilege is the mount: mount(2) needs CAP_SYS_ADMIN (and the kernel's fix
 * asks CAP_SYS_ADMIN of the init user namespace to write release_agent, kernel/cgroup/cgroup-v1.c).
 *
 * Harmless when it succeeds: it proves only the mount, in the container's own mount namespace, and
 * unmounts it. It NEVER writes release_agent: a v1 hierarchy mounted with the host's controllers is
 * the host's own hierarchy (one superblock), so its release_agent would be the host's. The mount is
 * of a named hierarchy with no controllers, made for this run (`none,name=...`), or where the kernel
 * has no v1 (a v2-only machine) the cgroup2 one; either way nothing is written in it.
 *
 *   cgroup-mount DIR NAME      mounts there, prints what, unmounts
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: cgroup-mount DIR NAME\n");
		return 2;
	}
	char options[128];
	snprintf(options, sizeof options, "none,name=%s", argv[2]);
	if (mkdir(argv[1], 0700) < 0 && errno != EEXIST) {
		printf("mkdir %s: %s\n", argv[1], strerrorname_np(errno));
		return 2;
	}
	const char *what = "a v1 hierarchy";
	int result = mount("cgroup", argv[1], "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC, options);
	if (result < 0 && errno != EPERM) {
		what = "the cgroup2 hierarchy";
		result = mount("cgroup2", argv[1], "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	}
	if (result < 0) {
		printf("mount cgroup: %s\n", strerrorname_np(errno));
		return 1;
	}
	printf("mounted %s on %s\n", what, argv[1]);
	if (umount2(argv[1], MNT_DETACH) < 0) {
		printf("umount: %s\n", strerrorname_np(errno));
		return 3;
	}
	printf("unmounted it\n");
	return 0;
}
