/*
 * syscall-loop N: N getppid(2) system calls, the cheapest call there is, made directly (syscall(2),
 * no libc cache), and the nanoseconds per call on stdout. What a seccomp filter adds to each call is
 * the difference between runs with and without it (bench/seccomp.ts). clock_gettime is the vDSO's:
 * no system call, so the filter does not see the clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 1000000;
	struct timespec start, end;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long i = 0; i < count; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &end);
	double ns = (double)(end.tv_sec - start.tv_sec) * 1e9 + (double)(end.tv_nsec - start.tv_nsec);
	printf("%.2f\n", ns / (double)count);
	return 0;
}
