// SPDX-License-Identifier: GPL-2.0
/*
 * The Rust drop-in's kselftest (allocprof_dropin_rust.sh) exercising 7.3's
 * samples/rust/rust_misc_device: opens /dev/rust-misc-device, ioctls it
 * (HELLO, SET_VALUE 42, GET_VALUE, which must read 42 back), writes N bytes
 * (argv[1]: its buffer, a KVVec<u8>, grows to them), then runs argv[2...]
 * with the device still open (its rows checked while the file holds the
 * sample's objects), and closes it.  Built static by scripts/modules.sh
 * (the guest has a busybox alone).  Exits 1 on any failure.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* samples/rust/rust_misc_device.rs's commands. */
#define RUST_MISC_DEV_HELLO _IO('|', 0x80)
#define RUST_MISC_DEV_GET_VALUE _IOR('|', 0x81, int)
#define RUST_MISC_DEV_SET_VALUE _IOW('|', 0x82, int)

int main(int argc, char **argv)
{
	static char buf[65536];
	int fd, v = 42, got = 0, status;
	size_t n;
	pid_t pid;

	if (argc < 3 || (n = strtoul(argv[1], NULL, 0)) > sizeof(buf)) {
		fprintf(stderr, "usage: %s BYTES COMMAND...\n", argv[0]);
		return 1;
	}
	fd = open("/dev/rust-misc-device", O_RDWR);
	if (fd < 0) {
		perror("open /dev/rust-misc-device");
		return 1;
	}
	if (ioctl(fd, RUST_MISC_DEV_HELLO, 0) || ioctl(fd, RUST_MISC_DEV_SET_VALUE, &v) ||
	    ioctl(fd, RUST_MISC_DEV_GET_VALUE, &got) || got != 42) {
		perror("ioctl");
		return 1;
	}
	memset(buf, 'a', n);
	if (write(fd, buf, n) != (ssize_t)n) {
		perror("write");
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		perror("fork");
		return 1;
	}
	close(fd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
