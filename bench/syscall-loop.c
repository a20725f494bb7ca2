/*
 * syscall-loop N CALL: N system calls, made directly (syscall(2), no libc cache), and the nanoseconds
 * per call on stdout. CALL is getppid (the cheapest call there is) or personality (personality(
 * 0xffffffff), the query, as cheap, but allowed by a rule on its argument). What a seccomp filter adds
 * to each call is the difference between runs with and without it (bench/seccomp.ts).
 *
 * Since Linux 5.11 the kernel runs a new filter once per system call number at load time and caches
 * the numbers it always allows, whatever the arguments (seccomp_cache_prepare, kernel/seccomp.c):
 * those calls skip the program. getppid is one; personality, whose rules read an argument, is not:
 * it runs the program every time. clock_gettime is the vDSO's: no system call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 1000000;
	int personality = argc > 2 && strcmp(argv[2], "personality") == 0;
	struct timespec start, end;
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (personality)
		for (long i = 0; i < count; i++)
			syscall(SYS_personality, 0xffffffffUL);
	else
		for (long i = 0; i < count; i++)
			syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &end);
	double ns = (double)(end.tv_sec - start.tv_sec) * 1e9 + (double)(end.tv_nsec - start.tv_nsec);
	printf("%.2f\n", ns / (double)count);
	return 0;
}
