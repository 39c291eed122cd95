/* profile.c: the profile parser.
 *
 * A profile is a text file, one directive a line (profiles/README.md is the reference).  This
 * file turns it into settings of struct lm_config and into c->seccomp, a plain description of
 * the rules; it never talks to libseccomp except to resolve syscall names, so it can be fuzzed
 * and unit-tested without loading a filter (seccomp.c feeds the policy to libseccomp).
 *
 * Errors are "FILE:LINE:COL: message" with exit status 125.  Nothing here truncates a line or
 * a token: the text is walked in place and copied with its exact length where kept.  */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "libc-compat.h"

#include <seccomp.h>

#include "lamina.h"
#include "lm_paths.h"
#include "path.h"
#include "profile.h"
#include "seccomp_internal.h"

/* ---- named constants ------------------------------------------------------------------------
 * Values come from the system headers, so a name always means what the kernel means. */
struct lm_const {
	const char *name;
	uint64_t value;
};
#define K(x)                                                                                       \
	{                                                                                          \
#x, (uint64_t)(int64_t)(x)                                                         \
	}
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
static const struct lm_const lm_consts[] = {
    /* clone(2) / unshare(2) flags */
    K(CLONE_VM),
    K(CLONE_FS),
    K(CLONE_FILES),
    K(CLONE_SIGHAND),
    K(CLONE_PIDFD),
    K(CLONE_PTRACE),
    K(CLONE_VFORK),
    K(CLONE_PARENT),
    K(CLONE_THREAD),
    K(CLONE_NEWNS),
    K(CLONE_SYSVSEM),
    K(CLONE_SETTLS),
    K(CLONE_PARENT_SETTID),
    K(CLONE_CHILD_CLEARTID),
    K(CLONE_DETACHED),
    K(CLONE_UNTRACED),
    K(CLONE_CHILD_SETTID),
    K(CLONE_NEWCGROUP),
    K(CLONE_NEWUTS),
    K(CLONE_NEWIPC),
    K(CLONE_NEWUSER),
    K(CLONE_NEWPID),
    K(CLONE_NEWNET),
    K(CLONE_IO),
    K(CLONE_NEWTIME),
    /* ioctl(2) requests */
    K(TIOCSTI),
    K(TIOCLINUX),
    K(TCGETS),
    K(TCSETS),
    K(TCSETSW),
    K(TCSETSF),
    K(TIOCGWINSZ),
    K(TIOCSWINSZ),
    K(TIOCGPGRP),
    K(TIOCSPGRP),
    K(TIOCSCTTY),
    K(TIOCNOTTY),
    K(TIOCGSID),
    K(TIOCCONS),
    K(TIOCSETD),
    K(TIOCGPTN),
    K(TIOCSPTLCK),
    K(FIONREAD),
    K(FIONBIO),
    K(FIOCLEX),
    K(FIONCLEX),
    K(FIOASYNC),
    /* socket(2) families and types */
    K(AF_UNSPEC),
    K(AF_UNIX),
    K(AF_LOCAL),
    K(AF_INET),
    K(AF_INET6),
    K(AF_NETLINK),
    K(AF_PACKET),
    K(AF_KEY),
    K(AF_BLUETOOTH),
    K(AF_ALG),
    K(AF_VSOCK),
    K(AF_CAN),
    K(AF_TIPC),
    K(AF_RDS),
    K(AF_LLC),
    K(AF_APPLETALK),
    K(AF_AX25),
    K(AF_IPX),
    K(AF_X25),
    K(AF_DECnet),
    K(AF_XDP),
    K(AF_NFC),
    K(AF_IEEE802154),
    K(AF_PPPOX),
    K(AF_ATMPVC),
    K(AF_ATMSVC),
    K(AF_ROSE),
    K(AF_NETROM),
    K(AF_SMC),
    K(AF_QIPCRTR),
    K(AF_MCTP),
    K(SOCK_STREAM),
    K(SOCK_DGRAM),
    K(SOCK_RAW),
    K(SOCK_RDM),
    K(SOCK_SEQPACKET),
    K(SOCK_PACKET),
    K(SOCK_NONBLOCK),
    K(SOCK_CLOEXEC),
    /* socket(2) protocols */
    K(IPPROTO_IP),
    K(IPPROTO_ICMP),
    K(IPPROTO_TCP),
    K(IPPROTO_UDP),
    K(IPPROTO_IPV6),
    K(IPPROTO_ICMPV6),
    K(IPPROTO_SCTP),
    K(IPPROTO_UDPLITE),
    K(IPPROTO_RAW),
    K(IPPROTO_MPTCP),
    /* open(2) flags */
    K(O_RDONLY),
    K(O_WRONLY),
    K(O_RDWR),
    K(O_ACCMODE),
    K(O_CREAT),
    K(O_EXCL),
    K(O_NOCTTY),
    K(O_TRUNC),
    K(O_APPEND),
    K(O_NONBLOCK),
    K(O_DSYNC),
    K(O_SYNC),
    K(O_DIRECTORY),
    K(O_NOFOLLOW),
    K(O_CLOEXEC),
    K(O_PATH),
    K(O_TMPFILE),
    K(O_DIRECT),
    K(O_NOATIME),
    K(O_LARGEFILE),
    K(AT_FDCWD),
    K(AT_EMPTY_PATH),
    K(AT_SYMLINK_NOFOLLOW),
    K(AT_SYMLINK_FOLLOW),
    K(AT_REMOVEDIR),
    K(AT_EACCESS),
    K(AT_NO_AUTOMOUNT),
    /* prctl(2) options */
    K(PR_SET_PDEATHSIG),
    K(PR_GET_PDEATHSIG),
    K(PR_GET_DUMPABLE),
    K(PR_SET_DUMPABLE),
    K(PR_GET_KEEPCAPS),
    K(PR_SET_KEEPCAPS),
    K(PR_SET_NAME),
    K(PR_GET_NAME),
    K(PR_GET_SECCOMP),
    K(PR_SET_SECCOMP),
    K(PR_CAPBSET_READ),
    K(PR_CAPBSET_DROP),
    K(PR_GET_SECUREBITS),
    K(PR_SET_SECUREBITS),
    K(PR_GET_TIMERSLACK),
    K(PR_SET_TIMERSLACK),
    K(PR_SET_TSC),
    K(PR_GET_TSC),
    K(PR_MCE_KILL),
    K(PR_MCE_KILL_GET),
    K(PR_SET_MM),
    K(PR_SET_PTRACER),
    K(PR_SET_CHILD_SUBREAPER),
    K(PR_GET_CHILD_SUBREAPER),
    K(PR_SET_NO_NEW_PRIVS),
    K(PR_GET_NO_NEW_PRIVS),
    K(PR_GET_TID_ADDRESS),
    K(PR_SET_THP_DISABLE),
    K(PR_GET_THP_DISABLE),
    K(PR_CAP_AMBIENT),
    K(PR_SET_FP_MODE),
    K(PR_GET_FP_MODE),
    K(PR_SET_SPECULATION_CTRL),
    K(PR_GET_SPECULATION_CTRL),
    K(PR_SET_VMA),
    K(PR_SET_IO_FLUSHER),
    K(PR_GET_IO_FLUSHER),
    K(PR_SET_SYSCALL_USER_DISPATCH),
    K(PR_SET_TAGGED_ADDR_CTRL),
    K(PR_GET_TAGGED_ADDR_CTRL),
    /* personality(2) */
    K(PER_LINUX),
    K(PER_LINUX_32BIT),
    K(PER_LINUX32),
    K(PER_LINUX32_3GB),
    K(PER_BSD),
    K(UNAME26),
    K(ADDR_NO_RANDOMIZE),
    K(FDPIC_FUNCPTRS),
    K(MMAP_PAGE_ZERO),
    K(ADDR_COMPAT_LAYOUT),
    K(READ_IMPLIES_EXEC),
    K(ADDR_LIMIT_32BIT),
    K(SHORT_INODE),
    K(WHOLE_SECONDS),
    K(STICKY_TIMEOUTS),
    K(ADDR_LIMIT_3GB),
    /* mmap(2) / mprotect(2) */
    K(PROT_NONE),
    K(PROT_READ),
    K(PROT_WRITE),
    K(PROT_EXEC),
    K(PROT_GROWSDOWN),
    K(PROT_GROWSUP),
    K(MAP_SHARED),
    K(MAP_PRIVATE),
    K(MAP_FIXED),
    K(MAP_ANONYMOUS),
    K(MAP_GROWSDOWN),
    K(MAP_NORESERVE),
    K(MAP_POPULATE),
    K(MAP_STACK),
    K(MAP_HUGETLB),
    K(MAP_FIXED_NOREPLACE),
    /* getrandom(2) */
    K(GRND_NONBLOCK),
    K(GRND_RANDOM),
    K(GRND_INSECURE),
    /* fcntl(2) */
    K(F_DUPFD),
    K(F_DUPFD_CLOEXEC),
    K(F_GETFD),
    K(F_SETFD),
    K(F_GETFL),
    K(F_SETFL),
    K(F_GETLK),
    K(F_SETLK),
    K(F_SETLKW),
    K(F_SETOWN),
    K(F_GETOWN),
    K(F_SETSIG),
    K(F_GETSIG),
    K(F_SETPIPE_SZ),
    K(F_GETPIPE_SZ),
    K(F_ADD_SEALS),
    K(F_GET_SEALS),
    K(FD_CLOEXEC),
    /* signals, for kill(2)/tgkill(2) rules */
    K(SIGHUP),
    K(SIGINT),
    K(SIGQUIT),
    K(SIGILL),
    K(SIGTRAP),
    K(SIGABRT),
    K(SIGBUS),
    K(SIGFPE),
    K(SIGKILL),
    K(SIGUSR1),
    K(SIGSEGV),
    K(SIGUSR2),
    K(SIGPIPE),
    K(SIGALRM),
    K(SIGTERM),
    K(SIGCHLD),
    K(SIGCONT),
    K(SIGSTOP),
    K(SIGTSTP),
    K(SIGTTIN),
    K(SIGTTOU),
    K(SIGSYS),
    /* resources, for prlimit64(2) rules */
    K(RLIMIT_CPU),
    K(RLIMIT_FSIZE),
    K(RLIMIT_DATA),
    K(RLIMIT_STACK),
    K(RLIMIT_CORE),
    K(RLIMIT_RSS),
    K(RLIMIT_NPROC),
    K(RLIMIT_NOFILE),
    K(RLIMIT_MEMLOCK),
    K(RLIMIT_AS),
    K(RLIMIT_LOCKS),
    K(RLIMIT_SIGPENDING),
    K(RLIMIT_MSGQUEUE),
    K(RLIMIT_NICE),
    K(RLIMIT_RTPRIO),
    K(RLIMIT_RTTIME),
    /* wait4(2)/waitid(2) */
    K(WNOHANG),
    K(WUNTRACED),
    K(WCONTINUED),
    K(WEXITED),
    K(WSTOPPED),
    K(WNOWAIT),
    K(P_ALL),
    K(P_PID),
    K(P_PGID),
    K(P_PIDFD),
    /* seccomp(2) operations */
    K(SECCOMP_SET_MODE_STRICT),
    K(SECCOMP_SET_MODE_FILTER),
    K(SECCOMP_GET_ACTION_AVAIL),
    K(SECCOMP_GET_NOTIF_SIZES),
    K(SECCOMP_FILTER_FLAG_TSYNC),
    K(SECCOMP_FILTER_FLAG_LOG),
    K(SECCOMP_FILTER_FLAG_SPEC_ALLOW),
    K(SECCOMP_FILTER_FLAG_NEW_LISTENER),
    /* the standard fds */
    K(STDIN_FILENO),
    K(STDOUT_FILENO),
    K(STDERR_FILENO),
};
#undef K

static const struct lm_const *const_lookup(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof lm_consts / sizeof lm_consts[0]; i++)
		if (strlen(lm_consts[i].name) == len && memcmp(lm_consts[i].name, name, len) == 0)
			return &lm_consts[i];
	return NULL;
}

static int errno_lookup(const char *name, size_t len)
{
	for (int i = 1; i < 256; i++) {
		const char *n = strerrorname_np(i);
		if (n && strlen(n) == len && memcmp(n, name, len) == 0)
			return i;
	}
	return -1;
}

/* ---- suggestions ------------------------------------------------------------------------- */
/* Levenshtein distance, bounded: names longer than 64 bytes get no suggestion (a huge token
 * must not cost quadratic time). */
static unsigned edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
	unsigned row[66];
	if (la > 64 || lb > 64)
		return UINT_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (tolower((unsigned char)a[i - 1]) !=
						tolower((unsigned char)b[j - 1]));
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

struct suggest {
	const char *word;
	size_t len;
	unsigned best;
	char name[64];
};

static void suggest_init(struct suggest *s, const char *word, size_t len)
{
	s->word = word;
	s->len = len;
	s->best = UINT_MAX;
	s->name[0] = '\0';
}

static void suggest_try(struct suggest *s, const char *cand)
{
	size_t lc = strlen(cand);
	unsigned d = edit_distance(s->word, s->len, cand, lc);
	/* Close enough to be a typo: at most a third of the word (and at least 2) edits. */
	unsigned limit = s->len / 3 > 2 ? (unsigned)(s->len / 3) : 2;
	if (d <= limit && d < s->best && lc < sizeof s->name) {
		s->best = d;
		memcpy(s->name, cand, lc + 1);
	}
}

/* ---- parser state -------------------------------------------------------------------------- */
#define MAX_INCLUDE_DEPTH 16
#define MAX_FILES 64

struct file_id {
	dev_t dev;
	ino_t ino;
};

struct pstate {
	struct lm_config *c;
	struct lm_err *e;
	struct lm_profile_info *info;
	struct file_id stack[MAX_INCLUDE_DEPTH + 1];
	unsigned depth;
	unsigned nfiles;
	char *file_copy; /* the last rule's file name, in the policy's arena */
	size_t *rgroup;	 /* parallel to c->seccomp.rules */
	char **rconds;	 /* parallel too: conditions as written */
	size_t rgroup_cap;
	size_t rules_cap;
	size_t cur_group;
	bool default_seen;
	/* lm_profile_load_settings: rule lines are counted (and a notify action noted), not
	 * parsed; reset lines (they only concern rules) are skipped. */
	bool skim;
	bool skim_notify;
	size_t skimmed_rules;
	/* How many rules each native syscall number has: a rule for a call with none skips the
	 * conflict scan (which would make loading a 350-rule profile quadratic). */
	uint32_t nr_rules[1024];
	size_t ncond_rules;		 /* rules with conditions so far */
	unsigned ndirectives;		 /* in the file being parsed */
	struct lm_profile_info own_info; /* used when the caller passes no info */
	/* The files read from the disk, in order; a settings load that leaves rules pending
	 * hands them to the policy (keep), the others free them at the end. */
	struct lm_profile_text *files;
	size_t nread, read_cap;
	bool keep;
	/* lm_profile_load_rules: the files come from here, in the order the settings load read
	 * them, instead of from the disk. */
	const struct lm_profile_text *replay;
	size_t nreplay, next_replay;
	/* The seccomp lines (see "the seccomp lines" below). */
	char *text;
	size_t text_len, text_cap;
	char *text_names[MAX_FILES + 1]; /* the files' names, numbered for the "@N" lines */
	unsigned ntext_names;
	unsigned text_file; /* the number of the file the last line came from */
	/* What messages quote: as root, the owner of the top file is the profile's author. */
	bool as_root;
	uid_t author;
	char *quiet_files[MAX_FILES + 1]; /* the names of the files messages do not quote */
	unsigned nquiet;
	/* --untrusted-profile (see "untrusted profiles"): the rules of the shipped profiles it
	 * includes, which its own allow rules must stay within */
	bool untrusted;
	bool base_included;
	struct lm_rule *base;
	size_t nbase, base_cap;
};

/* One file being parsed and the cursor within its current line. */
struct src {
	const char *name; /* as shown in messages */
	char *dir;	  /* for relative includes */
	const char *text;
	size_t len;
	bool top;
	int text_id; /* its number in the seccomp lines, -1 until it has one */
	/* Not the profile's author's (see "what messages quote"): no byte of it is quoted. */
	bool quiet;
	bool shipped; /* a shipped profile, named by name: trusted under --untrusted-profile */
	uid_t owner;
	unsigned line;
	const char *ls, *le; /* current line [ls, le) */
	const char *p;	     /* cursor */
};

static unsigned col_of(const struct src *s, const char *p)
{
	return (unsigned)(p - s->ls) + 1;
}

/* ---- what messages quote ----------------------------------------------------------------
 * An error names FILE:LINE:COL and usually quotes the text it is about.  A profile can include
 * any file lamina can open, and as root that is every file: a tenant's `include /root/token`
 * would have root's secret quoted back at the tenant.  The rule: a message quotes the bytes of a
 * file only when the profile's author could read them anyway.  Unprivileged, lamina opens files
 * with the caller's own rights, so every file qualifies.  As root, the author is the owner of
 * the top profile file (root's own profile: root, who may read everything), and a file
 * qualifies when that owner owns it too, or when it is a shipped profile (public).  An error in
 * any other file names FILE:LINE:COL and the problem, with every piece of its text replaced by
 * "<...>"; and a message about a rule elsewhere does not quote that rule when its file does not
 * qualify.  */
static bool quiet_file(const struct pstate *st, const char *name)
{
	for (unsigned i = 0; i < st->nquiet; i++)
		if (strcmp(st->quiet_files[i], name) == 0)
			return true;
	return false;
}

/* The message fmt says with no argument: the literal words kept, every conversion ("%s",
 * "%.*s", "%c", "%u" ...) written as "<...>", so nothing read from the file is shown. */
static void redact_fmt(const char *fmt, char *out, size_t n)
{
	size_t o = 0;
	for (const char *f = fmt; *f && o + 6 < n; f++) {
		if (*f != '%') {
			out[o++] = *f;
			continue;
		}
		if (f[1] == '%') {
			out[o++] = '%';
			f++;
			continue;
		}
		while (f[1] && !strchr("diouxXcspeEfgG", f[1]))
			f++;
		if (f[1])
			f++;
		if (o < 5 || memcmp(out + o - 5, "<...>", 5) != 0) {
			memcpy(out + o, "<...>", 5);
			o += 5;
		}
	}
	out[o] = 0;
}

/* "FILE:LINE:COL: message"; exit status 125.  The message is built in a heap buffer so that a
 * long token never overflows; only the final copy into lm_err is bounded. */
__attribute__((format(printf, 4, 0))) static int vperr(struct pstate *st, const struct src *s,
						       const char *at, const char *fmt, va_list ap)
{
	char *m = NULL;
	st->e->errnum = 0;
	st->e->exit_code = LM_EXIT_FAILURE;
	if (s->quiet) {
		char said[256];
		redact_fmt(fmt, said, sizeof said);
		snprintf(st->e->msg, sizeof st->e->msg,
			 "%s:%u:%u: %s (the file's text is not shown: it belongs to uid %u, not to "
			 "the profile's owner, uid %u)",
			 s->name, s->line, col_of(s, at), said, (unsigned)s->owner,
			 (unsigned)st->author);
		lm_msg_clean(st->e->msg, sizeof st->e->msg);
		return -1;
	}
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	snprintf(st->e->msg, sizeof st->e->msg, "%s:%u:%u: %s", s->name, s->line, col_of(s, at),
		 m ? m : "out of memory");
	free(m);
	lm_msg_clean(st->e->msg, sizeof st->e->msg);
	return -1;
}

__attribute__((format(printf, 4, 5))) static int perr(struct pstate *st, const struct src *s,
						      const char *at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vperr(st, s, at, fmt, ap);
	va_end(ap);
	return r;
}

/* An error about a whole file: "FILE:1:1: message" keeps the format tools parse. */
__attribute__((format(printf, 3, 4))) static int ferr(struct pstate *st, const char *name,
						      const char *fmt, ...)
{
	struct src s = {.name = name, .line = 1, .ls = ""};
	va_list ap;
	va_start(ap, fmt);
	int r = vperr(st, &s, s.ls, fmt, ap);
	va_end(ap);
	return r;
}

/* A token quoted in a message: at most 60 bytes of it, so a 1 MiB token stays readable. */
#define TOK_FMT "'%.*s%s'"
#define TOK_ARG(p, n) (int)((n) > 60 ? 60 : (n)), (p), ((n) > 60 ? "..." : "")

static void skip_ws(struct src *s)
{
	while (s->p < s->le && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r'))
		s->p++;
}

static bool at_eol(struct src *s)
{
	skip_ws(s);
	return s->p >= s->le || *s->p == '#';
}

static bool is_ident_start(char ch)
{
	return isalpha((unsigned char)ch) || ch == '_';
}

static bool is_ident(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_';
}

/* An identifier at the cursor ([A-Za-z_][A-Za-z0-9_]*, with '-' too when hyphen). */
static size_t ident_len(const struct src *s, const char *p, bool hyphen)
{
	const char *q = p;
	if (q >= s->le || !is_ident_start(*q))
		return 0;
	while (q < s->le && (is_ident(*q) || (hyphen && *q == '-')))
		q++;
	return (size_t)(q - p);
}

static int expect_eol(struct pstate *st, struct src *s, const char *what)
{
	if (at_eol(s))
		return 0;
	return perr(st, s, s->p, "unexpected %s after %s (a directive takes one line)",
		    *s->p == '"' ? "quoted text" : "text", what);
}

/* A word: a "quoted string" (with \" and \\) or a run of non-blank bytes.  *out is malloc'd. */
static int read_word(struct pstate *st, struct src *s, const char *what, char **out,
		     const char **at)
{
	skip_ws(s);
	*at = s->p;
	if (s->p >= s->le || *s->p == '#')
		return perr(st, s, s->p, "expected %s", what);
	if (*s->p == '"') {
		const char *q = s->p + 1;
		char *buf = malloc((size_t)(s->le - q) + 1), *w = buf;
		if (!buf)
			return perr(st, s, s->p, "out of memory");
		for (;;) {
			if (q >= s->le) {
				free(buf);
				return perr(st, s, s->p,
					    "unterminated quoted string (expected '\"')");
			}
			if (*q == '"')
				break;
			if (*q == '\\') {
				if (q + 1 < s->le && (q[1] == '"' || q[1] == '\\')) {
					*w++ = q[1];
					q += 2;
					continue;
				}
				free(buf);
				return perr(st, s, q,
					    "unknown escape in quoted string (only \\\" and \\\\)");
			}
			*w++ = *q++;
		}
		*w = '\0';
		s->p = q + 1;
		if (s->p < s->le && *s->p != ' ' && *s->p != '\t' && *s->p != '\r' &&
		    *s->p != '#') {
			free(buf);
			return perr(st, s, s->p, "expected a blank after the closing quote");
		}
		*out = buf;
		return 0;
	}
	const char *b = s->p;
	while (s->p < s->le && *s->p != ' ' && *s->p != '\t' && *s->p != '\r')
		s->p++;
	*out = strndup(b, (size_t)(s->p - b));
	if (!*out)
		return perr(st, s, b, "out of memory");
	return 0;
}

/* ---- numbers and constants ----------------------------------------------------------------- */
/* NUMBER (decimal, 0x hex, 0 octal, optionally negative: two's complement) or CONSTANT. */
static int parse_term(struct pstate *st, struct src *s, uint64_t *out)
{
	skip_ws(s);
	const char *b = s->p;
	bool neg = false;
	if (s->p < s->le && *s->p == '-') {
		neg = true;
		s->p++;
	}
	if (s->p < s->le && isdigit((unsigned char)*s->p)) {
		int base = 10;
		const char *d = s->p;
		if (*d == '0' && d + 1 < s->le && (d[1] == 'x' || d[1] == 'X')) {
			base = 16;
			d += 2;
		} else if (*d == '0') {
			base = 8;
		}
		const char *q = d;
		uint64_t v = 0;
		bool overflow = false;
		while (q < s->le && isxdigit((unsigned char)*q)) {
			int dv = isdigit((unsigned char)*q) ? *q - '0'
							    : tolower((unsigned char)*q) - 'a' + 10;
			if (dv >= base)
				return perr(st, s, q, "invalid digit '%c' in a base-%d number", *q,
					    base);
			if (v > (UINT64_MAX - (uint64_t)dv) / (uint64_t)base)
				overflow = true;
			v = v * (uint64_t)base + (uint64_t)dv;
			q++;
		}
		if (base == 16 && q == d)
			return perr(st, s, b, "expected hex digits after '0x'");
		if (q < s->le && is_ident(*q))
			return perr(st, s, q, "invalid character '%c' in a number", *q);
		if (overflow)
			return perr(st, s, b, "number %.*s does not fit in 64 bits",
				    (int)(q - b > 60 ? 60 : q - b), b);
		s->p = q;
		*out = neg ? (uint64_t)0 - v : v;
		return 0;
	}
	if (neg)
		return perr(st, s, s->p, "expected a number after '-'");
	size_t n = ident_len(s, s->p, false);
	if (n == 0)
		return perr(st, s, s->p, "expected a number or a constant name");
	const struct lm_const *k = const_lookup(s->p, n);
	if (!k) {
		struct suggest sg;
		suggest_init(&sg, s->p, n);
		for (size_t i = 0; i < sizeof lm_consts / sizeof lm_consts[0]; i++)
			suggest_try(&sg, lm_consts[i].name);
		if (sg.name[0])
			return perr(st, s, s->p, "unknown constant " TOK_FMT " (did you mean %s?)",
				    TOK_ARG(s->p, n), sg.name);
		return perr(st, s, s->p,
			    "unknown constant " TOK_FMT " (expected a number or a name such as "
			    "CLONE_NEWUSER, TIOCSTI, AF_PACKET, O_WRONLY)",
			    TOK_ARG(s->p, n));
	}
	s->p += n;
	*out = k->value;
	return 0;
}

/* TERM ('|' TERM)*: constants OR'ed together. */
static int parse_value(struct pstate *st, struct src *s, uint64_t *out)
{
	uint64_t v;
	if (parse_term(st, s, &v) < 0)
		return -1;
	for (;;) {
		skip_ws(s);
		if (s->p < s->le && *s->p == '|' && !(s->p + 1 < s->le && s->p[1] == '|')) {
			uint64_t w;
			s->p++;
			if (parse_term(st, s, &w) < 0)
				return -1;
			v |= w;
			continue;
		}
		break;
	}
	*out = v;
	return 0;
}

/* ---- actions --------------------------------------------------------------------------------- */
static const struct {
	const char *name;
	enum lm_action_kind kind;
} action_words[] = {
    {"allow", LM_ACT_ALLOW},
    {"errno", LM_ACT_ERRNO},
    {"kill-process", LM_ACT_KILL_PROCESS},
    {"kill-thread", LM_ACT_KILL_THREAD},
    {"trap", LM_ACT_TRAP},
    {"log", LM_ACT_LOG},
    {"notify", LM_ACT_NOTIFY},
};

static bool is_action_word(const char *w, size_t n)
{
	/* asked for every line of a profile: the first byte rules most words out */
	for (size_t i = 0; i < sizeof action_words / sizeof action_words[0]; i++)
		if (action_words[i].name[0] == w[0] && strlen(action_words[i].name) == n &&
		    memcmp(action_words[i].name, w, n) == 0)
			return true;
	return false;
}

/* ACTION at the cursor: allow | errno(NAME|N) | kill-process | kill-thread | trap | log | notify */
static int parse_action(struct pstate *st, struct src *s, struct lm_action *a)
{
	skip_ws(s);
	const char *b = s->p;
	size_t n = ident_len(s, b, true);
	if (n == 0)
		return perr(
		    st, s, b,
		    "expected an action (allow, errno(NAME), kill-process, kill-thread, trap, "
		    "log, notify)");
	for (size_t i = 0; i < sizeof action_words / sizeof action_words[0]; i++) {
		if (strlen(action_words[i].name) != n || memcmp(action_words[i].name, b, n) != 0)
			continue;
		a->kind = action_words[i].kind;
		a->errnum = 0;
		s->p = b + n;
		if (a->kind != LM_ACT_ERRNO)
			return 0;
		if (s->p >= s->le || *s->p != '(')
			return perr(st, s, s->p, "expected '(' after errno, as in errno(EPERM)");
		s->p++;
		skip_ws(s);
		const char *v = s->p;
		size_t vn = ident_len(s, v, false);
		if (vn > 0) {
			int en = errno_lookup(v, vn);
			if (en < 0) {
				struct suggest sg;
				suggest_init(&sg, v, vn);
				for (int k = 1; k < 256; k++)
					if (strerrorname_np(k))
						suggest_try(&sg, strerrorname_np(k));
				return perr(st, s, v, "unknown errno name " TOK_FMT "%s%s%s",
					    TOK_ARG(v, vn), sg.name[0] ? " (did you mean " : "",
					    sg.name,
					    sg.name[0] ? "?)" : " (expected EPERM, EACCES, ...)");
			}
			a->errnum = en;
			s->p = v + vn;
		} else {
			uint64_t num;
			if (s->p < s->le && *s->p == '-')
				return perr(st, s, s->p, "errno value must be 0..4095");
			if (parse_term(st, s, &num) < 0)
				return -1;
			if (num > 4095)
				return perr(st, s, v, "errno value must be 0..4095");
			a->errnum = (int)num;
		}
		skip_ws(s);
		if (s->p >= s->le || *s->p != ')')
			return perr(st, s, s->p, "expected ')' to close errno(");
		s->p++;
		return 0;
	}
	if (n == 4 && memcmp(b, "kill", 4) == 0)
		return perr(st, s, b, "unknown action 'kill' (write kill-process or kill-thread)");
	struct suggest sg;
	suggest_init(&sg, b, n);
	for (size_t i = 0; i < sizeof action_words / sizeof action_words[0]; i++)
		suggest_try(&sg, action_words[i].name);
	return perr(st, s, b, "unknown action " TOK_FMT "%s%s%s", TOK_ARG(b, n),
		    sg.name[0] ? " (did you mean " : "", sg.name,
		    sg.name[0]
			? "?)"
			: " (expected allow, errno(NAME), kill-process, kill-thread, trap, log "
			  "or notify)");
}

/* ---- syscalls -------------------------------------------------------------------------------- */
static int resolve_syscall(struct pstate *st, struct src *s, const char *name, size_t n, int *nr)
{
	char z[64]; /* the longest syscall name has 26 characters */
	int r = __NR_SCMP_ERROR;
	if (n < sizeof z) {
		memcpy(z, name, n);
		z[n] = '\0';
		r = seccomp_syscall_resolve_name(z);
	}
	if (r != __NR_SCMP_ERROR) {
		*nr = r;
		return 0;
	}
	/* Suggest the closest native syscall name.  The names are collected from libseccomp's
	 * native table once per process (a fuzzer or `lamina profiles` meets many typos). */
	static char **names;
	static size_t nnames;
	if (!names) {
		char **v = calloc(1024, sizeof *v);
		for (int i = 0; v && i < 1024; i++) {
			char *cand = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, i);
			if (cand)
				v[nnames++] = cand;
		}
		names = v;
	}
	struct suggest sg;
	suggest_init(&sg, name, n);
	for (size_t i = 0; i < nnames; i++)
		suggest_try(&sg, names[i]);
	if (sg.name[0])
		return perr(st, s, name, "unknown system call " TOK_FMT " (did you mean %s?)",
			    TOK_ARG(name, n), sg.name);
	return perr(st, s, name, "unknown system call " TOK_FMT, TOK_ARG(name, n));
}

/* ---- rules ----------------------------------------------------------------------------------- */
static bool action_eq(const struct lm_action *a, const struct lm_action *b)
{
	return a->kind == b->kind && (a->kind != LM_ACT_ERRNO || a->errnum == b->errnum);
}

/* The rule's name, and its file's name, copied once per file, into the policy's arena. */
static int rule_strings(struct pstate *st, struct lm_rule *r, const char *name, size_t n,
			const char *file)
{
	struct lm_strarena *a = &st->c->seccomp.strings;
	if (!st->file_copy || strcmp(st->file_copy, file) != 0) {
		st->file_copy = lm_arena_strndup(a, file, strlen(file));
		if (!st->file_copy)
			return -1;
	}
	r->syscall = lm_arena_strndup(a, name, n);
	r->file = st->file_copy;
	return r->syscall ? 0 : -1;
}

static void remove_rule(struct pstate *st, size_t i)
{
	struct lm_seccomp_policy *p = &st->c->seccomp;
	int nr = p->rules[i].nr;
	if (nr >= 0 && nr < 1024 && st->nr_rules[nr] > 0)
		st->nr_rules[nr]--;
	memmove(&p->rules[i], &p->rules[i + 1], (p->nrules - i - 1) * sizeof p->rules[0]);
	memmove(&st->rgroup[i], &st->rgroup[i + 1], (p->nrules - i - 1) * sizeof st->rgroup[0]);
	free(st->rconds[i]);
	memmove(&st->rconds[i], &st->rconds[i + 1], (p->nrules - i - 1) * sizeof st->rconds[0]);
	p->nrules--;
}

/* Add rule r (its strings are taken over, also on failure).
 *
 * libseccomp quietly drops a rule whose conditions are a superset of another rule's for the
 * same call with a different action (an unconditional `allow ioctl` swallows a later
 * `errno(EPERM) ioctl if a1 == TIOCSTI`), and refuses two rules with the same conditions and
 * different actions.  Rather than let a rule vanish, the parser decides here:
 *  - within one file such a conflict is an error;
 *  - a rule overriding an included file's rule for the same call wins when it is at least as
 *    broad (later settings win, as with the other directives); a narrower rule cannot carve an
 *    exception out of an included broader one and is an error that points to `reset`. */
/* ---- untrusted profiles ----------------------------------------------------------------------
 * Under --untrusted-profile every line of a file that is not a shipped profile may only narrow
 * (profile_untrusted.c says what that means for each directive).  Here: the seccomp part.  An
 * allow, log or notify rule must be covered by a rule of the shipped profiles included (the same
 * call, allowed, with conditions the new rule all repeats), so that it allows nothing the base
 * refuses. */
__attribute__((format(printf, 5, 6))) static int untrusted_refuse(struct pstate *st, struct src *s,
								  const char *at,
								  const char *directive,
								  const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return perr(st, s, at, "untrusted profile: %s is not allowed (%s)", directive, why);
}

static bool untrusted_line(const struct pstate *st, const struct src *s)
{
	return st->untrusted && !s->shipped;
}

static bool lets_through(enum lm_action_kind k)
{
	return k == LM_ACT_ALLOW || k == LM_ACT_LOG || k == LM_ACT_NOTIFY;
}

static bool base_covers(const struct pstate *st, const struct lm_rule *r)
{
	for (size_t i = 0; i < st->nbase; i++) {
		const struct lm_rule *b = &st->base[i];
		if (b->nr == r->nr && lets_through(b->action.kind) &&
		    (b->action.kind == LM_ACT_ALLOW || b->action.kind == r->action.kind) &&
		    lm_rule_conds_subset(b, r))
			return true;
	}
	return false;
}

static int base_add(struct pstate *st, const struct lm_rule *r)
{
	if (st->nbase == st->base_cap) {
		size_t ncap = st->base_cap ? st->base_cap * 2 : 512;
		struct lm_rule *n = realloc(st->base, ncap * sizeof *n);
		if (!n)
			return lm_error(st->e, ENOMEM, "profile", "untrusted profile: base rules");
		st->base = n;
		st->base_cap = ncap;
	}
	st->base[st->nbase] = *r;
	st->base[st->nbase].syscall = st->base[st->nbase].file = NULL; /* not kept */
	st->nbase++;
	return 0;
}

static int add_rule(struct pstate *st, struct src *s, const char *at, struct lm_rule *r,
		    const char *ctext, size_t clen)
{
	if (untrusted_line(st, s) && lets_through(r->action.kind) && !base_covers(st, r)) {
		char a[64], d[128];
		lm_action_str(&r->action, a, sizeof a);
		snprintf(d, sizeof d, "%s %s", a, r->syscall);
		return untrusted_refuse(st, s, at, d,
					"the shipped profiles it includes do not allow %s%s",
					r->syscall, r->nconds ? " with these conditions" : "");
	}
	if (st->untrusted && s->shipped && base_add(st, r) < 0)
		return -1;
	struct lm_seccomp_policy *p = &st->c->seccomp;
	bool counted = r->nr >= 0 && r->nr < 1024;
	for (size_t i = counted && st->nr_rules[r->nr] == 0 ? p->nrules : 0; i < p->nrules;) {
		struct lm_rule *o = &p->rules[i];
		if (o->nr != r->nr) {
			i++;
			continue;
		}
		bool o_in_r = lm_rule_conds_subset(o, r), r_in_o = lm_rule_conds_subset(r, o);
		bool same_file = strcmp(o->file, r->file) == 0;
		if (action_eq(&o->action, &r->action)) {
			if (o_in_r && r_in_o) { /* the same rule twice */
				return 0;
			}
			i++;
			continue;
		}
		char ao[64], ar[64]; /* for the messages: written only on the way to one */
		bool overlap = !o_in_r && !r_in_o && lm_rules_may_overlap(o, r);
		bool refused =
		    overlap || ((o_in_r || r_in_o) && (same_file || (o_in_r && !r_in_o)));
		if (refused && quiet_file(st, o->file))
			return perr(
			    st, s, at,
			    "this rule conflicts with a rule for %s at %s:%u (whose text is not "
			    "shown: that file is not the profile owner's)",
			    r->syscall, o->file, o->line);
		if (!o_in_r && !r_in_o) {
			/* Two rules one call can match, with different actions: libseccomp merges
			 * them into one decision tree without regard to profile order, and the
			 * result can be neither rule (seen with `!=` next to `==`).  Refuse. */
			if (overlap) {
				lm_action_str(&r->action, ar, sizeof ar);
				char *os = lm_rule_str(o);
				int ret =
				    perr(st, s, at,
					 "this rule (%s) overlaps '%s' at %s:%u: a call can match "
					 "both, and libseccomp does not decide overlapping rules "
					 "in profile order; make the conditions exclusive",
					 ar, os ? os : o->syscall, o->file, o->line);
				free(os);
				return ret;
			}
			i++;
			continue;
		}
		if (same_file || (o_in_r && !r_in_o)) {
			int ret;
			lm_action_str(&o->action, ao, sizeof ao);
			lm_action_str(&r->action, ar, sizeof ar);
			if (o_in_r && r_in_o)
				ret =
				    perr(st, s, at,
					 "conflicting rules for %s: %s here, %s at %s:%u with the "
					 "same conditions",
					 r->syscall, ar, ao, o->file, o->line);
			else if (o_in_r)
				ret = perr(st, s, at,
					   "%s here would never apply: the broader rule '%s %s' at "
					   "%s:%u already decides every call it matches%s",
					   ar, ao, o->syscall, o->file, o->line,
					   same_file ? ""
						     : " (write 'reset SYSCALL' first to replace "
						       "the included rules)");
			else
				ret = perr(
				    st, s, at,
				    "this broader rule would hide the %s rule for %s at %s:%u "
				    "(libseccomp keeps only the broader one); add conditions or "
				    "remove one of them",
				    ao, o->syscall, o->file, o->line);
			return ret;
		}
		/* r is at least as broad as an included rule o: r replaces it. */
		remove_rule(st, i);
	}
	/* A classic BPF program holds at most 4096 instructions (BPF_MAXINSNS) and every rule
	 * costs at least one: a longer profile could never load, so say it here. */
	if (p->nrules >= LM_PROFILE_MAX_RULES) {
		return perr(st, s, at,
			    "too many rules (at most %d: a seccomp filter holds at most "
			    "4096 BPF instructions)",
			    LM_PROFILE_MAX_RULES);
	}
	if (p->nrules == st->rules_cap) {
		/* default alone has ~370 rules: start big enough for it, not by doubling */
		size_t ncap = st->rules_cap ? st->rules_cap * 2 : 512;
		struct lm_rule *nr = realloc(p->rules, ncap * sizeof *nr);
		if (!nr) {
			return perr(st, s, at, "out of memory");
		}
		p->rules = nr;
		size_t *ng = realloc(st->rgroup, ncap * sizeof *ng);
		if (!ng) {
			return perr(st, s, at, "out of memory");
		}
		st->rgroup = ng;
		char **nt = realloc(st->rconds, ncap * sizeof *nt);
		if (!nt) {
			return perr(st, s, at, "out of memory");
		}
		st->rconds = nt;
		st->rules_cap = ncap;
	}
	st->rconds[p->nrules] = NULL;
	if (r->nconds && !(st->rconds[p->nrules] = strndup(ctext, clen))) {
		return perr(st, s, at, "out of memory");
	}
	st->rgroup[p->nrules] = st->cur_group;
	if (counted && st->nr_rules[r->nr] < UINT32_MAX)
		st->nr_rules[r->nr]++;
	p->rules[p->nrules++] = *r;
	/* The compile's cost is checked again at each doubling of the conditional rules, so that
	 * a profile far over the budget is refused near its start, in little more time than the
	 * check at the end takes (seccomp_cost.c). */
	if (r->nconds && ++st->ncond_rules >= 16 && !(st->ncond_rules & (st->ncond_rules - 1)))
		return lm_seccomp_check_cost(p, NULL, st->e);
	return 0;
}

/* COND: aN OP VALUE | aN & MASK == VALUE */
static int parse_cond(struct pstate *st, struct src *s, struct lm_cond *cd)
{
	skip_ws(s);
	const char *b = s->p;
	size_t n = ident_len(s, b, false);
	if (n != 2 || b[0] != 'a' || b[1] < '0' || b[1] > '5')
		return perr(st, s, b, "expected an argument a0..a5");
	cd->arg = (unsigned)(b[1] - '0');
	s->p += 2;
	cd->mask = UINT64_MAX;
	skip_ws(s);
	bool masked = false;
	if (s->p < s->le && *s->p == '&' && !(s->p + 1 < s->le && s->p[1] == '&')) {
		s->p++;
		if (parse_value(st, s, &cd->mask) < 0)
			return -1;
		masked = true;
		skip_ws(s);
	}
	const char *op = s->p;
	size_t rem = (size_t)(s->le - s->p);
	if (rem >= 2 && memcmp(op, "==", 2) == 0)
		cd->op = LM_CMP_EQ, s->p += 2;
	else if (rem >= 2 && memcmp(op, "!=", 2) == 0)
		cd->op = LM_CMP_NE, s->p += 2;
	else if (rem >= 2 && memcmp(op, "<=", 2) == 0)
		cd->op = LM_CMP_LE, s->p += 2;
	else if (rem >= 2 && memcmp(op, ">=", 2) == 0)
		cd->op = LM_CMP_GE, s->p += 2;
	else if (rem >= 1 && *op == '<')
		cd->op = LM_CMP_LT, s->p += 1;
	else if (rem >= 1 && *op == '>')
		cd->op = LM_CMP_GT, s->p += 1;
	else if (rem >= 1 && *op == '=')
		return perr(st, s, op, "expected '==' (a single '=' is not a comparison)");
	else
		return perr(st, s, op, "expected a comparison (==, !=, <, <=, >, >=)%s",
			    masked ? "" : " or '& MASK =='");
	if (masked && cd->op != LM_CMP_EQ)
		return perr(st, s, op,
			    "a masked comparison must be '==' (libseccomp has only "
			    "masked equality)");
	const char *vat = (skip_ws(s), s->p);
	if (parse_value(st, s, &cd->value) < 0)
		return -1;
	if (masked) {
		cd->op = LM_CMP_MASKED_EQ;
		/* A negative 32-bit constant (AT_FDCWD) compared through the 32-bit mask means its
		 * low 32 bits: that is what the kernel reads from a 32-bit argument. */
		if (cd->mask == 0xffffffffu && cd->value >= 0xffffffff80000000u)
			cd->value &= 0xffffffffu;
		if (cd->value & ~cd->mask)
			return perr(st, s, vat,
				    "value 0x%" PRIx64 " has bits outside the mask 0x%" PRIx64
				    ": the comparison could never be true",
				    cd->value, cd->mask);
	}
	return 0;
}

/* ACTION SYSCALL... [if COND [&& COND]...] */
static int parse_rule(struct pstate *st, struct src *s)
{
	struct lm_action act;
	if (parse_action(st, s, &act) < 0)
		return -1;
	struct {
		const char *p;
		size_t n;
		int nr;
	} *calls = NULL;
	size_t ncalls = 0, cap = 0;
	int ret = -1;
	struct lm_cond conds[LM_MAX_CONDS];
	unsigned nconds = 0;
	const char *ctext = NULL, *cend = NULL;

	if (s->p < s->le && *s->p != ' ' && *s->p != '\t' && *s->p != '\r' && *s->p != '#') {
		ret = perr(st, s, s->p, "expected a blank after the action");
		goto out;
	}
	for (;;) {
		if (at_eol(s))
			break;
		size_t n = ident_len(s, s->p, false);
		if (n == 2 && memcmp(s->p, "if", 2) == 0 && ncalls > 0)
			break;
		if (n == 0) {
			ret = perr(st, s, s->p, "expected a system call name");
			goto out;
		}
		if (s->p + n < s->le && !strchr(" \t\r#", s->p[n])) {
			ret = perr(st, s, s->p + n, "unexpected '%c' after the system call name",
				   s->p[n]);
			goto out;
		}
		if (ncalls == cap) {
			cap = cap ? cap * 2 : 8;
			void *nc = realloc(calls, cap * sizeof *calls);
			if (!nc) {
				ret = perr(st, s, s->p, "out of memory");
				goto out;
			}
			calls = nc;
		}
		calls[ncalls].p = s->p;
		calls[ncalls].n = n;
		if (resolve_syscall(st, s, s->p, n, &calls[ncalls].nr) < 0)
			goto out;
		ncalls++;
		s->p += n;
	}
	if (ncalls == 0) {
		ret = perr(st, s, s->p, "expected a system call name after the action");
		goto out;
	}
	if (!at_eol(s)) { /* "if" */
		s->p += 2;
		ctext = (skip_ws(s), s->p);
		for (;;) {
			skip_ws(s);
			if (nconds == LM_MAX_CONDS) {
				ret = perr(st, s, s->p, "too many conditions (at most %d)",
					   LM_MAX_CONDS);
				goto out;
			}
			const char *cat = (skip_ws(s), s->p);
			if (parse_cond(st, s, &conds[nconds]) < 0)
				goto out;
			for (unsigned i = 0; i < nconds; i++)
				if (conds[i].arg == conds[nconds].arg) {
					ret = perr(
					    st, s, cat,
					    "a%u is compared twice; libseccomp allows one "
					    "comparison per argument in a rule (write two rules)",
					    conds[i].arg);
					goto out;
				}
			nconds++;
			cend = s->p;
			if (at_eol(s))
				break;
			if (s->le - s->p >= 2 && s->p[0] == '&' && s->p[1] == '&') {
				s->p += 2;
				continue;
			}
			ret = perr(st, s, s->p, "expected '&&' or the end of the line");
			goto out;
		}
	}
	for (size_t i = 0; i < ncalls; i++) {
		struct lm_rule r = {
		    .action = act, .nr = calls[i].nr, .nconds = nconds, .line = s->line};
		memcpy(r.conds, conds, sizeof conds);
		if (rule_strings(st, &r, calls[i].p, calls[i].n, s->name) < 0) {
			ret = perr(st, s, calls[i].p, "out of memory");
			goto out;
		}
		if (add_rule(st, s, calls[i].p, &r, ctext, ctext ? (size_t)(cend - ctext) : 0) < 0)
			goto out;
	}
	ret = 0;
out:
	free(calls);
	return ret;
}

/* ---- settings ---------------------------------------------------------------------------------
 */
/* Re-anchor an error from a lead helper (lm_parse_rlimit, lm_config_add_mount, ...) at the
 * directive that caused it. */
static int rewrap(struct pstate *st, struct src *s, const char *at)
{
	if (s->quiet)
		return perr(st, s, at, "an invalid setting");
	char *m = strdup(st->e->msg);
	int r = perr(st, s, at, "%s", m ? m : "invalid setting");
	free(m);
	return r;
}

static int parse_file(struct pstate *st, const char *name, const char *text, size_t len, bool top,
		      bool quiet, uid_t owner, bool shipped);

static char *dir_of(const char *path)
{
	const char *sl = strrchr(path, '/');
	if (!sl)
		return strdup(".");
	if (sl == path)
		return strdup("/");
	return strndup(path, (size_t)(sl - path));
}

char *lm_profile_path(const char *name)
{
	char *p = NULL;
	if (!name || !*name || strchr(name, '/') || name[0] == '.') {
		errno = EINVAL;
		return NULL;
	}
	/* "default.profile" names the same file as "default" */
	size_t n = strlen(name);
	if (n > 8 && strcmp(name + n - 8, ".profile") == 0)
		n -= 8;
	if (asprintf(&p, "%s/%.*s.profile", lm_profile_dir(), (int)n, name) < 0)
		return NULL;
	return p;
}

/* Read a whole file (regular or not) up to LM_PROFILE_MAX_SIZE. */
static int read_all(int fd, char **out, size_t *len, bool *too_big)
{
	/* A regular file's size is known: one buffer, one read (a pipe grows the buffer). */
	struct stat st;
	size_t cap = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
			     st.st_size <= LM_PROFILE_MAX_SIZE
			 ? (size_t)st.st_size + 1
			 : 4096,
	       n = 0;
	char *buf = malloc(cap);
	*too_big = false;
	if (!buf)
		return -1;
	for (;;) {
		if (n == cap) {
			if (cap > LM_PROFILE_MAX_SIZE) {
				*too_big = true;
				break;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return -1;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int saved = errno;
			free(buf);
			errno = saved;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > LM_PROFILE_MAX_SIZE)
		*too_big = true;
	*out = buf;
	*len = n;
	return 0;
}

/* A file read from the disk is kept in st->files (it owns text and path from then on). */
static struct lm_profile_text *keep_text(struct pstate *st, const char *path, char *text,
					 size_t len, const struct stat *sb, bool shipped)
{
	if (st->nread == st->read_cap) {
		size_t ncap = st->read_cap ? st->read_cap * 2 : 4;
		struct lm_profile_text *nf = realloc(st->files, ncap * sizeof *nf);
		if (!nf)
			return NULL;
		st->files = nf;
		st->read_cap = ncap;
	}
	char *p = strdup(path);
	if (!p)
		return NULL;
	struct lm_profile_text *f = &st->files[st->nread++];
	*f = (struct lm_profile_text){.path = p,
				      .text = text,
				      .len = len,
				      .dev = sb->st_dev,
				      .ino = sb->st_ino,
				      .uid = sb->st_uid,
				      .shipped = shipped};
	return f;
}

/* Open a profile file on the caller's behalf, for reading.  Without blocking: opened
 * O_NONBLOCK and refused unless fstat says it is a regular file, so that a FIFO (or a device)
 * named as a profile or an include is an error, never a wait.  As root, resolved as
 * lm_path_open_safe resolves bind sources (src/path.c): a symlink a user planted cannot send root
 * into someone else's files; the file is then opened again, for reading, through the resolved
 * fd.  Returns the fd, or -1 with the reason in why ("No such file or directory", "unsafe path:
 * ...", "a FIFO, not a regular file"). */
static int open_profile(struct pstate *st, const char *path, bool include, struct stat *sb,
			char *why, size_t n)
{
	cleanup_close int fd = -1;
	if (st->as_root) {
		struct lm_err pe = {0};
		cleanup_close int o =
		    lm_path_open_safe("profile", include ? "include" : "file", path, &pe);
		if (o < 0) {
			/* "profile: include PATH: reason": the reason after the path */
			const char *r = strstr(pe.msg, path);
			r = r ? r + strlen(path) : pe.msg;
			snprintf(why, n, "%s", r[0] == ':' && r[1] == ' ' ? r + 2 : r);
			return -1;
		}
		if (fstat(o, sb) < 0) {
			snprintf(why, n, "%s", strerror(errno));
			return -1;
		}
		if (S_ISREG(sb->st_mode)) {
			char self[64];
			snprintf(self, sizeof self, "/proc/self/fd/%d", o);
			fd = open(self, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
			if (fd < 0) {
				snprintf(why, n, "%s", strerror(errno));
				return -1;
			}
		} else {
			fd = lm_steal_fd(&o); /* refused below by its type */
		}
	} else {
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	}
	if (fd < 0 || fstat(fd, sb) < 0) {
		snprintf(why, n, "%s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb->st_mode)) {
		const char *kind = S_ISDIR(sb->st_mode)	   ? "is a directory"
				   : S_ISFIFO(sb->st_mode) ? "a FIFO, not a regular file"
				   : S_ISSOCK(sb->st_mode) ? "a socket, not a regular file"
				   : S_ISCHR(sb->st_mode) || S_ISBLK(sb->st_mode)
				       ? "a device, not a regular file"
				       : "not a regular file";
		snprintf(why, n, "%s", kind);
		return -1;
	}
	return lm_steal_fd(&fd);
}

/* Open, check for cycles and parse one file.  at_s/at point to the include directive (NULL for
 * the top file); shipped: named as a shipped profile.  A rules load (st->replay) takes the
 * file's text as the settings load read it, the same files coming in the same order: nothing is
 * read from the disk twice. */
static int load_file(struct pstate *st, const char *path, bool shipped, struct src *at_s,
		     const char *at)
{
	cleanup_close int fd = -1;
	const struct lm_profile_text *kept = NULL;
	struct stat sb;
	if (st->replay) {
		if (st->next_replay >= st->nreplay ||
		    strcmp(st->replay[st->next_replay].path, path) != 0)
			return lm_error(st->e, 0, "profile",
					"%s: internal error: not a file the profile was read from",
					path);
		kept = &st->replay[st->next_replay++];
		sb.st_dev = kept->dev;
		sb.st_ino = kept->ino;
		sb.st_uid = kept->uid;
	} else {
		char why[1024];
		fd = open_profile(st, path, at_s != NULL, &sb, why, sizeof why);
		if (fd < 0) {
			if (at_s)
				return perr(st, at_s, at, "include %s: %s", path, why);
			return lm_error(st->e, 0, "profile", "%s: %s", path, why);
		}
	}
	for (unsigned i = 0; i < st->depth; i++)
		if (st->stack[i].dev == sb.st_dev && st->stack[i].ino == sb.st_ino) {
			if (at_s)
				return perr(st, at_s, at,
					    "include %s: include cycle (the file "
					    "includes itself, directly or not)",
					    path);
			return lm_error(st->e, 0, "profile", "%s: include cycle", path);
		}
	if (st->depth >= MAX_INCLUDE_DEPTH)
		return perr(st, at_s, at, "include %s: includes nested deeper than %d", path,
			    MAX_INCLUDE_DEPTH);
	if (st->nfiles >= MAX_FILES)
		return perr(st, at_s, at, "include %s: more than %d files included", path,
			    MAX_FILES);
	if (!kept) {
		char *text = NULL;
		size_t len = 0;
		bool too_big;
		if (read_all(fd, &text, &len, &too_big) < 0) {
			if (at_s)
				return perr(st, at_s, at, "include %s: %s", path, strerror(errno));
			return lm_error(st->e, errno, "profile", "%s", path);
		}
		if (too_big) {
			free(text);
			if (at_s)
				return perr(st, at_s, at,
					    "include %s: larger than %d bytes: not a profile", path,
					    LM_PROFILE_MAX_SIZE);
			return ferr(st, path, "larger than %d bytes: not a profile",
				    LM_PROFILE_MAX_SIZE);
		}
		kept = keep_text(st, path, text, len, &sb, shipped);
		if (!kept) {
			free(text);
			return lm_error(st->e, ENOMEM, "profile", "%s", path);
		}
	}
	/* by value: the array of files may move while an include is read */
	const char *text = kept->text;
	size_t len = kept->len;
	st->stack[st->depth].dev = sb.st_dev;
	st->stack[st->depth].ino = sb.st_ino;
	if (st->depth == 0)
		st->author = sb.st_uid;
	bool quiet = st->as_root && st->author != 0 && !(kept->shipped || sb.st_uid == st->author);
	if (quiet && !quiet_file(st, path)) {
		if (st->nquiet == MAX_FILES || !(st->quiet_files[st->nquiet] = strdup(path)))
			return lm_error(st->e, ENOMEM, "profile", "%s", path);
		st->nquiet++;
	}
	st->depth++;
	int r = parse_file(st, path, text, len, at_s == NULL, quiet, sb.st_uid, kept->shipped);
	st->depth--;
	return r;
}

static int dir_include(struct pstate *st, struct src *s)
{
	char *arg = NULL;
	const char *at;
	if (read_word(st, s, "a profile name or path after include", &arg, &at) < 0)
		return -1;
	cleanup_free char *word = arg;
	if (expect_eol(st, s, "the included profile") < 0)
		return -1;
	cleanup_free char *path = NULL;
	bool shipped = !strchr(word, '/');
	if (untrusted_line(st, s) && !shipped)
		return untrusted_refuse(st, s, at, "include of a file",
					"only shipped profiles, by name: see `lamina profiles`");
	if (shipped) {
		path = lm_profile_path(word);
		if (!path)
			return perr(st, s, at, "invalid profile name '%s'", word);
	} else if (word[0] == '/') {
		path = strdup(word);
	} else {
		/* relative to the including file's directory; "./" adds nothing to messages */
		const char *rel = word;
		while (rel[0] == '.' && rel[1] == '/')
			rel += 2;
		if (strcmp(s->dir, ".") == 0)
			path = strdup(rel);
		else if (asprintf(&path, "%s%s%s", s->dir,
				  s->dir[strlen(s->dir) - 1] == '/' ? "" : "/", rel) < 0)
			path = NULL;
	}
	if (!path)
		return perr(st, s, at, "out of memory");
	size_t saved_group = st->cur_group;
	st->cur_group = LM_NO_GROUP;
	int r = load_file(st, path, shipped, s, at);
	st->cur_group = saved_group;
	if (r == 0 && shipped)
		st->base_included = true;
	return r;
}

/* A setting of a layer (src/layers.c): its words, read as the command line would give them,
 * then the layer's own setter.  An error points at the word it is about. */
static int dir_setting(struct pstate *st, struct src *s, const struct lm_setting *set,
		       const char *name, const char *dat)
{
	char *words[20] = {0};
	const char *at[20] = {0};
	unsigned n = 0;
	int r = -1;
	/* At most one word more than the setting takes: lm_setting_apply says it is too many. */
	while (n <= set->nargs && n + 1 < sizeof words / sizeof words[0] && !at_eol(s)) {
		if (read_word(st, s, "a word", &words[n], &at[n]) < 0)
			goto out;
		n++;
	}
	at[n] = s->p;
	struct lm_args a = {.src = LM_SRC_PROFILE, .name = name, .argc = n, .argv = words};
	/* Under --untrusted-profile: what the setting changed (settings are checked when they are
	 * read, not again when a rules load reads the profile a second time). */
	bool check = untrusted_line(st, s) && !st->replay;
	const char *never = check ? lm_untrusted_directive(name) : NULL;
	struct lm_untrusted_snap before;
	if (never) {
		r = untrusted_refuse(st, s, dat, name, "%s", never);
		goto out;
	}
	if (check)
		lm_untrusted_snap(st->c, &before);
	if (lm_setting_apply(set, st->c, &a, st->e) < 0) {
		r = rewrap(st, s, at[a.bad <= n ? a.bad : n]);
	} else {
		char why[512];
		r = 0;
		if (check && lm_untrusted_check(st->c, &before, why, sizeof why) < 0)
			r = untrusted_refuse(st, s, dat, name, "%s", why);
	}
out:
	for (unsigned i = 0; i < n; i++)
		free(words[i]);
	return r;
}

static int dir_default(struct pstate *st, struct src *s)
{
	struct lm_action a;
	if (parse_action(st, s, &a) < 0)
		return -1;
	if (expect_eol(st, s, "the default action") < 0)
		return -1;
	if (untrusted_line(st, s) && lets_through(a.kind)) {
		char d[80], w[64];
		snprintf(d, sizeof d, "default %s", lm_action_str(&a, w, sizeof w));
		return untrusted_refuse(
		    st, s, s->ls, d, "it would let through every call the shipped profile refuses");
	}
	st->c->seccomp.default_action = a;
	st->c->seccomp.default_line = s->line;
	st->default_seen = true;
	return 0;
}

/* i386 on|off: whether the i386 entry point (int $0x80 from a 64-bit process, or a 32-bit
 * program) is admitted under the same rules, or kills the process like x32.  Off by default:
 * few sandboxed programs are 32-bit, the compat entry points have a history of their own bugs,
 * and a filter with one architecture is half the size (it costs about half as much to load). */
static int dir_i386(struct pstate *st, struct src *s)
{
	skip_ws(s);
	const char *at = s->p;
	size_t n = ident_len(s, at, false);
	if ((n == 2 && memcmp(at, "on", 2) == 0) || (n == 3 && memcmp(at, "off", 3) == 0)) {
		s->p += n;
		if (untrusted_line(st, s) && n == 2)
			return untrusted_refuse(st, s, at, "i386 on",
						"the i386 entry point stays killed");
		st->c->seccomp.i386 = n == 2;
		return expect_eol(st, s, n == 2 ? "i386 on" : "i386 off");
	}
	return perr(st, s, at, "expected on or off after i386");
}

static int dir_stdfd(struct pstate *st, struct src *s)
{
	skip_ws(s);
	const char *at = s->p;
	size_t n = ident_len(s, at, false);
	if (n == 2 && memcmp(at, "on", 2) == 0) {
		s->p += 2;
		st->c->seccomp.stdfd = true;
		return expect_eol(st, s, "stdfd on");
	}
	if (n == 3 && memcmp(at, "off", 3) == 0) {
		if (untrusted_line(st, s) && st->c->seccomp.stdfd)
			return untrusted_refuse(st, s, at, "stdfd off",
						"the shipped profile it includes turns the std-fd "
						"layer on");
		s->p += 3;
		st->c->seccomp.stdfd = false;
		st->c->seccomp.allow_dup2_1_2 = false;
		return expect_eol(st, s, "stdfd off");
	}
	if (n == 5 && memcmp(at, "allow", 5) == 0) {
		/* The seed's one exception: dup2(1, 2), stderr joined to stdout. */
		s->p += 5;
		skip_ws(s);
		const char *x = s->p;
		static const char *const want[] = {"dup2", "(", "1", ",", "2", ")"};
		for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
			skip_ws(s);
			size_t wl = strlen(want[i]);
			if ((size_t)(s->le - s->p) < wl || memcmp(s->p, want[i], wl) != 0 ||
			    (i == 0 && s->p + wl < s->le && is_ident(s->p[wl])) ||
			    ((i == 2 || i == 4) && s->p + wl < s->le &&
			     isxdigit((unsigned char)s->p[wl])))
				return perr(st, s, i == 0 ? x : s->p,
					    "expected dup2(1, 2): the only exception the std-fd "
					    "layer knows is the seed's dup2(1, 2)");
			s->p += wl;
		}
		if (untrusted_line(st, s) && st->c->seccomp.stdfd && !st->c->seccomp.allow_dup2_1_2)
			return untrusted_refuse(
			    st, s, at, "stdfd allow dup2(1, 2)",
			    "the shipped profile it includes has the std-fd layer "
			    "on without it");
		st->c->seccomp.allow_dup2_1_2 = true;
		return expect_eol(st, s, "dup2(1, 2)");
	}
	return perr(st, s, at, "expected on, off or allow dup2(1, 2) after stdfd");
}

static int dir_reset(struct pstate *st, struct src *s)
{
	size_t count = 0;
	while (!at_eol(s)) {
		size_t n = ident_len(s, s->p, false);
		int nr;
		if (n == 0)
			return perr(st, s, s->p, "expected a system call name");
		if (resolve_syscall(st, s, s->p, n, &nr) < 0)
			return -1;
		for (size_t i = 0; i < st->c->seccomp.nrules;)
			if (st->c->seccomp.rules[i].nr == nr)
				remove_rule(st, i);
			else
				i++;
		s->p += n;
		count++;
	}
	if (count == 0)
		return perr(st, s, s->p, "expected a system call name after reset");
	return 0;
}

/* Rest of the line, trimmed (for purpose and group descriptions). */
static char *rest_of_line(struct src *s)
{
	skip_ws(s);
	const char *e = s->le;
	while (e > s->p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	char *r = strndup(s->p, (size_t)(e - s->p));
	s->p = s->le;
	return r;
}

static int dir_purpose(struct pstate *st, struct src *s)
{
	const char *at = s->p;
	char *text = rest_of_line(s);
	if (!text)
		return perr(st, s, at, "out of memory");
	if (!text[0]) {
		free(text);
		return perr(st, s, at, "expected a one-line description after purpose");
	}
	if (!s->top) { /* an included profile's purpose is its own, not the includer's */
		free(text);
		return 0;
	}
	free(st->info->purpose);
	st->info->purpose = text;
	return 0;
}

static int dir_group(struct pstate *st, struct src *s)
{
	skip_ws(s);
	const char *at = s->p;
	size_t n = ident_len(s, at, true);
	if (n == 0)
		return perr(st, s, at, "expected a group name after group, as in 'group io: ...'");
	s->p += n;
	skip_ws(s);
	if (s->p >= s->le || *s->p != ':')
		return perr(st, s, s->p, "expected ':' and a description after the group name");
	s->p++;
	struct lm_profile_info *in = st->info;
	struct lm_profile_group *ng = realloc(in->groups, (in->ngroups + 1) * sizeof *ng);
	if (!ng)
		return perr(st, s, at, "out of memory");
	in->groups = ng;
	struct lm_profile_group *g = &in->groups[in->ngroups];
	g->name = strndup(at, n);
	g->desc = rest_of_line(s);
	g->file = strdup(s->name);
	g->line = s->line;
	if (!g->name || !g->desc || !g->file) {
		free(g->name), free(g->desc), free(g->file);
		return perr(st, s, at, "out of memory");
	}
	st->cur_group = in->ngroups++;
	return 0;
}

/* The profile's own directives (the layers' settings are in their rows) and the rules'. */
static const char *const directive_words[] = {
    "include", "purpose", "group",	  "default",	 "stdfd", "reset", "i386",
    "allow",   "errno",	  "kill-process", "kill-thread", "trap",  "log",   "notify",
};

static int parse_line(struct pstate *st, struct src *s)
{
	if (at_eol(s))
		return 0;
	st->ndirectives++;
	const char *at = s->p;
	size_t n = ident_len(s, at, true);
	if (n == 0)
		return perr(st, s, at, "expected a directive or a rule");
#define IS(w) (n == sizeof(w) - 1 && memcmp(at, w, n) == 0)
	if (untrusted_line(st, s) && !st->base_included && !IS("include") && !IS("purpose") &&
	    !IS("group")) {
		char word[48];
		snprintf(word, sizeof word, "%.*s", (int)(n > 40 ? 40 : n), at);
		return untrusted_refuse(st, s, at, word,
					"before an include of a shipped profile: the profile may "
					"only narrow one");
	}
	if (st->skim && (is_action_word(at, n) || (n == 4 && memcmp(at, "kill", 4) == 0))) {
		st->skimmed_rules++;
		if (n == 6 && memcmp(at, "notify", 6) == 0)
			st->skim_notify = true;
		return 0;
	}
	if (is_action_word(at, n))
		return parse_rule(st, s);
	if (n == 4 && memcmp(at, "kill", 4) == 0)
		return parse_action(st, s, &(struct lm_action){0});
	const char *after = at + n;
	if (after < s->le && !strchr(" \t\r#", *after) && !(IS("group") && *after == ':'))
		return perr(st, s, after, "unexpected '%c' after " TOK_FMT, *after, TOK_ARG(at, n));
	s->p = after;
	if (IS("include"))
		return dir_include(st, s);
	if (IS("purpose"))
		return dir_purpose(st, s);
	if (IS("group"))
		return dir_group(st, s);
	if (IS("default"))
		return dir_default(st, s);
	if (IS("stdfd"))
		return dir_stdfd(st, s);
	if (IS("i386"))
		return dir_i386(st, s);
	if (IS("reset"))
		return st->skim ? 0 : dir_reset(st, s);
#undef IS
	char name[32];
	const struct lm_setting *set = n < sizeof name ? lm_setting_by_directive(at, n) : NULL;
	if (set) {
		memcpy(name, at, n);
		name[n] = '\0';
		return dir_setting(st, s, set, name, at);
	}
	struct suggest sg;
	suggest_init(&sg, at, n);
	for (size_t i = 0; i < sizeof directive_words / sizeof directive_words[0]; i++)
		suggest_try(&sg, directive_words[i]);
	struct lm_setting_iter it = {0};
	for (const struct lm_setting *o; (o = lm_setting_next(&it));)
		if (o->directive)
			suggest_try(&sg, o->directive);
	if (sg.name[0])
		return perr(st, s, at, "unknown directive " TOK_FMT " (did you mean %s?)",
			    TOK_ARG(at, n), sg.name);
	return perr(st, s, at,
		    "unknown directive " TOK_FMT " (expected a setting such as ro-bind or rlimit, "
		    "or a rule such as 'allow read')",
		    TOK_ARG(at, n));
}

/* ---- the seccomp lines ---------------------------------------------------------------------
 * While a profile is read, each line that makes its seccomp policy (a rule, default, stdfd,
 * i386, reset) is added, trimmed, to c->seccomp.text, in the order read, an include's lines in
 * its place.  lamina run compares that text with the shipped profiles' before it parses a
 * single rule: the filters built into lamina are keyed by it (seccomp_table.c).  So equal texts
 * must make equal policies:
 *  - every line ends with '\n', and none holds one (a control byte is an error);
 *  - a rule or directive means the same in every file (names and constants resolve alike, and
 *    an include, resolved against its own file's directory, adds its lines in place);
 *  - but two rules for the same call that conflict are an error within one file and an
 *    override across an include (add_rule compares their files' names).  So a line "@N" comes
 *    before the lines of another file: N numbers the files by name, in the order their first
 *    seccomp line came.  A profile that includes a shipped one and adds only settings has the
 *    shipped one's text exactly.
 * Comments, blank lines, settings, include, purpose and group are left out.  The rules are still
 * parsed from the files themselves, so messages keep their FILE:LINE:COL. */

/* The first words of the seccomp lines: every directive that changes c->seccomp must be here. */
static bool is_seccomp_word(const char *w, size_t n)
{
	static const char *const words[] = {"kill", "default", "stdfd", "i386", "reset"};
	if (is_action_word(w, n))
		return true;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (words[i][0] == w[0] && strlen(words[i]) == n && memcmp(words[i], w, n) == 0)
			return true;
	return false;
}

/* Room for n more bytes, grown to exactly that: the text is kept, and one buffer the size of the
 * profile costs less than a series of doublings (each a new mapping for musl's allocator). */
static int text_reserve(struct pstate *st, size_t n)
{
	if (st->text_cap - st->text_len >= n)
		return 0;
	char *nt = realloc(st->text, st->text_len + n);
	if (!nt)
		return -1;
	st->text = nt;
	st->text_cap = st->text_len + n;
	return 0;
}

static int text_add(struct pstate *st, const char *p, size_t n)
{
	if (st->text_cap - st->text_len < n + 1 &&
	    text_reserve(st, st->text_cap > n + 1 ? st->text_cap : n + 1) < 0)
		return -1;
	memcpy(st->text + st->text_len, p, n);
	st->text_len += n;
	st->text[st->text_len++] = '\n';
	return 0;
}

/* Add the current line to the seccomp lines if it is one. */
static int note_seccomp_line(struct pstate *st, struct src *s)
{
	const char *b = s->ls, *e = s->le;
	while (b < e && (*b == ' ' || *b == '\t' || *b == '\r'))
		b++;
	size_t n = ident_len(s, b, true);
	if (n == 0 || !is_seccomp_word(b, n))
		return 0;
	while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	if (s->text_id < 0) {
		unsigned i = 0;
		while (i < st->ntext_names && strcmp(st->text_names[i], s->name) != 0)
			i++;
		if (i == st->ntext_names) {
			if (i == sizeof st->text_names / sizeof st->text_names[0] ||
			    !(st->text_names[i] = strdup(s->name)))
				return perr(st, s, b, "out of memory");
			st->ntext_names++;
		}
		s->text_id = (int)i;
	}
	if ((unsigned)s->text_id != st->text_file) {
		char mark[16];
		int m = snprintf(mark, sizeof mark, "@%d", s->text_id);
		if (text_add(st, mark, (size_t)m) < 0)
			return perr(st, s, b, "out of memory");
		st->text_file = (unsigned)s->text_id;
	}
	if (text_add(st, b, (size_t)(e - b)) < 0)
		return perr(st, s, b, "out of memory");
	return 0;
}

static int parse_file(struct pstate *st, const char *name, const char *text, size_t len, bool top,
		      bool quiet, uid_t owner, bool shipped)
{
	struct src s = {.name = name,
			.text = text,
			.len = len,
			.top = top,
			.text_id = -1,
			.quiet = quiet,
			.owner = owner,
			.shipped = shipped};
	char **nf;

	nf = realloc(st->info->files, (st->info->nfiles + 1) * sizeof *nf);
	if (!nf)
		return lm_error(st->e, ENOMEM, "profile", "%s", name);
	st->info->files = nf;
	if (!(nf[st->info->nfiles] = strdup(name)))
		return lm_error(st->e, ENOMEM, "profile", "%s", name);
	st->info->nfiles++;
	st->nfiles++;

	s.dir = dir_of(name);
	if (!s.dir)
		return lm_error(st->e, ENOMEM, "profile", "%s", name);
	/* This file's seccomp lines and "@N" lines take no more than its own length: each line
	 * is trimmed, and an include line, left out, is longer than the "@N" after it. */
	if (text_reserve(st, len + 16) < 0) {
		free(s.dir);
		return lm_error(st->e, ENOMEM, "profile", "%s", name);
	}

	int r = 0;
	const char *p = text, *end = text + len;
	unsigned line = 0;
	unsigned saved_ndirectives = st->ndirectives;
	st->ndirectives = 0;
	while (p < end && r == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		s.ls = p;
		s.le = nl ? nl : end;
		s.p = p;
		s.line = ++line;
		/* A profile is text: a NUL or another control byte means a binary file (or a
		 * mistake); report where it is rather than guessing. */
		for (const char *q = s.ls; q < s.le; q++) {
			unsigned char ch = (unsigned char)*q;
			if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f) {
				r = perr(st, &s, q,
					 "unexpected control byte 0x%02x: a profile is a text file",
					 ch);
				break;
			}
		}
		if (r == 0)
			r = note_seccomp_line(st, &s);
		if (r == 0)
			r = parse_line(st, &s);
		p = nl ? nl + 1 : end;
	}
	/* An empty profile is almost certainly a mistake (a truncated or wrong file): say so
	 * rather than run with nothing but the built-in rules. */
	if (r == 0 && st->ndirectives == 0)
		r = ferr(st, name, "empty profile: no directive (only blank lines or comments)");
	st->ndirectives = saved_ndirectives;
	free(s.dir);
	return r;
}

/* ---- entry points ------------------------------------------------------------------------------
 */
const char *lm_profile_dir(void)
{
	const char *env = getenv("LAMINA_PROFILE_DIR");
	struct stat sb;
	if (env && *env)
		return env;
	if (stat(LM_PROFILE_DIR, &sb) == 0 && S_ISDIR(sb.st_mode))
		return LM_PROFILE_DIR;
	return LM_SOURCE_PROFILE_DIR;
}

void lm_profile_info_free(struct lm_profile_info *info)
{
	if (!info)
		return;
	free(info->purpose);
	for (size_t i = 0; i < info->ngroups; i++) {
		free(info->groups[i].name);
		free(info->groups[i].desc);
		free(info->groups[i].file);
	}
	free(info->groups);
	free(info->rule_group);
	for (size_t i = 0; info->rule_conds && i < info->nrule_group; i++)
		free(info->rule_conds[i]);
	free(info->rule_conds);
	for (size_t i = 0; i < info->nfiles; i++)
		free(info->files[i]);
	free(info->files);
	memset(info, 0, sizeof *info);
}

static void pstate_begin(struct pstate *st, struct lm_config *c, struct lm_profile_info *info,
			 struct lm_err *e)
{
	memset(st, 0, sizeof *st);
	st->c = c;
	st->e = e;
	st->info = info ? info : &st->own_info;
	memset(st->info, 0, sizeof *st->info);
	st->cur_group = LM_NO_GROUP;
	st->text_file = UINT_MAX;
	st->as_root = geteuid() == 0;
	st->untrusted = c->profile_untrusted;
	/* A profile replaces any policy loaded before it. */
	lm_seccomp_policy_free(&c->seccomp);
	memset(&c->seccomp, 0, sizeof c->seccomp);
}

static int pstate_end(struct pstate *st, int r, const char *name, const char *path)
{
	struct lm_seccomp_policy *p = &st->c->seccomp;
	if (r == 0) {
		/* The seccomp layer is present when the profile wrote a rule or a default.  Without
		 * a default directive the profile is an allowlist that fails closed. */
		p->present = p->nrules > 0 || st->skimmed_rules > 0 || st->default_seen;
		p->rules_pending = st->skimmed_rules > 0;
		p->notify_pending = st->skim_notify;
		if (!st->default_seen) {
			p->default_action.kind = LM_ACT_KILL_PROCESS;
			p->default_action.errnum = 0;
			p->default_line = 0;
		}
		p->text = steal_pointer(&st->text);
		p->text_len = st->text_len;
		if (st->keep && p->rules_pending) {
			p->files = steal_pointer(&st->files);
			p->nfiles = st->nread;
			st->nread = 0;
		}
		p->name = strdup(name);
		p->path = strdup(path);
		if (!p->name || !p->path)
			r = lm_error(st->e, ENOMEM, "profile", "%s", path);
		/* Rules that would cost libseccomp too much to compile are refused here, where
		 * `lamina check` and `lamina run` both parse them (seccomp_cost.c). */
		if (r == 0 && !p->rules_pending)
			r = lm_seccomp_check_cost(p, NULL, st->e);
	}
	if (r == 0) {
		st->info->rule_group = st->rgroup;
		st->info->rule_conds = st->rconds;
		st->info->nrule_group = p->nrules;
		st->rgroup = NULL;
		st->rconds = NULL;
	}
	free(st->rgroup);
	if (st->rconds)
		for (size_t i = 0; i < p->nrules; i++)
			free(st->rconds[i]);
	free(st->rconds);
	free(st->text);
	for (unsigned i = 0; i < st->ntext_names; i++)
		free(st->text_names[i]);
	for (unsigned i = 0; i < st->nquiet; i++)
		free(st->quiet_files[i]);
	free(st->base);
	lm_profile_texts_free(st->files, st->nread);
	lm_profile_info_free(&st->own_info);
	if (r < 0 && st->info != &st->own_info)
		lm_profile_info_free(st->info);
	return r;
}

int lm_profile_parse_buffer_info(const char *text, size_t len, const char *filename,
				 struct lm_config *c, struct lm_profile_info *info,
				 struct lm_err *e)
{
	struct pstate st;
	pstate_begin(&st, c, info, e);
	int r;
	if (len > LM_PROFILE_MAX_SIZE)
		r = ferr(&st, filename, "larger than %d bytes: not a profile", LM_PROFILE_MAX_SIZE);
	else
		r = parse_file(&st, filename, text, len, true, false, 0, false);
	return pstate_end(&st, r, filename, filename);
}

int lm_profile_parse_buffer(const char *text, size_t len, const char *filename, struct lm_config *c,
			    struct lm_err *e)
{
	return lm_profile_parse_buffer_info(text, len, filename, c, NULL, e);
}

static int load_top(const char *name_or_path, struct lm_config *c, struct lm_profile_info *info,
		    bool skim, struct lm_err *e)
{
	cleanup_free char *path = NULL;
	if (!name_or_path || !*name_or_path)
		return lm_error(e, 0, "profile", "empty profile name");
	if (strchr(name_or_path, '/')) {
		path = strdup(name_or_path);
	} else {
		path = lm_profile_path(name_or_path);
		if (!path && errno == EINVAL)
			return lm_error(e, 0, "profile", "invalid profile name '%s'", name_or_path);
	}
	if (!path)
		return lm_error(e, errno, "profile", "%s", name_or_path);
	if (!strchr(name_or_path, '/') && access(path, F_OK) < 0 && errno == ENOENT)
		return lm_error(e, 0, "profile",
				"no shipped profile named '%s' in %s (see `lamina profiles`; a "
				"profile file needs a '/' in its name, as in ./%s)",
				name_or_path, lm_profile_dir(), name_or_path);
	if (lm_profile_is_json(path)) {
		/* a JSON profile's rules are not checked against a base: it cannot be a tenant's */
		if (c->profile_untrusted)
			return lm_error(
			    e, 0, "profile",
			    "%s: --untrusted-profile takes lamina's profile format only (a "
			    "JSON profile's rules cannot be checked to only narrow)",
			    name_or_path);
		if (info)
			memset(info, 0, sizeof *info);
		return lm_profile_json_load(path, c, e);
	}
	struct pstate st;
	pstate_begin(&st, c, info, e);
	st.skim = skim;
	st.keep = skim;
	int r = load_file(&st, path, !strchr(name_or_path, '/'), NULL, NULL);
	return pstate_end(&st, r, name_or_path, path);
}

int lm_profile_load_info(const char *name_or_path, struct lm_config *c,
			 struct lm_profile_info *info, struct lm_err *e)
{
	return load_top(name_or_path, c, info, false, e);
}

int lm_profile_load(const char *name_or_path, struct lm_config *c, struct lm_err *e)
{
	return load_top(name_or_path, c, NULL, false, e);
}

int lm_profile_load_settings(const char *name_or_path, struct lm_config *c, struct lm_err *e)
{
	return load_top(name_or_path, c, NULL, true, e);
}

int lm_profile_load_rules(struct lm_config *c, struct lm_err *e)
{
	struct lm_seccomp_policy *p = &c->seccomp;
	if (!p->rules_pending)
		return 0;
	if (!p->nfiles)
		return lm_error(e, 0, "profile",
				"%s: internal error: the profile's text was not kept", p->path);
	/* The whole profile again, from the texts the settings load read, into a scratch
	 * config: only its policy is kept (the settings were read the first time, and the
	 * command line has changed some since). */
	struct lm_config full;
	lm_config_init(&full);
	full.profile_untrusted = c->profile_untrusted;
	struct pstate st;
	pstate_begin(&st, &full, NULL, e);
	st.replay = p->files;
	st.nreplay = p->nfiles;
	int r = load_file(&st, p->path, p->files[0].shipped, NULL, NULL);
	r = pstate_end(&st, r, p->name, p->path);
	if (r == 0) {
		struct lm_seccomp_policy old = *p;
		*p = full.seccomp;
		free(p->name);
		free(p->path);
		p->name = old.name; /* as the user named it */
		p->path = old.path;
		old.name = old.path = NULL;
		lm_seccomp_policy_free(&old); /* the texts too: nothing reads them again */
		memset(&full.seccomp, 0, sizeof full.seccomp);
	}
	lm_config_free(&full);
	return r;
}
