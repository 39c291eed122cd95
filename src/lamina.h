/* lamina: the one description of a sandbox and the tiny interface of each layer.
 *
 * Every layer lives in its own file in src/ and exposes one or two functions that take the
 * config and an error out-parameter.  Library functions return 0 or a negative value and fill
 * struct lm_err; only cmd/ prints.  */
#ifndef LAMINA_H
#define LAMINA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>

#define LM_VERSION "0.1.0"

/* Exit statuses (../shared/DESIGN.md). */
enum {
	LM_EXIT_TIMEOUT = 124,
	LM_EXIT_FAILURE = 125, /* lamina itself failed or was misused */
	LM_EXIT_NOEXEC = 126,  /* program found but not executable */
	LM_EXIT_NOTFOUND = 127,
};

/* ---- errors ---------------------------------------------------------------------------- */
struct lm_err {
	int errnum;      /* errno of the failing call, 0 when not a syscall failure */
	int exit_code;   /* exit status lamina should end with (125 unless 126/127) */
	char msg[1024];  /* "layer: what failed: strerror", without the "lamina: " prefix */
};

/* Fill *e with "layer: fmt..." (and ": strerror(errnum)" when errnum != 0); returns -1. */
int lm_error(struct lm_err *e, int errnum, const char *layer, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- cleanup helpers (after bubblewrap / crun) ---------------------------------------- */
void lm_freep(void *p);
void lm_closep(int *fd);
void lm_strvfreep(char ***v);
#define cleanup_free __attribute__((cleanup(lm_freep)))
#define cleanup_close __attribute__((cleanup(lm_closep)))
#define cleanup_strv __attribute__((cleanup(lm_strvfreep)))
static inline void *lm_steal_pointer(void *pp)
{
	void **p = (void **)pp;
	void *r = *p;
	*p = NULL;
	return r;
}
#define steal_pointer(pp) lm_steal_pointer(pp)
static inline int lm_steal_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}

/* ---- layers that can be removed for the demo (never from a profile) -------------------- */
enum lm_layer {
	LM_LAYER_USERNS = 1u << 0,   /* the user namespace cannot be removed; kept for naming */
	LM_LAYER_NAMESPACES = 1u << 1, /* pid, net, ipc, uts, cgroup namespaces */
	LM_LAYER_PIVOT = 1u << 2,    /* the pivot into the minimal root */
	LM_LAYER_CAPS = 1u << 3,     /* capability drop */
	LM_LAYER_NNP = 1u << 4,      /* no_new_privs */
	LM_LAYER_RLIMITS = 1u << 5,
	LM_LAYER_SECCOMP = 1u << 6,
	LM_LAYER_STDFD = 1u << 7,    /* the std-fd seccomp rules */
	LM_LAYER_NETNS = 1u << 8,    /* only the network namespace */
	LM_LAYER_SESSION = 1u << 9,  /* the new session (setsid) */
	LM_LAYER_FDS = 1u << 10,     /* closing inherited fds */
	LM_LAYER_ENV = 1u << 11,     /* clearing the environment */
	LM_LAYER_LANDLOCK = 1u << 12,
};
/* Name <-> bit; names are lower-case words ("seccomp", "caps", ...). */
int lm_layer_from_name(const char *name, unsigned *bit);
const char *lm_layer_name(unsigned bit);
extern const char *const lm_layer_names[]; /* NULL-terminated, in bit order */

/* ---- mounts ---------------------------------------------------------------------------- */
enum lm_mount_kind { LM_MOUNT_RO_BIND, LM_MOUNT_BIND, LM_MOUNT_TMPFS };
struct lm_mount {
	enum lm_mount_kind kind;
	char *src; /* host path, NULL for tmpfs */
	char *dst; /* absolute path inside the sandbox */
};

/* ---- rlimits --------------------------------------------------------------------------- */
#define LM_NRLIMITS 16 /* RLIMIT_NLIMITS on Linux */
struct lm_rlimit {
	bool set;         /* requested (profile or command line) */
	bool hard_set;    /* an explicit hard value was given */
	rlim_t soft, hard;
	bool from_profile; /* a profile's bound: lowered to the caller's hard limit, not an error */
};

/* ---- seccomp policy (filled by profile.c, fed to libseccomp by seccomp.c) -------------- */
enum lm_action_kind {
	LM_ACT_ALLOW,
	LM_ACT_ERRNO,
	LM_ACT_KILL_PROCESS,
	LM_ACT_KILL_THREAD,
	LM_ACT_TRAP,
	LM_ACT_LOG,
	LM_ACT_NOTIFY,
};
struct lm_action {
	enum lm_action_kind kind;
	int errnum; /* for LM_ACT_ERRNO */
};
enum lm_cmp { LM_CMP_EQ, LM_CMP_NE, LM_CMP_LT, LM_CMP_LE, LM_CMP_GT, LM_CMP_GE, LM_CMP_MASKED_EQ };
struct lm_cond {
	unsigned arg; /* 0..5 */
	enum lm_cmp op;
	uint64_t mask;  /* for LM_CMP_MASKED_EQ: (arg & mask) == value */
	uint64_t value;
};
#define LM_MAX_CONDS 6
struct lm_rule {
	struct lm_action action;
	char *syscall;   /* name as written (in the policy's string arena) */
	int nr;          /* native syscall number (libseccomp resolution) */
	struct lm_cond conds[LM_MAX_CONDS];
	unsigned nconds;
	char *file;      /* where the rule was written: FILE:LINE, for reports (in the arena) */
	unsigned line;
};
/* Strings that live as long as a policy, carved from a few large blocks: a profile has hundreds
 * of rules and is parsed at every launch, and one malloc per string costs (musl's allocator maps
 * and unmaps pages as it goes). */
struct lm_strarena {
	struct lm_strblock *head;
};
char *lm_arena_strndup(struct lm_strarena *a, const char *s, size_t n); /* NULL: no memory */
void lm_arena_free(struct lm_strarena *a);

/* A profile file as lamina run read it: its rules are parsed from this text when they are
 * needed, never from the disk a second time. */
struct lm_profile_text {
	char *path;
	char *text;
	size_t len;
	dev_t dev; /* the file's identity, for the include cycle check */
	ino_t ino;
};
void lm_profile_texts_free(struct lm_profile_text *f, size_t n);

struct lm_seccomp_policy {
	bool present;            /* a profile with seccomp rules was loaded */
	char *name;              /* profile name ("default") or path */
	char *path;              /* file it came from */
	struct lm_action default_action;
	unsigned default_line;   /* line of the default directive, 0 when implicit */
	struct lm_rule *rules;
	size_t nrules;
	bool stdfd;              /* the std-fd layer (close/dup2/dup3/close_range on 0-2) */
	bool allow_dup2_1_2;     /* the seed's one exception to the std-fd layer */
	bool i386;               /* `i386 on`: i386 calls (int $0x80) get the same rules; off:
				    they kill the process like every other foreign arch */
	/* The profile's seccomp lines (rules, default, stdfd, i386, reset), trimmed, one a line,
	 * in the order read (profile.c, "the seccomp lines"): equal texts make equal policies,
	 * and the filters built into lamina are keyed by it. */
	char *text;
	size_t text_len;
	/* Loaded by lm_profile_load_settings: the profile has rules, not parsed yet (see
	 * lm_profile_load_rules); notify_pending: one of them uses the notify action.  files:
	 * the files read (the top one first, includes in the order read), kept while the rules
	 * are pending. */
	bool rules_pending;
	bool notify_pending;
	struct lm_profile_text *files;
	size_t nfiles;
	struct lm_strarena strings; /* the rules' syscall and file strings */
};

/* ---- environment ------------------------------------------------------------------------ */
struct lm_envop {
	bool unset;
	char *key, *value;
};

/* ---- the one description of a sandbox -------------------------------------------------- */
struct lm_config {
	/* payload */
	char **argv;            /* PROGRAM ARGS..., NULL-terminated; not owned when from main() */
	bool argv_owned;

	/* identity */
	bool uid_set, gid_set;
	uid_t uid;              /* inside */
	gid_t gid;
	uid_t host_uid;         /* as root: the unprivileged host uid the payload maps to */
	gid_t host_gid;

	/* namespaces / root */
	bool share_net;
	char *hostname;         /* default "lamina" */
	char *rootfs;           /* NULL: the built-in minimal root */
	char *chdir;            /* working directory inside, default "/" (or $HOME when it exists?) */
	struct lm_mount *mounts;
	size_t nmounts;

	/* resources */
	struct lm_rlimit rlimits[LM_NRLIMITS];
	double timeout;         /* seconds; 0 = none */

	/* environment */
	bool keep_env;
	struct lm_envop *envops;
	size_t nenvops;

	/* seccomp */
	struct lm_seccomp_policy seccomp;
	bool report;            /* violation reports through user notification */

	/* misc */
	bool verbose;
	unsigned disabled_layers; /* LM_LAYER_* bits, from --unsafe-disable-layer only */
	char *profile_name;     /* as given to -p, for messages */

	/* filled by the supervisor before clone */
	bool caller_is_root;    /* euid 0: the payload is mapped to host_uid/host_gid */
	uid_t caller_uid;
	gid_t caller_gid;
};

void lm_config_init(struct lm_config *c);
void lm_config_free(struct lm_config *c);
int lm_config_add_mount(struct lm_config *c, enum lm_mount_kind kind, const char *src,
			const char *dst, struct lm_err *e);
int lm_config_add_envop(struct lm_config *c, bool unset, const char *key, const char *value,
			struct lm_err *e);
void lm_seccomp_policy_free(struct lm_seccomp_policy *p);

/* ---- parsing helpers shared by cmd/ and profile.c ------------------------------------- */
/* "123", "64K", "1G", "unlimited"; size suffixes only where allow_suffix. */
int lm_parse_u64(const char *s, uint64_t max, bool allow_suffix, uint64_t *out);
/* "nofile=256", "as=1G:2G", "core=0" into c->rlimits (validated later against the caller's hard
 * limits by rlimit_check()). */
int lm_parse_rlimit(const char *spec, struct lm_config *c, struct lm_err *e);
int lm_rlimit_from_name(const char *name); /* -1 when unknown */
const char *lm_rlimit_name(int resource);
/* A limit as the rlimit directive writes it: 8G, 64M, 1024, unlimited. */
const char *lm_rlimit_format(char *buf, size_t n, rlim_t v);

/* ---- layers ---------------------------------------------------------------------------- */
/* rlimit.c: resolve defaults and requests against the caller's limits (supervisor, before
 * clone) and apply them (payload, before exec). */
/* inherited (may be NULL) receives the caller's own limits, which init and the payload
 * inherit; lm_rlimit_apply then sets only the limits that differ from them (NULL: all). */
int lm_rlimit_resolve(struct lm_config *c, struct rlimit out[LM_NRLIMITS],
		      struct rlimit inherited[LM_NRLIMITS], struct lm_err *e);
int lm_rlimit_apply(const struct rlimit lim[LM_NRLIMITS],
		    const struct rlimit inherited[LM_NRLIMITS], struct lm_err *e);

/* userns.c: write the maps of the child (the supervisor as root; init itself, child == 0,
 * unprivileged) and settle the ids (init, before it builds the root). */
int lm_userns_write_maps(const struct lm_config *c, pid_t child, struct lm_err *e);
int lm_userns_enter_ids(const struct lm_config *c, struct lm_err *e);

/* mount.c: build the root and pivot into it (init, inside the new mount namespace). */
int lm_mount_apply(const struct lm_config *c, struct lm_err *e);
int lm_mount_check(const struct lm_config *c, struct lm_err *e); /* before clone: sources */

/* net.c: the new network namespace, made by a helper of the supervisor while init builds the
 * root, and joined by init before the payload starts.  Supervisor: lm_net_prepare before the
 * clone of init (init gets *init_end), lm_net_start after it, lm_net_reap at the end.  Init:
 * lm_net_offer_userns first, lm_net_join after the root is built. */
struct lm_net_helper {
	pid_t pid; /* -1: none (shared network, or the layer is off) */
	int sock;  /* the helper's end until it is started */
};
bool lm_net_wanted(const struct lm_config *c);
int lm_net_prepare(const struct lm_config *c, struct lm_net_helper *h, int *init_end,
		   struct lm_err *e);
int lm_net_start(const struct lm_config *c, struct lm_net_helper *h, struct lm_err *e);
int lm_net_offer_userns(int sock, struct lm_err *e);
void lm_net_reap(struct lm_net_helper *h, bool kill_it);
int lm_net_join(const struct lm_config *c, int sock, struct lm_err *e);

/* init.c: one message on a socket, with passfd (when >= 0) passed along (SCM_RIGHTS); EINTR
 * retried, no SIGPIPE.  0 or -1 with errno. */
int lm_send_fd(int sock, const void *buf, size_t len, int passfd);
/* The other end: one message into buf (recvmsg flags, MSG_CMSG_CLOEXEC added, EINTR retried),
 * *passfd the fd that came with it or -1 (the caller owns it).  recvmsg's return. */
ssize_t lm_recv_fd(int sock, void *buf, size_t len, int flags, int *passfd);

/* caps.c: empty every capability set; no_new_privs; non-dumpable. */
int lm_caps_drop(const struct lm_config *c, struct lm_err *e);

/* env.c: build the payload's environment (caller owns the returned vector). */
char **lm_env_build(const struct lm_config *c, char **environ_in, struct lm_err *e);

/* seccomp_load.c: load the policy (last step before exec).  listener_fd receives the user
 * notification fd when c->report, else -1. */
int lm_seccomp_apply(const struct lm_config *c, int *listener_fd, struct lm_err *e);
/* Report mode is on (c->report, or a profile rule uses the notify action): the payload will
 * create a listener. */
bool lm_seccomp_wants_listener(const struct lm_config *c);

/* profile.c: load a profile (shipped name or path) into c: its settings and its seccomp
 * policy.  Errors are "FILE:LINE:COL: message".  Command-line options are applied after it. */
int lm_profile_load(const char *name_or_path, struct lm_config *c, struct lm_err *e);
/* lamina run's load: every setting, the default action and the seccomp lines (c->seccomp.text),
 * but the rules only counted, not parsed (the costly part: about half of lamina's own
 * start-up).  The files read are kept in c->seccomp.  When the filter built into lamina for
 * these seccomp lines is used the rules are never needed; otherwise, or in report mode
 * (lm_seccomp_needs_rules), lm_profile_load_rules parses them, and a rule error is then
 * reported with its FILE:LINE as always.  The table holds only shipped profiles, which parse,
 * so a profile with a broken rule never runs. */
int lm_profile_load_settings(const char *name_or_path, struct lm_config *c, struct lm_err *e);
/* Parse the rules a settings load left pending (no-op otherwise), from the texts it read. */
int lm_profile_load_rules(struct lm_config *c, struct lm_err *e);
/* The directory the shipped profiles are read from ($LAMINA_PROFILE_DIR, the installed
 * directory, or the source tree's profiles/ for an uninstalled build). */
const char *lm_profile_dir(void);

/* supervise.c: run the whole sandbox; returns the exit status lamina should end with. */
int lm_run(struct lm_config *c, struct lm_err *e);

/* verbose output: "lamina: LAYER: ..." on stderr when c->verbose. */
void lm_verbose(const struct lm_config *c, const char *layer, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* profile.c: parse a profile held in memory (the fuzzer's entry point); filename is used in
 * messages and to resolve relative includes.  Same errors as lm_profile_load. */
int lm_profile_parse_buffer(const char *text, size_t len, const char *filename,
			    struct lm_config *c, struct lm_err *e);

/* seccomp.c: write the pseudo-filter code (seccomp_export_pfc) of the filters lamina would load
 * for c (the profile's and the built-in ones) to fd; for `lamina check --pfc`. */
int lm_seccomp_export_pfc(const struct lm_config *c, int fd, struct lm_err *e);

/* ---- report.c: seccomp violation reports, supervisor side (see the top of report.c) ----- */
struct lm_report_state {
	bool reported;     /* at least one violation was reported */
	bool killed;       /* the supervisor killed a task for a kill-process/kill-thread rule */
	int kill_signal;   /* the signal the payload should be seen to die of (SIGSYS) */
	unsigned count;
};
void lm_report_init(struct lm_report_state *st);
/* The listener is readable: receive one notification, decode it, print one line on stderr,
 * respond (errno rules) or kill the task (kill rules) so that the call never runs. */
int lm_report_handle(int listener_fd, const struct lm_config *c, struct lm_report_state *st);
/* The exit status lamina ends with, given the payload's raw wait status (159 for a task the
 * supervisor killed on a kill-process rule). */
int lm_report_exit_status(const struct lm_report_state *st, int wait_status);

/* ---- seccomp: compile early, load late (h2) ----------------------------------------------
 * lm_seccomp_prepare: take c's filters from the table built into lamina, or compile them to
 * BPF, in the supervisor before clone; the payload inherits the result and lm_seccomp_apply
 * only makes the seccomp(2) calls.  Optional: apply compiles itself when nothing was prepared
 * for this config.  lm_seccomp_release frees it (supervisor, at the end).  A settings load
 * (lm_profile_load_settings) leaves the rules pending: when lm_seccomp_needs_rules says so, the
 * caller has them parsed (lm_profile_load_rules) before lm_seccomp_prepare, which otherwise
 * fails closed. */
int lm_seccomp_prepare(const struct lm_config *c, struct lm_err *e);
void lm_seccomp_release(void);
/* The profile's rules must be parsed before the filter can be prepared: they are pending, and
 * no filter built into lamina fits (or report mode names the rule that stopped a call). */
bool lm_seccomp_needs_rules(const struct lm_config *c);
/* The table built into lamina holds c's filters (lamina check says so). */
bool lm_seccomp_has_builtin(const struct lm_config *c);

/* The shipped profiles' filters, compiled at build time (cmd/lamina-embed.c writes the table,
 * lamina links it in), keyed by the profile's seccomp lines and the switches that change the
 * programs (seccomp_table.c). */
struct sock_filter;
struct lm_builtin_bpf {
	const char *switches;
	const char *text; /* struct lm_seccomp_policy's text */
	size_t text_len;
	unsigned nprogs;
	bool listener;
	unsigned short len[2];
	const struct sock_filter *insns[2];
};
void lm_seccomp_use_builtin(const struct lm_builtin_bpf *const *table, size_t n);
/* Write c's seccomp lines to out as C: the array TEXT_ID, for the entries of that profile. */
int lm_seccomp_write_builtin_text(const struct lm_config *c, const char *text_id, FILE *out,
				  struct lm_err *e);
/* Compile c's filters and write them to out as C: arrays named ID_0, ID_1 and the struct
 * lm_builtin_bpf ID that points to them and to TEXT_ID (lm_seccomp_write_builtin_text). */
int lm_seccomp_write_builtin(const struct lm_config *c, const char *id, const char *text_id,
			     FILE *out, struct lm_err *e);

#endif
