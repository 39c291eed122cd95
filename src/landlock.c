/* landlock: what the payload may do by file path and by TCP port, and signals and abstract unix
 * sockets scoped to the sandbox (Landlock, the unprivileged access-control LSM; kernel
 * documentation: userspace-api/landlock).
 *
 * Seccomp sees only numbers and pointers: it cannot say "write only beneath /out" or "connect
 * only to port 5432".  Landlock can, and without privilege.  A ruleset denies every access
 * right it handles unless a rule allows it:
 *   - files: every right the kernel's ABI knows is handled once any path rule exists; rules
 *     allow read, write (write, truncate, make, remove, rename/link), exec and ioctl on devices
 *     beneath a path.  Device nodes can never be made.  The shipped profiles allow read and
 *     exec beneath /, write only where the sandbox is meant to write (/tmp, /dev/shm, lamina's
 *     own device nodes), so that a mistake in the mount layer is not enough to write elsewhere.
 *     Every writable bind and tmpfs of the config gets a write rule too (a bind also ioctl:
 *     a device bound writable works as before), unless the command line says with
 *     --allow-write where writes may go: then only there.
 *   - TCP: with any port rule, bind and connect are limited to the listed ports.
 *   - scopes: a payload may not signal, or connect to an abstract unix socket of, a process
 *     outside its Landlock domain (init, and the host with --share-net or no pid namespace).
 *     On by default; `landlock scope` lifts it.
 *
 * When: the ABI is probed once, in the supervisor before the clone, where every explicit rule
 * the kernel cannot enforce is refused (fail closed) and the profiles' own rules are degraded
 * to what it can (-v and `lamina explain` say what was left out).  The rules name paths inside
 * the sandbox, so init builds the ruleset once it has pivoted into the root: it opens each path
 * (O_PATH, following a symlink only on a read-only mount: a rule never widens through a link
 * the payload could have planted), adds it, and keeps only the ruleset's fd.  The payload then
 * makes one call, landlock_restrict_self, after no_new_privs and before seccomp; the fd is
 * close-on-exec.  */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define L "landlock"

/* ---- the kernel's interface (linux/landlock.h, which may be older than the kernel) -------- */
#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_RULE_NET_PORT 2

#define FS_EXECUTE (1ULL << 0)
#define FS_WRITE_FILE (1ULL << 1)
#define FS_READ_FILE (1ULL << 2)
#define FS_READ_DIR (1ULL << 3)
#define FS_REMOVE_DIR (1ULL << 4)
#define FS_REMOVE_FILE (1ULL << 5)
#define FS_MAKE_CHAR (1ULL << 6)
#define FS_MAKE_DIR (1ULL << 7)
#define FS_MAKE_REG (1ULL << 8)
#define FS_MAKE_SOCK (1ULL << 9)
#define FS_MAKE_FIFO (1ULL << 10)
#define FS_MAKE_BLOCK (1ULL << 11)
#define FS_MAKE_SYM (1ULL << 12)
#define FS_REFER (1ULL << 13)	  /* ABI 2 */
#define FS_TRUNCATE (1ULL << 14)  /* ABI 3 */
#define FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#define NET_BIND_TCP (1ULL << 0)  /* ABI 4 */
#define NET_CONNECT_TCP (1ULL << 1)
#define SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#define SCOPE_SIGNAL (1ULL << 1)

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;	     /* ABI 6 */
};
struct ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));
struct ll_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

/* The rights of the rule words. */
#define FS_READ (FS_READ_FILE | FS_READ_DIR)
#define FS_MAKE (FS_MAKE_REG | FS_MAKE_DIR | FS_MAKE_SYM | FS_MAKE_SOCK | FS_MAKE_FIFO)
#define FS_REMOVE (FS_REMOVE_FILE | FS_REMOVE_DIR)
#define FS_WRITE (FS_WRITE_FILE | FS_TRUNCATE | FS_MAKE | FS_REMOVE | FS_REFER)
/* The rights that apply to a file that is not a directory (the kernel refuses the others). */
#define FS_FILE (FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV)
#define SCOPE_ALL (SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL)

/* Ports in all, each one rule (Landlock has no ranges). */
#define MAX_PORTS 4096

/* The rule words, the option of each that has one, and their rights. */
static const struct kind {
	const char *word, *option;
	uint64_t fs, net;
} kinds[] = {
    {"read", "--allow-read", FS_READ, 0},
    {"write", "--allow-write", FS_WRITE, 0},
    {"exec", "--allow-exec", FS_EXECUTE, 0},
    {"make", NULL, FS_MAKE, 0},
    {"remove", NULL, FS_REMOVE, 0},
    {"refer", NULL, FS_REFER, 0},
    {"truncate", NULL, FS_TRUNCATE, 0},
    {"ioctl", NULL, FS_IOCTL_DEV, 0},
    {"bind", "--allow-bind", 0, NET_BIND_TCP},
    {"connect", "--allow-connect", 0, NET_CONNECT_TCP},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

static const struct kind *kind_by_word(const char *w)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (strcmp(kinds[i].word, w) == 0)
			return &kinds[i];
	return NULL;
}

static const struct kind *kind_by_option(const char *o)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (kinds[i].option && strcmp(kinds[i].option, o) == 0)
			return &kinds[i];
	return NULL;
}

/* The file-system rights an ABI knows (0: no Landlock). */
static uint64_t fs_known(int abi)
{
	if (abi < 1)
		return 0;
	uint64_t r = (FS_MAKE_SYM << 1) - 1; /* ABI 1: execute .. make_sym */
	if (abi >= 2)
		r |= FS_REFER;
	if (abi >= 3)
		r |= FS_TRUNCATE;
	if (abi >= 5)
		r |= FS_IOCTL_DEV;
	return r;
}

/* The lowest ABI that knows every right of a file rule. */
static int abi_for_fs(uint64_t access)
{
	return access & FS_IOCTL_DEV ? 5 : access & FS_TRUNCATE ? 3 : access & FS_REFER ? 2 : 1;
}

/* "read exec", "write", "read-file write-file": the words that name the rights. */
static const char *rights_str(char *buf, size_t n, uint64_t a)
{
	static const struct {
		const char *name;
		uint64_t bit;
	} single[] = {
	    {"read-file", FS_READ_FILE},     {"read-dir", FS_READ_DIR},
	    {"write-file", FS_WRITE_FILE},   {"make-dir", FS_MAKE_DIR},
	    {"make-file", FS_MAKE_REG},	     {"make-symlink", FS_MAKE_SYM},
	    {"make-socket", FS_MAKE_SOCK},   {"make-fifo", FS_MAKE_FIFO},
	    {"remove-file", FS_REMOVE_FILE}, {"remove-dir", FS_REMOVE_DIR},
	};
	buf[0] = 0;
	for (size_t i = 0; i < NKINDS && a; i++) {
		uint64_t need = kinds[i].fs;
		/* a file's write: writing and truncating it (the rest is a directory's) */
		if (need == FS_WRITE && !(a & FS_WRITE & ~FS_FILE))
			need = FS_WRITE_FILE | FS_TRUNCATE;
		if (need && (a & need) == need) {
			snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", buf[0] ? " " : "",
				 kinds[i].word);
			a &= ~need;
		}
	}
	for (size_t i = 0; i < sizeof single / sizeof single[0] && a; i++)
		if (a & single[i].bit) {
			snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", buf[0] ? " " : "",
				 single[i].name);
			a &= ~single[i].bit;
		}
	if (!buf[0])
		snprintf(buf, n, "nothing");
	return buf;
}

static const char *scope_str(char *buf, size_t n, uint64_t s)
{
	snprintf(buf, n, "%s%s%s", s & SCOPE_ABSTRACT_UNIX_SOCKET ? "abstract unix sockets" : "",
		 s == SCOPE_ALL ? ", " : "", s & SCOPE_SIGNAL ? "signals" : "");
	if (!s)
		snprintf(buf, n, "nothing");
	return buf;
}

/* The ABI of the running kernel (0: no Landlock), at most $LAMINA_LANDLOCK_ABI: the tests
 * check with it what lamina does on an older kernel. */
static int probe_abi(int *forced)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
	int abi = v < 0 ? 0 : (int)v;
	*forced = -1;
	const char *env = getenv("LAMINA_LANDLOCK_ABI");
	if (env && *env >= '0' && *env <= '9' && !env[1]) {
		*forced = *env - '0';
		if (*forced < abi)
			abi = *forced;
	}
	return abi;
}

/* ---- rules into the config ------------------------------------------------------------- */
static int add_rule(struct lm_config *c, const struct lm_landlock_rule *r, struct lm_err *e)
{
	struct lm_landlock_rule *n =
	    realloc(c->landlock_rules, (c->nlandlock_rules + 1) * sizeof *n);
	if (!n)
		return lm_error(e, ENOMEM, L, "adding a rule");
	c->landlock_rules = n;
	n[c->nlandlock_rules] = *r;
	if (r->path && !(n[c->nlandlock_rules].path = strdup(r->path)))
		return lm_error(e, ENOMEM, L, "adding a rule");
	c->nlandlock_rules++;
	return 0;
}

/* PATH as the rules keep it: absolute, no "." component or repeated or trailing '/', and no
 * ".." (a rule names a place in the sandbox, not a walk).  Returns false when it is none. */
static bool normalise(const char *in, char *out, size_t n)
{
	if (in[0] != '/' || strlen(in) >= n)
		return false;
	size_t o = 0;
	for (const char *p = in; *p;) {
		while (*p == '/')
			p++;
		const char *q = strchrnul(p, '/');
		size_t l = (size_t)(q - p);
		if (l == 2 && p[0] == '.' && p[1] == '.')
			return false;
		if (l && !(l == 1 && p[0] == '.')) {
			out[o++] = '/';
			memcpy(out + o, p, l);
			o += l;
		}
		p = q;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = 0;
	return true;
}

/* The rest of PATH beneath BASE ("" when equal; both absolute, compared by components, BASE
 * as written in a mount), or NULL when PATH is not BASE or beneath it. */
static const char *beneath(const char *base, const char *path)
{
	for (;;) {
		while (*base == '/')
			base++;
		while (*path == '/')
			path++;
		if (!*base)
			return path;
		const char *bq = strchrnul(base, '/'), *pq = strchrnul(path, '/');
		if (bq - base == 1 && base[0] == '.') {
			base = bq;
			continue;
		}
		if (bq - base != pq - path || memcmp(base, path, (size_t)(bq - base)) != 0)
			return NULL;
		base = bq;
		path = pq;
	}
}

static bool host_exists(const char *prefix, const char *rest)
{
	char p[PATH_MAX * 2];
	struct stat st;
	snprintf(p, sizeof p, "%s%s%s", prefix, *rest ? "/" : "", rest);
	return stat(p, &st) == 0;
}

/* `lamina check`: does PATH exist in the sandbox the config describes so far (the mounts
 * declared above the rule, on lamina's own root)?  Decided from the host where the sandbox
 * shows a host tree; where it cannot be decided (another root, /proc, /dev/pts), yes. */
static bool exists_inside(const struct lm_config *c, const char *path)
{
	/* A mount point exists, and so do the directories created above it. */
	for (size_t i = 0; i < c->nmounts; i++)
		if (beneath(path, c->mounts[i].dst))
			return true;
	for (size_t i = c->nmounts; i-- > 0;) {
		const struct lm_mount *m = &c->mounts[i];
		const char *rest = beneath(m->dst, path);
		if (!rest)
			continue;
		if (m->kind == LM_MOUNT_TMPFS)
			return !*rest; /* empty when the payload starts */
		return host_exists(m->src, rest);
	}
	if (c->rootfs)
		return true;
	static const char *const host_trees[] = {"usr",	  "bin",   "sbin",   "lib",
						 "lib32", "lib64", "libx32", NULL};
	for (const char *const *t = host_trees; *t; t++) {
		const char *rest = beneath(*t, path);
		if (rest)
			return host_exists("", path);
	}
	const char *rest;
	if (strcmp(path, "/") == 0 || ((rest = beneath("/tmp", path)) && !*rest))
		return true;
	if ((rest = beneath("/proc", path)))
		return true; /* the pid namespace's own: not the host's to decide */
	if ((rest = beneath("/etc", path))) {
		/* generated, or a host entry lamina copies or binds (those that exist) */
		static const char *const gen[] = {
		    "passwd", "group", "hosts", "hostname", "nsswitch.conf", "resolv.conf", NULL};
		for (const char *const *g = gen; *g; g++)
			if (strcmp(rest, *g) == 0)
				return true;
		return !*rest || host_exists("/etc", rest);
	}
	if ((rest = beneath("/dev", path))) {
		static const char *const dev[] = {
		    "",	   "null",   "zero", "full", "random", "urandom", "tty",    "pts",
		    "shm", "mqueue", "ptmx", "fd",   "stdin",  "stdout",  "stderr", NULL};
		for (const char *const *d = dev; *d; d++)
			if (strcmp(rest, *d) == 0)
				return true;
		return beneath("pts", rest) != NULL || beneath("fd", rest) != NULL;
	}
	return false;
}

static int add_path(struct lm_config *c, struct lm_args *a, unsigned word, uint64_t access,
		    const char *label, struct lm_err *e)
{
	char p[PATH_MAX];
	const char *v = a->argv[word];
	a->bad = word;
	if (!normalise(v, p, sizeof p))
		return lm_error(e, 0, L,
				"%s '%.80s' must be an absolute path inside the sandbox, without "
				"'..'",
				label, v);
	if (c->landlock_check_paths && !exists_inside(c, p))
		return lm_error(e, 0, L,
				"%s %.200s: no such path in the sandbox (lamina's root and the "
				"mounts declared above)",
				label, p);
	struct lm_landlock_rule r = {.path = p, .access = access, .cli = a->src == LM_SRC_CLI};
	return add_rule(c, &r, e);
}

/* Digits only, at most 65535. */
static bool parse_port(const char *s, size_t n, uint16_t *out)
{
	unsigned v = 0;
	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

static size_t nports(const struct lm_config *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->nlandlock_rules; i++)
		if (!c->landlock_rules[i].path)
			n += (size_t)c->landlock_rules[i].hi - c->landlock_rules[i].lo + 1;
	return n;
}

static int add_ports(struct lm_config *c, struct lm_args *a, unsigned word, uint64_t access,
		     const char *label, struct lm_err *e)
{
	const char *v = a->argv[word];
	const char *dash = strchr(v, '-');
	struct lm_landlock_rule r = {.access = access, .cli = a->src == LM_SRC_CLI};
	a->bad = word;
	bool ok = dash ? parse_port(v, (size_t)(dash - v), &r.lo) &&
			     parse_port(dash + 1, strlen(dash + 1), &r.hi)
		       : parse_port(v, strlen(v), &r.lo);
	if (!dash)
		r.hi = r.lo;
	if (!ok || r.hi < r.lo)
		return lm_error(e, 0, L,
				"%s '%.40s': expected a TCP port or a range, as in 8080 or "
				"8000-8099 (0 to 65535)",
				label, v);
	if (nports(c) + (size_t)(r.hi - r.lo) + 1 > MAX_PORTS)
		return lm_error(
		    e, 0, L, "%s %s: more than %d ports in all (Landlock takes one rule per port)",
		    label, v, MAX_PORTS);
	return add_rule(c, &r, e);
}

/* --allow-read PATH, --allow-write PATH, --allow-exec PATH, --allow-bind PORT[-PORT],
 * --allow-connect PORT[-PORT]. */
static int set_allow(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	const struct kind *k = kind_by_option(a->name);
	if (!k)
		return lm_error(e, 0, L, "%s: not a Landlock option", a->name);
	return k->fs ? add_path(c, a, 0, k->fs, a->name, e)
		     : add_ports(c, a, 0, k->net, a->name, e);
}

/* landlock scope WHAT...: what is scoped, `none` or signal and/or abstract-unix-socket. */
static int set_scope(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	uint64_t want = 0;
	for (unsigned i = 1; i < a->argc; i++) {
		const char *w = a->argv[i];
		a->bad = i;
		if (strcmp(w, "signal") == 0)
			want |= SCOPE_SIGNAL;
		else if (strcmp(w, "abstract-unix-socket") == 0)
			want |= SCOPE_ABSTRACT_UNIX_SOCKET;
		else if (strcmp(w, "none") != 0 || a->argc != 2)
			return lm_error(e, 0, L,
					"landlock scope: expected none, or signal and/or "
					"abstract-unix-socket (got '%.40s')",
					w);
	}
	c->landlock_unscoped = (unsigned)(SCOPE_ALL & ~want);
	c->landlock_scope_set = true;
	return 0;
}

/* landlock read|write|exec|make|remove|refer|truncate|ioctl PATH...,
 * landlock bind|connect PORT[-PORT]..., landlock scope WHAT... */
static int set_directive(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	const char *w = a->argv[0];
	if (strcmp(w, "scope") == 0)
		return set_scope(c, a, e);
	const struct kind *k = kind_by_word(w);
	if (!k)
		return lm_error(
		    e, 0, L,
		    "landlock '%.40s': expected read, write, exec, make, remove, refer, "
		    "truncate, ioctl (PATH...), bind, connect (PORT...) or scope",
		    w);
	char label[32];
	snprintf(label, sizeof label, "landlock %s", k->word);
	for (unsigned i = 1; i < a->argc; i++) {
		int r = k->fs ? add_path(c, a, i, k->fs, label, e)
			      : add_ports(c, a, i, k->net, label, e);
		if (r < 0)
			return -1;
	}
	return 0;
}

static const struct lm_setting landlock_settings[] = {
    {.option = "--allow-read",
     .nargs = 1,
     .metavar = "PATH",
     .help = "Landlock: allow reading beneath PATH (with the profile's rules)",
     .set = set_allow},
    {.option = "--allow-write",
     .nargs = 1,
     .metavar = "PATH",
     .help = "Landlock: allow writing beneath PATH; writable binds get no other write rule",
     .set = set_allow},
    {.option = "--allow-exec",
     .nargs = 1,
     .metavar = "PATH",
     .help = "Landlock: allow executing files beneath PATH",
     .set = set_allow},
    {.option = "--allow-bind",
     .nargs = 1,
     .metavar = "PORT[-PORT]",
     .help = "Landlock: TCP bind only to the ports given (and connect only to --allow-connect's)",
     .set = set_allow},
    {.option = "--allow-connect",
     .nargs = 1,
     .metavar = "PORT[-PORT]",
     .help = "Landlock: TCP connect only to the ports given (and bind only to --allow-bind's)",
     .set = set_allow},
    {.directive = "landlock",
     .nargs = 17,
     .optional = 15,
     .metavar = "KIND PATH|PORT... (at most 16 a line)",
     .set = set_directive},
    {0},
};

/* ---- what will be applied ---------------------------------------------------------------- */
struct plan_rule {
	const char *path; /* in the config: a rule's path or a mount's destination */
	uint64_t access;  /* what the ABI can enforce */
	uint64_t dropped; /* what it cannot (profile rules only: degraded) */
	bool cli, automatic;
};

struct plan {
	int abi, forced;
	uint64_t fs, net, scoped; /* handled rights, scopes */
	uint64_t scope_dropped;	  /* default scopes the ABI cannot do */
	struct plan_rule *paths;
	size_t npaths;
	size_t nports;
};

static void plan_free(struct plan *p)
{
	free(p->paths);
	p->paths = NULL;
	p->npaths = 0;
}

static bool plan_active(const struct plan *p)
{
	return p->fs || p->net || p->scoped;
}

static const char *option_of(const struct lm_landlock_rule *r)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (kinds[i].option && kinds[i].fs == (r->path ? r->access : 0) &&
		    kinds[i].net == (r->path ? 0 : r->access))
			return kinds[i].option;
	return "a rule";
}

static void plan_add(struct plan *p, const char *path, uint64_t access, uint64_t dropped, bool cli,
		     bool automatic)
{
	for (size_t i = 0; i < p->npaths; i++)
		if (strcmp(p->paths[i].path, path) == 0) {
			struct plan_rule *r = &p->paths[i];
			r->access |= access;
			r->dropped |= dropped;
			r->cli |= cli;
			r->automatic &= automatic;
			return;
		}
	p->paths[p->npaths++] = (struct plan_rule){
	    .path = path, .access = access, .dropped = dropped, .cli = cli, .automatic = automatic};
}

/* What c asks for, against the ABI: the rights handled, the rules (merged by path, masked to
 * what the ABI knows).  An explicit rule the ABI cannot enforce is an error. */
static int plan_build(const struct lm_config *c, const struct lm_sandbox *sb, int abi,
		      struct plan *p, struct lm_err *e)
{
	memset(p, 0, sizeof *p);
	p->abi = abi;
	uint64_t known = fs_known(abi);
	bool any_path = false, cli_write = false;
	for (size_t i = 0; i < c->nlandlock_rules; i++) {
		const struct lm_landlock_rule *r = &c->landlock_rules[i];
		char buf[128];
		if (!r->path) {
			p->nports += (size_t)r->hi - r->lo + 1;
			if (abi >= 4)
				continue;
			if (r->hi != r->lo)
				snprintf(buf, sizeof buf, "%u-%u", r->lo, r->hi);
			else
				snprintf(buf, sizeof buf, "%u", r->lo);
			return lm_error(
			    e, 0, L,
			    "%s %s: TCP port rules need Landlock ABI 4, this kernel has %d",
			    r->cli ? option_of(r) : "the profile's port rule", buf, abi);
		}
		any_path = true;
		cli_write |= r->cli && (r->access & FS_WRITE_FILE);
		if (r->cli && abi_for_fs(r->access) > abi)
			return lm_error(
			    e, 0, L, "%s %s: %s needs Landlock ABI %d, this kernel has %d",
			    option_of(r), r->path, rights_str(buf, sizeof buf, r->access & ~known),
			    abi_for_fs(r->access), abi);
	}
	if (c->landlock_scope_set && (SCOPE_ALL & ~(uint64_t)c->landlock_unscoped) && abi < 6)
		return lm_error(e, 0, L,
				"landlock scope: scoping signals and abstract unix sockets needs "
				"Landlock ABI 6, this kernel has %d",
				abi);
	p->scoped = abi >= 6 ? SCOPE_ALL & ~(uint64_t)c->landlock_unscoped : 0;
	p->scope_dropped = abi >= 6 ? 0 : SCOPE_ALL & ~(uint64_t)c->landlock_unscoped;
	p->net = p->nports ? NET_BIND_TCP | NET_CONNECT_TCP : 0;
	if (!any_path)
		return 0;
	p->fs = known;
	p->paths = calloc(c->nlandlock_rules + c->nmounts + 1, sizeof *p->paths);
	if (!p->paths)
		return lm_error(e, ENOMEM, L, "rules");
	for (size_t i = 0; i < c->nlandlock_rules; i++) {
		const struct lm_landlock_rule *r = &c->landlock_rules[i];
		if (r->path)
			plan_add(p, r->path, r->access & known, r->access & ~known, r->cli, false);
	}
	/* Writes stay allowed where the config mounts something writable (and in the private
	 * HOME lamina made), unless the command line says where writes may go; a device bound
	 * with --dev-bind keeps its ioctls (other binds are nodev). */
	for (size_t i = 0; i < c->nmounts && !cli_write; i++) {
		const struct lm_mount *m = &c->mounts[i];
		uint64_t a = m->kind == LM_MOUNT_DEV_BIND ? FS_WRITE | FS_IOCTL_DEV : FS_WRITE;
		bool writable = m->kind == LM_MOUNT_BIND || m->kind == LM_MOUNT_DEV_BIND ||
				m->kind == LM_MOUNT_TMPFS || m->kind == LM_MOUNT_OVERLAY ||
				(m->kind == LM_MOUNT_FILE && !m->rdonly);
		if (writable)
			plan_add(p, m->dst, a & known, a & ~known, false, true);
	}
	static char hb[PATH_MAX]; /* the plan keeps a pointer to it */
	const char *home = sb ? lm_mount_private_home(sb, hb, sizeof hb) : NULL;
	if (home && !cli_write)
		plan_add(p, home, FS_WRITE & known, FS_WRITE & ~known, false, true);
	return 0;
}

/* The ports of c's rules with this access: "8080, 9000-9009", or "none". */
static const char *ports_str(char *buf, size_t n, const struct lm_config *c, uint64_t access)
{
	buf[0] = 0;
	for (size_t i = 0; i < c->nlandlock_rules; i++) {
		const struct lm_landlock_rule *r = &c->landlock_rules[i];
		size_t l = strlen(buf);
		if (r->path || !(r->access & access) || l + 16 > n)
			continue;
		if (r->hi != r->lo)
			snprintf(buf + l, n - l, "%s%u-%u", l ? ", " : "", r->lo, r->hi);
		else
			snprintf(buf + l, n - l, "%s%u", l ? ", " : "", r->lo);
	}
	if (!buf[0])
		snprintf(buf, n, "none");
	return buf;
}

static const char *source_of(const struct plan_rule *r)
{
	return r->cli ? "command line" : r->automatic ? "writable mount" : "profile";
}

/* ---- the stream protocols Landlock does not see ------------------------------------------------
 * Landlock's port rules mediate TCP alone: a socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP)
 * connects to any port, and so would any other stream protocol behind AF_INET or AF_INET6
 * (SCTP).  So while a port rule is in force the payload gets a filter of this layer's own,
 * whatever the profile: an internet socket is a datagram or raw one, or a stream of protocol 0
 * or TCP; any other socket() there is refused with EPROTONOSUPPORT (as on a kernel without
 * the protocol), and so is the 32-bit socketcall(SOCKET), whose protocol lies behind a pointer.
 * io_uring_setup is refused with EPERM: io_uring makes sockets without socket(2).  A filter of
 * its own rather than a check of the profile's rules: it holds under every profile, with the
 * seccomp layer removed, and it costs one small filter only where ports are restricted.  UDP is
 * not concerned (Landlock has no UDP rule; the network namespace limits it). */
#define SD_NR offsetof(struct seccomp_data, nr)
#define SD_ARCH offsetof(struct seccomp_data, arch)
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SD_ARG(i) (offsetof(struct seccomp_data, args) + 8 * (i)) /* the low 32 bits: an int */
#else
#define SD_ARG(i) (offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#endif
#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(v, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (v), (t), (f))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define X32_BIT 0x40000000u
#define I386_SOCKETCALL 102
#define I386_SOCKET 359
#define I386_IO_URING_SETUP 425

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "landlock: the stream-protocol filter needs this architecture's AUDIT_ARCH"
#endif

static const struct sock_filter stream_filter[] = {
    /* 0 */ LD(SD_ARCH),
    /* 1 */ JEQ(NATIVE_ARCH, 0, 7),
    /* 2 */ LD(SD_NR),
    /* 3 */ JEQ(__NR_socket, 15, 0),
    /* 4 */ JEQ(X32_BIT | __NR_socket, 14, 0),
    /* 5 */ JEQ(__NR_io_uring_setup, 1, 0),
    /* 6 */ JEQ(X32_BIT | __NR_io_uring_setup, 0, 1),
    /* 7 */ RET(SECCOMP_RET_ERRNO | EPERM),
    /* 8 */ RET(SECCOMP_RET_ALLOW),
    /* 9: i386 (the 32-bit entry of an x86_64 kernel); any other architecture is one this
     * filter cannot tell a socket in: the process is killed */
    /* 9 */ JEQ(AUDIT_ARCH_I386, 1, 0),
    /* 10 */ RET(SECCOMP_RET_KILL_PROCESS),
    /* 11 */ LD(SD_NR),
    /* 12 */ JEQ(I386_SOCKET, 6, 0),
    /* 13 */ JEQ(I386_IO_URING_SETUP, 0, 1),
    /* 14 */ RET(SECCOMP_RET_ERRNO | EPERM),
    /* 15 */ JEQ(I386_SOCKETCALL, 0, 2),
    /* 16 */ LD(SD_ARG(0)),
    /* 17 */ JEQ(1 /* SYS_SOCKET */, 12, 0),
    /* 18 */ RET(SECCOMP_RET_ALLOW),
    /* 19: socket(domain, type, protocol) */
    /* 19 */ LD(SD_ARG(0)),
    /* 20 */ JEQ(AF_INET, 1, 0),
    /* 21 */ JEQ(AF_INET6, 0, 9),
    /* 22 */ LD(SD_ARG(1)),
    /* 23 */ BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf), /* the type without its flags */
    /* 24 */ JEQ(SOCK_DGRAM, 6, 0),
    /* 25 */ JEQ(SOCK_RAW, 5, 0),
    /* 26 */ JEQ(SOCK_STREAM, 0, 3),
    /* 27 */ LD(SD_ARG(2)),
    /* 28 */ JEQ(0, 2, 0),
    /* 29 */ JEQ(IPPROTO_TCP, 1, 0),
    /* 30 */ RET(SECCOMP_RET_ERRNO | EPROTONOSUPPORT),
    /* 31 */ RET(SECCOMP_RET_ALLOW),
};

/* ---- the launch ------------------------------------------------------------------------------ */
/* Planned in the supervisor, inherited by init (which builds the ruleset) and the payload. */
static struct plan plan;
static int ruleset = -1;
static unsigned applied_paths;

static int landlock_prepare(struct lm_sandbox *sb, struct lm_err *e)
{
	const struct lm_config *c = sb->c;
	if (!lm_layer_on(c, LM_LAYER_LANDLOCK))
		return 0;
	int forced;
	int abi = probe_abi(&forced);
	if (forced >= 0)
		fprintf(stderr,
			"lamina: WARNING: LAMINA_LANDLOCK_ABI=%d: Landlock used as if the kernel "
			"had at most ABI %d (for tests)\n",
			forced, forced);
	if (plan_build(c, sb, abi, &plan, e) < 0) {
		plan_free(&plan);
		return -1;
	}
	char buf[256];
	for (size_t i = 0; i < plan.npaths; i++)
		if (plan.paths[i].dropped)
			lm_verbose(c, L, "not applied to %s (%s rule): %s (Landlock ABI %d)",
				   plan.paths[i].path, source_of(&plan.paths[i]),
				   rights_str(buf, sizeof buf, plan.paths[i].dropped), abi);
	if (plan.fs && plan.fs != fs_known(7))
		lm_verbose(c, L, "not restricted by this kernel (Landlock ABI %d): %s", abi,
			   rights_str(buf, sizeof buf, fs_known(7) & ~plan.fs));
	if (plan.scope_dropped)
		lm_verbose(c, L, "not scoped (Landlock ABI %d, scopes need 6): %s", abi,
			   scope_str(buf, sizeof buf, plan.scope_dropped));
	if (abi == 0 && plan.npaths)
		lm_verbose(c, L,
			   "this kernel has no Landlock: the profile's path rules are not "
			   "applied");
	if (plan.net)
		lm_verbose(c, L, "TCP ports: bind %s; connect %s; any other refused",
			   ports_str(buf, 128, c, NET_BIND_TCP),
			   ports_str(buf + 128, 128, c, NET_CONNECT_TCP));
	return 0;
}

/* Where a rule's path leads.  A symlink met on the way is followed only where the payload
 * cannot have made it: in a directory on a read-only mount of the sandbox (lamina's root,
 * whose /bin and /lib* lead into /usr on merged-usr hosts, /usr, /dev's nodes, --ro-bind).  A
 * symlink in a directory on a writable mount (a bind, a tmpfs, HOME) may have been planted by
 * this tenant in an earlier run: a narrow rule would widen to wherever it points, another
 * writable bind or the whole root, so the rule is refused instead. */
struct rule_target {
	char real[PATH_MAX]; /* the path reached, without symlinks */
	/* the symlink refused (on a writable mount), when that is why it failed */
	char link[PATH_MAX + NAME_MAX + 2];
};

/* Opens PATH (absolute) component by component, O_PATH, as above; -1 with errno (ELOOP with
 * t->link set: a symlink on a writable mount). */
static int open_rule_path(const char *path, struct rule_target *t)
{
	char todo[PATH_MAX];
	unsigned links = 0;
	if (strlen(path) >= sizeof todo)
		return errno = ENAMETOOLONG, -1;
	strcpy(todo, path);
	strcpy(t->real, "/");
	t->link[0] = 0;
	cleanup_close int dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -1;
	const char *p = todo;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			return lm_steal_fd(&dir);
		const char *q = strchrnul(p, '/');
		size_t l = (size_t)(q - p), rl = strlen(t->real);
		char comp[NAME_MAX + 1];
		if (l > NAME_MAX)
			return errno = ENAMETOOLONG, -1;
		memcpy(comp, p, l);
		comp[l] = 0;
		p = q;
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			/* only from a symlink's target: the path reached so far holds no symlink,
			 * so its parent is the lexical one */
			char *s = strrchr(t->real, '/');
			s[s == t->real] = 0;
			struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
					       .resolve = RESOLVE_NO_SYMLINKS};
			int d = (int)syscall(SYS_openat2, AT_FDCWD, t->real, &how, sizeof how);
			if (d < 0)
				return -1;
			lm_closep(&dir);
			dir = d;
			continue;
		}
		cleanup_close int fd = openat(dir, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0)
			return -1;
		if (rl + 1 + l >= sizeof t->real)
			return errno = ENAMETOOLONG, -1;
		if (!S_ISLNK(st.st_mode)) {
			snprintf(t->real + rl, sizeof t->real - rl, "%s%s", rl > 1 ? "/" : "",
				 comp);
			lm_closep(&dir);
			dir = lm_steal_fd(&fd);
			continue;
		}
		struct statvfs vfs;
		if (fstatvfs(dir, &vfs) < 0)
			return -1;
		if (!(vfs.f_flag & ST_RDONLY)) {
			snprintf(t->link, sizeof t->link, "%s%s%s", t->real, rl > 1 ? "/" : "",
				 comp);
			return errno = ELOOP, -1;
		}
		char target[PATH_MAX];
		ssize_t n = readlinkat(fd, "", target, sizeof target - 1);
		if (n < 0)
			return -1;
		target[n] = 0;
		size_t rest = strlen(p);
		if (++links > 40 || (size_t)n + 1 + rest >= sizeof todo)
			return errno = ELOOP, -1;
		/* the target, then what was left of the path (p points into todo) */
		memmove(todo + n + 1, p, rest + 1);
		memcpy(todo, target, (size_t)n);
		todo[n] = '/';
		p = todo;
		if (target[0] == '/') {
			int d = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (d < 0)
				return -1;
			lm_closep(&dir);
			dir = d;
			strcpy(t->real, "/");
		}
	}
}

static int add_path_rule(int rs, int fd, uint64_t access)
{
	struct ll_path_beneath_attr pb = {.allowed_access = access, .parent_fd = fd};
	return (int)syscall(SYS_landlock_add_rule, rs, LL_RULE_PATH_BENEATH, &pb, 0);
}

/* init, in the sandbox's root: the ruleset, with every rule added. */
static int landlock_init(struct lm_sandbox *sb, struct lm_err *e)
{
	const struct lm_config *c = sb->c;
	if (!lm_layer_on(c, LM_LAYER_LANDLOCK) || !plan_active(&plan))
		return 0;
	struct ll_ruleset_attr attr = {plan.fs, plan.net, plan.scoped};
	size_t size = plan.abi >= 6   ? sizeof attr
		      : plan.abi >= 4 ? 2 * sizeof(uint64_t)
				      : sizeof(uint64_t);
	cleanup_close int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (rs < 0)
		return lm_error(e, errno, L, "landlock_create_ruleset");
	char buf[256];
	for (size_t i = 0; i < plan.npaths; i++) {
		const struct plan_rule *r = &plan.paths[i];
		if (!r->access)
			continue;
		struct rule_target t;
		cleanup_close int fd = open_rule_path(r->path, &t);
		if (fd < 0 && t.link[0])
			return lm_error(e, 0, L,
					"%s (%s rule): %s is a symlink on a writable mount (the "
					"payload may have made it): refused; name the real path",
					r->path, source_of(r), t.link);
		if (fd < 0 && r->cli)
			return lm_error(e, errno, L, "%s: in the sandbox", r->path);
		if (fd < 0) {
			lm_verbose(c, L, "not applied: %s (%s rule): %s in this sandbox", r->path,
				   source_of(r), strerror(errno));
			continue;
		}
		struct stat st;
		if (fstat(fd, &st) < 0)
			return lm_error(e, errno, L, "%s", r->path);
		uint64_t access = S_ISDIR(st.st_mode) ? r->access : r->access & FS_FILE;
		if (!access) {
			lm_verbose(c, L,
				   "not applied: %s (%s rule): %s applies to directories only",
				   r->path, source_of(r), rights_str(buf, sizeof buf, r->access));
			continue;
		}
		if (add_path_rule(rs, fd, access) < 0)
			return lm_error(e, errno, L, "adding the rule for %s", r->path);
		applied_paths++;
		bool moved = strcmp(t.real, r->path) != 0;
		lm_verbose(c, L, "%s%s%s: %s (%s)", r->path, moved ? " -> " : "",
			   moved ? t.real : "", rights_str(buf, sizeof buf, access), source_of(r));
	}
	/* The files the caller gave as stdin, stdout and stderr stay reopenable
	 * (/dev/stdout, /proc/self/fd/1) with the modes they were given: the payload holds
	 * them already, and scripts write to /dev/stderr. */
	for (int fd = 0; fd < 3 && plan.fs; fd++) {
		struct stat st;
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode)))
			continue;
		uint64_t access = (fl & O_ACCMODE) != O_WRONLY ? FS_READ_FILE : 0;
		if ((fl & O_ACCMODE) != O_RDONLY)
			access |= FS_WRITE_FILE | FS_TRUNCATE;
		if (S_ISCHR(st.st_mode))
			access |= FS_IOCTL_DEV;
		access &= plan.fs;
		if (access && add_path_rule(rs, fd, access) < 0 && errno != EBADFD)
			return lm_error(e, errno, L, "adding the rule for fd %d", fd);
	}
	for (size_t i = 0; i < c->nlandlock_rules && plan.net; i++) {
		const struct lm_landlock_rule *r = &c->landlock_rules[i];
		if (r->path)
			continue;
		for (unsigned port = r->lo; port <= r->hi; port++) {
			struct ll_net_port_attr np = {.allowed_access = r->access, .port = port};
			if (syscall(SYS_landlock_add_rule, rs, LL_RULE_NET_PORT, &np, 0) < 0)
				return lm_error(e, errno, L, "adding the rule for port %u", port);
		}
	}
	ruleset = lm_steal_fd(&rs);
	return 0;
}

/* The payload, after no_new_privs: one call. */
static int landlock_payload(struct lm_sandbox *sb, struct lm_err *e)
{
	const struct lm_config *c = sb->c;
	if (!lm_layer_on(c, LM_LAYER_LANDLOCK)) {
		lm_verbose(c, L,
			   "LAYER DISABLED: no rules by path or port, signals and abstract "
			   "unix sockets not scoped");
		return 0;
	}
	if (ruleset < 0) {
		lm_verbose(c, L, "nothing to restrict (no rules, scopes lifted or not supported)");
		return 0;
	}
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
		return lm_error(e, errno, L, "landlock_restrict_self%s",
				errno == EPERM ? " (it needs no_new_privs or CAP_SYS_ADMIN)" : "");
	if (plan.net) {
		struct sock_fprog prog = {.len = sizeof stream_filter / sizeof stream_filter[0],
					  .filter = (struct sock_filter *)stream_filter};
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
			return lm_error(
			    e, errno, L,
			    "loading the filter that refuses stream protocols other than "
			    "TCP (port rules cover TCP only)");
		lm_verbose(c, L,
			   "TCP port rules in force: other internet stream protocols (MPTCP, "
			   "SCTP) and io_uring refused");
	}
	char s[64];
	lm_verbose(c, L, "restricted (ABI %d): %u path rule%s%s, %zu TCP port%s%s, scoped: %s",
		   plan.abi, applied_paths, applied_paths == 1 ? "" : "s",
		   plan.fs ? "" : " (files not restricted)", plan.nports,
		   plan.nports == 1 ? "" : "s", plan.net ? "" : " (TCP not restricted)",
		   scope_str(s, sizeof s, plan.scoped));
	return 0;
}

static void landlock_end(struct lm_sandbox *sb)
{
	(void)sb;
	plan_free(&plan);
	lm_closep(&ruleset);
}

/* ---- explain and check ------------------------------------------------------------------- */
static void landlock_explain(FILE *out, const struct lm_config *c, const struct lm_explain *x)
{
	(void)x;
	fprintf(out, "\nFile paths, TCP ports, signals and abstract sockets (landlock)\n");
	if (!lm_layer_on(c, LM_LAYER_LANDLOCK)) {
		fprintf(out, "  LAYER DISABLED: no rules by path or port, nothing scoped\n");
		return;
	}
	int forced;
	struct plan p;
	struct lm_err e = {0};
	int abi = probe_abi(&forced);
	if (plan_build(c, NULL, abi, &p, &e) < 0) {
		fprintf(out, "  cannot be applied on this kernel (Landlock ABI %d): %s\n", abi,
			e.msg);
		return;
	}
	if (abi == 0)
		fprintf(out, "  this kernel has no Landlock: nothing below is applied\n");
	else
		fprintf(out,
			"  Landlock ABI %d on this kernel%s; the payload restricts itself "
			"after no_new_privs, before seccomp\n",
			abi, forced >= 0 ? " (LAMINA_LANDLOCK_ABI)" : "");
	char buf[256];
	if (p.npaths) {
		fprintf(out,
			"  files: %s unless a rule allows it beneath a path (device nodes are "
			"never made):\n",
			p.fs ? "every access is denied"
			     : "NOT APPLIED on this kernel: every access "
			       "would be denied");
		for (size_t i = 0; i < p.npaths; i++) {
			const struct plan_rule *r = &p.paths[i];
			fprintf(out, "    %-19s %s (%s)", r->path,
				rights_str(buf, sizeof buf, r->access), source_of(r));
			if (r->dropped)
				fprintf(out, "; not applied: %s",
					rights_str(buf, sizeof buf, r->dropped));
			fprintf(out, "\n");
		}
		if (p.fs && fs_known(7) & ~p.fs)
			fprintf(out, "    not restricted by this kernel: %s\n",
				rights_str(buf, sizeof buf, fs_known(7) & ~p.fs));
		fprintf(
		    out,
		    "    (command-line --bind and --tmpfs get write rules too, --bind ioctl, "
		    "unless --allow-write says where writes go;\n     the caller's stdin, stdout "
		    "and stderr files stay reopenable with their modes;\n     a profile rule "
		    "on a path the sandbox lacks is left out, a command-line rule is an "
		    "error)\n");
	} else {
		fprintf(out, "  files: no path rules: not restricted by this layer (--allow-read, "
			     "--allow-write, --allow-exec add rules)\n");
	}
	if (p.net) {
		fprintf(out, "  TCP: bind only to %s; ",
			ports_str(buf, sizeof buf, c, NET_BIND_TCP));
		fprintf(out, "connect only to %s\n",
			ports_str(buf, sizeof buf, c, NET_CONNECT_TCP));
		fprintf(out,
			"    the rules see TCP only: other internet stream protocols (MPTCP, "
			"SCTP) and io_uring are refused\n    by a filter of this layer's own, "
			"whatever the profile; UDP is not limited (the default\n    --net none "
			"gives only lo)\n");
	} else {
		fprintf(out, "  TCP: no port rules: bind and connect not restricted by this layer "
			     "(--allow-bind, --allow-connect)\n");
	}
	fprintf(out, "  scoped to the sandbox: %s", scope_str(buf, sizeof buf, p.scoped));
	if (p.scoped)
		fprintf(out, " (the payload cannot signal or reach an abstract socket of a "
			     "process outside its domain: init, the host)");
	if (p.scope_dropped)
		fprintf(out, "; not scoped on this kernel: %s",
			scope_str(buf, sizeof buf, p.scope_dropped));
	else if (c->landlock_unscoped)
		fprintf(out, "; lifted by the profile: %s",
			scope_str(buf, sizeof buf, c->landlock_unscoped));
	fprintf(out, "\n");
	plan_free(&p);
}

static void landlock_summary(FILE *out, const struct lm_config *c)
{
	size_t paths = 0, ports = 0;
	for (size_t i = 0; i < c->nlandlock_rules; i++) {
		paths += c->landlock_rules[i].path != NULL;
		ports += c->landlock_rules[i].path == NULL;
	}
	uint64_t scoped = SCOPE_ALL & ~(uint64_t)c->landlock_unscoped;
	fprintf(out, " landlock %zu path rule%s, %zu port rule%s, scope%s%s%s;", paths,
		paths == 1 ? "" : "s", ports, ports == 1 ? "" : "s",
		scoped & SCOPE_ABSTRACT_UNIX_SOCKET ? " abstract-unix-socket" : "",
		scoped & SCOPE_SIGNAL ? " signal" : "", scoped ? "" : " none");
}

const struct lm_layer lm_layer_landlock = {
    .name = "landlock",
    .bit = LM_LAYER_LANDLOCK,
    .removable = true,
    .settings = landlock_settings,
    .step = {[LM_STAGE_PREPARE] = landlock_prepare,
	     [LM_STAGE_INIT] = landlock_init,
	     [LM_STAGE_PAYLOAD] = landlock_payload},
    .end = landlock_end,
    .explain = landlock_explain,
    .summary = landlock_summary,
};
