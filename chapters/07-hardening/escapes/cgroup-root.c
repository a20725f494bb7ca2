/*
 * Out of its cgroups, harmless (chapter 7, lab ch7-cgroupns): can a container that may mount see
 * cgroups above its own, the root's among them, where -m and --pids-limit no longer apply?
 *
 *   cgroup-root MARKER_DIR
 *
 * It mounts a cgroup hierarchy on a directory of its own, in its own mount namespace: v1's memory
 * hierarchy where the container has one (the -m limit lives there), else v2's. A cgroupfs mounted
 * inside a cgroup namespace shows the subtree below the namespace's root only, and /proc/self/cgroup
 * names the container's cgroup relative to that root (cgroup_namespaces(7)). So its own cgroup is
 * "/" in a namespace of its own, and anything else (/mydocker/<id>, or /../containers/<id> for a
 * namespace rooted at the wrong cgroup) means the mount shows cgroups it is not limited by: the
 * parent directories of its own, up to the root. It prints
 *   own: the path /proc/self/cgroup gives for that hierarchy
 *   root-procs: "writable" or the errno of access(W_OK) on the mounted root's cgroup.procs
 * and with a path other than "/" leaves the marker MARKER_DIR/escaped. It never writes cgroup.procs:
 * `echo 0 > cgroup.procs` at the root is the attack, and it would move the process out of the
 * checker's containment too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *name(int err)
{
	const char *text = strerrorname_np(err);
	return text ? text : "E?";
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: cgroup-root MARKER_DIR\n");
		return 2;
	}
	/* "4:memory:/mydocker/<id>" on v1, "0::/mydocker/<id>" on v2. */
	char line[4096], v1[4096] = "", v2[4096] = "";
	FILE *cgroups = fopen("/proc/self/cgroup", "r");
	while (cgroups && fgets(line, sizeof line, cgroups)) {
		line[strcspn(line, "\n")] = '\0';
		/* hierarchy-ID:controllers:path (cgroups(7)); v2's line is 0::path. */
		char *controllers = strchr(line, ':');
		char *path = controllers ? strchr(controllers + 1, ':') : NULL;
		if (!path)
			continue;
		*controllers++ = '\0';
		*path++ = '\0';
		if (!strcmp(controllers, "memory"))
			snprintf(v1, sizeof v1, "%s", path);
		else if (!strcmp(line, "0") && !controllers[0])
			snprintf(v2, sizeof v2, "%s", path);
	}
	if (cgroups)
		fclose(cgroups);
	const char *own = v1[0] ? v1 : v2;
	if (!own[0]) {
		printf("own: no memory or v2 line in /proc/self/cgroup\n");
		return 1;
	}
	const char *dir = "/tmp/cgroup-root";
	mkdir(dir, 0700);
	int mounted = v1[0] ? mount("cgroup", dir, "cgroup", 0, "memory") : mount("cgroup2", dir, "cgroup2", 0, NULL);
	if (mounted < 0) {
		printf("mount: %s\n", name(errno));
		return 0;
	}
	printf("own: %s\n", own);
	char procs[4200];
	snprintf(procs, sizeof procs, "%s/cgroup.procs", dir);
	printf("root-procs: %s\n", access(procs, W_OK) == 0 ? "writable" : name(errno));
	if (strcmp(own, "/") != 0) {
		char marker[4200];
		snprintf(marker, sizeof marker, "%s/escaped", argv[1]);
		FILE *out = fopen(marker, "w");
		if (out) {
			fprintf(out, "own cgroup %s, below the root of the hierarchy it mounted\n", own);
			fclose(out);
		}
	}
	umount2(dir, MNT_DETACH);
	return 0;
}
