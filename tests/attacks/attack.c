/* attack: the red-team multi-call program run inside a lamina sandbox.
 *
 *   attack --list                      name, class, what the caller must supply, description
 *                                      (needs: an argument, "tty" a terminal on stdin, "i386"
 *                                      a kernel with the i386 entry, or "-")
 *   attack NAME [ARG]                  try one escape, print ONE line with the exact outcome
 *   attack NAME --twin [ARG]           the harmless variant that must work in the same sandbox
 *   attack --inline NAME [--twin]      a std-fd attack without the harness (strict profile)
 *   attack --serve tcp|udp|unix [SEC]  a loopback listener for the network attacks (host side)
 *   attack --sigqueue N                how many signals this user can still queue, up to N
 *
 * Output (one line on stdout), exit status:
 *   blocked CODE [detail]   0   CODE is an errno name (EPERM), a signal name (SIGSYS) or a word
 *   escaped [detail]        1
 *   ok [detail]             0   (twin worked)
 *   failed CODE [detail]    1   (twin did not work)
 *   pending [detail]        0   (the outcome is judged by the caller, e.g. a process left behind)
 *   error [detail]          2   (the attack could not be set up: inconclusive)
 *
 * Each attempt runs in a forked child so that a seccomp kill (SIGSYS) or a resource signal
 * (SIGXCPU, SIGXFSZ) is reported by the surviving parent instead of silencing the report; the
 * child writes its verdict into a shared anonymous page, which needs no file descriptor (the
 * std-fd attacks close them all).
 *
 * Nothing here may harm the host even when the attack works: destructive calls get invalid
 * arguments that fail only after the permission check (reboot with a bad magic, kexec with bad
 * flags, pivot_root on missing paths), the network stays on loopback, kill() only sends signal
 * 0, the fork bomb is bounded and kills its children, files written are removed.  As a last
 * guard the program refuses to attack from the initial user namespace: lamina always creates
 * one, so a run outside a sandbox stops with "error". */
#include <dirent.h>
#include <grp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/io_uring.h>
#include <linux/mount.h>
#include <linux/perf_event.h>
#include <linux/tiocl.h>
#include <mqueue.h>
#include "../../src/libc-compat.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef N_NULL
#define N_NULL 27 /* the line discipline that passes nothing (Linux 4.14) */
#endif

/* ---- the verdict ------------------------------------------------------------------------ */
struct verdict {
	int set;
	char line[1024];
};
static struct verdict *g_v; /* shared page between the harness and the attempt */
static bool g_twin;
static pid_t g_caller; /* the process that ran us: the "parent" of the ptrace attacks */
static const char *g_name;

static void vset(const char *word, const char *code, const char *fmt, va_list ap)
{
	if (g_v->set)
		return; /* the first verdict wins: a later signal must not overwrite it */
	int n = snprintf(g_v->line, sizeof g_v->line, "%s%s%s", word, code ? " " : "",
			 code ? code : "");
	if (fmt && *fmt && n > 0 && (size_t)n < sizeof g_v->line - 2) {
		g_v->line[n++] = ' ';
		vsnprintf(g_v->line + n, sizeof g_v->line - (size_t)n, fmt, ap);
	}
	__atomic_store_n(&g_v->set, 1, __ATOMIC_SEQ_CST);
}

static const char *errname(int e)
{
	const char *s = e ? strerrorname_np(e) : "0";
	return s ? s : "E?";
}

__attribute__((format(printf, 2, 3))) static void blocked(int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset("blocked", errname(err), fmt, ap);
	va_end(ap);
}
__attribute__((format(printf, 2, 3))) static void blocked_w(const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset("blocked", code, fmt, ap);
	va_end(ap);
}
__attribute__((format(printf, 1, 2))) static void escaped(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset("escaped", NULL, fmt, ap);
	va_end(ap);
}
__attribute__((format(printf, 1, 2))) static void ok(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset("ok", NULL, fmt, ap);
	va_end(ap);
}
__attribute__((format(printf, 2, 3))) static void failed(int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset("failed", errname(err), fmt, ap);
	va_end(ap);
}
__attribute__((format(printf, 2, 3))) static void failed_w(const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset("failed", code, fmt, ap);
	va_end(ap);
}
__attribute__((format(printf, 1, 2))) static void pending(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset("pending", NULL, fmt, ap);
	va_end(ap);
}
__attribute__((format(printf, 1, 2))) static void inconclusive(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset("error", NULL, fmt, ap);
	va_end(ap);
}

/* Several attempts of one attack: the distinct error codes, joined by ','. */
struct codes {
	char s[256];
};
static void codes_add(struct codes *c, int err)
{
	const char *n = errname(err);
	size_t l = strlen(n);
	for (const char *p = c->s; *p;) {
		const char *q = strchr(p, ',');
		size_t pl = q ? (size_t)(q - p) : strlen(p);
		if (pl == l && !strncmp(p, n, l))
			return;
		p = q ? q + 1 : p + pl;
	}
	size_t cur = strlen(c->s);
	if (cur + l + 2 < sizeof c->s)
		snprintf(c->s + cur, sizeof c->s - cur, "%s%s", cur ? "," : "", n);
}

/* Both the attack and its twin report success of one call the same way. */
static void outcome(long r, int err, const char *what)
{
	if (g_twin) {
		if (r >= 0)
			ok("%s", what);
		else
			failed(err, "%s", what);
	} else {
		if (r >= 0)
			escaped("%s", what);
		else
			blocked(err, "%s", what);
	}
}

/* Evaluate the call, then read errno: function arguments have no evaluation order. */
#define OUTCOME(expr, what)                                                                        \
	do {                                                                                       \
		long r_ = (long)(expr);                                                            \
		int e_ = errno;                                                                    \
		outcome(r_, e_, (what));                                                           \
	} while (0)
#define PROBE(expr, perm, what)                                                                    \
	do {                                                                                       \
		long r_ = (long)(expr);                                                            \
		int e_ = errno;                                                                    \
		priv_probe(r_, e_, (perm), (what));                                                \
	} while (0)

/* ---- helpers ----------------------------------------------------------------------------- */
static int need_int(const char *arg, long *out)
{
	char *end;
	if (!arg || !*arg) {
		inconclusive("%s needs an argument (see --list)", g_name);
		return -1;
	}
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (errno || *end || v < 0) {
		inconclusive("bad numeric argument '%s'", arg);
		return -1;
	}
	*out = v;
	return 0;
}

static int need_str(const char *arg)
{
	if (!arg || !*arg) {
		inconclusive("%s needs an argument (see --list)", g_name);
		return -1;
	}
	return 0;
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0 || errno != EBADF;
}

/* A fresh empty directory in /tmp for mount targets and file writes (in the sandbox). */
static const char *scratch_dir(void)
{
	static char dir[64];
	if (dir[0])
		return dir;
	snprintf(dir, sizeof dir, "/tmp/lamina-attack-XXXXXX");
	if (!mkdtemp(dir))
		snprintf(dir, sizeof dir, "/tmp");
	return dir;
}
static void scratch_cleanup(void)
{
	const char *d = scratch_dir();
	if (strcmp(d, "/tmp"))
		(void)rmdir(d);
}

/* ---- nested user namespaces -------------------------------------------------------------- */
static void a_userns_unshare(const char *arg)
{
	(void)arg;
	if (g_twin) {
		/* unshare(0) reaches the same syscall and does nothing. */
		OUTCOME(unshare(0), "unshare(0)");
		return;
	}
	OUTCOME(unshare(CLONE_NEWUSER), "unshare(CLONE_NEWUSER)");
}

static long raw_clone(unsigned long flags)
{
	/* stack 0: the child runs on a copy of our stack, like fork(). */
	long r = syscall(SYS_clone, flags, 0L, 0L, 0L, 0L);
	if (r == 0)
		syscall(SYS_exit_group, 0);
	if (r > 0)
		while (waitpid((pid_t)r, NULL, __WALL) < 0 && errno == EINTR)
			;
	return r;
}

static void a_userns_clone(const char *arg)
{
	(void)arg;
	if (g_twin) {
		OUTCOME(raw_clone(SIGCHLD), "clone(SIGCHLD)");
		return;
	}
	OUTCOME(raw_clone(CLONE_NEWUSER | SIGCHLD), "clone(CLONE_NEWUSER)");
}

struct lm_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
	    set_tid_size, cgroup;
};

static void a_userns_clone3(const char *arg)
{
	(void)arg;
	if (g_twin) {
		/* libc falls back to clone when clone3 says ENOSYS: fork must keep working. */
		pid_t p = fork();
		if (p == 0)
			_exit(0);
		if (p > 0)
			waitpid(p, NULL, 0);
		outcome(p, errno, "fork()");
		return;
	}
	struct lm_clone_args ca = {.flags = CLONE_NEWUSER, .exit_signal = SIGCHLD};
	long r = syscall(SYS_clone3, &ca, sizeof ca);
	if (r == 0)
		syscall(SYS_exit_group, 0);
	if (r > 0)
		waitpid((pid_t)r, NULL, 0);
	outcome(r, errno, "clone3(CLONE_NEWUSER)");
}

/* The i386 entry point: from a 64-bit process, int $0x80 takes the compat syscall table,
 * where unshare is 310.  A filter that only knows the x86_64 numbers does not see it. */
static long int80(long nr, long a1)
{
	long ret;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a1), "c"(0L), "d"(0L)
			 : "memory", "cc", "r8", "r9", "r10", "r11");
	return ret;
}

static void a_userns_int80(const char *arg)
{
	(void)arg;
	if (g_twin) {
		OUTCOME(unshare(0), "native unshare(0)");
		return;
	}
	long r = int80(310, CLONE_NEWUSER);
	outcome(r < 0 ? -1 : r, r < 0 ? (int)-r : 0, "i386 int $0x80 unshare(CLONE_NEWUSER)");
}

/* ---- other namespaces ---------------------------------------------------------------------- */
static const struct {
	int flag;
	const char *name;
} other_ns[] = {{CLONE_NEWNS, "mnt"},	{CLONE_NEWUTS, "uts"}, {CLONE_NEWIPC, "ipc"},
		{CLONE_NEWNET, "net"},	{CLONE_NEWPID, "pid"}, {CLONE_NEWCGROUP, "cgroup"},
		{CLONE_NEWTIME, "time"}};

/* clone(2) with one namespace flag: the child leaves at once. */
static void a_ns_clone(const char *arg)
{
	(void)arg;
	if (g_twin) {
		OUTCOME(raw_clone(SIGCHLD), "clone(SIGCHLD)");
		return;
	}
	struct codes c = {{0}};
	char got[128] = "";
	/* CLONE_NEWTIME is 0x80, inside clone's exit-signal byte: not a clone flag. */
	for (size_t i = 0; i + 1 < sizeof other_ns / sizeof other_ns[0]; i++) {
		if (raw_clone((unsigned long)other_ns[i].flag | SIGCHLD) > 0) {
			size_t l = strlen(got);
			snprintf(got + l, sizeof got - l, "%s%s", l ? "," : "", other_ns[i].name);
		} else {
			codes_add(&c, errno);
		}
	}
	if (got[0])
		escaped("children in new namespaces: %s", got);
	else
		blocked_w(c.s, "clone with mnt,uts,ipc,net,pid,cgroup");
}

/* The x32 ABI: x86_64 numbers with bit 30 set (unshare is 272).  Off in most kernels (ENOSYS);
 * where it is on, a filter must treat it as its own architecture. */
static void a_userns_x32(const char *arg)
{
	(void)arg;
	if (g_twin) {
		OUTCOME(unshare(0), "native unshare(0)");
		return;
	}
	OUTCOME(syscall(0x40000000L | 272, (long)CLONE_NEWUSER), "x32 unshare(CLONE_NEWUSER)");
}

static void a_ns_unshare(const char *arg)
{
	(void)arg;
	if (g_twin) {
		OUTCOME(unshare(0), "unshare(0)");
		return;
	}
	const size_t n = sizeof other_ns / sizeof other_ns[0];
	struct codes c = {{0}};
	char got[128] = "";
	for (size_t i = 0; i < n; i++) {
		if (unshare(other_ns[i].flag) == 0) {
			size_t l = strlen(got);
			snprintf(got + l, sizeof got - l, "%s%s", l ? "," : "", other_ns[i].name);
		} else {
			codes_add(&c, errno);
		}
	}
	if (got[0])
		escaped("created namespaces: %s", got);
	else
		blocked_w(c.s, "unshare of mnt,uts,ipc,net,pid,cgroup,time");
}

static const char *const ns_kinds[] = {"user", "mnt", "net", "pid", "uts", "ipc", "cgroup"};
static int ns_flag(const char *k)
{
	if (!strcmp(k, "user"))
		return CLONE_NEWUSER;
	if (!strcmp(k, "mnt"))
		return CLONE_NEWNS;
	if (!strcmp(k, "net"))
		return CLONE_NEWNET;
	if (!strcmp(k, "pid"))
		return CLONE_NEWPID;
	if (!strcmp(k, "uts"))
		return CLONE_NEWUTS;
	if (!strcmp(k, "ipc"))
		return CLONE_NEWIPC;
	return CLONE_NEWCGROUP;
}

static void a_ns_setns(const char *arg)
{
	(void)arg;
	if (g_twin) {
		int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		outcome(fd, errno, "open(/proc/self/ns/net)");
		if (fd >= 0)
			close(fd);
		return;
	}
	/* Every namespace of pid 1 and of any process whose namespace differs from ours. */
	struct codes c = {{0}};
	int tries = 0, foreign = 0;
	DIR *d = opendir("/proc");
	if (!d) {
		blocked(errno, "opendir(/proc)");
		return;
	}
	struct dirent *de;
	while ((de = readdir(d)) && tries < 128) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid == getpid())
			continue;
		for (size_t k = 0; k < sizeof ns_kinds / sizeof ns_kinds[0]; k++) {
			char p[64], s[64];
			struct stat a, b;
			snprintf(p, sizeof p, "/proc/%ld/ns/%s", pid, ns_kinds[k]);
			snprintf(s, sizeof s, "/proc/self/ns/%s", ns_kinds[k]);
			if (stat(p, &a) < 0 || stat(s, &b) < 0) {
				if (pid == 1)
					codes_add(&c, errno);
				continue;
			}
			bool other = a.st_ino != b.st_ino || a.st_dev != b.st_dev;
			if (!other && pid != 1)
				continue;
			foreign += other;
			int fd = open(p, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				codes_add(&c, errno);
				continue;
			}
			tries++;
			if (setns(fd, ns_flag(ns_kinds[k])) == 0) {
				close(fd);
				closedir(d);
				escaped("setns into pid %ld's %s namespace%s", pid, ns_kinds[k],
					other ? " (a foreign one)" : "");
				return;
			}
			codes_add(&c, errno);
			close(fd);
		}
	}
	closedir(d);
	if (!c.s[0])
		blocked_w("NONE", "no namespace to enter (%d foreign)", foreign);
	else
		blocked_w(c.s, "%d setns attempts, %d into foreign namespaces", tries, foreign);
}

/* ---- privileged operations ----------------------------------------------------------------- */
static void a_priv_mount(const char *arg)
{
	(void)arg;
	const char *dir = scratch_dir();
	long r = mount("lamina-attack", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k");
	int e = errno;
	if (r == 0)
		umount2(dir, MNT_DETACH);
	scratch_cleanup();
	outcome(r, e, "mount(tmpfs) in the sandbox");
}

static void a_priv_fsopen(const char *arg)
{
	(void)arg;
	int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0) {
		outcome(-1, errno, "fsopen(tmpfs)");
		return;
	}
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		int e = errno;
		close(fs);
		outcome(-1, e, "fsconfig(CMD_CREATE)");
		return;
	}
	int mfd = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
	int e = errno;
	close(fs);
	if (mfd < 0) {
		outcome(-1, e, "fsmount");
		return;
	}
	const char *dir = scratch_dir();
	long r = syscall(SYS_move_mount, mfd, "", AT_FDCWD, dir, MOVE_MOUNT_F_EMPTY_PATH);
	close(mfd);
	if (r == 0)
		umount2(dir, MNT_DETACH);
	scratch_cleanup();
	outcome(0, 0,
		r == 0 ? "fsopen+fsmount+move_mount of a tmpfs" : "fsopen+fsmount of a tmpfs");
}

static void a_priv_open_tree(const char *arg)
{
	(void)arg;
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, "/",
			      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	int e = errno;
	if (fd >= 0)
		close(fd);
	outcome(fd, e, "open_tree(/, OPEN_TREE_CLONE)");
}

/* Invalid arguments checked after the permission check: EPERM means stopped, anything else
 * means the privileged path was reached (and would have acted on valid arguments). */
static void priv_probe(long r, int e, int perm_err, const char *what)
{
	/* ENOSYS: this kernel was built without the call (or a filter says so): nothing reached. */
	if (r < 0 && (e == perm_err || e == ENOSYS)) {
		outcome(-1, e, what);
		return;
	}
	char buf[256];
	snprintf(buf, sizeof buf, "%s passed the permission check (%s on invalid arguments)", what,
		 r < 0 ? errname(e) : "success");
	outcome(0, 0, buf);
}

static void a_priv_pivot_root(const char *arg)
{
	(void)arg;
	long r = syscall(SYS_pivot_root, "/nonexistent-lamina-new", "/nonexistent-lamina-old");
	priv_probe(r, errno, EPERM, "pivot_root");
}

static void a_priv_chroot(const char *arg)
{
	(void)arg;
	OUTCOME(chroot("/"), "chroot(/)");
}

static void a_priv_sethostname(const char *arg)
{
	(void)arg;
	struct utsname u;
	if (uname(&u) < 0) {
		inconclusive("uname: %s", errname(errno));
		return;
	}
	/* The same name back: harmless even in the host's UTS namespace. */
	OUTCOME(sethostname(u.nodename, strlen(u.nodename)), "sethostname(current name)");
}

static void a_priv_raw_socket(const char *arg)
{
	(void)arg;
	struct codes c = {{0}};
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd >= 0) {
		close(fd);
		outcome(0, 0, "socket(AF_INET, SOCK_RAW)");
		return;
	}
	codes_add(&c, errno);
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd >= 0) {
		close(fd);
		outcome(0, 0, "socket(AF_PACKET, SOCK_RAW)");
		return;
	}
	codes_add(&c, errno);
	if (g_twin)
		failed(errno, "raw sockets");
	else
		blocked_w(c.s, "socket(AF_INET, SOCK_RAW) and socket(AF_PACKET)");
}

static void a_raw_socket_twin(const char *arg)
{
	(void)arg;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	outcome(fd, errno, "socket(AF_INET, SOCK_DGRAM)");
	if (fd >= 0)
		close(fd);
}

struct lm_fh {
	struct file_handle h;
	unsigned char bytes[128];
};

static void a_priv_open_by_handle(const char *arg)
{
	(void)arg;
	if (g_twin) {
		/* The same file through an ordinary path lookup. */
		int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		outcome(fd, errno, "open(/)");
		if (fd >= 0)
			close(fd);
		return;
	}
	struct lm_fh fh = {.h.handle_bytes = 128};
	int mnt_id;
	int have = name_to_handle_at(AT_FDCWD, "/", &fh.h, &mnt_id, 0) == 0;
	if (!have) {
		/* The shocker handle: inode 2, generation 0 (the root of an ext* filesystem). */
		memset(&fh, 0, sizeof fh);
		fh.h.handle_bytes = 8;
		fh.h.handle_type = 1; /* FILEID_INO32_GEN */
		fh.bytes[0] = 2;
	}
	int mfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0) {
		inconclusive("open(/): %s", errname(errno));
		return;
	}
	int fd = open_by_handle_at(mfd, &fh.h, O_RDONLY | O_CLOEXEC);
	int e = errno;
	close(mfd);
	if (fd >= 0)
		close(fd);
	outcome(fd, e, "open_by_handle_at");
}

static void a_priv_kexec(const char *arg)
{
	(void)arg;
	/* Undefined flag bit and too many segments: EINVAL right after the permission check. */
	long r = syscall(SYS_kexec_load, 0UL, 17UL, NULL, 0x8000UL);
	priv_probe(r, errno, EPERM, "kexec_load");
}

static void a_priv_module(const char *arg)
{
	(void)arg;
	/* A zero-length image: ENOEXEC after the permission check; nothing is loaded. */
	long r = syscall(SYS_init_module, NULL, 0UL, "");
	int e = errno;
	if (r < 0 && e == EPERM) {
		r = syscall(SYS_delete_module, "lamina_no_such_module", O_NONBLOCK);
		e = errno;
		priv_probe(r, e, EPERM, "init_module and delete_module");
		return;
	}
	priv_probe(r, e, EPERM, "init_module");
}

static void a_priv_acct(const char *arg)
{
	(void)arg;
	PROBE(acct("/nonexistent-lamina/acct"), EPERM, "acct");
}

static void a_priv_swapon(const char *arg)
{
	(void)arg;
	PROBE(syscall(SYS_swapon, "/nonexistent-lamina-swap", 0), EPERM, "swapon");
}

static void a_priv_reboot(const char *arg)
{
	(void)arg;
	/* magic2 = 0 is no valid magic: EINVAL after the CAP_SYS_BOOT check, never a reboot. */
	PROBE(syscall(SYS_reboot, 0xfee1deadUL, 0UL, 0UL, NULL), EPERM, "reboot(invalid magic)");
}

static void a_priv_syslog(const char *arg)
{
	(void)arg;
	static char buf[4096];
	long r = syscall(SYS_syslog, 3 /* SYSLOG_ACTION_READ_ALL */, buf, (long)sizeof buf);
	char what[96];
	snprintf(what, sizeof what, "syslog(READ_ALL)%s", r > 0 ? " read the kernel log" : "");
	outcome(r, errno, what);
}

static void a_priv_iopl(const char *arg)
{
	(void)arg;
	long r = syscall(SYS_iopl, 3);
	int e = errno;
	if (r == 0)
		syscall(SYS_iopl, 0);
	outcome(r, e, "iopl(3)");
}

/* Twins for the privileged class: the unprivileged neighbour of each call. */
static void t_priv_generic(const char *arg)
{
	(void)arg;
	struct utsname u;
	OUTCOME(uname(&u), "uname()");
}
static void t_chroot(const char *arg)
{
	(void)arg;
	OUTCOME(chdir("/"), "chdir(/)");
}

/* ---- kernel attack surface ------------------------------------------------------------------ */
static void a_kern_bpf(const char *arg)
{
	(void)arg;
	struct bpf_insn prog[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	static char log[1];
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uint64_t)(uintptr_t)prog;
	a.insn_cnt = 2;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_buf = (uint64_t)(uintptr_t)log;
	int fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a);
	if (fd >= 0) {
		close(fd);
		outcome(0, 0, "bpf(BPF_PROG_LOAD)");
		return;
	}
	struct codes c = {{0}};
	codes_add(&c, errno);
	memset(&a, 0, sizeof a);
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	fd = (int)syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof a);
	if (fd >= 0) {
		close(fd);
		outcome(0, 0, "bpf(BPF_MAP_CREATE)");
		return;
	}
	codes_add(&c, errno);
	blocked_w(c.s, "bpf(PROG_LOAD) and bpf(MAP_CREATE)");
}

static void a_kern_perf(const char *arg)
{
	(void)arg;
	struct perf_event_attr pa;
	memset(&pa, 0, sizeof pa);
	pa.type = PERF_TYPE_SOFTWARE;
	pa.size = sizeof pa;
	pa.config = PERF_COUNT_SW_TASK_CLOCK;
	pa.disabled = 1;
	pa.exclude_kernel = 1;
	pa.exclude_hv = 1;
	int fd = (int)syscall(SYS_perf_event_open, &pa, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	int e = errno;
	if (fd >= 0)
		close(fd);
	outcome(fd, e, "perf_event_open(task clock, self)");
}

static void a_kern_keyctl(const char *arg)
{
	(void)arg;
	/* A key in the process keyring: it dies with this process. */
	long k = syscall(SYS_add_key, "user", "lamina-attack", "x", 1UL, -2 /* PROCESS */);
	outcome(k, errno, "add_key(user, process keyring)");
}

static void a_kern_userfaultfd(const char *arg)
{
	(void)arg;
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (fd < 0)
		fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	int e = errno;
	if (fd >= 0)
		close(fd);
	outcome(fd, e, "userfaultfd");
}

static void a_kern_io_uring(const char *arg)
{
	(void)arg;
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	int fd = (int)syscall(SYS_io_uring_setup, 2, &p);
	int e = errno;
	if (fd >= 0)
		close(fd);
	outcome(fd, e, "io_uring_setup");
}

static void a_kern_personality(const char *arg)
{
	(void)arg;
	if (g_twin) {
		/* 0xffffffff only queries the current persona. */
		long r = syscall(SYS_personality, 0xffffffffUL);
		outcome(r, errno, "personality(query)");
		return;
	}
	long r = syscall(SYS_personality, (unsigned long)(ADDR_NO_RANDOMIZE | READ_IMPLIES_EXEC));
	int e = errno;
	if (r >= 0) {
		long now = syscall(SYS_personality, 0xffffffffUL);
		if (now >= 0 && !(now & ADDR_NO_RANDOMIZE)) {
			blocked_w("IGNORED", "personality flags not applied");
			return;
		}
	}
	outcome(r, e, "personality(ADDR_NO_RANDOMIZE|READ_IMPLIES_EXEC)");
}

/* ---- a kill rule raced by a SIGSYS handler -------------------------------------------------- */
/* A kill-process rule must kill whatever the process does with SIGSYS meanwhile.  A second
 * thread installs and removes a SIGSYS handler without pause while the first makes a call the
 * profile kills (iopl(3) under default): a supervisor that looked at the disposition before
 * signalling could be answered by a handler that was not there when it looked.  N attempts
 * (default 100), each a fresh process; one survivor is an escape.  The twin makes an allowed
 * call with the same thread running. */
static void on_sigsys_noop(int sig)
{
	(void)sig;
}

static void *toggle_sigsys(void *started)
{
	struct sigaction on = {.sa_handler = on_sigsys_noop}, off = {.sa_handler = SIG_DFL};
	for (;;) {
		sigaction(SIGSYS, &on, NULL);
		__atomic_store_n((int *)started, 1, __ATOMIC_SEQ_CST);
		sigaction(SIGSYS, &off, NULL);
	}
	return NULL;
}

static void a_seccomp_kill_race(const char *arg)
{
	long n = 100;
	if (arg && need_int(arg, &n) < 0)
		return;
	if (n < 1 || n > 100000)
		n = 100;
	long survived = 0, killed = 0;
	int lastsig = 0, err = 0;
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0) {
			inconclusive("fork: %s", errname(errno));
			return;
		}
		if (p == 0) {
			static int started;
			pthread_t th;
			if (pthread_create(&th, NULL, toggle_sigsys, &started) != 0)
				_exit(2);
			while (!__atomic_load_n(&started, __ATOMIC_SEQ_CST))
				;
			long r = g_twin ? syscall(SYS_getpid) : syscall(SYS_iopl, 3);
			int e = errno;
			if (r == 0 && !g_twin)
				syscall(SYS_iopl, 0);
			/* the exit status carries the errno: 100 + errno, 3 for success */
			_exit(r >= 0 ? 3 : 100 + (e < 100 ? e : 99));
		}
		int st;
		while (waitpid(p, &st, 0) < 0)
			if (errno != EINTR) {
				inconclusive("waitpid: %s", errname(errno));
				return;
			}
		if (WIFSIGNALED(st)) {
			killed++;
			lastsig = WTERMSIG(st);
		} else if (WIFEXITED(st) && WEXITSTATUS(st) == 2) {
			inconclusive("pthread_create failed");
			return;
		} else {
			survived++;
			if (WIFEXITED(st) && WEXITSTATUS(st) >= 100)
				err = WEXITSTATUS(st) - 100;
		}
	}
	const char *sn = lastsig ? sigabbrev_np(lastsig) : NULL;
	char sig[32];
	snprintf(sig, sizeof sig, "SIG%s", sn ? sn : "?");
	if (g_twin) {
		if (survived == n)
			ok("getpid() in %ld processes toggling a SIGSYS handler", n);
		else
			failed_w(sig, "%ld of %ld getpid() calls killed", killed, n);
		return;
	}
	if (survived)
		escaped("%ld of %ld processes survived iopl(3) under a kill rule with a SIGSYS "
			"handler toggled (the call: %s)",
			survived, n, err ? errname(err) : "succeeded");
	else
		blocked_w(sig, "%ld of %ld processes killed at iopl(3), SIGSYS handler toggled",
			  killed, n);
}

/* ---- ptrace and process_vm_readv ------------------------------------------------------------ */
static void ptrace_target(pid_t pid, const char *who)
{
	char what[96];
	snprintf(what, sizeof what, "ptrace(PTRACE_SEIZE, %s pid %d)", who, (int)pid);
	/* SEIZE does not stop the tracee; our exit detaches. */
	OUTCOME(ptrace(PTRACE_SEIZE, pid, NULL, NULL), what);
}

static unsigned long first_mapping(pid_t pid)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/%d/maps", (int)pid);
	FILE *f = fopen(p, "re");
	unsigned long a = 0x1000; /* unmapped: EFAULT once access was granted */
	if (f) {
		if (fscanf(f, "%lx", &a) != 1)
			a = 0x1000;
		fclose(f);
	}
	return a;
}

static void vmread_target(pid_t pid, const char *who)
{
	char b[8];
	struct iovec l = {b, sizeof b}, r = {(void *)first_mapping(pid), sizeof b};
	long n = process_vm_readv(pid, &l, 1, &r, 1, 0);
	int e = errno;
	char what[128];
	/* EFAULT: the permission check passed, only the address was wrong. */
	if (n < 0 && e != EFAULT) {
		snprintf(what, sizeof what, "process_vm_readv(%s pid %d)", who, (int)pid);
		outcome(-1, e, what);
		return;
	}
	snprintf(what, sizeof what, "process_vm_readv(%s pid %d) %s", who, (int)pid,
		 n < 0 ? "was permitted (EFAULT on the address)" : "read its memory");
	outcome(0, 0, what);
}

static pid_t spawn_sleeper(void)
{
	pid_t p = fork();
	if (p == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* lamina makes the payload non-dumpable; a twin's own child may opt back in, which
		 * is what lets its parent trace it without privilege. */
		if (g_twin)
			prctl(PR_SET_DUMPABLE, 1);
		alarm(30);
		for (;;)
			pause();
	}
	return p;
}
static void reap(pid_t p)
{
	if (p > 0) {
		kill(p, SIGKILL);
		while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
			;
	}
}

static void a_ptrace_init(const char *arg)
{
	(void)arg;
	ptrace_target(1, "init");
}
static void a_ptrace_parent(const char *arg)
{
	(void)arg;
	ptrace_target(g_caller, "parent");
}
static void t_ptrace(const char *arg)
{
	(void)arg;
	pid_t c = spawn_sleeper();
	if (c < 0) {
		failed(errno, "fork");
		return;
	}
	ptrace_target(c, "own child");
	reap(c);
}
static void a_procvm_init(const char *arg)
{
	(void)arg;
	vmread_target(1, "init");
}
static void a_procvm_parent(const char *arg)
{
	(void)arg;
	vmread_target(g_caller, "parent");
}
static void t_procvm(const char *arg)
{
	(void)arg;
	pid_t c = spawn_sleeper();
	if (c < 0) {
		failed(errno, "fork");
		return;
	}
	vmread_target(c, "own child");
	reap(c);
}

/* ---- /proc/PID/mem: another process's memory without ptrace ---------------------------------
 * Opening /proc/PID/mem for writing takes the same permission as ptrace (ptrace_may_access):
 * the seccomp rules that refuse ptrace and process_vm_writev do not see it.  What holds: a
 * non-dumpable process (lamina's init) and a process of another uid (without CAP_SYS_PTRACE,
 * which no payload holds) are out of reach.  A dumpable process of the same uid is not: that is
 * the twin, and the boundary `lamina explain` states. */

/* Write one byte into pid's memory at addr through /proc/PID/mem; returns 0 or -1 (errno). */
static int mem_write(pid_t pid, unsigned long addr, char byte)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/%d/mem", (int)pid);
	int fd = open(p, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = pwrite(fd, &byte, 1, (off_t)addr);
	int e = errno;
	close(fd);
	errno = e;
	return n == 1 ? 0 : -1;
}

/* A child of the same uid that waits on a pipe; it exits 0 when mem_target (its own copy) was
 * changed to 'Z' meanwhile. */
static volatile char mem_target = 'a';
static pid_t mem_child(int *release)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t c = fork();
	if (c == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(30);
		char b;
		if (read(p[0], &b, 1) != 1)
			_exit(2);
		_exit(mem_target == 'Z' ? 0 : 1);
	}
	close(p[0]);
	*release = p[1];
	return c;
}

static int mem_child_end(pid_t c, int release)
{
	int st = 0;
	(void)!write(release, "x", 1);
	close(release);
	while (waitpid(c, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Same uid: the parent writes into its own child's memory (the twin of both attacks). */
static void t_procmem(const char *arg)
{
	(void)arg;
	int release;
	pid_t c = mem_child(&release);
	if (c < 0) {
		failed(errno, "fork");
		return;
	}
	int r = mem_write(c, (unsigned long)&mem_target, 'Z');
	int e = errno;
	int landed = mem_child_end(c, release);
	if (r < 0)
		failed(e, "write /proc/CHILD/mem of a child of the same uid");
	else if (landed != 0)
		failed_w("NOTLANDED", "the write did not reach the child");
	else
		ok("wrote into a child of the same uid through /proc/CHILD/mem");
}

static void a_procmem_init(const char *arg)
{
	(void)arg;
	unsigned long addr = first_mapping(1);
	int r = mem_write(1, addr, 0);
	int e = errno;
	/* EIO: the open passed the permission check, only the page was not writable. */
	if (r < 0 && e != EIO) {
		blocked(e, "open /proc/1/mem (init) for writing");
		return;
	}
	escaped("opened /proc/1/mem (init) for writing%s", r < 0 ? " (EIO on the page)" : "");
}

/* Another uid: a child that became 65534 writes into its parent (uid 0 inside, the payload's
 * strongest position).  The parent must be root inside to make such a child at all. */
static void a_procmem_uid(const char *arg)
{
	(void)arg;
	pid_t parent = getpid();
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		inconclusive("pipe: %s", errname(errno));
		return;
	}
	pid_t c = fork();
	if (c == 0) {
		int res[2] = {0, 0}; /* {stage, errno}: 0 setuid failed, 1 write refused, 2 wrote */
		(void)!setgroups(0, NULL); /* refused where setgroups is denied; not needed */
		if (setgid(65534) < 0 || setuid(65534) < 0)
			res[1] = errno;
		else if (mem_write(parent, (unsigned long)&mem_target, 'Z') < 0)
			res[0] = 1, res[1] = errno;
		else
			res[0] = 2;
		(void)!write(p[1], res, sizeof res);
		_exit(0);
	}
	close(p[1]);
	int res[2] = {0, ECHILD};
	if (c < 0 || read(p[0], res, sizeof res) != (ssize_t)sizeof res)
		res[1] = c < 0 ? errno : EIO;
	close(p[0]);
	if (c > 0)
		while (waitpid(c, NULL, 0) < 0 && errno == EINTR)
			;
	if (res[0] == 0 && res[1] == EINVAL)
		blocked_w("ONE_UID", "no other uid exists in this sandbox (setuid(65534): EINVAL)");
	else if (res[0] == 0)
		inconclusive("setuid(65534): %s (the attack needs uid 0 inside)", errname(res[1]));
	else if (res[0] == 1)
		blocked(res[1], "a uid-65534 child opening its uid-0 parent's /proc/PID/mem");
	else
		escaped("a uid-65534 child wrote into its uid-0 parent's memory%s",
			mem_target == 'Z' ? "" : " (the byte did not show)");
}

/* ---- /proc ---------------------------------------------------------------------------------- */
static void a_proc_sys_write(const char *arg)
{
	(void)arg;
	static const char *const files[] = {"/proc/sys/kernel/hostname",
					    "/proc/sys/net/ipv4/ping_group_range",
					    "/proc/sys/kernel/domainname"};
	struct codes c = {{0}};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char buf[256];
		/* Read the current value and write the same bytes back: harmless anywhere. */
		int fd = open(files[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			codes_add(&c, errno);
			continue;
		}
		ssize_t n = read(fd, buf, sizeof buf);
		close(fd);
		if (n <= 0) {
			codes_add(&c, n < 0 ? errno : EIO);
			continue;
		}
		fd = open(files[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			codes_add(&c, errno);
			continue;
		}
		ssize_t w = write(fd, buf, (size_t)n);
		int e = errno;
		close(fd);
		if (w == n) {
			escaped("wrote %s", files[i]);
			return;
		}
		codes_add(&c, w < 0 ? e : EIO);
	}
	blocked_w(c.s, "writes under /proc/sys");
}
static void t_proc_sys(const char *arg)
{
	(void)arg;
	char b[256];
	int fd = open("/proc/sys/kernel/hostname", O_RDONLY | O_CLOEXEC);
	long n = fd < 0 ? -1 : read(fd, b, sizeof b);
	outcome(n, errno, "read /proc/sys/kernel/hostname");
	if (fd >= 0)
		close(fd);
}

static void a_proc_exe_write(const char *arg)
{
	(void)arg;
	/* Opening for write is the whole attack (CVE-2019-5736); nothing is ever written. */
	char parent[64];
	snprintf(parent, sizeof parent, "/proc/%d/exe", (int)g_caller);
	const char *const targets[] = {"/proc/self/exe", "/proc/1/exe", parent};
	struct codes c = {{0}};
	for (size_t i = 0; i < 3; i++) {
		int fd = open(targets[i], O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			escaped("opened %s for writing (nothing written)", targets[i]);
			return;
		}
		codes_add(&c, errno);
	}
	blocked_w(c.s, "open(/proc/{self,1,parent}/exe, O_WRONLY)");
}
static void t_proc_exe(const char *arg)
{
	(void)arg;
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	outcome(fd, errno, "open(/proc/self/exe, O_RDONLY)");
	if (fd >= 0)
		close(fd);
}

static void a_proc_kcore(const char *arg)
{
	(void)arg;
	int fd = open("/proc/kcore", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		outcome(-1, errno, "open(/proc/kcore)");
		return;
	}
	char b[16];
	ssize_t n = read(fd, b, sizeof b);
	int e = errno;
	close(fd);
	outcome(n, e, "read /proc/kcore");
}
static void t_proc_read(const char *arg)
{
	(void)arg;
	char b[64];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	long n = fd < 0 ? -1 : read(fd, b, sizeof b);
	outcome(n, errno, "read /proc/self/status");
	if (fd >= 0)
		close(fd);
}

/* ---- terminals --------------------------------------------------------------------------- */
/* A pty inside the sandbox that becomes our controlling terminal: TIOCSTI on one's own
 * controlling terminal is allowed by the kernel (legacy_tiocsti), so seccomp is what stops it. */
static int ctty_pty(int *master)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0) {
		inconclusive("no pty in the sandbox: posix_openpt: %s", errname(errno));
		return -1;
	}
	char name[64];
	if (grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, name, sizeof name) != 0) {
		inconclusive("pty setup: %s", errname(errno));
		close(m);
		return -1;
	}
	if (setsid() < 0 && errno != EPERM) {
		inconclusive("setsid: %s", errname(errno));
		close(m);
		return -1;
	}
	int s = open(name, O_RDWR | O_CLOEXEC);
	if (s < 0) {
		inconclusive("open %s: %s", name, errname(errno));
		close(m);
		return -1;
	}
	if (ioctl(s, TIOCSCTTY, 0) < 0) {
		inconclusive("TIOCSCTTY: %s", errname(errno));
		close(s);
		close(m);
		return -1;
	}
	*master = m;
	return s;
}

static void tty_attack(unsigned long req, const char *what, bool linux_ioctl)
{
	int m, s = ctty_pty(&m);
	if (s < 0)
		return;
	if (g_twin) {
		struct winsize ws;
		OUTCOME(ioctl(s, TIOCGWINSZ, &ws), "ioctl(TIOCGWINSZ) on the pty");
	} else if (!linux_ioctl) {
		char ch = 'x';
		/* The raw syscall passes all 64 bits of the request; the kernel uses 32. */
		long r = syscall(SYS_ioctl, s, req, &ch);
		outcome(r, errno, what);
	} else {
		char sub = TIOCL_GETSHIFTSTATE; /* a read-only subcommand */
		long r = syscall(SYS_ioctl, s, req, &sub);
		int e = errno;
		/* A pty is no VT: once past seccomp the driver answers ENOTTY/EINVAL.  On a VT
		 * console the same call reaches the selection code (TIOCL_PASTESEL pastes into the
		 * console's input, like TIOCSTI).
		 */
		if (r < 0 && (e == ENOTTY || e == EINVAL)) {
			char buf[160];
			snprintf(buf, sizeof buf, "%s reached the tty driver (%s: a pty is no VT)",
				 what, errname(e));
			outcome(0, 0, buf);
		} else {
			outcome(r, e, what);
		}
	}
	close(s);
	close(m);
}

static void a_tty_tiocsti(const char *arg)
{
	(void)arg;
	tty_attack(TIOCSTI, "ioctl(TIOCSTI) on the controlling pty", false);
}
static void a_tty_tiocsti_high(const char *arg)
{
	(void)arg;
	tty_attack(0x100000000UL | TIOCSTI, "ioctl(0x100005412) on the controlling pty", false);
}
static void a_tty_tioclinux(const char *arg)
{
	(void)arg;
	tty_attack(TIOCLINUX, "ioctl(TIOCLINUX)", true);
}
static void a_tty_tioclinux_high(const char *arg)
{
	(void)arg;
	tty_attack(0x100000000UL | TIOCLINUX, "ioctl(0x10000541c)", true);
}

/* The attacks on the caller's terminal: the caller passes its terminal as DEV:RDEV (st_dev and
 * st_rdev in decimal, `stat -L -c %d:%r /dev/stdin`), a pty of its own that it may throw away.
 * Stdin is either that terminal (then the call reaches it) or another one, the sandbox's own pty
 * (then the call reaches only that: blocked, OWNPTY); a pty of another devpts instance has
 * another st_dev even where the numbers of the pty are the same. */
static int caller_terminal(const char *arg, bool *callers)
{
	unsigned long long dev, rdev;
	char extra;
	if (!arg || sscanf(arg, "%llu:%llu%c", &dev, &rdev, &extra) != 2) {
		inconclusive("%s needs the caller's terminal as DEV:RDEV (stat -L -c %%d:%%r)",
			     g_name);
		return -1;
	}
	struct stat st;
	if (!isatty(0) || fstat(0, &st) < 0) {
		inconclusive("stdin is not a terminal (the caller must pass one)");
		return -1;
	}
	*callers = st.st_dev == (dev_t)dev && st.st_rdev == (dev_t)rdev;
	return 0;
}

/* The call was made on the sandbox's own pty: whatever it did, the caller's terminal is out of
 * reach. */
static void own_pty(long r, int e, const char *what)
{
	blocked_w("OWNPTY", "stdin is the sandbox's own pty (%s there: %s)", what,
		  r >= 0 ? "done" : errname(e));
}

/* A pty the attack opens for itself (the twins: the same call where it may work). */
static int private_pty(int *master)
{
	char name[64];
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, name, sizeof name) != 0) {
		inconclusive("no pty in the sandbox: %s", errname(errno));
		if (m >= 0)
			close(m);
		return -1;
	}
	int s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		inconclusive("open %s: %s", name, errname(errno));
		close(m);
		return -1;
	}
	*master = m;
	return s;
}

static void a_tty_inherited(const char *arg)
{
	bool callers;
	if (caller_terminal(arg, &callers) < 0)
		return;
	if (g_twin) {
		struct winsize ws;
		OUTCOME(ioctl(0, TIOCGWINSZ, &ws), "ioctl(0, TIOCGWINSZ)");
		return;
	}
	/* A newline only: even if it lands, the caller's shell reads an empty line. */
	char ch = '\n';
	long r = syscall(SYS_ioctl, 0, (unsigned long)TIOCSTI, &ch);
	int e = errno;
	if (callers)
		outcome(r, e, "ioctl(0, TIOCSTI) on the caller's terminal");
	else
		own_pty(r, e, "TIOCSTI");
}

/* N_NULL as the line discipline of the caller's terminal: it passes nothing either way from
 * then on, long after the sandbox is gone.  Twin: the same call on a pty of the attack's own. */
static void a_tty_setd(const char *arg)
{
	bool callers;
	if (caller_terminal(arg, &callers) < 0)
		return;
	int d = N_NULL;
	if (g_twin) {
		int m, s = private_pty(&m);
		if (s < 0)
			return;
		OUTCOME(ioctl(s, TIOCSETD, &d), "ioctl(TIOCSETD, N_NULL) on a pty of its own");
		close(s);
		close(m);
		return;
	}
	long r = ioctl(0, TIOCSETD, &d);
	int e = errno;
	if (callers)
		outcome(r, e, "ioctl(0, TIOCSETD, N_NULL) on the caller's terminal");
	else
		own_pty(r, e, "TIOCSETD N_NULL");
}

/* The caller's terminal left without echo, line editing and Ctrl-C, as a crashed full-screen
 * program leaves it.  Twin: the same change on a pty of the attack's own. */
static void a_tty_termios(const char *arg)
{
	bool callers;
	if (caller_terminal(arg, &callers) < 0)
		return;
	int m = -1, fd = 0;
	if (g_twin && (fd = private_pty(&m)) < 0)
		return;
	struct termios t;
	if (tcgetattr(fd, &t) < 0) {
		inconclusive("tcgetattr: %s", errname(errno));
	} else {
		t.c_lflag &= ~(tcflag_t)(ECHO | ICANON | ISIG);
		long r = tcsetattr(fd, TCSANOW, &t);
		int e = errno;
		if (g_twin)
			outcome(r, e, "tcsetattr(-echo -icanon -isig) on a pty of its own");
		else if (callers)
			outcome(r, e, "tcsetattr(0, -echo -icanon -isig) on the caller's terminal");
		else
			own_pty(r, e, "tcsetattr -echo -icanon -isig");
	}
	if (g_twin) {
		close(fd);
		close(m);
	}
}

/* ---- std fds --------------------------------------------------------------------------------- */
static void stdfd_verdict(long r, int e, int fd, const char *what)
{
	if (r >= 0) {
		escaped("%s", what);
		return;
	}
	if (!fd_open(fd)) {
		escaped("%s closed fd %d (returned %s)", what, fd, errname(e));
		return;
	}
	blocked(e, "%s", what);
}

static void a_stdfd_close(const char *arg)
{
	(void)arg;
	long r = syscall(SYS_close, 2L);
	stdfd_verdict(r, errno, 2, "close(2)");
}
static void a_stdfd_close_high(const char *arg)
{
	(void)arg;
	/* fds are 32-bit in the kernel: close(0x100000001) closes fd 1. */
	long r = syscall(SYS_close, 0x100000001UL);
	int e = errno;
	if (r == 0 && !fd_open(1))
		escaped("close(0x100000001) closed fd 1");
	else if (r == 0)
		escaped("close(0x100000001) succeeded");
	else
		stdfd_verdict(r, e, 1, "close(0x100000001)");
}
static void a_stdfd_dup2(const char *arg)
{
	(void)arg;
	stdfd_verdict(syscall(SYS_dup2, 2L, 1L), errno, 1, "dup2(2, 1)");
}
static void a_stdfd_dup2_high(const char *arg)
{
	(void)arg;
	stdfd_verdict(syscall(SYS_dup2, 2L, 0x100000001UL), errno, 1, "dup2(2, 0x100000001)");
}
static void a_stdfd_dup3(const char *arg)
{
	(void)arg;
	stdfd_verdict(syscall(SYS_dup3, 2L, 1L, 0L), errno, 1, "dup3(2, 1, 0)");
}
static void a_stdfd_close_range(const char *arg)
{
	(void)arg;
	long r = syscall(SYS_close_range, 0U, ~0U, 0U);
	stdfd_verdict(r, errno, 0, "close_range(0, ~0)");
}
static void t_stdfd_close(const char *arg)
{
	(void)arg;
	int fd = (int)syscall(SYS_fcntl, 1, F_DUPFD_CLOEXEC, 10);
	if (fd < 0) {
		failed(errno, "fcntl(F_DUPFD_CLOEXEC)");
		return;
	}
	OUTCOME(syscall(SYS_close, (long)fd), "close of a non-std fd");
}
static void t_stdfd_dup2(const char *arg)
{
	(void)arg;
	/* The seed's one exception. */
	OUTCOME(syscall(SYS_dup2, 1L, 2L), "dup2(1, 2)");
}
static void t_stdfd_dup3(const char *arg)
{
	(void)arg;
	long r = syscall(SYS_dup3, 1L, 10L, (long)O_CLOEXEC);
	outcome(r, errno, "dup3(1, 10, O_CLOEXEC)");
}
static void t_stdfd_close_range(const char *arg)
{
	(void)arg;
	OUTCOME(syscall(SYS_close_range, 3U, ~0U, 0U), "close_range(3, ~0)");
}

/* ---- a directory fd leaked by the caller ---------------------------------------------------- */
static void list_parent(const char *how)
{
	DIR *d = opendir("..");
	if (!d) {
		outcome(0, 0, how); /* fchdir alone already left the sandbox's tree */
		return;
	}
	int n = 0;
	while (readdir(d))
		n++;
	closedir(d);
	char buf[160];
	snprintf(buf, sizeof buf, "%s, listed %d entries of ..", how, n);
	outcome(0, 0, buf);
}

static void a_fd_leak(const char *arg)
{
	long fd;
	if (g_twin) {
		int d = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d < 0 || fchdir(d) < 0) {
			failed(errno, "fchdir to a directory opened in the sandbox");
			return;
		}
		list_parent("fchdir(/tmp opened in the sandbox)");
		close(d);
		return;
	}
	if (need_int(arg, &fd) < 0)
		return;
	if (fchdir((int)fd) < 0) {
		blocked(errno, "fchdir(%ld)", fd);
		return;
	}
	char buf[64];
	snprintf(buf, sizeof buf, "fchdir(%ld) into the caller's directory", fd);
	list_parent(buf);
}

/* ---- host canaries and file-system writes ---------------------------------------------------- */
static void read_file_verdict(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		outcome(-1, errno, path);
		return;
	}
	char b[256];
	ssize_t n = read(fd, b, sizeof b);
	int e = errno;
	close(fd);
	char what[PATH_MAX + 64];
	/* The secret itself is never printed. */
	snprintf(what, sizeof what, "read %zd bytes of %s", n, path);
	outcome(n, e, what);
}

static void a_canary(const char *arg)
{
	if (g_twin) {
		char p[64];
		snprintf(p, sizeof p, "/tmp/lamina-twin-%d", (int)getpid());
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, "twin\n", 5) != 5) {
			failed(errno, "create %s", p);
			if (fd >= 0)
				close(fd);
			unlink(p);
			return;
		}
		close(fd);
		read_file_verdict(p);
		unlink(p);
		return;
	}
	if (need_str(arg) < 0)
		return;
	read_file_verdict(arg);
}

static void write_in(const char *dir)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/lamina-attack-%d", dir, (int)getpid());
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int e = errno;
	if (fd >= 0) {
		close(fd);
		unlink(p); /* leave nothing behind */
	}
	char what[PATH_MAX + 32];
	snprintf(what, sizeof what, "create %s", p);
	outcome(fd, e, what);
}
static void a_fs_root(const char *arg)
{
	(void)arg;
	write_in(g_twin ? "/tmp" : "");
}
static void a_fs_usr(const char *arg)
{
	(void)arg;
	write_in(g_twin ? "/tmp" : "/usr");
}

/* ---- /dev ------------------------------------------------------------------------------------ */
static void a_dev_mknod(const char *arg)
{
	(void)arg;
	char p[128];
	snprintf(p, sizeof p, "%s/null", scratch_dir());
	long r;
	if (g_twin)
		r = mknod(p, S_IFIFO | 0600, 0); /* a FIFO needs no privilege */
	else
		r = mknod(p, S_IFCHR | 0600, makedev(1, 3)); /* /dev/null's numbers: harmless */
	int e = errno;
	if (r == 0)
		unlink(p);
	scratch_cleanup();
	outcome(r, e, g_twin ? "mknod(S_IFIFO)" : "mknod(S_IFCHR 1:3)");
}

static void open_any(const char *const *paths, size_t n, const char *what)
{
	struct codes c = {{0}};
	for (size_t i = 0; i < n; i++) {
		int fd = open(paths[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd >= 0) {
			close(fd);
			outcome(0, 0, paths[i]);
			return;
		}
		codes_add(&c, errno);
	}
	if (g_twin)
		failed(errno, "%s", what);
	else
		blocked_w(c.s, "%s", what);
}
static void a_dev_disk(const char *arg)
{
	(void)arg;
	static const char *const disks[] = {"/dev/vda", "/dev/sda",	"/dev/nvme0n1", "/dev/xvda",
					    "/dev/hda", "/dev/mmcblk0", "/dev/loop0"};
	static const char *const null[] = {"/dev/null"};
	if (g_twin)
		open_any(null, 1, "open /dev/null");
	else
		open_any(disks, sizeof disks / sizeof disks[0], "open a host disk read-only");
}
static void a_dev_mem(const char *arg)
{
	(void)arg;
	static const char *const mem[] = {"/dev/mem", "/dev/kmem", "/dev/port"};
	static const char *const zero[] = {"/dev/zero"};
	if (g_twin)
		open_any(zero, 1, "open /dev/zero");
	else
		open_any(mem, 3, "open /dev/mem, /dev/kmem, /dev/port");
}

/* ---- network -------------------------------------------------------------------------------- */
static void a_net_ifaces(const char *arg)
{
	(void)arg;
	struct if_nameindex *ifs = if_nameindex();
	if (!ifs) {
		if (g_twin)
			failed(errno, "if_nameindex");
		else
			blocked(errno, "if_nameindex");
		return;
	}
	char others[256] = "";
	bool lo = false;
	for (struct if_nameindex *i = ifs; i->if_index; i++) {
		if (!strcmp(i->if_name, "lo")) {
			lo = true;
			continue;
		}
		size_t l = strlen(others);
		snprintf(others + l, sizeof others - l, "%s%s", l ? "," : "", i->if_name);
	}
	if_freenameindex(ifs);
	if (g_twin) {
		if (lo)
			ok("lo is present");
		else
			failed(ENODEV, "no lo");
	} else if (others[0]) {
		escaped("interfaces besides lo: %s", others);
	} else {
		blocked_w("ONLY_LO", "only lo is visible");
	}
}

static int loopback_port(int type, int *port)
{
	int s = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof a;
	if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 ||
	    (type == SOCK_STREAM && listen(s, 4) < 0) ||
	    getsockname(s, (struct sockaddr *)&a, &l) < 0) {
		int e = errno;
		close(s);
		errno = e;
		return -1;
	}
	*port = ntohs(a.sin_port);
	return s;
}

static void a_net_tcp(const char *arg)
{
	long port;
	int lst = -1;
	if (g_twin) {
		int p;
		lst = loopback_port(SOCK_STREAM, &p);
		if (lst < 0) {
			failed(errno, "listen on 127.0.0.1 in the sandbox");
			return;
		}
		port = p;
	} else if (need_int(arg, &port) < 0) {
		return;
	}
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		outcome(-1, errno, "socket(AF_INET, SOCK_STREAM)");
		if (lst >= 0)
			close(lst);
		return;
	}
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	long r = connect(s, (struct sockaddr *)&a, sizeof a);
	int e = errno;
	close(s);
	if (lst >= 0)
		close(lst);
	char what[96];
	snprintf(what, sizeof what, "TCP connect to 127.0.0.1:%ld", port);
	outcome(r, e, what);
}

static void a_net_udp(const char *arg)
{
	long port;
	int lst = -1;
	if (g_twin) {
		int p;
		lst = loopback_port(SOCK_DGRAM, &p);
		if (lst < 0) {
			failed(errno, "bind 127.0.0.1 in the sandbox");
			return;
		}
		port = p;
	} else if (need_int(arg, &port) < 0) {
		return;
	}
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	char what[96];
	snprintf(what, sizeof what, "UDP exchange with 127.0.0.1:%ld", port);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0 ||
	    send(s, "ping", 4, 0) != 4) {
		outcome(-1, errno, what);
		goto out;
	}
	if (lst >= 0) {
		/* The twin answers itself, the way the host listener echoes. */
		char b[8];
		struct sockaddr_in from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(lst, b, sizeof b, 0, (struct sockaddr *)&from, &fl);
		if (n > 0)
			(void)sendto(lst, b, (size_t)n, 0, (struct sockaddr *)&from, fl);
	}
	struct pollfd pf = {s, POLLIN, 0};
	int pr = poll(&pf, 1, 1500);
	if (pr == 0) {
		outcome(-1, ETIMEDOUT, what);
		goto out;
	}
	char b[8];
	ssize_t n = recv(s, b, sizeof b, 0);
	outcome(n, errno, what);
out:
	if (s >= 0)
		close(s);
	if (lst >= 0)
		close(lst);
}

static socklen_t abstract_addr(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	size_t l = strnlen(name, sizeof a->sun_path - 2);
	memcpy(a->sun_path + 1, name, l);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + l);
}

static void a_net_unix(const char *arg)
{
	char name[108];
	int lst = -1;
	struct sockaddr_un a;
	socklen_t al;
	if (g_twin) {
		snprintf(name, sizeof name, "lamina-twin-%d", (int)getpid());
		lst = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		al = abstract_addr(&a, name);
		if (lst < 0 || bind(lst, (struct sockaddr *)&a, al) < 0 || listen(lst, 1) < 0) {
			failed(errno, "listen on an abstract socket in the sandbox");
			if (lst >= 0)
				close(lst);
			return;
		}
	} else {
		if (need_str(arg) < 0)
			return;
		snprintf(name, sizeof name, "%s", arg);
	}
	al = abstract_addr(&a, name);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	long r = s < 0 ? -1 : connect(s, (struct sockaddr *)&a, al);
	int e = errno;
	if (s >= 0)
		close(s);
	if (lst >= 0)
		close(lst);
	char what[160];
	snprintf(what, sizeof what, "connect to abstract socket @%s", name);
	outcome(r, e, what);
}

/* ---- socket protocols: the families' less common protocols ---------------------------------- */
static void sock_try(int fam, int type, int proto, const char *what)
{
	int fd = socket(fam, type | SOCK_CLOEXEC, proto);
	int e = errno;
	if (fd >= 0)
		close(fd);
	outcome(fd, e, what);
}

/* A transport protocol other than the family's usual one (proto), IPv6 then IPv4; the twin opens
 * the usual one (usual) of the same type. */
static void sock_other_proto(int type, int proto, int usual, const char *pname, const char *uname)
{
	const char *tname = type == SOCK_STREAM ? "SOCK_STREAM" : "SOCK_DGRAM";
	char what[96];
	if (g_twin) {
		snprintf(what, sizeof what, "socket(AF_INET, %s, %s)", tname, uname);
		sock_try(AF_INET, type, usual, what);
		return;
	}
	int fd = socket(AF_INET6, type | SOCK_CLOEXEC, proto);
	if (fd >= 0) {
		close(fd);
		snprintf(what, sizeof what, "socket(AF_INET6, %s, %s)", tname, pname);
		escaped("%s", what);
		return;
	}
	snprintf(what, sizeof what, "socket(AF_INET, %s, %s)", tname, pname);
	sock_try(AF_INET, type, proto, what);
}

/* MPTCP (262): one more transport protocol's code behind AF_INET. */
static void a_sock_mptcp(const char *arg)
{
	(void)arg;
	sock_other_proto(SOCK_STREAM, IPPROTO_MPTCP, IPPROTO_TCP, "IPPROTO_MPTCP", "IPPROTO_TCP");
}

static void a_sock_udplite(const char *arg)
{
	(void)arg;
	sock_other_proto(SOCK_DGRAM, IPPROTO_UDPLITE, IPPROTO_UDP, "IPPROTO_UDPLITE",
			 "IPPROTO_UDP");
}

/* ---- pid namespace ------------------------------------------------------------------------- */
static void a_pid_visible(const char *arg)
{
	long pid;
	if (g_twin) {
		pid = getpid();
	} else if (need_int(arg, &pid) < 0) {
		return;
	}
	char p[64];
	struct stat st;
	snprintf(p, sizeof p, "/proc/%ld", pid);
	long r = stat(p, &st);
	char what[96];
	snprintf(what, sizeof what, "%s is visible", p);
	outcome(r, errno, r == 0 ? what : p);
}
static void a_pid_kill(const char *arg)
{
	long pid;
	if (g_twin) {
		pid = getpid();
	} else if (need_int(arg, &pid) < 0) {
		return;
	}
	/* Signal 0 only: existence and permission, no signal is sent. */
	long r = kill((pid_t)pid, 0);
	int e = errno;
	char what[96];
	if (r < 0 && e == EPERM) {
		snprintf(what, sizeof what, "kill(%ld, 0): the process exists (EPERM)", pid);
		outcome(0, 0, what);
		return;
	}
	snprintf(what, sizeof what, "kill(%ld, 0)", pid);
	outcome(r, e, what);
}

/* ---- processes left after exit --------------------------------------------------------------- */
static pid_t orphan(const char *marker, int ready)
{
	/* setsid + double fork: the sleeper belongs to no one we wait for. */
	pid_t p = fork();
	if (p != 0)
		return p;
	setsid();
	pid_t q = fork();
	if (q != 0)
		_exit(q < 0 ? 1 : 0);
	prctl(PR_SET_NAME, marker);
	(void)write(ready, &(char){1}, 1);
	/* No inherited fd may keep the caller's pipes open. */
	for (int fd = 0; fd < 1024; fd++)
		close(fd);
	alarm(30); /* bounded even if nothing kills it */
	for (;;)
		pause();
}

static pid_t find_comm(const char *marker)
{
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	struct dirent *de;
	pid_t found = -1;
	while ((de = readdir(d)) && found < 0) {
		char p[300], c[64];
		snprintf(p, sizeof p, "/proc/%s/comm", de->d_name);
		FILE *f = fopen(p, "re");
		if (!f)
			continue;
		if (fgets(c, sizeof c, f)) {
			c[strcspn(c, "\n")] = 0;
			if (!strncmp(c, marker, 15))
				found = atoi(de->d_name);
		}
		fclose(f);
	}
	closedir(d);
	return found;
}

static void a_leftover(const char *arg)
{
	char marker[16];
	if (g_twin)
		snprintf(marker, sizeof marker, "lmtwin%d", (int)getpid());
	else if (need_str(arg) < 0)
		return;
	else
		snprintf(marker, sizeof marker, "%s", arg);
	int pp[2];
	if (pipe2(pp, O_CLOEXEC) < 0) {
		inconclusive("pipe: %s", errname(errno));
		return;
	}
	pid_t p = orphan(marker, pp[1]);
	close(pp[1]);
	if (p < 0) {
		close(pp[0]);
		outcome(-1, errno, "fork");
		return;
	}
	char c;
	ssize_t n = read(pp[0], &c, 1);
	close(pp[0]);
	waitpid(p, NULL, 0);
	if (n != 1) {
		inconclusive("the sleeper did not start");
		return;
	}
	if (g_twin) {
		pid_t s = find_comm(marker);
		if (s > 0) {
			kill(s, SIGKILL);
			ok("sleeper %s running inside as pid %d (killed)", marker, (int)s);
		} else {
			failed(ESRCH, "sleeper %s not found", marker);
		}
		return;
	}
	pending("sleeper '%s' started; the caller checks that it is gone", marker);
}

/* ---- environment --------------------------------------------------------------------------- */
static void a_env(const char *arg)
{
	if (need_str(arg) < 0)
		return;
	const char *v = getenv(arg);
	char what[160];
	snprintf(what, sizeof what, "$%s %s", arg, v ? "is set" : "is not set");
	outcome(v ? 0 : -1, ENOENT, what);
}

/* ---- rlimits --------------------------------------------------------------------------------- */
static void a_rlimit_fork(const char *arg)
{
	long max = 2000;
	if (arg && need_int(arg, &max) < 0)
		return;
	if (g_twin)
		max = 8;
	if (max > 4096)
		max = 4096; /* a bomb, but a bounded one */
	pid_t *kids = calloc((size_t)max, sizeof *kids);
	if (!kids) {
		inconclusive("calloc");
		return;
	}
	long n = 0;
	int e = 0;
	for (; n < max; n++) {
		pid_t p = spawn_sleeper();
		if (p < 0) {
			e = errno;
			break;
		}
		kids[n] = p;
	}
	for (long i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (long i = 0; i < n; i++)
		while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
			;
	free(kids);
	char what[96];
	snprintf(what, sizeof what, "%ld of %ld processes forked", n, max);
	outcome(n == max ? 0 : -1, e, what);
}

static void a_rlimit_memory(const char *arg)
{
	long gib = 64;
	if (arg && need_int(arg, &gib) < 0)
		return;
	if (g_twin)
		gib = 0; /* 1 MiB below */
	size_t len = gib ? (size_t)gib << 30 : (size_t)1 << 20;
	/* Address space only: NORESERVE and never touched, so no memory is used. */
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	int e = errno;
	if (p != MAP_FAILED)
		munmap(p, len);
	char what[64];
	snprintf(what, sizeof what, "mmap of %zu MiB", len >> 20);
	outcome(p == MAP_FAILED ? -1 : 0, e, what);
}

static void a_rlimit_fsize(const char *arg)
{
	long gib = 64;
	if (arg && need_int(arg, &gib) < 0)
		return;
	signal(SIGXFSZ, SIG_IGN); /* EFBIG instead of death */
	char p[64];
	snprintf(p, sizeof p, "/tmp/lamina-fsize-%d", (int)getpid());
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		inconclusive("create %s: %s", p, errname(errno));
		return;
	}
	/* A sparse file: one byte at the offset, no space used. */
	off_t off = g_twin ? 4096 : (off_t)gib << 30;
	ssize_t n = pwrite(fd, "x", 1, off);
	int e = errno;
	close(fd);
	unlink(p);
	char what[64];
	snprintf(what, sizeof what, "write at offset %lld MiB", (long long)(off >> 20));
	outcome(n == 1 ? 0 : -1, n < 0 ? e : EIO, what);
}

static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static void spin(double secs)
{
	double until = cpu_seconds() + secs;
	volatile unsigned long n = 0;
	while (cpu_seconds() < until)
		for (int i = 0; i < 100000; i++)
			n++;
}

static void a_rlimit_cpu(const char *arg)
{
	long bound = 5;
	if (arg && need_int(arg, &bound) < 0)
		return;
	if (g_twin) {
		spin(0.05);
		ok("spun 0.05 s of CPU");
		return;
	}
	/* First what any attacker does: raise the soft limit to the hard one. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_CPU, &rl) < 0) {
		inconclusive("getrlimit: %s", errname(errno));
		return;
	}
	rl.rlim_cur = rl.rlim_max;
	(void)setrlimit(RLIMIT_CPU, &rl);
	if (rl.rlim_max == RLIM_INFINITY) {
		spin(1.0);
		escaped("no CPU limit: spun 1 s and could go on forever");
		return;
	}
	if ((long)rl.rlim_max <= bound) {
		/* Short enough to watch the kernel enforce it: SIGXCPU, then SIGKILL at the hard
		 * limit.  Reaching the end of the spin would mean it is not enforced. */
		spin((double)rl.rlim_max + 1.5);
		escaped("spun past RLIMIT_CPU %llu s", (unsigned long long)rl.rlim_max);
		return;
	}
	/* Longer than the suite should spin: the limit exists and the kernel enforces it. */
	blocked_w("LIMITED", "RLIMIT_CPU hard limit %llu s (not spun out)",
		  (unsigned long long)rl.rlim_max);
}

static void a_rlimit_core(const char *arg)
{
	(void)arg;
	struct rlimit rl;
	if (getrlimit(RLIMIT_CORE, &rl) < 0) {
		inconclusive("getrlimit: %s", errname(errno));
		return;
	}
	if (g_twin) {
		/* Lowering a limit is always allowed. */
		struct rlimit z = {0, rl.rlim_max};
		OUTCOME(setrlimit(RLIMIT_CORE, &z), "setrlimit(RLIMIT_CORE, 0)");
		return;
	}
	/* Raise the soft limit to the hard one and make ourselves dumpable again. */
	rl.rlim_cur = rl.rlim_max;
	(void)setrlimit(RLIMIT_CORE, &rl);
	(void)prctl(PR_SET_DUMPABLE, 1);
	if (chdir(scratch_dir()) < 0) {
		inconclusive("chdir: %s", errname(errno));
		return;
	}
	/* A tiny address space makes a tiny core. */
	pid_t p = fork();
	if (p == 0) {
		signal(SIGABRT, SIG_DFL);
		raise(SIGABRT);
		_exit(0);
	}
	int st = 0;
	if (p < 0 || waitpid(p, &st, 0) < 0) {
		inconclusive("fork: %s", errname(errno));
		return;
	}
	/* Remove any core the kernel wrote here. */
	DIR *d = opendir(".");
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)))
			if (!strncmp(de->d_name, "core", 4))
				(void)unlink(de->d_name);
		closedir(d);
	}
	(void)chdir("/");
	scratch_cleanup();
	if (WIFSIGNALED(st) && WCOREDUMP(st))
		escaped("a core was dumped (RLIMIT_CORE hard %s)",
			rl.rlim_max == RLIM_INFINITY ? "unlimited" : "non-zero");
	else
		blocked_w("NOCORE", "no core dumped (RLIMIT_CORE hard %llu)",
			  (unsigned long long)rl.rlim_max);
}

/* ---- what only Landlock stops (lamina demo runs these with the options they name) ---------- */
/* A writable bind outside the places --allow-write names: `--bind DIR DIR --allow-write /tmp`,
 * ARG = DIR.  The twin writes where --allow-write says. */
static void a_landlock_write(const char *arg)
{
	if (g_twin) {
		write_in("/tmp");
		return;
	}
	if (need_str(arg) < 0)
		return;
	write_in(arg);
}

/* A host TCP port under --share-net with `--allow-connect` naming another one; ARG = the port.
 * The twin connects the same way, to a port --allow-connect names (the caller's choice). */
static void a_landlock_connect(const char *arg)
{
	long port;
	if (need_int(arg, &port) < 0)
		return;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		inconclusive("socket(AF_INET, SOCK_STREAM): %s", errname(errno));
		return;
	}
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	long r = connect(s, (struct sockaddr *)&a, sizeof a);
	int e = errno;
	close(s);
	char what[96];
	snprintf(what, sizeof what, "TCP connect to 127.0.0.1:%ld", port);
	outcome(r, e, what);
}

/* A signal to a process outside the payload's Landlock domain: init, pid 1 of the sandbox
 * (signal 0: permission only).  The twin signals its own child. */
static void a_landlock_signal(const char *arg)
{
	(void)arg;
	pid_t target = g_twin ? spawn_sleeper() : 1;
	if (target < 0) {
		inconclusive("fork: %s", errname(errno));
		return;
	}
	long r = kill(target, 0);
	int e = errno;
	if (g_twin)
		reap(target);
	char what[96];
	snprintf(what, sizeof what, "kill(%s, 0)", g_twin ? "own child" : "init pid 1");
	outcome(r, e, what);
}

/* ---- kernel quotas per user: pending signals and message-queue bytes ---------------------------
 * The kernel charges both to users up the chain of user namespaces: without a bound of its own
 * a sandbox could take its creator's whole quota (host root's, when root launched it).  The
 * attacks take as much as they can, up to the kernel's default per-user quota. */
#define SIGQUEUE_MAX 65536 /* more than a sandbox's bound, less than the default quota */

/* Queue SIGRTMIN to ourselves (blocked) until refused or max; the count. */
static long queue_signals(long max, int *err)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &s, NULL);
	union sigval v = {0};
	long n = 0;
	*err = 0;
	while (n < max) {
		if (sigqueue(getpid(), SIGRTMIN, v) < 0) {
			*err = errno;
			break;
		}
		n++;
	}
	return n;
}

/* arg "hold:SECONDS": print "holding N" once the signals are queued and keep them that long
 * (the concurrent-sandboxes test reads it). */
static void a_quota_sigpending(const char *arg)
{
	long hold = 0;
	if (arg && !strncmp(arg, "hold:", 5) && need_int(arg + 5, &hold) < 0)
		return;
	int e;
	long n = queue_signals(g_twin ? 16 : SIGQUEUE_MAX, &e);
	if (hold > 0) {
		printf("holding %ld\n", n);
		fflush(stdout);
		alarm((unsigned)hold + 10);
		sleep((unsigned)hold);
	}
	if (g_twin) {
		if (n == 16)
			ok("queued 16 signals");
		else
			failed(e, "queued %ld of 16 signals", n);
	} else if (n >= SIGQUEUE_MAX) {
		escaped("queued %d signals: no bound below the kernel's per-user quota",
			SIGQUEUE_MAX);
	} else {
		blocked(e, "queued %ld signals", n);
	}
}

static void a_quota_msgqueue(const char *arg)
{
	(void)arg;
	/* Queues of the unprivileged maximum (10 messages of 8 KiB: about 81 KiB each). */
	struct mq_attr at = {.mq_maxmsg = 10, .mq_msgsize = 8192};
	enum { NQ = 10 }; /* ten of them: more than the kernel's default quota (800 KiB) */
	char names[NQ][48];
	int got = 0, e = 0;
	for (int i = 0; i < (g_twin ? 1 : NQ); i++) {
		snprintf(names[i], sizeof names[i], "/lamina-attack-%d-%d", (int)getpid(), i);
		mqd_t q = mq_open(names[i], O_RDWR | O_CREAT | O_EXCL, 0600, &at);
		if (q == (mqd_t)-1) {
			e = errno;
			/* Landlock refuses the open of a queue it let mq_open create (the host's
			 * ipc namespace, without the namespaces layer): do not leave it behind. */
			if (e == EACCES)
				mq_unlink(names[i]);
			break;
		}
		mq_close(q);
		got++;
	}
	for (int i = 0; i < got; i++)
		mq_unlink(names[i]);
	if (g_twin) {
		if (got == 1)
			ok("one message queue of 10 x 8 KiB");
		else
			failed(e, "a message queue of 10 x 8 KiB");
	} else if (got >= 9) {
		escaped("%d message queues of 10 x 8 KiB (the kernel's whole default quota)", got);
	} else {
		blocked(e, "%d message queues of 10 x 8 KiB", got);
	}
}

/* ---- resources: the sandbox's cgroup ------------------------------------------------------- */
/* Memory no process owns: tmpfs pages.  The file has no name (O_TMPFILE) and goes with the last
 * fd, however the attempt ends (an OOM kill included), so nothing is left on any tmpfs, the
 * host's /dev/shm included where the pivot is removed. */
static void a_res_shm_memory(const char *arg)
{
	long mib = 512;
	if (arg && need_int(arg, &mib) < 0)
		return;
	if (g_twin)
		mib = 4;
	int fd = open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		inconclusive("O_TMPFILE in /dev/shm: %s", errname(errno));
		return;
	}
	static char block[1 << 20];
	memset(block, 'x', sizeof block);
	long n = 0;
	int e = 0;
	for (; n < mib; n++) {
		ssize_t w = write(fd, block, sizeof block);
		if (w != (ssize_t)sizeof block) {
			e = w < 0 ? errno : ENOSPC;
			break;
		}
	}
	close(fd);
	char what[96];
	snprintf(what, sizeof what, "%ld of %ld MiB written to /dev/shm", n, mib);
	outcome(n == mib ? 0 : -1, e, what);
}

/* Processes held at once, under the per-process RLIMIT_NPROC default (1024, counted per user
 * namespace): only a limit of the sandbox as a whole stops it. */
static void a_res_process_count(const char *arg)
{
	long max = 256;
	if (arg && need_int(arg, &max) < 0)
		return;
	if (g_twin)
		max = 8;
	if (max > 1000)
		max = 1000;
	pid_t kids[1000];
	long n = 0;
	int e = 0;
	for (; n < max; n++) {
		pid_t p = spawn_sleeper();
		if (p < 0) {
			e = errno;
			break;
		}
		kids[n] = p;
	}
	for (long i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (long i = 0; i < n; i++)
		reap(kids[i]);
	char what[96];
	snprintf(what, sizeof what, "%ld of %ld processes at once", n, max);
	outcome(n == max ? 0 : -1, e, what);
}

/* ---- the table --------------------------------------------------------------------------------
 */
struct attack {
	const char *name, *cls, *needs, *desc;
	void (*run)(const char *arg);
	void (*twin)(const char *arg); /* NULL: run() itself switches on g_twin */
	const char *twin_desc;
};

static const struct attack attacks[] = {
    {"userns-unshare", "userns", "-", "unshare(CLONE_NEWUSER)", a_userns_unshare, NULL,
     "unshare(0)"},
    {"userns-clone", "userns", "-", "clone(CLONE_NEWUSER)", a_userns_clone, NULL, "clone(SIGCHLD)"},
    {"userns-clone3", "userns", "-", "clone3 with CLONE_NEWUSER behind its pointer",
     a_userns_clone3, NULL, "fork()"},
    {"userns-int80", "userns", "i386", "i386 unshare(CLONE_NEWUSER) through int $0x80 (nr 310)",
     a_userns_int80, NULL, "native unshare(0)"},
    {"userns-x32", "userns", "-", "x32 unshare(CLONE_NEWUSER) (nr 0x40000000|272)", a_userns_x32,
     NULL, "native unshare(0)"},
    {"ns-unshare", "namespaces", "-", "unshare of mnt, uts, ipc, net, pid, cgroup, time namespaces",
     a_ns_unshare, NULL, "unshare(0)"},
    {"ns-clone", "namespaces", "-", "clone with mnt, uts, ipc, net, pid, cgroup namespace flags",
     a_ns_clone, NULL, "clone(SIGCHLD)"},
    {"ns-setns", "namespaces", "-", "setns into pid 1's and any foreign namespace", a_ns_setns,
     NULL, "open(/proc/self/ns/net)"},
    {"priv-mount", "privileged", "-", "mount a tmpfs", a_priv_mount, t_priv_generic, "uname()"},
    {"priv-fsopen", "privileged", "-", "new mount API: fsopen, fsmount, move_mount", a_priv_fsopen,
     t_priv_generic, "uname()"},
    {"priv-open-tree", "privileged", "-", "open_tree(OPEN_TREE_CLONE) of /", a_priv_open_tree,
     t_priv_generic, "uname()"},
    {"priv-pivot-root", "privileged", "-", "pivot_root (invalid paths)", a_priv_pivot_root,
     t_chroot, "chdir(/)"},
    {"priv-chroot", "privileged", "-", "chroot(/)", a_priv_chroot, t_chroot, "chdir(/)"},
    {"priv-sethostname", "privileged", "-", "sethostname (same name)", a_priv_sethostname,
     t_priv_generic, "uname()"},
    {"priv-raw-socket", "privileged", "-", "raw IP and packet sockets", a_priv_raw_socket,
     a_raw_socket_twin, "socket(AF_INET, SOCK_DGRAM)"},
    {"priv-open-by-handle", "privileged", "-", "open_by_handle_at (shocker)", a_priv_open_by_handle,
     NULL, "open(/)"},
    {"priv-kexec", "privileged", "-", "kexec_load (invalid flags)", a_priv_kexec, t_priv_generic,
     "uname()"},
    {"priv-module", "privileged", "-", "init_module (empty image), delete_module", a_priv_module,
     t_priv_generic, "uname()"},
    {"priv-acct", "privileged", "-", "acct (missing file)", a_priv_acct, t_priv_generic, "uname()"},
    {"priv-swapon", "privileged", "-", "swapon (missing file)", a_priv_swapon, t_priv_generic,
     "uname()"},
    {"priv-reboot", "privileged", "-", "reboot with an invalid magic", a_priv_reboot,
     t_priv_generic, "uname()"},
    {"priv-syslog", "privileged", "-", "syslog(READ_ALL): the kernel log", a_priv_syslog,
     t_proc_read, "read /proc/self/status"},
    {"priv-iopl", "privileged", "-", "iopl(3): I/O port access", a_priv_iopl, t_priv_generic,
     "uname()"},
    {"kern-bpf", "kernel", "-", "bpf program load and map create", a_kern_bpf, t_priv_generic,
     "uname()"},
    {"kern-perf", "kernel", "-", "perf_event_open on itself", a_kern_perf, t_priv_generic,
     "uname()"},
    {"kern-keyctl", "kernel", "-", "add_key into the kernel keyring", a_kern_keyctl, t_priv_generic,
     "uname()"},
    {"kern-userfaultfd", "kernel", "-", "userfaultfd", a_kern_userfaultfd, t_priv_generic,
     "uname()"},
    {"kern-io-uring", "kernel", "-", "io_uring_setup", a_kern_io_uring, t_priv_generic, "uname()"},
    {"kern-personality", "kernel", "-", "personality(ADDR_NO_RANDOMIZE|READ_IMPLIES_EXEC)",
     a_kern_personality, NULL, "personality(query)"},
    {"seccomp-kill-race", "seccomp", "-",
     "a kill-process call (iopl) while a thread toggles a SIGSYS handler, 100 times (--report)",
     a_seccomp_kill_race, NULL, "getpid() with the same thread"},
    {"ptrace-init", "ptrace", "-", "ptrace(PTRACE_SEIZE) pid 1", a_ptrace_init, t_ptrace,
     "ptrace own child"},
    {"ptrace-parent", "ptrace", "-", "ptrace(PTRACE_SEIZE) the parent", a_ptrace_parent, t_ptrace,
     "ptrace own child"},
    {"procvm-init", "ptrace", "-", "process_vm_readv of pid 1", a_procvm_init, t_procvm,
     "process_vm_readv own child"},
    {"procvm-parent", "ptrace", "-", "process_vm_readv of the parent", a_procvm_parent, t_procvm,
     "process_vm_readv own child"},
    {"procmem-init", "ptrace", "-", "write /proc/1/mem (init) without ptrace", a_procmem_init,
     t_procmem, "write a same-uid child's /proc/PID/mem"},
    {"procmem-uid", "ptrace", "-", "a uid-65534 process writes its uid-0 parent's /proc/PID/mem",
     a_procmem_uid, t_procmem, "write a same-uid child's /proc/PID/mem"},
    {"proc-sys-write", "proc", "-", "write /proc/sys (same values back)", a_proc_sys_write,
     t_proc_sys, "read /proc/sys/kernel/hostname"},
    {"proc-exe-write", "proc", "-", "open /proc/{self,1,parent}/exe for writing", a_proc_exe_write,
     t_proc_exe, "open /proc/self/exe read-only"},
    {"proc-kcore", "proc", "-", "read /proc/kcore", a_proc_kcore, t_proc_read,
     "read /proc/self/status"},
    {"tty-tiocsti", "tty", "-", "TIOCSTI on a controlling pty", a_tty_tiocsti, NULL,
     "TIOCGWINSZ on the pty"},
    {"tty-tiocsti-high", "tty", "-", "TIOCSTI as request 0x100005412", a_tty_tiocsti_high, NULL,
     "TIOCGWINSZ on the pty"},
    {"tty-tioclinux", "tty", "-", "TIOCLINUX on a controlling pty", a_tty_tioclinux, NULL,
     "TIOCGWINSZ on the pty"},
    {"tty-tioclinux-high", "tty", "-", "TIOCLINUX as request 0x10000541c", a_tty_tioclinux_high,
     NULL, "TIOCGWINSZ on the pty"},
    {"tty-inherited", "tty", "tty", "TIOCSTI on the caller's terminal (stdin)", a_tty_inherited,
     NULL, "TIOCGWINSZ on stdin"},
    {"tty-setd", "tty", "tty", "TIOCSETD N_NULL on the caller's terminal (stdin)", a_tty_setd, NULL,
     "TIOCSETD N_NULL on a pty of its own"},
    {"tty-termios", "tty", "tty", "-echo -icanon -isig on the caller's terminal (stdin)",
     a_tty_termios, NULL, "the same on a pty of its own"},
    {"stdfd-close", "stdfd", "-", "close(2)", a_stdfd_close, t_stdfd_close,
     "close of a non-std fd"},
    {"stdfd-close-high", "stdfd", "-", "close(0x100000001)", a_stdfd_close_high, t_stdfd_close,
     "close of a non-std fd"},
    {"stdfd-dup2", "stdfd", "-", "dup2(2, 1)", a_stdfd_dup2, t_stdfd_dup2, "dup2(1, 2)"},
    {"stdfd-dup2-high", "stdfd", "-", "dup2(2, 0x100000001)", a_stdfd_dup2_high, t_stdfd_dup2,
     "dup2(1, 2)"},
    {"stdfd-dup3", "stdfd", "-", "dup3(2, 1, 0)", a_stdfd_dup3, t_stdfd_dup3, "dup3(1, 10)"},
    {"stdfd-close-range", "stdfd", "-", "close_range(0, ~0)", a_stdfd_close_range,
     t_stdfd_close_range, "close_range(3, ~0)"},
    {"fd-leak", "fds", "dir-fd", "fchdir into a directory fd leaked by the caller, list ..",
     a_fd_leak, NULL, "fchdir to a sandbox directory"},
    {"canary-tmp", "canary", "tmp-canary", "read a secret file in the host's /tmp", a_canary, NULL,
     "read a sandbox file"},
    {"canary-home", "canary", "home-canary", "read a secret file in the host's $HOME", a_canary,
     NULL, "read a sandbox file"},
    {"fs-write-root", "fs", "-", "create a file in /", a_fs_root, NULL, "create a file in /tmp"},
    {"fs-write-usr", "fs", "-", "create a file in /usr", a_fs_usr, NULL, "create a file in /tmp"},
    {"dev-mknod", "dev", "-", "mknod a character device", a_dev_mknod, NULL, "mknod a FIFO"},
    {"dev-disk", "dev", "-", "open a host disk (/dev/vda, /dev/sda, ...)", a_dev_disk, NULL,
     "open /dev/null"},
    {"dev-mem", "dev", "-", "open /dev/mem, /dev/kmem, /dev/port", a_dev_mem, NULL,
     "open /dev/zero"},
    {"net-ifaces", "network", "-", "network interfaces besides lo", a_net_ifaces, NULL,
     "lo is present"},
    {"net-tcp", "network", "tcp-port", "TCP connect to a host listener on 127.0.0.1", a_net_tcp,
     NULL, "TCP to a sandbox listener"},
    {"net-udp", "network", "udp-port", "UDP exchange with a host echo on 127.0.0.1", a_net_udp,
     NULL, "UDP to a sandbox listener"},
    {"net-unix", "network", "unix-name", "connect to a host abstract unix socket", a_net_unix, NULL,
     "connect to a sandbox abstract socket"},
    {"sock-mptcp", "network", "-", "socket(AF_INET[6], SOCK_STREAM, IPPROTO_MPTCP)", a_sock_mptcp,
     NULL, "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)"},
    {"sock-udplite", "network", "-", "socket(AF_INET[6], SOCK_DGRAM, IPPROTO_UDPLITE)",
     a_sock_udplite, NULL, "socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP)"},
    {"pid-visible", "pid", "host-pid", "a host pid is visible in /proc", a_pid_visible, NULL,
     "own pid visible"},
    {"pid-kill", "pid", "host-pid", "kill(host pid, 0)", a_pid_kill, NULL, "kill(self, 0)"},
    {"proc-leftover", "processes", "marker",
     "setsid + double fork a sleeper that outlives the sandbox", a_leftover, NULL,
     "the sleeper runs inside"},
    {"env-leak", "env", "env-name", "a secret variable of the caller", a_env, NULL,
     "a variable set with --setenv"},
    {"rlimit-fork", "rlimits", "-", "bounded fork bomb (2000 processes)", a_rlimit_fork, NULL,
     "8 processes"},
    {"rlimit-memory", "rlimits", "-", "64 GiB of address space", a_rlimit_memory, NULL, "1 MiB"},
    {"rlimit-fsize", "rlimits", "-", "a 64 GiB (sparse) file", a_rlimit_fsize, NULL,
     "a 4 KiB file"},
    {"rlimit-cpu", "rlimits", "-", "spin the CPU past its limit (bounded)", a_rlimit_cpu, NULL,
     "spin 0.05 s"},
    {"rlimit-core", "rlimits", "-", "dump a core", a_rlimit_core, NULL,
     "setrlimit(RLIMIT_CORE, 0)"},
    {"landlock-write", "landlock", "write-dir",
     "write through a writable bind outside --allow-write's places", a_landlock_write, NULL,
     "create a file in /tmp (allowed)"},
    {"landlock-connect", "landlock", "tcp-port",
     "TCP connect to a host port under --share-net, --allow-connect naming another",
     a_landlock_connect, NULL, "TCP connect to a port --allow-connect names"},
    {"landlock-abstract", "landlock", "unix-name",
     "connect to a host abstract unix socket under --share-net", a_net_unix, NULL,
     "connect to a sandbox abstract socket"},
    {"landlock-signal", "landlock", "-", "signal init (pid 1), outside the payload's domain",
     a_landlock_signal, NULL, "signal its own child"},
    {"quota-sigpending", "quota", "-", "queue 65536 signals (the creator's per-user quota)",
     a_quota_sigpending, NULL, "queue 16 signals"},
    {"quota-msgqueue", "quota", "-", "ten POSIX message queues of 10 x 8 KiB", a_quota_msgqueue,
     NULL, "one message queue"},
    {"res-shm-memory", "resources", "-", "fill /dev/shm with 512 MiB (tmpfs pages)",
     a_res_shm_memory, NULL, "4 MiB in /dev/shm"},
    {"res-process-count", "resources", "-", "hold 256 processes at once", a_res_process_count, NULL,
     "8 processes"},
};
#define NATTACKS (sizeof attacks / sizeof attacks[0])

/* ---- host-side listeners for the network attacks --------------------------------------------- */
static int serve(int argc, char **argv)
{
	if (argc < 1) {
		fprintf(stderr, "usage: attack --serve tcp|udp|unix [SECONDS]\n");
		return 2;
	}
	long secs = argc > 1 ? atol(argv[1]) : 60;
	if (secs <= 0 || secs > 3600)
		secs = 60;
	int s;
	if (!strcmp(argv[0], "unix")) {
		char name[108];
		snprintf(name, sizeof name, "lamina-attack-%d", (int)getpid());
		struct sockaddr_un a;
		socklen_t al = abstract_addr(&a, name);
		s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0 || bind(s, (struct sockaddr *)&a, al) < 0 || listen(s, 16) < 0) {
			perror("attack --serve unix");
			return 2;
		}
		printf("%s\n", name);
	} else {
		int type = !strcmp(argv[0], "udp") ? SOCK_DGRAM : SOCK_STREAM, port;
		s = loopback_port(type, &port);
		if (s < 0) {
			perror("attack --serve");
			return 2;
		}
		printf("%d\n", port);
	}
	fflush(stdout);
	/* Serve until the deadline: accept and close, or echo datagrams. */
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = (t0.tv_sec + secs - now.tv_sec) * 1000;
		if (left <= 0)
			break;
		struct pollfd pf = {s, POLLIN, 0};
		if (poll(&pf, 1, (int)left) <= 0)
			continue;
		if (!strcmp(argv[0], "udp")) {
			char b[64];
			struct sockaddr_in from;
			socklen_t fl = sizeof from;
			ssize_t n = recvfrom(s, b, sizeof b, 0, (struct sockaddr *)&from, &fl);
			if (n > 0)
				(void)sendto(s, b, (size_t)n, 0, (struct sockaddr *)&from, fl);
		} else {
			int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
			if (c >= 0)
				close(c);
		}
	}
	close(s);
	return 0;
}

/* ---- harness ------------------------------------------------------------------------------------
 */
/* lamina always runs the payload in a new user namespace; the initial one maps the whole id
 * range onto itself.  Refusing to attack from there keeps a stray run on the host harmless. */
static bool in_initial_userns(void)
{
	FILE *f = fopen("/proc/self/uid_map", "re");
	if (!f)
		return false; /* no /proc: certainly not the host's usual view */
	unsigned long a, b, c;
	int n = fscanf(f, "%lu %lu %lu", &a, &b, &c);
	fclose(f);
	return n == 3 && a == 0 && b == 0 && c == 4294967295UL;
}

static void list(void)
{
	printf("name\tclass\tneeds\tdescription\ttwin\n");
	for (size_t i = 0; i < NATTACKS; i++)
		printf("%s\t%s\t%s\t%s\t%s\n", attacks[i].name, attacks[i].cls, attacks[i].needs,
		       attacks[i].desc, attacks[i].twin_desc);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: attack --list | attack [--inline] NAME [--twin] [ARG] | attack --serve "
		   "tcp|udp|unix [SECONDS]\n");
}

static int finish(void)
{
	puts(g_v->line);
	fflush(stdout);
	const char *l = g_v->line;
	if (!strncmp(l, "escaped", 7) || !strncmp(l, "failed", 6))
		return 1;
	if (!strncmp(l, "error", 5))
		return 2;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--list")) {
		list();
		return 0;
	}
	if (!strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--serve"))
		return serve(argc - 2, argv + 2);
	if (!strcmp(argv[1], "--sigqueue")) {
		/* Host side: how many signals can this user still queue (up to N)?  Harmless: they
		 * are queued to this process, blocked, and go with it. */
		long max = argc > 2 ? atol(argv[2]) : 1024;
		int e;
		long n = queue_signals(max > 0 ? max : 1024, &e);
		printf("queued %ld %s\n", n, e ? errname(e) : "0");
		return 0;
	}

	/* --inline: no harness process.  For the strict profile, where fork and every file
	 * open kill the program: the std-fd attempt runs in the only process, a kill shows in
	 * lamina's exit status (159), and an escape in ours (1) when it took stdout with it. */
	bool inline_ = false;
	int ai = 1;
	if (!strcmp(argv[ai], "--inline")) {
		inline_ = true;
		if (++ai >= argc) {
			usage(stderr);
			return 2;
		}
	}
	const struct attack *a = NULL;
	for (size_t i = 0; i < NATTACKS; i++)
		if (!strcmp(attacks[i].name, argv[ai]))
			a = &attacks[i];
	if (!a) {
		fprintf(stderr, "attack: unknown attack '%s' (see --list)\n", argv[ai]);
		return 2;
	}
	g_name = a->name;
	ai++;
	if (argc > ai && !strcmp(argv[ai], "--twin")) {
		g_twin = true;
		ai++;
	}
	const char *arg = argc > ai ? argv[ai] : NULL;

	g_v = mmap(NULL, sizeof *g_v, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g_v == MAP_FAILED) {
		printf("error mmap: %s\n", errname(errno));
		return 2;
	}
	/* The std-fd attacks only touch this process's own descriptors: harmless anywhere, and
	 * they must run where opening /proc is fatal (strict). */
	bool own_fds_only = !strcmp(a->cls, "stdfd");
	if (!own_fds_only && in_initial_userns()) {
		inconclusive(
		    "refusing to attack from the initial user namespace (run me in lamina)");
		return finish();
	}
	if (inline_ && !own_fds_only) {
		inconclusive("--inline is for the stdfd attacks only");
		return finish();
	}
	if (!own_fds_only)
		g_caller = getppid();
	void (*fn)(const char *) = g_twin && a->twin ? a->twin : a->run;
	if (inline_) {
		fn(arg);
		return finish();
	}

	fflush(stdout);
	pid_t p = fork();
	if (p < 0) {
		/* No fork (a pure-computation profile): attempt in this process; a kill then ends
		 * the program and the caller sees the signal in lamina's exit status. */
		fn(arg);
		if (!g_v->set)
			inconclusive("no verdict");
		return finish();
	}
	if (p == 0) {
		alarm(20); /* no attempt may hang the suite */
		fn(arg);
		_exit(0);
	}
	int st;
	while (waitpid(p, &st, 0) < 0)
		if (errno != EINTR) {
			inconclusive("waitpid: %s", errname(errno));
			return finish();
		}
	if (!g_v->set) {
		if (WIFSIGNALED(st)) {
			const char *sn = sigabbrev_np(WTERMSIG(st));
			char code[32];
			snprintf(code, sizeof code, "SIG%s", sn ? sn : "?");
			if (g_twin)
				failed_w(code, "killed by the signal");
			else
				blocked_w(code, "killed by the signal");
		} else {
			inconclusive("no verdict (exit %d)", WEXITSTATUS(st));
		}
	}
	return finish();
}
