/* resources: limits of the sandbox as a whole -- its memory (its processes, tmpfs files, shared
 * memory and the page cache it dirties), its number of tasks, its CPU time and block I/O -- in a
 * cgroup the sandbox is born in.
 *
 * rlimits bound one process at a time; a tenant is a tree of processes, and tmpfs pages and
 * SysV shared memory belong to no process at all.  A cgroup counts all of them.
 *
 * Nothing here runs unless a limit was asked for: without one a launch does no cgroup work.
 *
 * Where (the layout is read once per launch, from /proc/self/cgroup and /proc/self/mountinfo):
 * each controller comes from the hierarchy it is mounted in, a cgroup v1 hierarchy of its own
 * (legacy and hybrid hosts), else the v2 unified one.
 *   - As root: a parent cgroup `lamina` at the top of each hierarchy, made once and kept (as
 *     systemd keeps its slices), and the sandbox's cgroup in it.
 *   - Unprivileged: cgroup v2 only (a v1 hierarchy is root's), in the cgroup delegated to the
 *     caller by the kernel's rules: its own cgroup, owned by it, with cgroup.procs and
 *     cgroup.subtree_control writable, and lamina alone in it, as in the scope of
 *     `systemd-run --user --scope -p Delegate=yes lamina run ...`.  A cgroup with a process in
 *     it can hand no controller to its children, so the supervisor moves itself into a leaf
 *     child (sup-...) for the launch, and back at the end.
 * The sandbox's cgroup is named after the supervisor (pid, start time, pid namespace), so that
 * a later launch can tell one whose supervisor is gone (killed with SIGKILL) and remove it.
 *
 * When: on cgroup v2 the supervisor clones init into it (clone3 CLONE_INTO_CGROUP): the sandbox
 * runs nothing outside.  On v1 the supervisor writes init's pid into each hierarchy just after
 * the clone, while init waits for the go-ahead (v1 is root's, and a root caller's init always
 * waits), so init has run nothing of its own yet.  init then makes a new cgroup namespace,
 * rooted at the sandbox's cgroup (a v1 clone's was rooted at the supervisor's).
 *
 * Fail closed: a limit that cannot be applied (no controller, no delegation, a file the
 * controller lacks) stops the launch with one line saying what is missing and how to get it.
 *
 * At the end, however the launch ended: init (waiting for the supervisor to hang up) is ended
 * and waited for, which ends its pid namespace; the OOM counter is read and an OOM kill told in
 * one line; whatever is left in the cgroup is killed (v2 cgroup.kill; v1 each pid of
 * cgroup.procs, which only a sandbox without its own pid namespace leaves) and the cgroup
 * removed.
 *
 * lamina's own scratch tmpfs (/tmp and /dev/shm) is bounded here too: its pages are in the
 * memory cgroup, and tmpfs pages cannot be reclaimed without swap, so a full tmpfs at the
 * memory limit makes the OOM killer end process after process; a tmpfs of half the limit gives
 * ENOSPC instead and leaves the programs room to run. */
#include "cgroup_internal.h"
#include "sandbox.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define L "resources"
/* The CPU quota's period, cpu.max's and cpu.cfs_period_us's default (microseconds). */
#define CPU_PERIOD 100000ull
/* The scratch tmpfs without a memory limit. */
#define SCRATCH_DEFAULT (1ull << 30)
/* The smallest memory limit accepted: below it a missing suffix is the likelier reading. */
#define MEMORY_MIN (1ull << 20)

static const char *const v1names[LM_CG_NCTRL] = {"memory", "pids", "cpu", "cpuacct", "blkio"};
static const char *const v2names[LM_CG_NCTRL] = {"memory", "pids", "cpu", NULL, "io"};
static const char *const limit_words[LM_CG_NCTRL] = {
    "the memory limit", "the task limit", "the CPU limit", "CPU accounting", "the I/O limit"};
#define DELEGATE_HINT "`systemd-run --user --scope -p Delegate=yes lamina run ...`"

const char *lm_cg_ctrl_name(unsigned ctrl, bool v2)
{
	return ctrl < LM_CG_NCTRL ? (v2 ? v2names : v1names)[ctrl] : NULL;
}

/* ---- files ------------------------------------------------------------------------------ */
static bool join_path(char *buf, size_t n, const char *dir, const char *file)
{
	int r = snprintf(buf, n, "%s/%s", dir, file);
	return r > 0 && (size_t)r < n;
}

/* A small file (cgroupfs, procfs) whole, NUL-terminated: its length, or -1 with errno. */
static ssize_t read_small(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = 0;
	ssize_t r = 0;
	while (len + 1 < n) {
		r = read(fd, buf + len, n - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	int err = errno;
	close(fd);
	buf[len] = '\0';
	if (r < 0) {
		errno = err;
		return -1;
	}
	return (ssize_t)len;
}

static ssize_t read_in(const char *dir, const char *file, char *buf, size_t n)
{
	char p[LM_CG_PATH + 64];
	if (!join_path(p, sizeof p, dir, file)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return read_small(p, buf, n);
}

/* A file of any size (mountinfo), malloc'd and NUL-terminated, or NULL with errno. */
static char *read_all(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 16384, len = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf)
			break;
		if (len + 1 == cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			buf = NULL;
			break;
		}
		if (r == 0) {
			buf[len] = '\0';
			break;
		}
		len += (size_t)r;
	}
	int err = errno;
	close(fd);
	errno = err;
	return buf;
}

/* VALUE into DIR/FILE in one write(2), as cgroupfs takes it.  plain: a hierarchy of plain files
 * (unit tests), where a control file is created by its first write. */
static int write_in(const char *dir, const char *file, const char *value, bool plain)
{
	char p[LM_CG_PATH + 64];
	if (!join_path(p, sizeof p, dir, file)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = open(p, O_WRONLY | O_CLOEXEC | (plain ? O_CREAT | O_APPEND : 0), 0644);
	if (fd < 0)
		return -1;
	size_t n = strlen(value);
	ssize_t w;
	do
		w = write(fd, value, n);
	while (w < 0 && errno == EINTR);
	int err = errno;
	close(fd);
	if (w != (ssize_t)n) {
		errno = w < 0 ? err : EIO;
		return -1;
	}
	return 0;
}

/* Is word one of the sep-separated words of list? */
static bool has_word(const char *list, const char *word, char sep)
{
	size_t wl = strlen(word);
	for (const char *p = list; *p;) {
		while (*p == sep || *p == '\n')
			p++;
		const char *q = p;
		while (*q && *q != sep && *q != '\n')
			q++;
		if ((size_t)(q - p) == wl && !strncmp(p, word, wl))
			return true;
		p = q;
	}
	return false;
}

/* ---- the layout ------------------------------------------------------------------------- */
/* mountinfo escapes blanks and backslashes in paths as \ooo. */
static void unoctal(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* h: the hierarchy mounted at mnt, whose root directory is the cgroup root (as this process's
 * cgroup namespace names it), and the caller's cgroup path in it. */
static int set_hier(struct lm_cg_hier *h, const char *mnt, const char *root, const char *path)
{
	size_t rl = strcmp(root, "/") ? strlen(root) : 0;
	if (rl && (strncmp(path, root, rl) || (path[rl] && path[rl] != '/')))
		return -1; /* this mount shows another part of the hierarchy */
	const char *rest = path + rl;
	if (!strcmp(rest, "/"))
		rest = "";
	int a = snprintf(h->mount, sizeof h->mount, "%s", mnt);
	int b = snprintf(h->own, sizeof h->own, "%s%s", mnt, rest);
	if (a < 0 || (size_t)a >= sizeof h->mount || b < 0 || (size_t)b >= sizeof h->own)
		return -1;
	h->present = true;
	return 0;
}

int lm_cg_parse_layout(const char *proc_cgroup, const char *mountinfo, struct lm_cg_layout *l)
{
	memset(l, 0, sizeof *l);
	char *cg = strdup(proc_cgroup), *mi = strdup(mountinfo);
	const char *v2path = NULL, *v1path[LM_CG_NCTRL] = {0};
	int r = -1;
	if (!cg || !mi)
		goto out;
	/* /proc/self/cgroup: ID:CONTROLLERS:PATH, one hierarchy a line; v2's is 0::PATH. */
	for (char *line = cg, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c1 = *c2 = '\0';
		if (!strcmp(line, "0") && c1 + 1 == c2)
			v2path = c2 + 1;
		for (unsigned c = 0; c < LM_CG_NCTRL; c++)
			if (has_word(c1 + 1, v1names[c], ','))
				v1path[c] = c2 + 1;
	}
	/* mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER */
	for (char *line = mi, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *f[6] = {0}, *save = NULL, *t;
		unsigned n = 0;
		for (t = strtok_r(line, " ", &save); t && n < 6; t = strtok_r(NULL, " ", &save))
			f[n++] = t;
		if (n < 6)
			continue;
		while (t && strcmp(t, "-"))
			t = strtok_r(NULL, " ", &save);
		char *type = strtok_r(NULL, " ", &save), *source = strtok_r(NULL, " ", &save),
		     *super = strtok_r(NULL, " ", &save);
		if (!type || !source || !super)
			continue;
		unoctal(f[3]);
		unoctal(f[4]);
		if (!strcmp(type, "cgroup2") && v2path && !l->v2.present)
			set_hier(&l->v2, f[4], f[3], v2path);
		else if (!strcmp(type, "cgroup"))
			for (unsigned c = 0; c < LM_CG_NCTRL; c++)
				if (v1path[c] && !l->v1[c].present &&
				    has_word(super, v1names[c], ','))
					set_hier(&l->v1[c], f[4], f[3], v1path[c]);
	}
	r = l->v2.present ? 0 : -1;
	for (unsigned c = 0; c < LM_CG_NCTRL; c++)
		if (l->v1[c].present)
			r = 0;
out:
	free(cg);
	free(mi);
	return r;
}

/* ---- what to write ---------------------------------------------------------------------- */
__attribute__((format(printf, 8, 9))) static int add(struct lm_cg_write *w, size_t *n,
						     unsigned ctrl, const char *file, bool optional,
						     const char *what, const char *hint,
						     const char *fmt, ...)
{
	if (*n >= LM_CG_MAX_WRITES)
		return -1;
	struct lm_cg_write *x = &w[(*n)++];
	memset(x, 0, sizeof *x);
	x->ctrl = ctrl;
	snprintf(x->file, sizeof x->file, "%s", file);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->value, sizeof x->value, fmt, ap);
	va_end(ap);
	x->optional = optional;
	x->what = what;
	x->hint = hint;
	return 0;
}

/* A block device: a path to one, or MAJ:MIN. */
static int device_number(const char *dev, unsigned *maj, unsigned *min, struct lm_err *e)
{
	if (dev[0] == '/') {
		struct stat st;
		if (stat(dev, &st) < 0)
			return lm_error(e, errno, L, "I/O limit on %s", dev);
		if (!S_ISBLK(st.st_mode))
			return lm_error(e, 0, L, "I/O limit on %s: not a block device", dev);
		*maj = major(st.st_rdev);
		*min = minor(st.st_rdev);
		return 0;
	}
	char tail;
	if (sscanf(dev, "%u:%u%c", maj, min, &tail) != 2 || !isdigit((unsigned char)dev[0]))
		return lm_error(e, 0, L, "I/O limit on '%.60s': not a device path or MAJ:MIN", dev);
	return 0;
}

#define ADD(...)                                                                                   \
	do {                                                                                       \
		if (add(w, n, __VA_ARGS__) < 0)                                                    \
			return lm_error(e, 0, L, "too many limits");                               \
	} while (0)

int lm_cg_plan(const struct lm_resources *r, const bool on_v2[LM_CG_NCTRL], struct lm_cg_write *w,
	       size_t *n, struct lm_err *e)
{
	static const char swap_hint[] = "swap is not counted: boot the kernel with swapaccount=1";
	*n = 0;
	if (r->memory_swap_set && !r->memory)
		return lm_error(e, 0, L,
				"a swap limit needs a memory limit (--memory-swap is the swap "
				"allowed beyond --memory)");
	if (r->memory) {
		bool v2 = on_v2[LM_CG_MEMORY];
		/* No swap beyond the limit unless asked: on a host with swap, a limit that swap
		 * can extend bounds nothing.  Where the controller counts no swap, that implicit
		 * setting is skipped; an explicit one is an error. */
		uint64_t swap = r->memory_swap_set ? r->memory_swap : 0;
		bool implicit = !r->memory_swap_set;
		ADD(LM_CG_MEMORY, v2 ? "memory.max" : "memory.limit_in_bytes", false,
		    limit_words[LM_CG_MEMORY], NULL, "%llu", (unsigned long long)r->memory);
		if (v2 && swap == UINT64_MAX)
			ADD(LM_CG_MEMORY, "memory.swap.max", implicit, "the swap limit", swap_hint,
			    "max");
		else if (v2)
			ADD(LM_CG_MEMORY, "memory.swap.max", implicit, "the swap limit", swap_hint,
			    "%llu", (unsigned long long)swap);
		else if (swap != UINT64_MAX)
			/* v1 counts memory and swap together */
			ADD(LM_CG_MEMORY, "memory.memsw.limit_in_bytes", implicit, "the swap limit",
			    swap_hint, "%llu",
			    (unsigned long long)(swap > UINT64_MAX / 2 - r->memory
						     ? UINT64_MAX / 2
						     : r->memory + swap));
	}
	/* The payload's tasks; init is lamina's own and not counted against them. */
	if (r->pids)
		ADD(LM_CG_PIDS, "pids.max", false, limit_words[LM_CG_PIDS], NULL, "%llu",
		    (unsigned long long)r->pids + 1);
	if (r->cpu_quota) {
		if (on_v2[LM_CG_CPU]) {
			ADD(LM_CG_CPU, "cpu.max", false, limit_words[LM_CG_CPU], NULL, "%llu %llu",
			    (unsigned long long)r->cpu_quota, CPU_PERIOD);
		} else {
			ADD(LM_CG_CPU, "cpu.cfs_period_us", false, limit_words[LM_CG_CPU],
			    "the kernel was built without CONFIG_CFS_BANDWIDTH", "%llu",
			    CPU_PERIOD);
			ADD(LM_CG_CPU, "cpu.cfs_quota_us", false, limit_words[LM_CG_CPU],
			    "the kernel was built without CONFIG_CFS_BANDWIDTH", "%llu",
			    (unsigned long long)r->cpu_quota);
		}
	}
	if (r->cpu_weight) {
		if (on_v2[LM_CG_CPU]) {
			ADD(LM_CG_CPU, "cpu.weight", false, "the CPU weight", NULL, "%u",
			    r->cpu_weight);
		} else {
			/* v1 shares: 1024 is the default, as 100 is v2's weight */
			unsigned shares = r->cpu_weight * 1024 / 100;
			ADD(LM_CG_CPU, "cpu.shares", false, "the CPU weight", NULL, "%u",
			    shares < 2 ? 2 : shares);
		}
	}
	if (r->io_weight) {
		if (on_v2[LM_CG_IO]) {
			ADD(LM_CG_IO, "io.weight", false, "the I/O weight",
			    "weights need the kernel's iocost controller "
			    "(CONFIG_BLK_CGROUP_IOCOST)",
			    "default %u", r->io_weight);
		} else {
			/* v1 blkio.weight: 10..1000, 500 the default, as 100 is v2's */
			unsigned bw = r->io_weight * 5;
			ADD(LM_CG_IO, "blkio.weight", false, "the I/O weight",
			    "this host's block I/O scheduler has no weights (the BFQ scheduler "
			    "has: "
			    "echo bfq > /sys/block/DEV/queue/scheduler)",
			    "%u",
			    bw < 10	? 10
			    : bw > 1000 ? 1000
					: bw);
		}
	}
	for (unsigned i = 0; i < r->nio; i++) {
		const struct lm_io_limit *io = &r->io[i];
		unsigned maj, min;
		if (!io->rbps && !io->wbps)
			continue;
		if (device_number(io->device, &maj, &min, e) < 0)
			return -1;
		if (on_v2[LM_CG_IO]) {
			char rb[32] = "max", wb[32] = "max";
			if (io->rbps)
				snprintf(rb, sizeof rb, "%llu", (unsigned long long)io->rbps);
			if (io->wbps)
				snprintf(wb, sizeof wb, "%llu", (unsigned long long)io->wbps);
			ADD(LM_CG_IO, "io.max", false, "the I/O bandwidth limit", NULL,
			    "%u:%u rbps=%s wbps=%s", maj, min, rb, wb);
			continue;
		}
		if (io->rbps)
			ADD(LM_CG_IO, "blkio.throttle.read_bps_device", false,
			    "the read bandwidth limit", NULL, "%u:%u %llu", maj, min,
			    (unsigned long long)io->rbps);
		if (io->wbps)
			ADD(LM_CG_IO, "blkio.throttle.write_bps_device", false,
			    "the write bandwidth limit", NULL, "%u:%u %llu", maj, min,
			    (unsigned long long)io->wbps);
	}
	return 0;
}
#undef ADD

/* ---- names -------------------------------------------------------------------------------- */
void lm_cg_name(char *buf, size_t n, const char *prefix, pid_t pid, unsigned long long start,
		unsigned long long pidns)
{
	snprintf(buf, n, "%s-%d-%llu-%llu", prefix, (int)pid, start, pidns);
}

/* A process's start time, /proc/PID/stat field 22 (clock ticks since boot), and whether it
 * has exited (a zombie nobody reaped yet is as dead as a supervisor gets). */
static int proc_start(pid_t pid, unsigned long long *start, bool *exited)
{
	char p[64], buf[1024];
	snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
	if (read_small(p, buf, sizeof buf) < 0)
		return -1;
	/* after the command name (which may hold blanks and parentheses): field 3 on */
	char *s = strrchr(buf, ')');
	if (exited)
		*exited = s && s[1] == ' ' && (s[2] == 'Z' || s[2] == 'X');
	unsigned field = 2;
	for (; s && *s; s++)
		if (*s == ' ' && ++field == 22)
			break;
	if (!s || !*s || !isdigit((unsigned char)s[1])) {
		errno = EINVAL;
		return -1;
	}
	*start = strtoull(s + 1, NULL, 10);
	return 0;
}

static unsigned long long pidns_ino(void)
{
	struct stat st;
	return stat("/proc/self/ns/pid", &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

bool lm_cg_name_is_stale(const char *name)
{
	char prefix[4];
	int pid, len = 0;
	unsigned long long start, ns, now;
	bool exited;
	if (sscanf(name, "%3[a-z]-%d-%llu-%llu%n", prefix, &pid, &start, &ns, &len) != 4 ||
	    name[len] || pid <= 0 || (strcmp(prefix, "sb") && strcmp(prefix, "sup")))
		return false;
	/* a pid of another pid namespace means nothing here: not ours to judge */
	if (ns == 0 || ns != pidns_ino())
		return false;
	if (proc_start(pid, &now, &exited) < 0)
		return errno == ENOENT || errno == ESRCH;
	return now != start || exited;
}

/* ---- making and removing --------------------------------------------------------------- */
static void pause_ms(long ms)
{
	struct timespec ts = {0, ms * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A directory of plain files (unit tests) goes with its files. */
static int remove_plain(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)))
			if (de->d_type == DT_REG)
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	return rmdir(dir) == 0 || errno == ENOENT ? 0 : -1;
}

/* SIGKILL to every pid listed in DIR/cgroup.procs; how many there were. */
static unsigned kill_procs(const char *dir)
{
	char buf[8192];
	unsigned n = 0;
	if (read_in(dir, "cgroup.procs", buf, sizeof buf) <= 0)
		return 0;
	for (char *p = buf; *p;) {
		char *end;
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0) {
			kill((pid_t)pid, SIGKILL);
			n++;
		}
		p = end;
		while (*p == '\n')
			p++;
	}
	return n;
}

/* Kill what is left in DIR and remove it.  A killed task must exit before rmdir succeeds: that
 * is waited for, a bounded time (a task stuck in the kernel keeps its cgroup, which a later
 * launch then removes). */
static int kill_and_remove(const char *dir, bool v2, bool plain)
{
	if (plain)
		return remove_plain(dir);
	bool killed = false;
	for (int i = 0; i < 1000; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -1;
		/* v2 kills the whole cgroup at once, new forks included; v1 has only the list */
		if (!killed && v2)
			killed = write_in(dir, "cgroup.kill", "1", false) == 0;
		if (!killed)
			kill_procs(dir);
		pause_ms(1);
	}
	return -1;
}

/* Remove the cgroups in parent whose supervisor is gone. */
static void sweep(const char *parent, bool v2, bool plain)
{
	DIR *d = opendir(parent);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (!lm_cg_name_is_stale(de->d_name))
			continue;
		char p[LM_CG_PATH + 96];
		if (join_path(p, sizeof p, parent, de->d_name))
			kill_and_remove(p, v2, plain);
	}
	closedir(d);
}

static const char *first_need(unsigned need)
{
	for (unsigned c = 0; c < LM_CG_NCTRL; c++)
		if (need & (1u << c))
			return limit_words[c];
	return "a limit";
}

/* Enable the controllers (bits) in DIR/cgroup.subtree_control that are not yet. */
static int enable(const char *dir, unsigned ctrls, bool plain, struct lm_err *e)
{
	char have[256] = "";
	read_in(dir, "cgroup.subtree_control", have, sizeof have);
	for (unsigned c = 0; c < LM_CG_NCTRL; c++) {
		if (!(ctrls & (1u << c)) || !v2names[c] || has_word(have, v2names[c], ' '))
			continue;
		char w[32];
		snprintf(w, sizeof w, "%s%s", plain ? " +" : "+", v2names[c]);
		if (write_in(dir, "cgroup.subtree_control", w, plain) < 0)
			return lm_error(
			    e, errno, L,
			    "handing the %s controller down (%s/cgroup.subtree_control)",
			    v2names[c], dir);
	}
	return 0;
}

/* The unprivileged caller's cgroup v2: is it delegated to us, does it offer the controllers,
 * are we alone in it?  ctrls: in, those wanted (need: the ones a limit needs); out, those it
 * offers. */
static int check_delegation(struct lm_cg_launch *g, unsigned need, unsigned *ctrls,
			    struct lm_err *e)
{
	const char *own = g->layout.v2.own;
	uid_t me = geteuid();
	struct stat st;
	if (stat(own, &st) < 0)
		return lm_error(e, errno, L, "%s", own);
	if (st.st_uid != me)
		return lm_error(
		    e, 0, L,
		    "%s needs a cgroup of the caller's own, and none is delegated to uid "
		    "%u: its cgroup %s belongs to uid %u (run it as " DELEGATE_HINT ")",
		    first_need(need), (unsigned)me, own, (unsigned)st.st_uid);
	static const char *const files[] = {"cgroup.procs", "cgroup.subtree_control", NULL};
	char p[LM_CG_PATH + 64];
	if (faccessat(AT_FDCWD, own, W_OK | X_OK, AT_EACCESS) < 0)
		return lm_error(e, 0, L,
				"%s needs a cgroup of the caller's own: %s is not writable "
				"(run it as " DELEGATE_HINT ")",
				first_need(need), own);
	for (unsigned i = 0; files[i]; i++)
		if (!join_path(p, sizeof p, own, files[i]) ||
		    faccessat(AT_FDCWD, p, W_OK, AT_EACCESS) < 0)
			return lm_error(e, 0, L,
					"%s needs a cgroup of the caller's own: %s is not "
					"delegated (%s is not writable; run it as " DELEGATE_HINT
					")",
					first_need(need), own, files[i]);
	char offers[256] = "";
	read_in(own, "cgroup.controllers", offers, sizeof offers);
	offers[strcspn(offers, "\n")] = '\0';
	for (unsigned c = 0; c < LM_CG_NCTRL; c++) {
		if (!(*ctrls & (1u << c)) || (v2names[c] && has_word(offers, v2names[c], ' ')))
			continue;
		if (need & (1u << c))
			return lm_error(e, 0, L,
					"%s needs the %s controller, which is not delegated to %s "
					"(it offers: %s; run it as " DELEGATE_HINT ")",
					limit_words[c], v2names[c], own,
					offers[0] ? offers : "none");
		*ctrls &= ~(1u << c); /* measuring only: without */
	}
	/* A cgroup with a process in it can hand no controller down: lamina moves itself out,
	 * which leaves it empty only when lamina is alone in it. */
	char procs[256], alone[32];
	if (read_in(own, "cgroup.procs", procs, sizeof procs) < 0)
		return lm_error(e, errno, L, "%s/cgroup.procs", own);
	snprintf(alone, sizeof alone, "%d\n", (int)getpid());
	if (strcmp(procs, alone))
		return lm_error(
		    e, 0, L,
		    "%s needs lamina to be alone in its delegated cgroup %s, which holds "
		    "other processes (run lamina itself as " DELEGATE_HINT ")",
		    first_need(need), own);
	return 0;
}

int lm_cg_setup(struct lm_cg_launch *g, const struct lm_resources *r, bool root, bool create,
		struct lm_err *e)
{
	g->ndir = 0;
	g->v2_fd = -1;
	g->moved = false;
	g->memory = r->memory;
	for (unsigned c = 0; c < LM_CG_NCTRL; c++)
		g->ctrl_dir[c] = -1;
	unsigned need = 0;
	if (r->memory || r->memory_swap_set)
		need |= 1u << LM_CG_MEMORY;
	if (r->pids)
		need |= 1u << LM_CG_PIDS;
	if (r->cpu_quota || r->cpu_weight)
		need |= 1u << LM_CG_CPU;
	if (r->io_weight || r->nio)
		need |= 1u << LM_CG_IO;
	/* Memory and CPU time are measured wherever the caller may (the OOM count, the peak). */
	unsigned measure = (1u << LM_CG_MEMORY) | (1u << LM_CG_CPUACCT);

	struct lm_cg_layout *l = &g->layout;
	if (!g->fake) {
		char cg[4096];
		cleanup_free char *mi = read_all("/proc/self/mountinfo");
		if (read_small("/proc/self/cgroup", cg, sizeof cg) < 0 || !mi)
			return lm_error(e, errno, L, "reading /proc/self/cgroup and mountinfo");
		if (lm_cg_parse_layout(cg, mi, l) < 0)
			return lm_error(e, 0, L,
					"%s needs a cgroup, and no cgroup hierarchy is mounted",
					first_need(need));
		if (l->v2.present)
			read_in(l->v2.mount, "cgroup.controllers", l->v2_controllers,
				sizeof l->v2_controllers);
	}
	/* Each controller from the hierarchy it is mounted in: a v1 one of its own, else v2.
	 * Every value is checked first: a bad one is the error, whoever the caller is. */
	bool on_v2[LM_CG_NCTRL] = {0};
	for (unsigned c = 0; c < LM_CG_NCTRL; c++)
		on_v2[c] = !l->v1[c].present;
	struct lm_cg_write w[LM_CG_MAX_WRITES];
	size_t nw;
	if (lm_cg_plan(r, on_v2, w, &nw, e) < 0)
		return -1;
	unsigned use = 0;
	for (unsigned c = 0; c < LM_CG_NCTRL; c++) {
		on_v2[c] = false;
		unsigned bit = 1u << c;
		if (!((need | measure) & bit))
			continue;
		if (l->v1[c].present) {
			if (root) {
				use |= bit;
				continue;
			}
			if (need & bit)
				return lm_error(e, 0, L,
						"%s needs the %s controller, which is on cgroup v1 "
						"here: only root can use it (run as root, or on a "
						"cgroup v2 host as " DELEGATE_HINT ")",
						limit_words[c], v1names[c]);
		} else if (v2names[c] && l->v2.present &&
			   (!root || has_word(l->v2_controllers, v2names[c], ' '))) {
			/* (unprivileged: what the delegated cgroup offers is checked below) */
			on_v2[c] = true;
			use |= bit;
		} else if (need & bit) {
			return lm_error(
			    e, 0, L,
			    "%s needs the %s controller, which this host does not "
			    "offer (no cgroup v1 %s hierarchy is mounted, and cgroup v2 "
			    "has no %s controller)",
			    limit_words[c], v1names[c], v1names[c],
			    v2names[c] ? v2names[c] : v1names[c]);
		}
	}
	if (!root) {
		unsigned v2use = 0;
		for (unsigned c = 0; c < LM_CG_NCTRL; c++)
			if (on_v2[c] && (use & (1u << c)))
				v2use |= 1u << c;
		if (v2use && check_delegation(g, need, &v2use, e) < 0)
			return -1;
		for (unsigned c = 0; c < LM_CG_NCTRL; c++)
			if (on_v2[c] && !(v2use & (1u << c)))
				use &= ~(1u << c);
	}

	pid_t self = getpid();
	unsigned long long start = 0, ns = pidns_ino();
	if (proc_start(self, &start, NULL) < 0)
		return lm_error(e, errno, L, "reading /proc/self/stat");
	char name[sizeof g->name];
	lm_cg_name(name, sizeof name, "sb", self, start, ns);
	memcpy(g->name, name, sizeof name);

	/* One directory per hierarchy (v1 controllers mounted together share one). */
	const char *dmount[LM_CG_NCTRL + 1];
	for (unsigned c = 0; c < LM_CG_NCTRL; c++) {
		if (!(use & (1u << c)))
			continue;
		const char *mnt = on_v2[c] ? l->v2.mount : l->v1[c].mount;
		unsigned i;
		for (i = 0; i < g->ndir; i++)
			if (g->dir[i].v2 == on_v2[c] && !strcmp(dmount[i], mnt))
				break;
		if (i == g->ndir) {
			struct lm_cg_dir *d = &g->dir[g->ndir++];
			memset(d, 0, sizeof *d);
			d->v2 = on_v2[c];
			dmount[i] = mnt;
			char parent[LM_CG_PATH];
			int a = root ? snprintf(parent, sizeof parent, "%s/lamina", mnt)
				     : snprintf(parent, sizeof parent, "%s", l->v2.own);
			int b = snprintf(d->path, sizeof d->path, "%s/%s", parent, name);
			if (a < 0 || (size_t)a >= sizeof parent || b < 0 ||
			    (size_t)b >= sizeof d->path)
				return lm_error(e, ENAMETOOLONG, L, "%s", mnt);
			memcpy(d->parent, parent, sizeof parent);
		}
		g->dir[i].ctrls |= 1u << c;
		g->dir[i].required |= (need & (1u << c)) != 0;
		g->ctrl_dir[c] = (int)i;
	}
	if (!create)
		return 0;

	/* Stale cgroups of sandboxes whose supervisor is gone, in every hierarchy lamina may have
	 * used, not only this launch's. */
	if (root) {
		for (unsigned c = 0; c <= LM_CG_NCTRL; c++) {
			const struct lm_cg_hier *h = c < LM_CG_NCTRL ? &l->v1[c] : &l->v2;
			bool seen = false;
			for (unsigned k = 0; k < c && k < LM_CG_NCTRL; k++)
				seen |= l->v1[k].present && !strcmp(l->v1[k].mount, h->mount);
			char parent[LM_CG_PATH + 8];
			if (h->present && !seen &&
			    join_path(parent, sizeof parent, h->mount, "lamina"))
				sweep(parent, c == LM_CG_NCTRL, g->fake);
		}
	}
	for (unsigned i = 0; i < g->ndir; i++) {
		struct lm_cg_dir *d = &g->dir[i];
		const char *mnt = d->v2 ? l->v2.mount : NULL;
		if (root && mkdir(d->parent, 0755) < 0 && errno != EEXIST)
			return lm_error(e, errno, L, "creating %s", d->parent);
		if (d->v2 && root &&
		    (enable(mnt, d->ctrls, g->fake, e) < 0 ||
		     enable(d->parent, d->ctrls, g->fake, e) < 0))
			return -1;
		if (d->v2 && !root) {
			/* out of our own cgroup into a leaf of it, so that it may hand the
			 * controllers down (see check_delegation) */
			char leaf[80];
			lm_cg_name(leaf, sizeof leaf, "sup", self, start, ns);
			char pid[32];
			snprintf(pid, sizeof pid, "%d", (int)self);
			if (!join_path(g->leaf, sizeof g->leaf, d->parent, leaf))
				return lm_error(e, ENAMETOOLONG, L, "%s", d->parent);
			if (mkdir(g->leaf, 0755) < 0 && errno != EEXIST)
				return lm_error(e, errno, L, "creating %s", g->leaf);
			if (write_in(g->leaf, "cgroup.procs", pid, g->fake) < 0) {
				lm_error(e, errno, L, "moving lamina into %s", g->leaf);
				if (g->fake)
					remove_plain(g->leaf);
				else
					rmdir(g->leaf);
				return -1;
			}
			g->moved = true;
			g->enabled[0] = '\0';
			for (unsigned c = 0; c < LM_CG_NCTRL; c++)
				if ((d->ctrls & (1u << c)) && v2names[c]) {
					size_t len = strlen(g->enabled);
					snprintf(g->enabled + len, sizeof g->enabled - len, "%s%s",
						 len ? " " : "", v2names[c]);
				}
			if (enable(d->parent, d->ctrls, g->fake, e) < 0)
				return -1;
		}
		if (!root)
			sweep(d->parent, d->v2, g->fake);
		if (mkdir(d->path, 0755) < 0)
			return lm_error(e, errno, L, "creating %s", d->path);
		d->made = true;
	}
	for (size_t i = 0; i < nw; i++) {
		const struct lm_cg_dir *d = &g->dir[g->ctrl_dir[w[i].ctrl]];
		if (write_in(d->path, w[i].file, w[i].value, g->fake) == 0)
			continue;
		if (errno == ENOENT && w[i].optional)
			continue;
		if (errno == ENOENT)
			return lm_error(e, 0, L,
					"%s needs %s, which the %s controller lacks here%s%s",
					w[i].what, w[i].file, lm_cg_ctrl_name(w[i].ctrl, d->v2),
					w[i].hint ? ": " : "", w[i].hint ? w[i].hint : "");
		return lm_error(e, errno, L, "%s: writing '%s' to %s/%s", w[i].what, w[i].value,
				d->path, w[i].file);
	}
	for (unsigned i = 0; i < g->ndir; i++)
		if (g->dir[i].v2 && !g->fake) {
			g->v2_fd = open(g->dir[i].path, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (g->v2_fd < 0)
				return lm_error(e, errno, L, "%s", g->dir[i].path);
		}
	return 0;
}

int lm_cg_enter(struct lm_cg_launch *g, pid_t pid, struct lm_err *e)
{
	char v[32];
	snprintf(v, sizeof v, "%d", (int)pid);
	for (unsigned i = 0; i < g->ndir; i++)
		if (g->dir[i].made && !g->dir[i].v2 &&
		    write_in(g->dir[i].path, "cgroup.procs", v, g->fake) < 0)
			return lm_error(e, errno, L, "putting init into %s", g->dir[i].path);
	return 0;
}

/* "KEY N" in a flat-keyed cgroup file. */
static bool read_key(const char *dir, const char *file, const char *key, uint64_t *out)
{
	char buf[4096];
	if (read_in(dir, file, buf, sizeof buf) < 0)
		return false;
	size_t kl = strlen(key);
	for (char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == ' ') {
			*out = strtoull(p + kl + 1, NULL, 10);
			return true;
		}
	return false;
}

static bool read_u64(const char *dir, const char *file, uint64_t *out)
{
	char buf[64];
	if (read_in(dir, file, buf, sizeof buf) <= 0 || !isdigit((unsigned char)buf[0]))
		return false;
	*out = strtoull(buf, NULL, 10);
	return true;
}

void lm_cg_measure(const struct lm_cg_launch *g, struct lm_resources_status *st)
{
	memset(st, 0, sizeof *st);
	st->measured = true;
	uint64_t v;
	int m = g->ctrl_dir[LM_CG_MEMORY];
	if (m >= 0 && g->dir[m].made) {
		const struct lm_cg_dir *d = &g->dir[m];
		if (read_key(d->path, d->v2 ? "memory.events" : "memory.oom_control", "oom_kill",
			     &v))
			st->oom_kills = (unsigned)v;
		st->have_memory_peak = read_u64(
		    d->path, d->v2 ? "memory.peak" : "memory.max_usage_in_bytes", &st->memory_peak);
	}
	int a = g->ctrl_dir[LM_CG_CPUACCT];
	if (a >= 0 && g->dir[a].made && read_u64(g->dir[a].path, "cpuacct.usage", &v)) {
		st->have_cpu = true;
		st->cpu_usec = v / 1000;
	}
	/* v2 counts CPU time in every cgroup (cpu.stat), controller or not */
	for (unsigned i = 0; i < g->ndir && !st->have_cpu; i++)
		if (g->dir[i].made && g->dir[i].v2 &&
		    read_key(g->dir[i].path, "cpu.stat", "usage_usec", &v)) {
			st->have_cpu = true;
			st->cpu_usec = v;
		}
}

void lm_cg_remove(struct lm_cg_launch *g)
{
	for (unsigned i = 0; i < g->ndir; i++)
		if (g->dir[i].made) {
			kill_and_remove(g->dir[i].path, g->dir[i].v2, g->fake);
			g->dir[i].made = false;
		}
	if (g->moved) {
		/* back where the caller put us, the controllers taken back first (a cgroup that
		 * hands them down can hold no process) */
		const char *own = g->layout.v2.own;
		char w[96] = "", pid[32];
		for (char *t = g->enabled; *t;) {
			size_t n = strcspn(t, " ");
			size_t len = strlen(w);
			snprintf(w + len, sizeof w - len, "%s-%.*s", len ? " " : "", (int)n, t);
			t += n + (t[n] == ' ');
		}
		snprintf(pid, sizeof pid, "%d", (int)getpid());
		if (w[0])
			write_in(own, "cgroup.subtree_control", w, g->fake);
		write_in(own, "cgroup.procs", pid, g->fake);
		if (g->fake)
			remove_plain(g->leaf);
		else
			rmdir(g->leaf);
		g->moved = false;
	}
	if (g->v2_fd >= 0)
		close(g->v2_fd);
	g->v2_fd = -1;
}

/* ---- the launch ------------------------------------------------------------------------- */
static struct lm_cg_launch launch = {.v2_fd = -1};
static bool active; /* this launch has a cgroup (init's copy too) */
static struct lm_resources_status last_status;

bool lm_resources_wanted(const struct lm_config *c)
{
	const struct lm_resources *r = &c->res;
	return lm_layer_on(c, LM_LAYER_RESOURCES) &&
	       (r->memory || r->memory_swap_set || r->pids || r->cpu_quota || r->cpu_weight ||
		r->io_weight || r->nio);
}

int lm_resources_probe(const struct lm_config *c, struct lm_err *e)
{
	if (!lm_resources_wanted(c))
		return 0;
	struct lm_cg_launch *g = calloc(1, sizeof *g);
	if (!g)
		return lm_error(e, ENOMEM, L, "probe");
	int r = lm_cg_setup(g, &c->res, geteuid() == 0, false, e);
	free(g);
	return r;
}

uint64_t lm_resources_scratch_size(const struct lm_config *c)
{
	if (!lm_layer_on(c, LM_LAYER_RESOURCES))
		return 0;
	if (c->res.memory)
		return c->res.memory / 2 > MEMORY_MIN / 2 ? c->res.memory / 2 : MEMORY_MIN / 2;
	return SCRATCH_DEFAULT;
}

int lm_resources_clone_cgroup(void)
{
	return active ? launch.v2_fd : -1;
}

void lm_resources_last_status(struct lm_resources_status *st)
{
	*st = last_status;
}

/* A limit as the options write it: 64M, 1G, 1536K. */
static const char *size_str(char *buf, size_t n, uint64_t v)
{
	if (v >= (1ull << 30) && v % (1ull << 30) == 0)
		snprintf(buf, n, "%lluG", (unsigned long long)(v >> 30));
	else if (v >= (1ull << 20) && v % (1ull << 20) == 0)
		snprintf(buf, n, "%lluM", (unsigned long long)(v >> 20));
	else if (v >= (1ull << 10) && v % (1ull << 10) == 0)
		snprintf(buf, n, "%lluK", (unsigned long long)(v >> 10));
	else
		snprintf(buf, n, "%llu", (unsigned long long)v);
	return buf;
}

static int resources_prepare(struct lm_sandbox *sb, struct lm_err *e)
{
	memset(&last_status, 0, sizeof last_status);
	const struct lm_config *c = sb->c;
	if (!lm_resources_wanted(c))
		return 0;
	/* whatever is made from here on is removed by the end step, however the launch ends */
	active = true;
	/* A limit that cannot be applied stops the launch, whether the command line or a profile
	 * asked for it; for a profile's, the line says how this launch can lift them. */
	if (lm_cg_setup(&launch, &c->res, c->caller_is_root, true, e) < 0) {
		if (!c->res.cli) {
			size_t n = strlen(e->msg);
			snprintf(e->msg + n, sizeof e->msg - n,
				 "; the limits are the profile's: each option with `unlimited` "
				 "lifts one for this launch, e.g. --memory unlimited");
		}
		return -1;
	}
	if (c->verbose) {
		char where[LM_CG_PATH * 2] = "";
		for (unsigned i = 0; i < launch.ndir; i++) {
			size_t len = strlen(where);
			snprintf(where + len, sizeof where - len, "%s%s", len ? ", " : "",
				 launch.dir[i].path);
		}
		lm_verbose(c, L, "the sandbox's cgroup: %s", where);
	}
	return 0;
}

/* cgroup v1: into the sandbox's cgroup before init runs anything (it waits for the go-ahead). */
static int resources_parent(struct lm_sandbox *sb, struct lm_err *e)
{
	if (!active)
		return 0;
	return lm_cg_enter(&launch, sb->init_pid, e);
}

/* A cgroup namespace rooted at the sandbox's cgroup: /proc/self/cgroup says "/" inside. */
static int resources_init(struct lm_sandbox *sb, struct lm_err *e)
{
	if (!active)
		return 0;
	if (unshare(CLONE_NEWCGROUP) < 0)
		return lm_error(e, errno, L, "a cgroup namespace rooted at the sandbox's cgroup");
	lm_verbose(sb->c, L, "in the sandbox's cgroup, with a cgroup namespace rooted there");
	return 0;
}

/* The kernel's log names the victim of an OOM kill with its cgroup: "oom-kill:...,
 * task_memcg=/lamina/sb-...,task=COMM,pid=N,uid=U".  Root may read /dev/kmsg; otherwise (or
 * when the kernel's rate limit left the line out) the victim is not known. */
struct oom_search {
	char want[128]; /* "/NAME,task=" */
	int pid;
	char *comm;
	size_t n;
};

static void oom_record(char *msg, void *arg)
{
	struct oom_search *o = arg;
	char *t = strstr(msg, o->want), *p = t ? strstr(t, ",pid=") : NULL;
	if (!t || !p)
		return;
	t += strlen(o->want);
	snprintf(o->comm, o->n, "%.*s",
		 (int)(p - t < (ptrdiff_t)o->n ? p - t : (ptrdiff_t)o->n - 1), t);
	o->pid = atoi(p + 5); /* the last one wins */
}

static bool oom_victim(const char *name, int *pid, char *comm, size_t n)
{
	struct oom_search o = {.pid = 0, .comm = comm, .n = n};
	snprintf(o.want, sizeof o.want, "/%s,task=", name);
	lm_kmsg_each("oom-kill:", oom_record, &o);
	if (o.pid <= 0)
		return false;
	*pid = o.pid;
	return true;
}

static void resources_end(struct lm_sandbox *sb)
{
	if (!active)
		return;
	active = false;
	/* Once the payload is done init waits for the supervisor to hang up: end it now and wait
	 * for it (its exit ends every process of its pid namespace), so that the cgroup empties.
	 * Only while it is our unreaped child: its pid cannot have been reused then. */
	siginfo_t si = {0};
	if (sb->init_pid > 0 &&
	    waitid(P_PID, (id_t)sb->init_pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0) {
		if (si.si_pid == 0)
			kill(sb->init_pid, SIGKILL);
		while (waitid(P_PID, (id_t)sb->init_pid, &si, WEXITED) < 0 && errno == EINTR)
			;
	}
	lm_cg_measure(&launch, &last_status);
	if (last_status.oom_kills) {
		int pid = 0;
		char comm[32] = "", lim[32], more[48] = "", line[256];
		if (last_status.oom_kills > 1)
			snprintf(more, sizeof more, " and %u more", last_status.oom_kills - 1);
		bool known = oom_victim(launch.name, &pid, comm, sizeof comm);
		int n = launch.memory ? snprintf(line, sizeof line, "out of memory at the %s limit",
						 size_str(lim, sizeof lim, launch.memory))
				      : snprintf(line, sizeof line, "the host ran out of memory");
		if (known)
			snprintf(line + n, sizeof line - n, ", killed pid %d (%s)%s", pid, comm,
				 more);
		else
			snprintf(line + n, sizeof line - n,
				 ", the kernel killed %u process%s of the "
				 "sandbox",
				 last_status.oom_kills, last_status.oom_kills > 1 ? "es" : "");
		for (char *p = line; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		fprintf(stderr, "lamina: memory: %s\n", line);
	}
	lm_cg_remove(&launch);
}

/* ---- settings ----------------------------------------------------------------------------- */
static bool is_unlimited(const char *v)
{
	return !strcmp(v, "unlimited") || !strcmp(v, "max");
}

static int set_memory(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	c->res.cli |= a->src == LM_SRC_CLI && !is_unlimited(a->argv[a->argc - 1]);
	uint64_t v;
	const char *s = a->argv[0];
	if (is_unlimited(s)) {
		c->res.memory = 0;
		return 0;
	}
	if (lm_parse_u64(s, UINT64_MAX / 4, true, &v) < 0 || v < MEMORY_MIN)
		return lm_error(
		    e, 0, L,
		    "%s '%.40s' is not a memory size of at least 1M (bytes, with a K, M "
		    "or G suffix, or unlimited)",
		    a->name, s);
	c->res.memory = v;
	return 0;
}

static int set_memory_swap(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	c->res.cli |= a->src == LM_SRC_CLI && !is_unlimited(a->argv[a->argc - 1]);
	uint64_t v;
	const char *s = a->argv[0];
	if (is_unlimited(s)) {
		v = UINT64_MAX;
	} else if (lm_parse_u64(s, UINT64_MAX / 4, true, &v) < 0) {
		return lm_error(
		    e, 0, L,
		    "%s '%.40s' is not a size (bytes, with a K, M or G suffix; 0 for no "
		    "swap, or unlimited)",
		    a->name, s);
	}
	c->res.memory_swap = v;
	c->res.memory_swap_set = true;
	return 0;
}

static int set_pids(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	c->res.cli |= a->src == LM_SRC_CLI && !is_unlimited(a->argv[a->argc - 1]);
	uint64_t v;
	const char *s = a->argv[0];
	if (is_unlimited(s)) {
		c->res.pids = 0;
		return 0;
	}
	if (lm_parse_u64(s, 4194303, false, &v) < 0 || v < 1)
		return lm_error(e, 0, L,
				"%s '%.40s' is not a number of tasks (1 to 4194303, or unlimited)",
				a->name, s);
	c->res.pids = v;
	return 0;
}

/* CPUs as a decimal: digits with at most one '.', at least 0.01 (the kernel's shortest quota
 * is 1 ms of a 100 ms period). */
static int set_cpus(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	c->res.cli |= a->src == LM_SRC_CLI && !is_unlimited(a->argv[a->argc - 1]);
	const char *s = a->argv[0];
	if (is_unlimited(s)) {
		c->res.cpu_quota = 0;
		return 0;
	}
	bool ok = *s != '\0';
	unsigned dots = 0;
	for (const char *p = s; ok && *p; p++) {
		dots += *p == '.';
		ok = (isdigit((unsigned char)*p) || *p == '.') && dots <= 1;
	}
	char *end = NULL;
	errno = 0;
	double v = ok ? strtod(s, &end) : 0;
	if (!ok || *end || errno || !(v >= 0.01) || v > 65536)
		return lm_error(
		    e, 0, L,
		    "%s '%.40s' is not a number of CPUs (a decimal such as 0.5 or 2, at "
		    "least 0.01, or unlimited)",
		    a->name, s);
	c->res.cpu_quota = (uint64_t)(v * (double)CPU_PERIOD + 0.5);
	return 0;
}

static int parse_weight(struct lm_args *a, unsigned *out, struct lm_err *e)
{
	uint64_t v;
	if (lm_parse_u64(a->argv[0], 10000, false, &v) < 0 || v < 1)
		return lm_error(e, 0, L, "%s '%.40s' is not a weight (1 to 10000, 100 the default)",
				a->name, a->argv[0]);
	*out = (unsigned)v;
	return 0;
}

static int set_cpu_weight(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	c->res.cli |= a->src == LM_SRC_CLI && !is_unlimited(a->argv[a->argc - 1]);
	return parse_weight(a, &c->res.cpu_weight, e);
}

static int set_io_weight(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	c->res.cli |= a->src == LM_SRC_CLI && !is_unlimited(a->argv[a->argc - 1]);
	return parse_weight(a, &c->res.io_weight, e);
}

static int set_io_bps(struct lm_config *c, struct lm_args *a, bool write, struct lm_err *e)
{
	c->res.cli |= a->src == LM_SRC_CLI && !is_unlimited(a->argv[a->argc - 1]);
	const char *dev = a->argv[0], *rate = a->argv[1];
	unsigned maj, min;
	char tail;
	bool path = dev[0] == '/' && strlen(dev) < sizeof c->res.io[0].device;
	if (!path &&
	    (sscanf(dev, "%u:%u%c", &maj, &min, &tail) != 2 || !isdigit((unsigned char)dev[0])))
		return lm_error(e, 0, L, "%s '%.60s' is not a block device (a path or MAJ:MIN)",
				a->name, dev);
	uint64_t v = 0;
	if (!is_unlimited(rate) && (lm_parse_u64(rate, UINT64_MAX / 4, true, &v) < 0 || v < 1)) {
		a->bad = 1;
		return lm_error(e, 0, L,
				"%s %s: '%.40s' is not a rate (bytes per second, with a K, M or G "
				"suffix, or unlimited)",
				a->name, dev, rate);
	}
	struct lm_resources *r = &c->res;
	unsigned i;
	for (i = 0; i < r->nio; i++)
		if (!strcmp(r->io[i].device, dev))
			break;
	if (i == r->nio) {
		if (r->nio == LM_MAX_IO_LIMITS)
			return lm_error(e, 0, L, "%s: at most %d devices", a->name,
					LM_MAX_IO_LIMITS);
		memset(&r->io[i], 0, sizeof r->io[i]);
		snprintf(r->io[i].device, sizeof r->io[i].device, "%s", dev);
		r->nio++;
	}
	*(write ? &r->io[i].wbps : &r->io[i].rbps) = v;
	return 0;
}

static int set_io_read_bps(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	return set_io_bps(c, a, false, e);
}

static int set_io_write_bps(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	return set_io_bps(c, a, true, e);
}

static const struct {
	const char *word;
	unsigned nargs;
	int (*set)(struct lm_config *, struct lm_args *, struct lm_err *);
} limits[] = {
    {"memory", 1, set_memory},
    {"memory-swap", 1, set_memory_swap},
    {"pids", 1, set_pids},
    {"cpus", 1, set_cpus},
    {"cpu-weight", 1, set_cpu_weight},
    {"io-weight", 1, set_io_weight},
    {"io-read-bps", 2, set_io_read_bps},
    {"io-write-bps", 2, set_io_write_bps},
};

/* The profile's `limit RESOURCE VALUE...`: the option of the same name, read from a line. */
static int set_limit(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		if (strcmp(limits[i].word, a->argv[0]))
			continue;
		char name[48];
		snprintf(name, sizeof name, "%s %s", a->name, limits[i].word);
		if (a->argc - 1 != limits[i].nargs) {
			a->bad = a->argc > limits[i].nargs + 1 ? limits[i].nargs + 1 : a->argc;
			return lm_error(e, 0, L, "%s takes %s", name,
					limits[i].nargs == 2 ? "a device and a rate" : "one value");
		}
		struct lm_args sub = {
		    .src = a->src, .name = name, .argc = a->argc - 1, .argv = a->argv + 1};
		int r = limits[i].set(c, &sub, e);
		a->bad = sub.bad + 1;
		return r;
	}
	return lm_error(e, 0, L,
			"unknown resource '%.40s' after %s (memory, memory-swap, pids, cpus, "
			"cpu-weight, io-weight, io-read-bps, io-write-bps)",
			a->argv[0], a->name);
}

static const struct lm_setting resources_settings[] = {
    {.option = "--memory",
     .nargs = 1,
     .metavar = "SIZE",
     .help = "memory of the whole sandbox: processes, tmpfs, shared memory (cgroup)",
     .set = set_memory},
    {.option = "--memory-swap",
     .nargs = 1,
     .metavar = "SIZE",
     .help = "swap allowed beyond --memory (default: none)",
     .set = set_memory_swap},
    {.option = "--pids",
     .nargs = 1,
     .metavar = "N",
     .help = "processes and threads of the payload, all together (cgroup)",
     .set = set_pids},
    {.option = "--cpus",
     .nargs = 1,
     .metavar = "N.N",
     .help = "CPU time at most, in CPUs (0.5: half of one) (cgroup)",
     .set = set_cpus},
    {.option = "--cpu-weight",
     .nargs = 1,
     .metavar = "N",
     .help = "share of busy CPUs, 1-10000 (default 100) (cgroup)",
     .set = set_cpu_weight},
    {.option = "--io-weight",
     .nargs = 1,
     .metavar = "N",
     .help = "share of busy disks, 1-10000 (default 100) (cgroup)",
     .set = set_io_weight},
    {.option = "--io-read-bps",
     .nargs = 2,
     .metavar = "DEVICE RATE",
     .help = "read bandwidth from a block device, bytes/s (cgroup)",
     .set = set_io_read_bps},
    {.option = "--io-write-bps",
     .nargs = 2,
     .metavar = "DEVICE RATE",
     .help = "write bandwidth to a block device, bytes/s (cgroup)",
     .set = set_io_write_bps},
    {.directive = "limit",
     .nargs = 3,
     .optional = 1,
     .metavar = "RESOURCE VALUE",
     .help = "limit memory 512M, limit pids 64, limit cpus 0.5, ...",
     .set = set_limit},
    {0},
};

/* ---- explain, summary ------------------------------------------------------------------- */
static void resources_explain(FILE *out, const struct lm_config *c, const struct lm_explain *x)
{
	(void)x;
	const struct lm_resources *r = &c->res;
	char b[32];
	fprintf(out, "\nResources of the sandbox as a whole (a cgroup: every process, thread, "
		     "tmpfs file and shared memory segment of the sandbox counts)\n");
	if (!lm_layer_on(c, LM_LAYER_RESOURCES)) {
		fprintf(out, "  LAYER DISABLED: no cgroup; only the per-process rlimits bound the "
			     "payload, and /tmp and /dev/shm may fill half the RAM\n");
		return;
	}
	if (r->memory) {
		fprintf(out,
			"  memory      %s: its processes, tmpfs files, shared memory and the page "
			"cache it dirties; past it the kernel's OOM killer ends a process (lamina "
			"says which; exit 137 when it was the payload)\n",
			size_str(b, sizeof b, r->memory));
		if (!r->memory_swap_set || r->memory_swap == 0)
			fprintf(out, "  swap        none beyond the memory limit\n");
		else if (r->memory_swap == UINT64_MAX)
			fprintf(out, "  swap        unlimited beyond the memory limit\n");
		else
			fprintf(out, "  swap        %s beyond the memory limit\n",
				size_str(b, sizeof b, r->memory_swap));
	}
	if (r->pids)
		fprintf(out,
			"  tasks       %llu processes and threads of the payload at once: a fork "
			"bomb gets EAGAIN\n",
			(unsigned long long)r->pids);
	if (r->cpu_quota)
		fprintf(out, "  cpus        %g at most (%llu us of CPU time every %llu us)\n",
			(double)r->cpu_quota / (double)CPU_PERIOD, (unsigned long long)r->cpu_quota,
			CPU_PERIOD);
	if (r->cpu_weight)
		fprintf(out, "  cpu-weight  %u (100: an equal share of busy CPUs)\n",
			r->cpu_weight);
	if (r->io_weight)
		fprintf(out, "  io-weight   %u (100: an equal share of busy disks)\n",
			r->io_weight);
	for (unsigned i = 0; i < r->nio; i++) {
		char rb[32] = "-", wb[32] = "-";
		if (r->io[i].rbps)
			size_str(rb, sizeof rb, r->io[i].rbps);
		if (r->io[i].wbps)
			size_str(wb, sizeof wb, r->io[i].wbps);
		fprintf(out, "  io          %s: read %s/s, write %s/s at most\n", r->io[i].device,
			rb, wb);
	}
	fprintf(out, "  tmpfs       /tmp and /dev/shm hold %s together at most (%s)\n",
		size_str(b, sizeof b, lm_resources_scratch_size(c)),
		r->memory ? "half the memory limit" : "without a memory limit");
	if (!lm_resources_wanted(c)) {
		fprintf(out, "  no limit of the sandbox as a whole (no cgroup is made): --memory, "
			     "--pids, --cpus... or `limit` in a profile set them\n");
		return;
	}
	struct lm_err e = {0};
	if (lm_resources_probe(c, &e) < 0)
		fprintf(out, "  cannot be applied for this caller (lamina would not run): %s\n",
			e.msg);
	else
		fprintf(out, "  in a cgroup of its own, made before the sandbox starts and removed "
			     "when it ends; a limit that cannot be applied stops the launch\n");
}

static void resources_summary(FILE *out, const struct lm_config *c)
{
	const struct lm_resources *r = &c->res;
	char b[32];
	if (r->memory)
		fprintf(out, " memory %s;", size_str(b, sizeof b, r->memory));
	if (r->memory_swap_set)
		fprintf(out, " memory-swap %s;",
			r->memory_swap == UINT64_MAX ? "unlimited"
						     : size_str(b, sizeof b, r->memory_swap));
	if (r->pids)
		fprintf(out, " pids %llu;", (unsigned long long)r->pids);
	if (r->cpu_quota)
		fprintf(out, " cpus %g;", (double)r->cpu_quota / (double)CPU_PERIOD);
	if (r->cpu_weight)
		fprintf(out, " cpu-weight %u;", r->cpu_weight);
	if (r->io_weight)
		fprintf(out, " io-weight %u;", r->io_weight);
	for (unsigned i = 0; i < r->nio; i++)
		fprintf(out, " io %s;", r->io[i].device);
}

const struct lm_layer lm_layer_resources = {
    .name = "resources",
    .bit = LM_LAYER_RESOURCES,
    .removable = true,
    .settings = resources_settings,
    .step = {[LM_STAGE_PREPARE] = resources_prepare,
	     [LM_STAGE_PARENT] = resources_parent,
	     [LM_STAGE_INIT] = resources_init},
    .end = resources_end,
    .explain = resources_explain,
    .summary = resources_summary,
};
