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
	int errnum;	/* errno of the failing call, 0 when not a syscall failure */
	int exit_code;	/* exit status lamina should end with (125 unless 126/127) */
	char msg[1024]; /* "layer: what failed: strerror", without the "lamina: " prefix */
};

/* Fill *e with "layer: fmt..." (and ": strerror(errnum)" when errnum != 0); returns -1. */
int lm_error(struct lm_err *e, int errnum, const char *layer, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Fill *e with the message alone, no layer's prefix (the profile parser puts FILE:LINE:COL in
 * front, the command line "run: "); returns -1. */
int lm_error_plain(struct lm_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* exec.c: execve argv[0], searched as execvp would in env's PATH (dflt_path where env has
 * none); returns -1 with the most telling errno (EACCES over ENOENT) when nothing ran. */
int lm_exec_search(char **argv, char **env, const char *dflt_path);
/* write(2) all n bytes of buf (EINTR retried): 0, or -1 with errno. */
int lm_write_all(int fd, const void *buf, size_t n);
/* Make a message safe to print on one line (lm_error does it): control characters become '?',
 * bytes that are not valid UTF-8 become \xNN; in place, within cap bytes. */
void lm_msg_clean(char *msg, size_t cap);

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
/* Ownership moves out of a cleanup variable: the value keeps its type. */
#define steal_pointer(pp) ((__typeof__(*(pp)))lm_steal_pointer(pp))
static inline int lm_steal_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}

/* ---- layers that can be removed for the demo (never from a profile) -------------------- */
enum lm_layer_bit {
	LM_LAYER_USERNS = 1u << 0,     /* the user namespace cannot be removed; kept for naming */
	LM_LAYER_NAMESPACES = 1u << 1, /* pid, net, ipc, uts, cgroup namespaces */
	LM_LAYER_PIVOT = 1u << 2,      /* the pivot into the minimal root */
	LM_LAYER_CAPS = 1u << 3,       /* capability drop */
	LM_LAYER_NNP = 1u << 4,	       /* no_new_privs */
	LM_LAYER_RLIMITS = 1u << 5,
	LM_LAYER_SECCOMP = 1u << 6,
	LM_LAYER_STDFD = 1u << 7,   /* the std-fd seccomp rules */
	LM_LAYER_NETNS = 1u << 8,   /* only the network namespace */
	LM_LAYER_SESSION = 1u << 9, /* the new session (setsid) */
	LM_LAYER_FDS = 1u << 10,    /* closing inherited fds */
	LM_LAYER_ENV = 1u << 11,    /* clearing the environment */
	/* Landlock: rules by path and TCP port, signals and abstract sockets scoped */
	LM_LAYER_LANDLOCK = 1u << 12,
	/* the sandbox's cgroup (memory, tasks, CPU, I/O limits) */
	LM_LAYER_RESOURCES = 1u << 13,
	LM_LAYER_TERMINAL = 1u << 14, /* a pty of its own, not the caller's terminal */
	LM_LAYER_STATUS = 1u << 15,   /* what the launch came to, told to the caller */
};

/* ---- mounts ---------------------------------------------------------------------------- */
enum lm_mount_kind {
	LM_MOUNT_RO_BIND,
	LM_MOUNT_BIND,
	LM_MOUNT_TMPFS,
	LM_MOUNT_DEV_BIND, /* a writable bind whose device nodes stay usable */
	LM_MOUNT_SYMLINK,  /* src is the symlink's target */
	LM_MOUNT_FILE,	   /* a file holding the content of the caller's fd */
	LM_MOUNT_OVERLAY,  /* src visible at dst, writable; changes in a tmpfs or in upper */
};
struct lm_mount {
	enum lm_mount_kind kind;
	char *src;     /* host path (the symlink's target for LM_MOUNT_SYMLINK), NULL for tmpfs */
	char *dst;     /* absolute path inside the sandbox */
	bool try_src;  /* --ro-bind-try, --bind-try: a missing source is skipped */
	bool rdonly;   /* LM_MOUNT_FILE: read-only (--bind-data) */
	bool mode_set; /* tmpfs: mode given */
	unsigned mode; /* tmpfs: mode bits */
	uint64_t size; /* tmpfs: bytes; 0: lamina's default size */
	int fd;	       /* LM_MOUNT_FILE: the caller's fd */
	char *data;    /* LM_MOUNT_FILE: its content, read by the supervisor */
	size_t len;
	char *upper; /* overlay: host directory that keeps the changes; NULL: a private tmpfs */
};

/* ---- rlimits --------------------------------------------------------------------------- */
#define LM_NRLIMITS 16 /* RLIMIT_NLIMITS on Linux */
struct lm_rlimit {
	bool set;      /* requested (profile or command line) */
	bool hard_set; /* an explicit hard value was given */
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
	uint64_t mask; /* for LM_CMP_MASKED_EQ: (arg & mask) == value */
	uint64_t value;
};
#define LM_MAX_CONDS 6
struct lm_rule {
	struct lm_action action;
	char *syscall; /* name as written (in the policy's string arena) */
	int nr;	       /* native syscall number (libseccomp resolution) */
	struct lm_cond conds[LM_MAX_CONDS];
	unsigned nconds;
	char *file; /* where the rule was written: FILE:LINE, for reports (in the arena) */
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
	uid_t uid;    /* its owner: whether messages may quote it (profile.c) */
	bool shipped; /* named as a shipped profile */
};
void lm_profile_texts_free(struct lm_profile_text *f, size_t n);

struct lm_seccomp_policy {
	bool present; /* a profile with seccomp rules was loaded */
	char *name;   /* profile name ("default") or path */
	char *path;   /* file it came from */
	struct lm_action default_action;
	unsigned default_line; /* line of the default directive, 0 when implicit */
	struct lm_rule *rules;
	size_t nrules;
	bool stdfd;	     /* the std-fd layer (close/dup2/dup3/close_range on 0-2) */
	bool allow_dup2_1_2; /* the seed's one exception to the std-fd layer */
	bool i386;	     /* `i386 on`: i386 calls (int $0x80) get the same rules; off:
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

/* ---- landlock (src/landlock.c) -------------------------------------------------------- */
/* One rule: rights beneath a path inside the sandbox, or on a range of TCP ports. */
struct lm_landlock_rule {
	char *path;	 /* absolute and normalised, inside the sandbox; NULL: a port rule */
	uint64_t access; /* LANDLOCK_ACCESS_FS_* bits, or LANDLOCK_ACCESS_NET_* for ports */
	uint16_t lo, hi; /* the port range */
	bool cli;	 /* from the command line: explicit, an error where it cannot apply */
};

/* ---- network: --net user's ports (net.c) ----------------------------------------------- */
#define LM_NET_MAX_PORTS 16
struct lm_net_port {
	bool udp;
	char host[46];	    /* --publish: the host address (INET6_ADDRSTRLEN), default 127.0.0.1 */
	uint16_t host_port; /* --publish: the host's port; --connect-host: the port */
	uint16_t port;	    /* --publish: the port inside; --connect-host: the same port */
};

/* ---- resources: limits of the sandbox as a whole, through a cgroup (src/cgroup.c) ------- */
#define LM_MAX_IO_LIMITS 8
struct lm_io_limit {
	char device[128];    /* a block device's path, or MAJ:MIN, as written */
	uint64_t rbps, wbps; /* bytes per second; 0: no limit */
};
struct lm_resources {
	bool cli;	      /* a limit came from the command line, not only from a profile */
	uint64_t memory;      /* bytes; 0: no limit */
	uint64_t memory_swap; /* bytes of swap beyond memory (UINT64_MAX: unlimited) */
	bool memory_swap_set; /* given; otherwise none where a memory limit is set */
	uint64_t pids;	      /* tasks of the payload (init not counted); 0: no limit */
	uint64_t cpu_quota;   /* microseconds of CPU per 100 ms; 0: no limit */
	unsigned cpu_weight;  /* 1..10000 (cgroup v2's scale); 0: not set */
	unsigned io_weight;   /* 1..10000; 0: not set */
	struct lm_io_limit io[LM_MAX_IO_LIMITS];
	unsigned nio;
};

/* ---- the one description of a sandbox -------------------------------------------------- */
struct lm_config {
	/* payload */
	char **argv; /* PROGRAM ARGS..., NULL-terminated; not owned when from main() */
	bool argv_owned;

	/* identity */
	bool uid_set, gid_set;
	uid_t uid; /* inside */
	gid_t gid;
	uid_t host_uid; /* as root: the unprivileged host uid the payload maps to */
	gid_t host_gid;

	/* namespaces / root */
	bool share_net;
	char *hostname; /* default "lamina" */
	char *rootfs;	/* NULL: the built-in minimal root */
	char *chdir;	/* working directory inside, default "/" (or $HOME when it exists?) */
	struct lm_mount *mounts;
	size_t nmounts;

	/* resources */
	struct lm_rlimit rlimits[LM_NRLIMITS];
	double timeout; /* seconds; 0 = none */

	/* environment */
	bool keep_env;
	struct lm_envop *envops;
	size_t nenvops;

	/* seccomp */
	struct lm_seccomp_policy seccomp;
	bool report; /* violation reports through user notification */

	/* misc */
	bool verbose;
	unsigned disabled_layers; /* LM_LAYER_* bits, from --unsafe-disable-layer only */
	char *profile_name;	  /* as given to -p, for messages */

	/* filled by the supervisor before clone */
	bool caller_is_root; /* euid 0: the payload is mapped to host_uid/host_gid */
	uid_t caller_uid;
	gid_t caller_gid;

	/* landlock (src/landlock.c) */
	struct lm_landlock_rule *landlock_rules; /* in the order given, profile first */
	size_t nlandlock_rules;
	unsigned landlock_unscoped; /* LANDLOCK_SCOPE_* bits `landlock scope` lifted */
	bool landlock_scope_set;    /* a `landlock scope` directive named what is scoped */
	bool landlock_check_paths;  /* lamina check: a rule's path must exist in the sandbox */
	/* identity ranges (userns.c): what was asked for, then the maps resolved before the
	 * clone (lm_userns_host_uid reads them) */
	char *tenant;	       /* --tenant NAME: a stable range of its own */
	bool userns_range_set; /* --userns-range HOSTUID:COUNT */
	uint32_t range_base, range_count;
	bool host_id_set; /* --host-uid/--host-gid: the one-id mapping as root */
	struct lm_idmap {
		uint32_t inside, outside, count;
	} uid_map[3], gid_map[3];
	unsigned nuid_map, ngid_map; /* 0 until resolved */
	bool maps_by_supervisor;     /* the supervisor writes the maps, init waits for GO */
	/* network, --net user (net.c); share_net above is --net host */
	bool net_user;	   /* a user-mode network stack (pasta) for the new namespace */
	bool net_outbound; /* --allow-outbound */
	unsigned npublish, nconnect_host;
	struct lm_net_port publish[LM_NET_MAX_PORTS];	   /* --publish */
	struct lm_net_port connect_host[LM_NET_MAX_PORTS]; /* --connect-host */
	/* resources (src/cgroup.c): limits of the sandbox as a whole */
	struct lm_resources res;
	/* terminal (src/pty.c) */
	bool tty_force; /* -t/--tty: a pty even when fds 0-2 are not terminals */
	bool no_pty;	/* --no-pty: the payload gets the caller's fds 0-2 as they are */
	/* status (src/status.c) */
	bool status_fd_set; /* --json-status-fd FD: JSON objects at the start and the end */
	int status_fd;
	/* untrusted profiles (src/profile_untrusted.c): --untrusted-profile FILE may only narrow,
	 * and binds only what is beneath the --untrusted-allow-path directories (resolved) */
	bool profile_untrusted;
	char **untrusted_paths;
	size_t nuntrusted_paths;
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
/* The limit in force for resource when no profile or option sets it: lamina's default (lowered
 * to the caller's hard limit), else the caller's own. */
void lm_rlimit_baseline(int resource, struct rlimit *out);
int lm_rlimit_apply(const struct rlimit lim[LM_NRLIMITS],
		    const struct rlimit inherited[LM_NRLIMITS], struct lm_err *e);
/* The payload's limit of one resource as the supervisor resolved it (its prepare stage); false
 * before that. */
bool lm_rlimit_resolved(int resource, struct rlimit *out);

/* userns.c: write the maps of the child (the supervisor as root; init itself, child == 0,
 * unprivileged) and settle the ids (init, before it builds the root). */
int lm_userns_write_maps(const struct lm_config *c, pid_t child, struct lm_err *e);
int lm_userns_enter_ids(const struct lm_config *c, struct lm_err *e);
/* The host uid (gid) an id inside the sandbox maps to, or (uid_t)-1 when it is not mapped;
 * valid once the supervisor's prepare stage has resolved the maps (before the clone). */
uid_t lm_userns_host_uid(const struct lm_config *c, uid_t inside);
gid_t lm_userns_host_gid(const struct lm_config *c, gid_t inside);
/* More than one id is mapped (a range): in-sandbox root may change ids. */
bool lm_userns_is_range(const struct lm_config *c);
/* The supervisor's clone of init into the new namespaces (flags from lm_ns_clone_flags): as
 * clone(2) with CLONE_PIDFD, 0 in init, init's pid in the supervisor (*pidfd its pidfd), -1
 * and errno on failure.  The user namespace is created as the sandbox's own host uid, with
 * the sandbox's bounds on pending signals, message queues and processes. */
pid_t lm_userns_clone(const struct lm_config *c, unsigned long flags, int cgroup, int *pidfd,
		      struct lm_err *e);
/* The generated /etc/passwd (group: /etc/group) of lamina's own root; malloc'd, NULL when
 * out of memory. */
char *lm_userns_etc(const struct lm_config *c, bool group, const char *payload_home);

/* mount.c: the sources and the working directory, checked before the clone. */
int lm_mount_check(const struct lm_config *c, struct lm_err *e);
/* mount.c: the sandbox user's home inside (HOME, and the home field of the generated passwd):
 * under --rootfs the home its /etc/passwd gives the uid inside, otherwise the caller's HOME
 * when it is a usable absolute path, otherwise /root for uid 0 and /home/user for others. */
const char *lm_mount_home(const struct lm_config *c);
/* The private HOME lamina makes for the payload (its environment's HOME, into buf), or NULL
 * (none, or HOME is in one of the user's mounts); from the prepare stage on. */
struct lm_sandbox;
const char *lm_mount_private_home(const struct lm_sandbox *sb, char *buf, size_t n);

/* ns.c: the namespaces the supervisor's clone creates. */
unsigned long lm_ns_clone_flags(const struct lm_config *c);

/* net.c: the new network namespace (made beside init, see net.c), wanted for c? */
bool lm_net_wanted(const struct lm_config *c);
/* net.c: the text of the sandbox's /etc/resolv.conf under --net user (pasta's DNS forwarder
 * when outbound traffic is allowed), or NULL for none. */
const char *lm_net_resolv_conf(const struct lm_config *c);

/* fdpass.c: one message on a socket, with passfd (when >= 0) passed along (SCM_RIGHTS); EINTR
 * retried, no SIGPIPE.  0 or -1 with errno. */
int lm_send_fd(int sock, const void *buf, size_t len, int passfd);
/* The other end: one message into buf (recvmsg flags, MSG_CMSG_CLOEXEC added, EINTR retried),
 * *passfd the fd that came with it or -1 (the caller owns it).  recvmsg's return. */
ssize_t lm_recv_fd(int sock, void *buf, size_t len, int flags, int *passfd);

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
int lm_profile_parse_buffer(const char *text, size_t len, const char *filename, struct lm_config *c,
			    struct lm_err *e);

/* seccomp.c: write the pseudo-filter code (seccomp_export_pfc) of the filters lamina would load
 * for c (the profile's and the built-in ones) to fd; for `lamina check --pfc`. */
int lm_seccomp_export_pfc(const struct lm_config *c, int fd, struct lm_err *e);

/* ---- report.c: seccomp violation reports, supervisor side (see the top of report.c) ----- */
struct lm_report_state {
	bool reported;	 /* at least one violation was reported */
	bool killed;	 /* the supervisor killed a task for a kill-process/kill-thread rule */
	int kill_signal; /* the signal the payload should be seen to die of (SIGSYS) */
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

/* ---- the layer table (src/layers.c) ----------------------------------------------------
 * Every layer is one row: its name (and --unsafe-disable-layer bit), its settings (the command
 * line options and profile directives that describe it), its `explain` text, and the steps it
 * takes at each stage of a launch.  The table's order is the order in which the layers are
 * applied at every stage; each step checks its own layer's switch.  A new layer is a new
 * src/<layer>.c plus a row. */

/* Where a setting came from: the command line, or a profile (whose rlimits are bounds, lowered
 * to the caller's own hard limits, where a command-line request above them is an error). */
enum lm_source { LM_SRC_CLI, LM_SRC_PROFILE };

/* The words of one use of a setting: the option's arguments, or the directive's words. */
struct lm_args {
	enum lm_source src;
	const char *name; /* as the user wrote it: "--bind", "bind" */
	unsigned argc;
	char *const *argv;
	unsigned bad; /* out: the word an error is about (profiles point at its column) */
};

/* One setting: a command-line option, a profile directive, or both with the same meaning.
 * set() validates and stores into the config; an error names the problem without the option
 * (the caller adds where it came from). */
struct lm_setting {
	const char *option;    /* "--bind"; NULL: profile only */
	char short_opt;	       /* 'p', or 0 */
	const char *directive; /* "bind"; NULL: command line only */
	unsigned nargs;	       /* the option's arguments; a directive's at most */
	unsigned optional;     /* a directive may leave out this many trailing words */
	const char *metavar;   /* "SRC DST" */
	const char *help;      /* one line for --help */
	int (*set)(struct lm_config *c, struct lm_args *a, struct lm_err *e);
};

/* The stages of a launch, in time order. */
enum lm_stage {
	LM_STAGE_PREPARE,   /* supervisor, before the clone: validate, resolve, compile */
	LM_STAGE_PARENT,    /* supervisor, just after the clone, while init waits (id maps) */
	LM_STAGE_STARTED,   /* supervisor, once init runs on (helpers beside init) */
	LM_STAGE_INIT_HOST, /* init, still with the caller's host identity */
	LM_STAGE_INIT,	    /* init: builds the sandbox */
	LM_STAGE_PAYLOAD,   /* the payload, between init's vfork and execve */
	LM_NSTAGES
};

struct lm_sandbox; /* one launch (src/sandbox.h) */
struct lm_explain; /* what `lamina explain` knows beyond the config (src/profile.h) */

struct lm_layer {
	const char *name; /* "rlimits": -v lines, explain, --unsafe-disable-layer */
	unsigned bit;	  /* LM_LAYER_*; its switch */
	bool removable;	  /* --unsafe-disable-layer accepts it */
	const struct lm_setting *settings; /* {0}-terminated, or NULL */
	int (*step[LM_NSTAGES])(struct lm_sandbox *sb, struct lm_err *e);
	void (*end)(struct lm_sandbox *sb); /* supervisor, when the launch ends however it ends */
	void (*explain)(FILE *out, const struct lm_config *c, const struct lm_explain *x);
	void (*summary)(FILE *out, const struct lm_config *c); /* lamina check's settings line */
};

extern const struct lm_layer *const lm_layers[]; /* NULL-terminated, in the order applied */
/* Settings that belong to no layer (the profile, the timeout, verbosity). */
extern const struct lm_setting lm_core_settings[];

/* Run every layer's step for one stage, in table order; the first failure stops it. */
int lm_layers_run(enum lm_stage stage, struct lm_sandbox *sb, struct lm_err *e);
/* Every layer's end step (safe whatever stage the launch reached). */
void lm_layers_end(struct lm_sandbox *sb);
/* The layer named NAME (removable ones only when removable), or NULL. */
const struct lm_layer *lm_layer_find(const char *name, bool removable);
const char *lm_layer_name(unsigned bit);
/* Is the layer with this bit switched on for c? */
static inline bool lm_layer_on(const struct lm_config *c, unsigned bit)
{
	return !(c->disabled_layers & bit);
}
/* Every setting, the core ones first, then each layer's in table order:
 * `struct lm_setting_iter it = {0}; while ((s = lm_setting_next(&it))) ...` */
struct lm_setting_iter {
	const struct lm_layer *const *l;
	const struct lm_setting *s;
};
const struct lm_setting *lm_setting_next(struct lm_setting_iter *it);
/* The setting whose option (long "--x" or short "-x") or directive is name, or NULL. */
const struct lm_setting *lm_setting_by_option(const char *name);
const struct lm_setting *lm_setting_by_directive(const char *name, size_t len);
/* Apply one use of a setting: its arity checked, then set(). */
int lm_setting_apply(const struct lm_setting *s, struct lm_config *c, struct lm_args *a,
		     struct lm_err *e);

/* The rows (each in its layer's file). */
extern const struct lm_layer lm_layer_fds, lm_layer_session, lm_layer_userns, lm_layer_ns,
    lm_layer_mount, lm_layer_netns, lm_layer_env, lm_layer_rlimits, lm_layer_caps, lm_layer_nnp,
    lm_layer_seccomp, lm_layer_stdfd, lm_layer_terminal;
extern const struct lm_layer lm_layer_landlock;
extern const struct lm_layer lm_layer_resources;
extern const struct lm_layer lm_layer_status;

/* ---- cgroup.c: the resources layer's interface to the rest of lamina -------------------- */
/* A limit of the sandbox as a whole was asked for (and the layer is on): a cgroup is needed.
 * Without one the layer does nothing at all. */
bool lm_resources_wanted(const struct lm_config *c);
/* Could this caller get the cgroup c asks for, now?  0, or -1 with what is missing and how to
 * get it (the message a launch would fail with).  Nothing is created. */
int lm_resources_probe(const struct lm_config *c, struct lm_err *e);
/* The size of lamina's own scratch tmpfs (/tmp and /dev/shm) in bytes; 0: the kernel's
 * default (half the RAM), when the layer is removed. */
uint64_t lm_resources_scratch_size(const struct lm_config *c);
/* supervise.c: the directory fd of the sandbox's cgroup v2 to clone init into
 * (CLONE_INTO_CGROUP), or -1: a plain clone (no cgroup, or cgroup v1 only). */
int lm_resources_clone_cgroup(void);
/* What the sandbox's cgroup measured, read when the launch ended (for a status report). */
struct lm_resources_status {
	bool measured;	    /* the launch had a cgroup; nothing below is known otherwise */
	unsigned oom_kills; /* processes the kernel's OOM killer ended inside */
	bool have_memory_peak;
	uint64_t memory_peak; /* bytes, the most the sandbox used at once */
	bool have_cpu;
	uint64_t cpu_usec; /* CPU time of every process of the sandbox, user + system */
};
void lm_resources_last_status(struct lm_resources_status *st);

/* ---- capnames.c: capability names as OCI and Docker spell them ("CAP_SYS_ADMIN") -------- */
int lm_cap_from_name(const char *name); /* -1 when unknown; case does not matter */
const char *lm_cap_name(int cap);	/* NULL past the last one lamina knows */
int lm_cap_last(void);

#endif
