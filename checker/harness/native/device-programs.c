/*
 * device-programs CGROUP_DIR: prints how many BPF programs are attached to a cgroup directory for
 * device access (BPF_CGROUP_DEVICE), as the kernel answers bpf(BPF_PROG_QUERY). The checker's own
 * eyes on cgroup v2's devices (checker/harness/devices.ts); bpftool cgroup show says the same.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: device-programs CGROUP_DIR\n");
		return 2;
	}
	int fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	uint32_t ids[64];
	union bpf_attr query;
	memset(&query, 0, sizeof query);
	query.query.target_fd = (uint32_t)fd;
	query.query.attach_type = BPF_CGROUP_DEVICE;
	query.query.prog_ids = (uint64_t)(uintptr_t)ids;
	query.query.prog_cnt = sizeof ids / sizeof ids[0];
	if (syscall(SYS_bpf, BPF_PROG_QUERY, &query, sizeof query) < 0) {
		perror("bpf(BPF_PROG_QUERY)");
		return 1;
	}
	printf("%u\n", query.query.prog_cnt);
	return 0;
}
