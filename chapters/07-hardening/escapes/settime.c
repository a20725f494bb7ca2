/*
 * Setting the host's clock: CLOCK_REALTIME is one clock for the whole machine (time namespaces
 * offset only the monotonic and boot-time clocks, time_namespaces(7)), and clock_settime(2) and
 * settimeofday(2) need CAP_SYS_TIME (kernel/time/posix-timers.c, time.c: security_settime64), which
 * docker's default set leaves out.
 *
 * Harmless when it succeeds: it sets the clock to the time it read a moment before, so the clock
 * moves back by the microseconds in between and no more. It proves the permission, not a new time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int main(void)
{
	struct timespec now;
	if (clock_gettime(CLOCK_REALTIME, &now) < 0) {
		printf("clock_gettime: %s\n", strerrorname_np(errno));
		return 2;
	}
	if (clock_settime(CLOCK_REALTIME, &now) < 0) {
		printf("clock_settime: %s\n", strerrorname_np(errno));
		return 1;
	}
	printf("clock_settime: set the host's clock\n");
	return 0;
}
