/* userns: the identity of the sandbox: which ids exist inside and which host ids they are.
 *
 * As root, every sandbox gets a range of host ids of its own (inside 0..COUNT-1 map to
 * HOSTUID..HOSTUID+COUNT-1, uids and gids alike), so that in-sandbox root can change ids, chown
 * and drop privileges like a real root, and is still an unprivileged host id with no capability
 * outside:
 *   --userns-range HOSTUID:COUNT  the operator's range;
 *   --tenant NAME                 a stable range of the tenant's own (see tenant_block);
 *   (neither)                     a transient range of 65536 ids from lamina's pool, locked for
 *                                 the life of the sandbox (see dynamic_block);
 *   --host-uid/--host-gid N       the one-id mapping: only --uid/--gid exist inside.
 * The pool is 0x70000000-0x7ffdffff: above the ids useradd gives users and subordinate ranges
 * (login.defs' UID_MAX, SUB_UID_MAX), beside systemd-nspawn's container ranges (below
 * 0x70000000) and below 2^31 (tools that take uid_t as signed).  Blocks that overlap a range of
 * login.defs or an entry of /etc/subuid or /etc/subgid are never used.
 *
 * Unprivileged, the caller's subordinate ranges (/etc/subuid and /etc/subgid) are used through
 * newuidmap/newgidmap, as rootless Podman does: the inside uid (--uid, default the caller's)
 * maps to the caller, and the ids around it, from 0, to the subordinate range.  Without one,
 * the only id that exists inside is the caller's own (setgroups denied: user_namespaces(7)).
 *
 * Quotas.  The kernel charges pending signals, message-queue bytes, processes and inotify
 * watches per user, up the chain of user namespaces to the user that CREATED the namespace,
 * and bounds a namespace's total by its creator's limits at creation (kernel/ucount.c).  As
 * root the supervisor therefore clones init into the new user namespace as the sandbox's first
 * host id, with the sandbox's limits, and takes root's ids back at once (see clone_as_root): a
 * sandbox charges its own host uid, never host root or another sandbox, and all its ids
 * together stay within its limits.  Unprivileged, the caller creates it, with its
 * pending-signal and message-queue limits lowered to the sandbox's. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <linux/sched.h>

#define L "userns"

/* lamina's pool: blocks of 65536 ids; transient ones first, then the tenants'. */
#define POOL_BASE 0x70000000u
#define BLOCK 65536u
#define DYN_BLOCKS 1024u
#define TENANT_BASE (POOL_BASE + DYN_BLOCKS * BLOCK)
#define TENANT_BLOCKS 3070u
#define POOL_END (TENANT_BASE + TENANT_BLOCKS * BLOCK) /* 0x7ffe0000, exclusive */
#define TENANT_PROBES 64u
#define LOCK_DIR "/run/lamina/userns"
#define TENANT_DIR "/var/lib/lamina/tenants"

/* ---- small helpers --------------------------------------------------------------------- */
static int write_proc(pid_t pid, const char *file, const char *text, struct lm_err *e)
{
	char path[64];
	if (pid == 0)
		snprintf(path, sizeof path, "/proc/self/%s", file);
	else
		snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return lm_error(e, errno, L, "open %s", path);
	size_t len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len)
		return lm_error(e, errno, L, "writing %s ('%.*s')", path, (int)strcspn(text, "\n"),
				text);
	return 0;
}

/* A small regular file lamina reads on root's behalf: not through a final symlink, never
 * blocking (a FIFO is refused), at most max bytes.  NULL with errno. */
static char *read_small(int dir, const char *path, size_t max)
{
	cleanup_close int fd =
	    openat(dir, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return NULL;
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		return NULL;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return NULL;
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return NULL;
		}
		if (r == 0 || (n += (size_t)r) == (size_t)st.st_size)
			break;
	}
	buf[n] = 0;
	return buf;
}

/* The name of uid's entry in /etc/passwd ("user" when it has none).  Read once per launch:
 * the supervisor's prepare and init's /etc/passwd and /etc/group ask for the same uid, and
 * init inherits what the supervisor read. */
static const char *user_name(uid_t uid)
{
	static char name[256];
	static uid_t cached = (uid_t)-1;
	if (cached == uid)
		return name;
	snprintf(name, sizeof name, "user");
	cleanup_free char *text = read_small(AT_FDCWD, "/etc/passwd", 64u << 20);
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		char *f[7] = {0};
		char *p = line;
		for (int i = 0; i < 7 && p; i++) {
			f[i] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = 0;
		}
		char *end;
		if (!f[6] || strtoul(f[2], &end, 10) != uid || *end)
			continue;
		snprintf(name, sizeof name, "%s", f[0]);
		break;
	}
	cached = uid;
	return name;
}

/* ---- the maps ---------------------------------------------------------------------------- */
static uint32_t map_lookup(const struct lm_idmap *m, unsigned n, uint32_t inside)
{
	for (unsigned i = 0; i < n; i++)
		if (inside >= m[i].inside && inside - m[i].inside < m[i].count)
			return m[i].outside + (inside - m[i].inside);
	return (uint32_t)-1;
}

uid_t lm_userns_host_uid(const struct lm_config *c, uid_t inside)
{
	return (uid_t)map_lookup(c->uid_map, c->nuid_map, (uint32_t)inside);
}

gid_t lm_userns_host_gid(const struct lm_config *c, gid_t inside)
{
	return (gid_t)map_lookup(c->gid_map, c->ngid_map, (uint32_t)inside);
}

bool lm_userns_is_range(const struct lm_config *c)
{
	return c->nuid_map > 1 || (c->nuid_map == 1 && c->uid_map[0].count > 1);
}

static void map_text(const struct lm_idmap *m, unsigned n, char *buf, size_t sz)
{
	buf[0] = 0;
	for (unsigned i = 0; i < n; i++) {
		size_t l = strlen(buf);
		snprintf(buf + l, sz - l, "%u %u %u\n", m[i].inside, m[i].outside, m[i].count);
	}
}

/* One line for -v and errors: "0-65535 -> 1879048192-1879113727". */
static void map_words(const struct lm_idmap *m, unsigned n, char *buf, size_t sz)
{
	buf[0] = 0;
	for (unsigned i = 0; i < n; i++) {
		size_t l = strlen(buf);
		if (m[i].count == 1)
			snprintf(buf + l, sz - l, "%s%u -> %u", i ? ", " : "", m[i].inside,
				 m[i].outside);
		else
			snprintf(buf + l, sz - l, "%s%u-%u -> %u-%u", i ? ", " : "", m[i].inside,
				 m[i].inside + m[i].count - 1, m[i].outside,
				 m[i].outside + m[i].count - 1);
	}
}

/* ---- ids the host already uses: login.defs' ranges, /etc/subuid and /etc/subgid --------- */
struct taken {
	struct {
		uint64_t lo, hi;
	} r[4096];
	unsigned n;
};

static void taken_add(struct taken *t, uint64_t lo, uint64_t hi)
{
	if (t->n < sizeof t->r / sizeof t->r[0] && lo <= hi)
		t->r[t->n++] = (typeof(t->r[0])){lo, hi};
}

static bool taken_overlaps(const struct taken *t, uint64_t lo, uint64_t hi)
{
	for (unsigned i = 0; i < t->n; i++)
		if (lo <= t->r[i].hi && t->r[i].lo <= hi)
			return true;
	return false;
}

/* login.defs' KEY VALUE lines, in one pass: values[i] for keys[i] (the first line that gives
 * one), left as given where absent. */
static void defs_values(const char *text, const char *const *keys, uint64_t *values, size_t n)
{
	unsigned found = 0;
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p < 'A' || *p > 'Z')
			continue; /* comments and blank lines */
		for (size_t i = 0; i < n; i++) {
			size_t kl = strlen(keys[i]);
			if (strncmp(p, keys[i], kl) || (p[kl] != ' ' && p[kl] != '\t'))
				continue;
			char *end;
			uint64_t v = strtoull(p + kl, &end, 0);
			if (end != p + kl && !(found & 1u << i)) {
				values[i] = v;
				found |= 1u << i;
			}
			break;
		}
	}
}

/* The next well-formed line of a subordinate id file (NAME:START:COUNT, COUNT > 0) from *cur
 * (the text is cut into lines in place); false at the end. */
static bool subid_next(char **cur, const char **name, uint64_t *start, uint64_t *count)
{
	for (char *line = *cur, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		*cur = next;
		char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL, *e1, *e2;
		if (!b)
			continue;
		*a = 0;
		*start = strtoull(a + 1, &e1, 10);
		*count = strtoull(b + 1, &e2, 10);
		if (e1 == a + 1 || *e1 != ':' || e2 == b + 1 || *count == 0)
			continue;
		*name = line;
		return true;
	}
	*cur = NULL;
	return false;
}

static void taken_subids(struct taken *t, const char *file)
{
	cleanup_free char *text = read_small(AT_FDCWD, file, 64u << 20);
	char *cur = text;
	const char *name;
	uint64_t start, count;
	while (subid_next(&cur, &name, &start, &count))
		taken_add(t, start, start + count - 1);
}

/* The ids lamina's pool must not use on this host. */
static void taken_load(struct taken *t)
{
	t->n = 0;
	cleanup_free char *defs = read_small(AT_FDCWD, "/etc/login.defs", 1u << 20);
	static const char *const keys[] = {"UID_MAX",	  "GID_MAX",	 "SUB_UID_MIN",
					   "SUB_UID_MAX", "SUB_GID_MIN", "SUB_GID_MAX"};
	uint64_t v[] = {60000, 60000, 100000, 600100000, 100000, 600100000};
	defs_values(defs, keys, v, sizeof v / sizeof v[0]);
	taken_add(t, 0, v[0] > v[1] ? v[0] : v[1]);
	taken_add(t, v[2], v[3]);
	taken_add(t, v[4], v[5]);
	taken_subids(t, "/etc/subuid");
	taken_subids(t, "/etc/subgid");
}

/* A directory of root's for lamina's state: made if missing, refused when anyone but root
 * could write it (whoever could would choose the ranges). */
static int state_dir(const char *path, mode_t mode, struct lm_err *e)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		char buf[64];
		snprintf(buf, sizeof buf, "%s", path);
		for (char *p = buf + 1;; p++) {
			if (*p != '/' && *p)
				continue;
			char c = *p;
			*p = 0;
			if (mkdir(buf, c ? 0755 : mode) < 0 && errno != EEXIST)
				return lm_error(e, errno, L, "creating %s", buf);
			*p = c;
			if (!c)
				break;
		}
		fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		lm_error(e, errno, L, "%s", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (st.st_uid != 0 || (st.st_mode & 022)) {
		close(fd);
		return lm_error(e, 0, L, "%s must belong to root and be writable by root only",
				path);
	}
	return fd;
}

/* The lock of the transient block lamina holds for this sandbox (supervisor; closed at the
 * end, and released by the kernel if lamina dies). */
static int block_lock = -1;

/* A transient block: the first free one from a start that differs between launches.  A block
 * is in use while its lock file is flock'ed: the lock dies with its holder, so a block whose
 * lamina died is free again at once (no stale lock to clean). */
static int dynamic_block(const struct taken *t, uint32_t *base, struct lm_err *e)
{
	cleanup_close int dir = state_dir(LOCK_DIR, 0700, e);
	if (dir < 0)
		return -1;
	unsigned start = ((unsigned)getpid() * 2654435761u) % DYN_BLOCKS;
	for (unsigned i = 0; i < DYN_BLOCKS; i++) {
		uint32_t b = POOL_BASE + ((start + i) % DYN_BLOCKS) * BLOCK;
		if (taken_overlaps(t, b, (uint64_t)b + BLOCK - 1))
			continue;
		char name[32];
		snprintf(name, sizeof name, "%u.lock", b);
		int fd =
		    openat(dir, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
		if (fd < 0)
			return lm_error(e, errno, L, "%s/%s", LOCK_DIR, name);
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			block_lock = fd;
			*base = b;
			return 0;
		}
		int err = errno;
		close(fd);
		if (err != EWOULDBLOCK)
			return lm_error(e, err, L, "locking %s/%s", LOCK_DIR, name);
	}
	return lm_error(e, 0, L, "every transient range of lamina's pool is in use (%u sandboxes)",
			DYN_BLOCKS);
}

/* FNV-1a, 64 bits. */
static uint64_t fnv1a(const void *p, size_t n, uint64_t h)
{
	for (const unsigned char *s = p; n--; s++)
		h = (h ^ *s) * 0x100000001b3ull;
	return h;
}

/* A tenant's block: candidate k is FNV-1a-64 of the name followed by the byte k, modulo the
 * 3070 tenant blocks.  The registry (TENANT_DIR, one file per block naming its tenant) records
 * the first candidate that was free when the tenant first ran: a tenant keeps its block for as
 * long as the registry is kept, and two tenants never share one (a taken candidate is
 * skipped).  Created with link(2), so that two first launches cannot both claim a block. */
static int tenant_block(const struct taken *t, const char *name, uint32_t *base, struct lm_err *e)
{
	cleanup_close int dir = state_dir(TENANT_DIR, 0755, e);
	if (dir < 0)
		return -1;
	size_t nl = strlen(name);
	for (unsigned k = 0; k < TENANT_PROBES; k++) {
		unsigned char kb = (unsigned char)k;
		uint64_t h = fnv1a(&kb, 1, fnv1a(name, nl, 0xcbf29ce484222325ull));
		uint32_t b = TENANT_BASE + (uint32_t)(h % TENANT_BLOCKS) * BLOCK;
		char file[32];
		snprintf(file, sizeof file, "%u", b);
		for (int tries = 0; tries < 2; tries++) {
			cleanup_free char *owner = read_small(dir, file, 256);
			if (owner) {
				owner[strcspn(owner, "\n")] = 0;
				if (strcmp(owner, name) != 0)
					break; /* another tenant's: the next candidate */
				if (taken_overlaps(t, b, (uint64_t)b + BLOCK - 1))
					return lm_error(
					    e, 0, L,
					    "tenant %s's range %u-%u now overlaps ids the "
					    "host uses (login.defs, /etc/subuid, "
					    "/etc/subgid)",
					    name, b, b + BLOCK - 1);
				*base = b;
				return 0;
			}
			if (errno != ENOENT)
				return lm_error(e, errno, L, "%s/%s", TENANT_DIR, file);
			if (taken_overlaps(t, b, (uint64_t)b + BLOCK - 1))
				break;
			char tmp[48];
			snprintf(tmp, sizeof tmp, ".new-%d-%u", (int)getpid(), k);
			cleanup_close int fd = openat(
			    dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
			if (fd < 0)
				return lm_error(e, errno, L, "%s/%s", TENANT_DIR, tmp);
			char line[80];
			int ll = snprintf(line, sizeof line, "%s\n", name);
			bool wrote = write(fd, line, (size_t)ll) == ll;
			int r = wrote ? linkat(dir, tmp, dir, file, 0) : -1;
			int err = wrote ? errno : EIO;
			unlinkat(dir, tmp, 0);
			if (r == 0) {
				*base = b;
				return 0;
			}
			if (err != EEXIST)
				return lm_error(e, err, L, "registering tenant %s in %s", name,
						TENANT_DIR);
			/* claimed meanwhile: read who has it */
		}
	}
	return lm_error(e, 0, L, "no free range for tenant %s among its %u candidates", name,
			TENANT_PROBES);
}

/* ---- unprivileged: the caller's subordinate ranges ------------------------------------- */
static const char *const idmap_tools[2][2] = {
    {"/usr/bin/newuidmap", "/bin/newuidmap"},
    {"/usr/bin/newgidmap", "/bin/newgidmap"},
};
static const char *tool_path(int gid)
{
	for (int i = 0; i < 2; i++)
		if (access(idmap_tools[gid][i], X_OK) == 0)
			return idmap_tools[gid][i];
	return NULL;
}

/* The caller's first entry in FILE (by name or by uid): start and count. */
static bool subid_entry(const char *file, const char *user, uid_t uid, uint32_t *start,
			uint32_t *count)
{
	cleanup_free char *text = read_small(AT_FDCWD, file, 64u << 20);
	char uidstr[16];
	snprintf(uidstr, sizeof uidstr, "%u", (unsigned)uid);
	char *cur = text;
	const char *name;
	uint64_t s, n;
	while (subid_next(&cur, &name, &s, &n)) {
		if ((strcmp(name, user) && strcmp(name, uidstr)) || s > UINT32_MAX ||
		    n > UINT32_MAX - s)
			continue;
		*start = (uint32_t)s;
		*count = (uint32_t)n;
		return true;
	}
	return false;
}

/* The inside id `self` maps to the caller's own id; the ids from 0 around it (at most 65535 of
 * them) to the subordinate range. */
static unsigned sub_map(struct lm_idmap *m, uint32_t self, uint32_t caller, uint32_t start,
			uint32_t count)
{
	uint32_t nsub = count < 65535 ? count : 65535;
	unsigned n = 0;
	if (self <= nsub) {
		if (self > 0)
			m[n++] = (struct lm_idmap){0, start, self};
		if (nsub > self)
			m[n++] = (struct lm_idmap){self + 1, start + self, nsub - self};
	} else {
		m[n++] = (struct lm_idmap){0, start, nsub};
	}
	m[n++] = (struct lm_idmap){self, caller, 1};
	return n;
}

static int prepare_unprivileged(struct lm_config *c)
{
	const char *name = user_name(c->caller_uid);
	uint32_t us, uc, gs, gc;
	bool have_u = subid_entry("/etc/subuid", name, c->caller_uid, &us, &uc),
	     have_g = subid_entry("/etc/subgid", name, c->caller_uid, &gs, &gc);
	const char *why = NULL;
	if (!have_u || !have_g)
		why = "no subordinate ids for you in /etc/subuid and /etc/subgid";
	else if (!tool_path(0) || !tool_path(1))
		why = "subordinate ids, but no newuidmap/newgidmap (package uidmap)";
	if (why) {
		c->uid_map[0] = (struct lm_idmap){c->uid, c->caller_uid, 1};
		c->gid_map[0] = (struct lm_idmap){c->gid, c->caller_gid, 1};
		c->nuid_map = c->ngid_map = 1;
		lm_verbose(c, L, "%s: only uid %u and gid %u exist inside", why, (unsigned)c->uid,
			   (unsigned)c->gid);
		return 0;
	}
	c->nuid_map = sub_map(c->uid_map, c->uid, c->caller_uid, us, uc);
	c->ngid_map = sub_map(c->gid_map, c->gid, c->caller_gid, gs, gc);
	c->maps_by_supervisor = true;
	return 0;
}

/* ---- prepare: resolve the maps (supervisor, before the clone) --------------------------- */
/* Are host ids lo..lo+count-1 all mapped in lamina's own user namespace (file: uid_map or
 * gid_map of /proc/self)?  In the initial namespace every id is. */
static bool ids_exist(const char *file, uint64_t lo, uint64_t count)
{
	char buf[8192];
	cleanup_close int fd = open(file, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (n <= 0)
		return true; /* no /proc to ask: the kernel answers at the clone */
	buf[n] = 0;
	uint64_t ext[340][2]; /* the kernel allows 340 extents */
	unsigned k = 0;
	for (char *p = buf, *end; k < 340; p = end) {
		uint64_t in = strtoull(p, &end, 10);
		if (end == p)
			break;
		strtoull(end, &end, 10);
		ext[k][0] = in;
		ext[k][1] = in + strtoull(end, &end, 10);
		k++;
	}
	/* Extents come in any order: extend the covered prefix until it stops growing. */
	uint64_t hi = lo + count;
	for (bool grew = true; grew && lo < hi;) {
		grew = false;
		for (unsigned i = 0; i < k; i++)
			if (lo >= ext[i][0] && lo < ext[i][1]) {
				lo = ext[i][1];
				grew = true;
			}
	}
	return lo >= hi;
}

/* The ids lamina would map do not exist where it runs (root inside another user namespace):
 * one clear error, or that user namespaces are switched off, which says more. */
static int ids_missing(uint64_t lo, uint64_t count, const char *what, struct lm_err *e)
{
	char max[32] = "";
	cleanup_close int fd = open("/proc/sys/user/max_user_namespaces", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && read(fd, max, sizeof max - 1) > 0 && strtoul(max, NULL, 10) == 0)
		return lm_error(e, ENOSPC, L,
				"clone into new namespaces (are user namespaces allowed? see "
				"/proc/sys/user/max_user_namespaces)");
	return lm_error(e, 0, L,
			"host ids %llu-%llu (%s) must exist in the caller's user namespace; choose "
			"others with --userns-range or --host-uid/--host-gid",
			(unsigned long long)lo, (unsigned long long)(lo + count - 1), what);
}

static bool both_exist(uint64_t uid, uint64_t gid, uint64_t count)
{
	return ids_exist("/proc/self/uid_map", uid, count) &&
	       ids_exist("/proc/self/gid_map", gid, count);
}

/* The first id of lo..hi that a host account's file names: FILE's third field (passwd, group),
 * or -1. */
static int64_t account_in(const char *file, uint64_t lo, uint64_t hi, char *who, size_t wn)
{
	cleanup_free char *text = read_small(AT_FDCWD, file, 64u << 20);
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		if (!b || b[1] < '0' || b[1] > '9')
			continue;
		uint64_t id = strtoull(b + 1, NULL, 10);
		if (id >= lo && id <= hi) {
			snprintf(who, wn, "%.*s", (int)(a - line), line);
			return (int64_t)id;
		}
	}
	return -1;
}

/* A subordinate range of FILE (subuid, subgid) that overlaps lo..hi and is not root's. */
static bool others_subids(const char *file, uint64_t lo, uint64_t hi, char *who, size_t wn)
{
	cleanup_free char *text = read_small(AT_FDCWD, file, 64u << 20);
	char *cur = text;
	const char *name;
	uint64_t start, count;
	while (subid_next(&cur, &name, &start, &count)) {
		if (!strcmp(name, "root") || !strcmp(name, "0") || start > hi ||
		    start + count - 1 < lo)
			continue;
		snprintf(who, wn, "%s", name);
		return true;
	}
	return false;
}

/* --userns-range: the range's first id owns the sandbox's user namespace, and every id of it
 * acts for the sandbox on the host.  A range that holds a host account's id (login.defs' user
 * and system ids, /etc/passwd, /etc/group) or another user's subordinate range would let that
 * account enter, signal or own the sandbox's files: refused.  Root's own subordinate ranges
 * are the usual choice and are allowed. */
static int range_is_free(uint64_t lo, uint64_t count, struct lm_err *e)
{
	uint64_t hi = lo + count - 1;
	cleanup_free char *defs = read_small(AT_FDCWD, "/etc/login.defs", 1u << 20);
	static const char *const keys[] = {"UID_MAX", "GID_MAX"};
	uint64_t v[] = {60000, 60000};
	defs_values(defs, keys, v, 2);
	uint64_t accounts = v[0] > v[1] ? v[0] : v[1];
	char who[128];
	int64_t id;
	if (lo <= accounts)
		return lm_error(e, 0, L,
				"--userns-range %llu:%llu holds the host's account ids (0-%llu, "
				"login.defs' UID_MAX/GID_MAX): choose a range above them",
				(unsigned long long)lo, (unsigned long long)count,
				(unsigned long long)accounts);
	if ((id = account_in("/etc/passwd", lo, hi, who, sizeof who)) >= 0 ||
	    (id = account_in("/etc/group", lo, hi, who, sizeof who)) >= 0)
		return lm_error(
		    e, 0, L,
		    "--userns-range %llu:%llu holds id %lld of the host's account '%s': "
		    "choose a range without it",
		    (unsigned long long)lo, (unsigned long long)count, (long long)id, who);
	if (others_subids("/etc/subuid", lo, hi, who, sizeof who) ||
	    others_subids("/etc/subgid", lo, hi, who, sizeof who))
		return lm_error(
		    e, 0, L,
		    "--userns-range %llu:%llu overlaps the subordinate ids of '%s' "
		    "(/etc/subuid, /etc/subgid): choose a range of root's own or none's",
		    (unsigned long long)lo, (unsigned long long)count, who);
	return 0;
}

static int userns_prepare(struct lm_sandbox *sb, struct lm_err *e)
{
	struct lm_config *c = sb->c;
	if (c->tenant && c->userns_range_set)
		return lm_error(e, 0, L,
				"--tenant and --userns-range both choose the host ids: "
				"give one");
	if ((c->tenant || c->userns_range_set) && c->host_id_set)
		return lm_error(
		    e, 0, L, "--host-uid/--host-gid (one id) and %s (a range) exclude each other",
		    c->tenant ? "--tenant" : "--userns-range");
	if (!c->caller_is_root && c->userns_range_set)
		return lm_error(
		    e, 0, L,
		    "userns-range is for root only: an unprivileged caller maps its own ids "
		    "(and its subordinate ranges from /etc/subuid)");
	if (!c->caller_is_root)
		return prepare_unprivileged(c);
	c->maps_by_supervisor = true;
	if (c->host_id_set) {
		if (!both_exist(c->host_uid, c->host_gid, 1))
			return ids_missing(c->host_uid, 1, "--host-uid/--host-gid", e);
		c->uid_map[0] = (struct lm_idmap){c->uid, c->host_uid, 1};
		c->gid_map[0] = (struct lm_idmap){c->gid, c->host_gid, 1};
		c->nuid_map = c->ngid_map = 1;
		return 0;
	}
	uint32_t base = 0, count = BLOCK;
	if (c->userns_range_set) {
		base = c->range_base;
		count = c->range_count;
		if (!both_exist(base, base, count))
			return ids_missing(base, count, "--userns-range", e);
		if (range_is_free(base, count, e) < 0)
			return -1;
	} else {
		/* Whether the pool's ids exist here (root inside another user namespace may lack
		 * them) is asked only when something fails: the clone (clone_error), or the state
		 * directories, which such a root may not even open. */
		static struct taken t; /* large: not on the stack */
		taken_load(&t);
		if ((c->tenant ? tenant_block(&t, c->tenant, &base, e)
			       : dynamic_block(&t, &base, e)) < 0) {
			if (!both_exist(POOL_BASE, POOL_BASE, POOL_END - POOL_BASE))
				return ids_missing(POOL_BASE, POOL_END - POOL_BASE, "lamina's pool",
						   e);
			return -1;
		}
	}
	if (c->uid >= count || c->gid >= count)
		return lm_error(
		    e, 0, L, "--uid %u/--gid %u: the sandbox's ids are 0 to %u (its range has %u)",
		    (unsigned)c->uid, (unsigned)c->gid, count - 1, count);
	c->uid_map[0] = c->gid_map[0] = (struct lm_idmap){0, base, count};
	c->nuid_map = c->ngid_map = 1;
	return 0;
}

/* ---- the maps written (supervisor after the clone, or init itself) ------------------------ */
/* newuidmap/newgidmap PID INSIDE OUTSIDE COUNT...: the setuid helpers check the caller's
 * subordinate ranges.  Their error goes into ours, one line. */
static int run_idmap_tool(const struct lm_config *c, pid_t pid, bool gid, struct lm_err *e)
{
	const char *tool = tool_path(gid);
	const struct lm_idmap *m = gid ? c->gid_map : c->uid_map;
	unsigned n = gid ? c->ngid_map : c->nuid_map;
	char words[1 + 3 * 3][16];
	char *argv[2 + 3 * 3 + 1];
	unsigned k = 0, w = 0;
	argv[k++] = (char *)tool;
	snprintf(words[w], sizeof words[w], "%d", (int)pid);
	argv[k++] = words[w++];
	for (unsigned i = 0; i < n; i++) {
		uint32_t v[3] = {m[i].inside, m[i].outside, m[i].count};
		for (int j = 0; j < 3; j++) {
			snprintf(words[w], sizeof words[w], "%u", v[j]);
			argv[k++] = words[w++];
		}
	}
	argv[k] = NULL;
	int p[2];
	if (!tool || pipe2(p, O_CLOEXEC) < 0)
		return lm_error(e, tool ? errno : ENOENT, L, "%s", gid ? "newgidmap" : "newuidmap");
	pid_t child = fork();
	if (child == 0) {
		char *env[] = {NULL};
		int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (nul >= 0)
			dup2(nul, 0), dup2(nul, 1);
		dup2(p[1], 2);
		execve(tool, argv, env);
		_exit(127);
	}
	close(p[1]);
	char msg[256] = "";
	size_t got = 0;
	for (ssize_t r; child > 0 && got < sizeof msg - 1 &&
			(r = read(p[0], msg + got, sizeof msg - 1 - got)) != 0;)
		if (r > 0)
			got += (size_t)r;
		else if (errno != EINTR)
			break;
	msg[got] = 0;
	msg[strcspn(msg, "\n")] = 0;
	close(p[0]);
	int st = 0;
	if (child < 0)
		return lm_error(e, errno, L, "starting %s", tool);
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return lm_error(e, 0, L, "%s failed (%s)", tool, msg[0] ? msg : "no message");
	return 0;
}

int lm_userns_write_maps(const struct lm_config *c, pid_t child, struct lm_err *e)
{
	char umap[128], gmap[128], uw[128], gw[128];
	map_words(c->uid_map, c->nuid_map, uw, sizeof uw);
	map_words(c->gid_map, c->ngid_map, gw, sizeof gw);
	if (c->maps_by_supervisor && !c->caller_is_root) {
		if (run_idmap_tool(c, child, false, e) < 0 || run_idmap_tool(c, child, true, e) < 0)
			return -1;
		lm_verbose(c, L, "uids %s, gids %s (your subordinate ranges, newuidmap)", uw, gw);
		return 0;
	}
	if (!c->caller_is_root && write_proc(child, "setgroups", "deny", e) < 0)
		return -1;
	map_text(c->uid_map, c->nuid_map, umap, sizeof umap);
	map_text(c->gid_map, c->ngid_map, gmap, sizeof gmap);
	if (write_proc(child, "uid_map", umap, e) < 0 || write_proc(child, "gid_map", gmap, e) < 0)
		goto hint;
	lm_verbose(c, L, "uids %s, gids %s%s", uw, gw,
		   !c->caller_is_root	 ? ", setgroups denied"
		   : c->tenant		 ? " (the tenant's own range)"
		   : c->userns_range_set ? " (--userns-range)"
		   : c->host_id_set	 ? " (--host-uid/--host-gid)"
					 : " (a transient range of lamina's pool)");
	return 0;
hint:
	/* Root inside another container may not have these host ids to map to. */
	if (c->caller_is_root && (e->errnum == EPERM || e->errnum == EINVAL)) {
		size_t n = strlen(e->msg);
		snprintf(e->msg + n, sizeof e->msg - n,
			 " (host ids %s must exist in the caller's user namespace; choose others "
			 "with --userns-range or --host-uid/--host-gid)",
			 uw);
	}
	return -1;
}

int lm_userns_enter_ids(const struct lm_config *c, struct lm_err *e)
{
	/* As root, init was born with the namespace's root (inside 0) as its ids: a change to
	 * another uid would clear its capabilities in the namespace, which it still needs to build
	 * the sandbox (the caps layer drops them in the payload).  SECBIT_NO_SETUID_FIXUP keeps
	 * them for that change only (capabilities(7)); a new user namespace starts with no
	 * securebits, and none is left set. */
	bool keep = c->caller_is_root && c->uid != 0;
	if (keep && prctl(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP, 0, 0, 0) < 0)
		return lm_error(e, errno, L, "PR_SET_SECUREBITS");
	/* The raw system calls: init has one thread, and the C library's wrappers would stop every
	 * other thread first (musl: three signal-mask calls around each). */
	if (syscall(SYS_setresgid, c->gid, c->gid, c->gid) < 0)
		return lm_error(e, errno, L, "setresgid %u", (unsigned)c->gid);
	if (c->caller_is_root && syscall(SYS_setgroups, 0, NULL) < 0)
		return lm_error(e, errno, L, "dropping supplementary groups");
	if (syscall(SYS_setresuid, c->uid, c->uid, c->uid) < 0)
		return lm_error(e, errno, L, "setresuid %u", (unsigned)c->uid);
	if (keep && prctl(PR_SET_SECUREBITS, 0, 0, 0, 0) < 0)
		return lm_error(e, errno, L, "PR_SET_SECUREBITS");
	/* A change of effective ids clears the parent-death signal and resets dumpable
	 * (commit_creds): arm both again. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return lm_error(e, errno, L, "prctl after the id change");
	return 0;
}

/* ---- the clone ------------------------------------------------------------------------------ */
/* The sandbox's bounds, which the user namespace is created with: the kernel copies its
 * creator's soft limits into it (and bounds processes only for a creator whose real uid is not
 * root; unprivileged, processes cannot be lowered: the clone itself counts against them). */
static const int bounded[] = {RLIMIT_SIGPENDING, RLIMIT_MSGQUEUE, RLIMIT_NPROC};
#define NBOUNDED (sizeof bounded / sizeof bounded[0])

static int raw_prlimit(int res, const struct rlimit *set, struct rlimit *old)
{
	return (int)syscall(SYS_prlimit64, 0, res, set, old);
}

/* The supervisor's soft limits lowered to the sandbox's for the clone, and put back after;
 * hard limits are kept (without CAP_SYS_RESOURCE they could not be raised again).  init keeps
 * the lowered soft limits: the payload sets the sandbox's own anyway. */
struct lowered {
	struct rlimit old[NBOUNDED];
	bool on[NBOUNDED];
};

static void limits_lower(struct lowered *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct rlimit r;
		l->on[i] = false;
		if (lm_rlimit_resolved(bounded[i], &r) &&
		    raw_prlimit(bounded[i], NULL, &l->old[i]) == 0 &&
		    r.rlim_cur != l->old[i].rlim_cur) {
			r.rlim_max = l->old[i].rlim_max;
			if (r.rlim_cur > r.rlim_max)
				r.rlim_cur = r.rlim_max;
			l->on[i] = raw_prlimit(bounded[i], &r, NULL) == 0;
		}
	}
}

static void limits_restore(const struct lowered *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (l->on[i])
			raw_prlimit(bounded[i], &l->old[i], NULL);
}

/* clone, like fork (no new stack), with a pidfd; clone3 when the child must be born in a
 * cgroup v2 (cgroup: its directory fd, or -1). */
static pid_t clone_pidfd(unsigned long flags, int *pidfd, int cgroup)
{
	if (cgroup < 0)
		return (pid_t)syscall(SYS_clone, flags | CLONE_PIDFD | SIGCHLD, NULL, pidfd, NULL,
				      NULL);
	struct clone_args ca = {.flags = flags | CLONE_PIDFD | CLONE_INTO_CGROUP,
				.pidfd = (uint64_t)(uintptr_t)pidfd,
				.exit_signal = SIGCHLD,
				.cgroup = (uint64_t)cgroup};
	return (pid_t)syscall(SYS_clone3, &ca, sizeof ca);
}

/* The effective capability set (capget/capset, version 3: two 32-bit words). */
static int caps_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	return (int)syscall(SYS_capget, &h, d);
}

static int caps_set(const struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	return (int)syscall(SYS_capset, &h, d);
}

/* The clone failed (err): user namespaces switched off says more than anything else. */
static int clone_error(const struct lm_config *c, int err, struct lm_err *e)
{
	char max[32] = "";
	cleanup_close int mfd = open("/proc/sys/user/max_user_namespaces", O_RDONLY | O_CLOEXEC);
	if (mfd >= 0 && read(mfd, max, sizeof max - 1) > 0 && strtoul(max, NULL, 10) == 0)
		return lm_error(e, ENOSPC, L,
				"clone into new namespaces (are user namespaces allowed? see "
				"/proc/sys/user/max_user_namespaces)");
	uint32_t n = c->uid_map[0].count;
	if ((err == EINVAL || err == EPERM) &&
	    !both_exist(c->uid_map[0].outside, c->gid_map[0].outside, n))
		return ids_missing(c->uid_map[0].outside, n,
				   c->host_id_set	 ? "--host-uid/--host-gid"
				   : c->userns_range_set ? "--userns-range"
				   : c->tenant		 ? "the tenant's range"
							 : "lamina's pool",
				   e);
	lm_error(e, err, L, "creating the user namespace as host uid %u", c->uid_map[0].outside);
	if (err == EINVAL || err == EPERM) {
		size_t n = strlen(e->msg);
		snprintf(
		    e->msg + n, sizeof e->msg - n,
		    " (host uid %u and gid %u must exist in the caller's user namespace; choose "
		    "others with --userns-range or --host-uid/--host-gid)",
		    c->uid_map[0].outside, c->gid_map[0].outside);
	}
	return -1;
}

/* As root.  The kernel charges pending signals, queue bytes and processes up the chain of user
 * namespaces to the namespace's owner, the effective uid that created it (kernel/ucount.c).  So
 * the supervisor clones init as the sandbox's first host uid and gid, real and effective ids
 * both (the real uid decides whether processes are bounded), with the sandbox's soft limits:
 * the namespace charges that uid, never host root, and is bounded by the sandbox's limits.  The
 * saved ids stay root's, so the supervisor takes root's ids back right after
 * (setresuid(2)).  Meanwhile a process of that uid may signal or renice the supervisor, as it
 * may the sandbox's own processes, but not ptrace it or open its /proc files (the kernel wants
 * the saved uid too, and the supervisor is non-dumpable).  The supervisor has one thread: the
 * raw calls change its ids alone, as the kernel does.
 *
 * init is born non-dumpable, from a non-dumpable supervisor: the namespace's owner holds every
 * capability in it, but the memory and /proc files of a non-dumpable process belong to the
 * user namespace its memory was made in, the host's, whose root the owner is not; the
 * supervisor, host root again, still writes init's maps.  init starts with the sandbox's host
 * uid as its ids, and needs no more: the supervisor cloned the host trees that need root
 * (src/mount_src.c), init clones only /usr and the /bin, /lib* directories, which anyone may
 * read, and builds the rest after its ids are settled inside.
 *
 * A change of effective ids clears the parent-death signal and resets dumpable
 * (commit_creds): both are armed again.  With a cgroup v2 the clone must be allowed to write
 * the cgroup's cgroup.procs (root's file): CAP_DAC_OVERRIDE is raised from the permitted set,
 * which the saved uid keeps, for that clone only. */
static pid_t clone_as_root(const struct lm_config *c, unsigned long flags, int cgroup, int *pidfd,
			   struct lm_err *e)
{
	/* As root the map has one extent: a range from inside 0, or the one id. */
	uid_t hu = c->uid_map[0].outside, ru, eu, su;
	gid_t hg = c->gid_map[0].outside, rg, eg, sg;
	struct __user_cap_data_struct caps[2];
	if (syscall(SYS_getresuid, &ru, &eu, &su) < 0 ||
	    syscall(SYS_getresgid, &rg, &eg, &sg) < 0 || caps_get(caps) < 0)
		return lm_error(e, errno, L, "reading the supervisor's ids");
	pid_t parent = getppid();
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return lm_error(e, errno, L, "PR_SET_DUMPABLE");
	struct lowered low;
	limits_lower(&low, NBOUNDED);
	pid_t pid = -1;
	int err = 0;
	if (syscall(SYS_setresgid, hg, hg, 0) < 0 || syscall(SYS_setresuid, hu, hu, 0) < 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		err = errno;
	} else {
		struct __user_cap_data_struct dac[2] = {caps[0], caps[1]};
		dac[0].effective = caps[0].permitted & (1u << CAP_DAC_OVERRIDE);
		dac[1].effective = 0;
		if (cgroup >= 0 && caps_set(dac) < 0)
			err = errno;
		else if ((pid = clone_pidfd(flags, pidfd, cgroup)) < 0)
			err = errno;
		else if (pid == 0)
			return 0; /* init */
	}
	/* Root's ids back (the saved uid is root's: ids among the sandbox's and root's need no
	 * privilege, others are set once the effective uid is root's again), then the gids, then
	 * the effective capabilities (the kernel made them the permitted set). */
	bool direct = (ru == 0 || ru == hu) && eu == 0 && (su == 0 || su == hu);
	bool same_caps =
	    caps[0].effective == caps[0].permitted && caps[1].effective == caps[1].permitted;
	int back = 0;
	if ((!direct && syscall(SYS_setresuid, -1, 0, -1) < 0) ||
	    syscall(SYS_setresuid, ru, eu, su) < 0 || syscall(SYS_setresgid, rg, eg, sg) < 0 ||
	    (!same_caps && caps_set(caps) < 0) || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		back = errno;
	else
		limits_restore(&low, NBOUNDED);
	bool gone = !back && getppid() != parent;
	if (pid > 0 && (back || gone)) {
		/* init waits for its maps: kill it (our child) and reap it. */
		syscall(SYS_pidfd_send_signal, *pidfd, SIGKILL, NULL, 0);
		lm_closep(pidfd);
		*pidfd = -1;
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (back)
		return lm_error(e, back, L, "taking root's ids back after the clone");
	if (gone)
		return lm_error(e, 0, "supervise", "the calling process is gone");
	if (pid < 0)
		return clone_error(c, err, e);
	return pid;
}

pid_t lm_userns_clone(const struct lm_config *c, unsigned long flags, int cgroup, int *pidfd,
		      struct lm_err *e)
{
	if (c->caller_is_root)
		return clone_as_root(c, flags, cgroup, pidfd, e);
	/* Unprivileged the caller creates the namespace, with its soft limits on pending
	 * signals and queue bytes lowered to the sandbox's for the clone. */
	struct lowered low;
	limits_lower(&low, 2);
	pid_t pid = clone_pidfd(flags, pidfd, cgroup);
	int err = errno;
	if (pid == 0)
		return 0;
	limits_restore(&low, 2);
	if (pid < 0)
		return lm_error(e, err, L, "clone into new namespaces%s%s",
				cgroup >= 0 ? " and the sandbox's cgroup" : "",
				err == EPERM || err == ENOSPC
				    ? " (are unprivileged user namespaces allowed? see "
				      "/proc/sys/user/max_user_namespaces)"
				    : "");
	return pid;
}

/* ---- steps -------------------------------------------------------------------------------- */
/* The supervisor writes the maps as root (only the parent namespace may map other ids) and
 * through newuidmap for subordinate ranges; init waits for them. */
static int userns_parent(struct lm_sandbox *sb, struct lm_err *e)
{
	if (!sb->c->maps_by_supervisor)
		return 0;
	return lm_userns_write_maps(sb->c, sb->init_pid, e);
}

/* Unprivileged with one id, init writes its own one-line maps (as unshare -r does), one round
 * trip less.  Then init becomes non-dumpable: the payload must not ptrace it or read its
 * memory.  Not before: the maps are /proc files of init, and a non-dumpable process's belong
 * to root (as root, init was born non-dumpable: see clone_as_root). */
static int userns_init_host(struct lm_sandbox *sb, struct lm_err *e)
{
	if (!sb->c->maps_by_supervisor && lm_userns_write_maps(sb->c, 0, e) < 0)
		return -1;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return lm_error(e, errno, "init", "PR_SET_DUMPABLE");
	return 0;
}

/* init settles its ids inside after the host trees are cloned and before it builds the root, so
 * that what the new tmpfs gets is owned by mapped ids (as root, init's ids until now were the
 * sandbox's first host id, with host root as its saved id). */
static int userns_init(struct lm_sandbox *sb, struct lm_err *e)
{
	return lm_userns_enter_ids(sb->c, e);
}

static void userns_end(struct lm_sandbox *sb)
{
	(void)sb;
	lm_closep(&block_lock);
	block_lock = -1;
}

/* ---- /etc/passwd and /etc/group ---------------------------------------------------------- */
/* Debian's base-passwd: the system users and groups a Debian tree's files and programs name. */
static const struct {
	uint32_t uid, gid;
	const char *name, *gecos, *home, *shell;
} base_users[] = {
    {0, 0, "root", "root", "/root", "/bin/sh"},
    {1, 1, "daemon", "daemon", "/usr/sbin", "/usr/sbin/nologin"},
    {2, 2, "bin", "bin", "/bin", "/usr/sbin/nologin"},
    {3, 3, "sys", "sys", "/dev", "/usr/sbin/nologin"},
    {4, 65534, "sync", "sync", "/bin", "/bin/sync"},
    {5, 60, "games", "games", "/usr/games", "/usr/sbin/nologin"},
    {6, 12, "man", "man", "/var/cache/man", "/usr/sbin/nologin"},
    {7, 7, "lp", "lp", "/var/spool/lpd", "/usr/sbin/nologin"},
    {8, 8, "mail", "mail", "/var/mail", "/usr/sbin/nologin"},
    {9, 9, "news", "news", "/var/spool/news", "/usr/sbin/nologin"},
    {10, 10, "uucp", "uucp", "/var/spool/uucp", "/usr/sbin/nologin"},
    {13, 13, "proxy", "proxy", "/bin", "/usr/sbin/nologin"},
    {33, 33, "www-data", "www-data", "/var/www", "/usr/sbin/nologin"},
    {34, 34, "backup", "backup", "/var/backups", "/usr/sbin/nologin"},
    {38, 38, "list", "Mailing List Manager", "/var/list", "/usr/sbin/nologin"},
    {39, 39, "irc", "ircd", "/run/ircd", "/usr/sbin/nologin"},
    {42, 65534, "_apt", "", "/nonexistent", "/usr/sbin/nologin"},
    {65534, 65534, "nobody", "nobody", "/nonexistent", "/usr/sbin/nologin"},
};
static const struct {
	uint32_t gid;
	const char *name;
} base_groups[] = {
    {0, "root"},      {1, "daemon"},  {2, "bin"},	  {3, "sys"},	    {4, "adm"},
    {5, "tty"},	      {6, "disk"},    {7, "lp"},	  {8, "mail"},	    {9, "news"},
    {10, "uucp"},     {12, "man"},    {13, "proxy"},	  {15, "kmem"},	    {20, "dialout"},
    {21, "fax"},      {22, "voice"},  {24, "cdrom"},	  {25, "floppy"},   {26, "tape"},
    {27, "sudo"},     {29, "audio"},  {30, "dip"},	  {33, "www-data"}, {34, "backup"},
    {37, "operator"}, {38, "list"},   {39, "irc"},	  {40, "src"},	    {42, "shadow"},
    {43, "utmp"},     {44, "video"},  {45, "sasl"},	  {46, "plugdev"},  {50, "staff"},
    {60, "games"},    {100, "users"}, {65534, "nogroup"},
};
#define NBASE_USERS (sizeof base_users / sizeof base_users[0])
#define NBASE_GROUPS (sizeof base_groups / sizeof base_groups[0])

struct text {
	char *s;
	size_t len, cap;
	bool oom;
};

__attribute__((format(printf, 2, 3))) static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	for (int pass = 0; pass < 2 && !t->oom; pass++) {
		va_start(ap, fmt);
		int n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = true;
			return;
		}
		if (t->s && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = (t->cap + (size_t)n + 1) * 2;
		char *s = realloc(t->s, cap);
		if (!s) {
			t->oom = true;
			return;
		}
		t->s = s;
		t->cap = cap;
	}
}

/* Does inside id `id` exist?  With the one-id mapping lamina also names root and nobody (ids
 * that are not mapped show as 65534, the overflow id, and programs look 0 up). */
static bool user_listed(const struct lm_config *c, uint32_t id, bool gid)
{
	if (!lm_userns_is_range(c))
		return id == 0 || id == 65534;
	return (gid ? lm_userns_host_gid(c, id) : lm_userns_host_uid(c, id)) != (uint32_t)-1;
}

static bool name_in_base(const char *name, bool group)
{
	for (size_t i = 0; i < (group ? NBASE_GROUPS : NBASE_USERS); i++)
		if (!strcmp(group ? base_groups[i].name : base_users[i].name, name))
			return true;
	return false;
}

char *lm_userns_etc(const struct lm_config *c, bool group, const char *payload_home)
{
	char name[256], home[512];
	snprintf(name, sizeof name, "%s", user_name(c->caller_is_root ? 0 : c->caller_uid));
	snprintf(home, sizeof home, "%s", payload_home);
	/* The payload's own entry: its uid's system name where it has one; otherwise the
	 * caller's name ("user" for root's sandboxes and for a name already used). */
	int own = -1;
	for (size_t i = 0; i < NBASE_USERS; i++)
		if (base_users[i].uid == c->uid)
			own = (int)i;
	if (c->uid != 0 && (!strcmp(name, "root") || name_in_base(name, false)))
		snprintf(name, sizeof name, "user");
	struct text t = {0};
	if (!group) {
		bool own_done = false;
		for (size_t i = 0; i < NBASE_USERS; i++) {
			const typeof(base_users[0]) *u = &base_users[i];
			bool mine = (int)i == own;
			if (!mine && !user_listed(c, u->uid, false))
				continue;
			if (!mine && u->uid > c->uid && !own_done && own < 0) {
				add(&t, "%s:x:%u:%u:%s:%s:/bin/sh\n", name, (unsigned)c->uid,
				    (unsigned)c->gid, name, home);
				own_done = true;
			}
			add(&t, "%s:x:%u:%u:%s:%s:%s\n", u->name, u->uid,
			    mine ? (unsigned)c->gid : u->gid, u->gecos, mine ? home : u->home,
			    u->shell);
		}
		if (own < 0 && !own_done)
			add(&t, "%s:x:%u:%u:%s:%s:/bin/sh\n", name, (unsigned)c->uid,
			    (unsigned)c->gid, name, home);
	} else {
		/* The payload's group: its system name where it has one, otherwise the name of
		 * the payload's user (or "sandbox" when that is a system group's). */
		const char *gname = own >= 0 ? "sandbox" : name;
		if (name_in_base(gname, true))
			gname = "sandbox";
		bool own_listed = false, own_done = false;
		for (size_t i = 0; i < NBASE_GROUPS; i++)
			own_listed |= base_groups[i].gid == c->gid;
		for (size_t i = 0; i < NBASE_GROUPS; i++) {
			uint32_t g = base_groups[i].gid;
			if (g != c->gid && !user_listed(c, g, true))
				continue;
			if (!own_listed && !own_done && g > c->gid) {
				add(&t, "%s:x:%u:\n", gname, (unsigned)c->gid);
				own_done = true;
			}
			add(&t, "%s:x:%u:\n", base_groups[i].name, g);
		}
		if (!own_listed && !own_done)
			add(&t, "%s:x:%u:\n", gname, (unsigned)c->gid);
	}
	if (t.oom || !t.s) {
		free(t.s);
		return NULL;
	}
	return t.s;
}

/* ---- settings ------------------------------------------------------------------------------ */
static int parse_id(const struct lm_args *a, const char *word, uint32_t *out, struct lm_err *e)
{
	uint64_t v;
	/* (uid_t)-1 means "no change" to the kernel: never a valid id. */
	if (lm_parse_u64(word, 4294967294ull, false, &v) < 0)
		return lm_error(e, 0, L, "%s: '%.40s' is not an id (0 to 4294967294)", a->name,
				word);
	*out = (uint32_t)v;
	return 0;
}

static int set_id(const struct lm_args *a, uint32_t *id, bool *set, struct lm_err *e)
{
	if (parse_id(a, a->argv[0], id, e) < 0)
		return -1;
	*set = true;
	return 0;
}

static int set_uid(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	return set_id(a, &c->uid, &c->uid_set, e);
}

static int set_gid(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	return set_id(a, &c->gid, &c->gid_set, e);
}

static int root_only(const struct lm_args *a, struct lm_err *e)
{
	if (geteuid() == 0)
		return 0;
	return lm_error(e, 0, L,
			"%s is for root only: an unprivileged caller maps its own ids (and its "
			"subordinate ranges from /etc/subuid)",
			a->name);
}

static int set_host_id(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	uint32_t id = 0;
	if (parse_id(a, a->argv[0], &id, e) < 0 || root_only(a, e) < 0)
		return -1;
	if (id == 0)
		return lm_error(e, 0, L, "%s 0 would make the payload host root", a->name);
	if (strcmp(a->name, "--host-uid") == 0)
		c->host_uid = id;
	else
		c->host_gid = id;
	c->host_id_set = true;
	return 0;
}

static int set_range(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	const char *v = a->argv[0], *colon = strchr(v, ':');
	char base[16];
	uint64_t b, n;
	if (!colon || (size_t)(colon - v) >= sizeof base)
		return lm_error(e, 0, L, "%s '%.40s': expected HOSTUID:COUNT (e.g. 200000:65536)",
				a->name, v);
	memcpy(base, v, (size_t)(colon - v));
	base[colon - v] = 0;
	if (lm_parse_u64(base, 4294967294ull, false, &b) < 0 ||
	    lm_parse_u64(colon + 1, 4294967295ull, false, &n) < 0 || n == 0)
		return lm_error(e, 0, L, "%s '%.40s': expected HOSTUID:COUNT (e.g. 200000:65536)",
				a->name, v);
	/* A profile may name a range for root's launches: checked when it runs (prepare), so
	 * that `lamina check` works for anyone. */
	if (a->src == LM_SRC_CLI && root_only(a, e) < 0)
		return -1;
	if (b == 0)
		return lm_error(e, 0, L, "%s %s would map host root into the sandbox", a->name, v);
	if (b + n - 1 > 4294967294ull)
		return lm_error(e, 0, L, "%s %s goes past the last uid (4294967294)", a->name, v);
	if (b < POOL_END && b + n > POOL_BASE)
		return lm_error(e, 0, L,
				"%s %s overlaps lamina's own pool (%u-%u: transient and tenant "
				"ranges); choose ids outside it",
				a->name, v, POOL_BASE, POOL_END - 1);
	c->range_base = (uint32_t)b;
	c->range_count = (uint32_t)n;
	c->userns_range_set = true;
	return 0;
}

static int set_tenant(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	const char *v = a->argv[0];
	size_t n = strlen(v);
	bool ok = n > 0 && n <= 64 && v[0] != '-' && v[0] != '.';
	for (const char *p = v; ok && *p; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		     (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.';
	if (!ok)
		return lm_error(
		    e, 0, L,
		    "%s '%.80s' is not a tenant name (1 to 64 letters, digits, '-', '_' "
		    "or '.', not starting with '-' or '.')",
		    a->name, v);
	if (root_only(a, e) < 0)
		return -1;
	char *d = strdup(v);
	if (!d)
		return lm_error(e, ENOMEM, L, "%s", a->name);
	free(c->tenant);
	c->tenant = d;
	return 0;
}

static const struct lm_setting userns_settings[] = {
    {.option = "--uid",
     .nargs = 1,
     .metavar = "N",
     .help = "uid inside (default: the caller's)",
     .set = set_uid},
    {.option = "--gid",
     .nargs = 1,
     .metavar = "N",
     .help = "gid inside (default: the caller's)",
     .set = set_gid},
    {.option = "--userns-range",
     .directive = "userns-range",
     .nargs = 1,
     .metavar = "HOSTUID:COUNT",
     .help = "as root: inside ids 0..COUNT-1 are host ids HOSTUID.. (default: a range of "
	     "lamina's)",
     .set = set_range},
    {.option = "--tenant",
     .nargs = 1,
     .metavar = "NAME",
     .help = "as root: the tenant's own stable range of 65536 host ids",
     .set = set_tenant},
    {.option = "--host-uid",
     .nargs = 1,
     .metavar = "N",
     .help = "as root: map only --uid, to this unprivileged host uid",
     .set = set_host_id},
    {.option = "--host-gid",
     .nargs = 1,
     .metavar = "N",
     .help = "as root: map only --gid, to this unprivileged host gid",
     .set = set_host_id},
    {0},
};

static void userns_explain(FILE *out, const struct lm_config *c, const struct lm_explain *x)
{
	(void)x;
	fprintf(out, "\nIdentity (user namespace)\n");
	if (c->userns_range_set)
		fprintf(out, "  run as root: inside ids 0-%u are host ids %u-%u (userns-range)\n",
			c->range_count - 1, c->range_base, c->range_base + c->range_count - 1);
	fprintf(
	    out,
	    "  run as root: every sandbox has host ids of its own, none of them root: 65536 from\n"
	    "    lamina's pool (%u-%u, which the host's users and subordinate ranges do not use;\n"
	    "    a transient range is never given to two sandboxes at once), the tenant's stable\n"
	    "    range (--tenant), the operator's (--userns-range), or one id (--host-uid).\n"
	    "    Inside, ids 0 to 65535 exist, so in-sandbox root can change ids and chown; its\n"
	    "    capabilities count in its own namespaces only, and an escape is an unprivileged\n"
	    "    host user.  The sandbox's first host uid owns its user namespace: a host process\n"
	    "    running as that uid would have every capability over the sandbox (as if it had\n"
	    "    started it), which is why the pool's ids are ones no host process runs as.\n"
	    "  run unprivileged: your own uid and gid (or --uid/--gid), plus your subordinate\n"
	    "    ranges (/etc/subuid, /etc/subgid through newuidmap) where you have them; without\n"
	    "    them only that one id exists and setgroups is denied.\n"
	    "  quotas: pending signals, message-queue bytes, processes and inotify watches are\n"
	    "    charged to the sandbox's host uid (as root the user namespace is created as that\n"
	    "    uid, never as root), and the whole sandbox stays within its sigpending,\n"
	    "    msgqueue and (as root) nproc limits: one sandbox cannot use up host root's\n"
	    "    quota or another tenant's; sandboxes of one tenant share the tenant's.\n"
	    "  /proc/PID/mem: the Landlock layer gives no write right beneath /proc, so no\n"
	    "    process's memory can be written through it; without that layer, between the\n"
	    "    sandbox's own processes the wall is the uid: /proc/PID/mem of a\n"
	    "    dumpable process of the same uid is open for writing, as the kernel allows any\n"
	    "    process with ptrace's permission (the profiles' refusal of ptrace and\n"
	    "    process_vm_writev narrows the tracing interface, it does not separate processes\n"
	    "    of one uid).  lamina's own processes (init, the supervisor) are non-dumpable,\n"
	    "    processes of another uid need CAP_SYS_PTRACE, which no payload holds, and host\n"
	    "    processes are in another pid namespace.  Run programs that must not reach each\n"
	    "    other as different uids (a range) or in different sandboxes.\n",
	    POOL_BASE, POOL_END - 1);
}

static void userns_summary(FILE *out, const struct lm_config *c)
{
	if (c->userns_range_set)
		fprintf(out, " userns-range %u:%u;", c->range_base, c->range_count);
}

const struct lm_layer lm_layer_userns = {
    .name = "userns",
    .bit = LM_LAYER_USERNS,
    .settings = userns_settings,
    .step = {[LM_STAGE_PREPARE] = userns_prepare,
	     [LM_STAGE_PARENT] = userns_parent,
	     [LM_STAGE_INIT_HOST] = userns_init_host,
	     [LM_STAGE_INIT] = userns_init},
    .end = userns_end,
    .explain = userns_explain,
    .summary = userns_summary,
};
