// SPDX-License-Identifier: GPL-2.0
/*
 * allocinfo_read: reads FILE (default /sys/kernel/allocprof/allocinfo;
 * /proc/allocinfo for upstream's profiler) whole, N times, and prints
 * "bytes=B rows=R ns_per_read=T" (CLOCK_MONOTONIC; under QEMU -icount
 * shift=0 a guest nanosecond is one instruction).
 * Usage: allocinfo_read N [FILE]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	long n = argc > 1 ? atol(argv[1]) : 1, i, bytes = 0, rows = 0;
	const char *path = argc > 2 ? argv[2] : "/sys/kernel/allocprof/allocinfo";
	long long start;
	ssize_t r;

	if (n < 1)
		return 2;
	start = now();
	for (i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY);

		if (fd < 0) {
			perror("open");
			return 1;
		}
		bytes = rows = 0;
		while ((r = read(fd, buf, sizeof(buf))) > 0) {
			bytes += r;
			for (ssize_t j = 0; j < r; j++)
				rows += buf[j] == '\n';
		}
		close(fd);
		if (r < 0) {
			perror("read");
			return 1;
		}
	}
	printf("bytes=%ld rows=%ld ns_per_read=%lld\n", bytes, rows - 2, (now() - start) / n);
	return 0;
}
