/* nsfloor: the kernel's floor for a sandbox launch, as a reference row of the benchmark.
 *
 *   nsfloor PROGRAM [ARGS...]
 *
 * One clone into new user, mount, pid, network, ipc and uts namespaces (what lamina and
 * `bwrap --unshare-all` ask for), the child maps its own uid and gid (as `unshare -r` does) and
 * execs PROGRAM; the parent waits and exits with the child's status.  No root is built, no /proc
 * mounted, no loopback brought up, no filter loaded, nothing dropped: whatever a real sandbox
 * costs above this row is its own work.  Unlike `unshare -Urmpnf`, no dynamic loader or libc
 * start-up of the launcher itself is in the figure (build it static).
 *
 * Not a sandbox: it leaves the payload every capability in its namespaces. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: nsfloor PROGRAM [ARGS...]\n");
		return 2;
	}
	uid_t uid = getuid();
	gid_t gid = getgid();
	unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET |
			      CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD;
	pid_t pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		perror("nsfloor: clone");
		return 125;
	}
	if (pid == 0) {
		char map[64];
		snprintf(map, sizeof map, "0 %u 1\n", (unsigned)uid);
		if (write_file("/proc/self/uid_map", map) < 0 ||
		    write_file("/proc/self/setgroups", "deny\n") < 0)
			_exit(125);
		snprintf(map, sizeof map, "0 %u 1\n", (unsigned)gid);
		if (write_file("/proc/self/gid_map", map) < 0)
			_exit(125);
		execv(argv[1], argv + 1);
		_exit(errno == ENOENT ? 127 : 126);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 125;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
