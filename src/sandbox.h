/* Internal: one launch, as the supervisor, init and the payload see it, and the control channel
 * between the supervisor and init. */
#ifndef LAMINA_SANDBOX_H
#define LAMINA_SANDBOX_H

#include "lamina.h"
#include <signal.h>
#include <time.h>

/* Messages on the control channel, a SOCK_SEQPACKET socketpair between supervisor and init. */
enum lm_ctl_type {
	LM_CTL_GO = 1,	 /* supervisor -> init: the id maps are written (the status layer: the
			    payload's start is recorded) */
	LM_CTL_ERROR,	 /* init -> supervisor: a layer failed; code is lamina's exit status */
	LM_CTL_LISTENER, /* init -> supervisor: the seccomp notification fd (SCM_RIGHTS) */
	LM_CTL_STARTED,	 /* init -> supervisor: the payload exec'd; code is its pid inside, the
			    payload's pidfd passed along, u.ns its namespaces (status.c) */
	LM_CTL_EXIT,	 /* init -> supervisor: the payload's raw wait status */
	LM_CTL_PTY,	 /* init -> supervisor: the master of the sandbox's pty (SCM_RIGHTS) */
};
/* What init tells with the payload's status (LM_CTL_EXIT), besides the status itself. */
struct lm_ctl_exit {
	unsigned sigsys;       /* processes init reaped that SIGSYS killed (a seccomp rule) */
	int sigsys_pid;	       /* the first of them other than the payload, pid inside (0: none) */
	char sigsys_comm[16];  /* its name, where init read it before reaping it ("" otherwise) */
	int payload_pid;       /* the payload's pid inside */
	char payload_comm[16]; /* the payload's name, when SIGSYS killed it */
	bool usage;	       /* cpu_usec and maxrss_kib are set (the status fd asked for them) */
	uint64_t cpu_usec;     /* user + system time of every process init reaped */
	long maxrss_kib;       /* the largest resident set among them */
};
#define LM_STATUS_NNS 7 /* the namespaces the start object names (status.c) */
struct lm_ctl_msg {
	int type;
	int code;
	int errnum;
	char msg[1024];
	union {
		struct lm_ctl_exit exit;    /* LM_CTL_EXIT */
		uint64_t ns[LM_STATUS_NNS]; /* LM_CTL_STARTED: inode numbers, 0 where unknown */
	} u;
};

/* One launch.  The supervisor fills it before the clone; init and the payload work on their
 * copies (init's is shared with the payload until its execve).  State a single layer keeps to
 * itself lives in that layer's file. */
struct lm_sandbox {
	struct lm_config *c;
	int ctl;	 /* this process's end of the control channel */
	pid_t init_pid;	 /* supervisor: init, as the host sees it */
	char **envp;	 /* the payload's environment (env layer) */
	int listener;	 /* payload: the seccomp notification fd it created, or -1 */
	int keep_fds[4]; /* init: fds of lamina's own that the fds layer leaves open */
	unsigned nkeep;
	int drop_fds[4]; /* init: the supervisor's fds that init closes first thing */
	unsigned ndrop;
	sigset_t orig_mask;   /* the caller's signal mask, restored in the payload */
	bool orig_ignored[8]; /* lm_forwarded_signals[i] was SIG_IGN in the caller */
	/* supervisor: how the launch ended, for the end steps (status.c) */
	struct timespec start;	 /* CLOCK_REALTIME when it began */
	struct lm_ctl_exit exit; /* what init told with the payload's status */
	int payload_status;	 /* the payload's raw wait status; -1: none */
	bool timed_out;
	bool reported;	   /* the seccomp reports named every violation already */
	int exit_code;	   /* the status lamina ends with */
	const char *error; /* lamina's own failure (125-127), else NULL */
};

/* Remember an fd of lamina's own that init must keep when it closes what it inherited. */
void lm_sandbox_keep_fd(struct lm_sandbox *sb, int fd);

/* An fd the supervisor keeps and init must not hold (closed first thing in init). */
void lm_sandbox_drop_fd(struct lm_sandbox *sb, int fd);

/* The signals the supervisor and init pass on to the payload. */
extern const int lm_forwarded_signals[];

/* init.c: pid 1 inside; never returns. */
_Noreturn void lm_init_main(struct lm_sandbox *sb);

/* status.c: init's side of the status layer.  lm_status_sigchld: init got SIGCHLD with si
 * (a zombie still): a SIGSYS death's name is read now.  lm_status_reaped: init reaped pid with
 * status st.  lm_status_payload_started: the payload exec'd (a start message when the status fd
 * asked for one).  lm_status_exit: what goes with the payload's status.  The supervisor's side:
 * lm_status_started, on LM_CTL_STARTED (takes pidfd). */
void lm_status_sigchld(const siginfo_t *si);
void lm_status_reaped(pid_t pid, int st, pid_t payload);
void lm_status_payload_started(struct lm_sandbox *sb, pid_t payload);
void lm_status_exit(const struct lm_config *c, struct lm_ctl_exit *x);
void lm_status_started(struct lm_sandbox *sb, const struct lm_ctl_msg *m, int pidfd);

/* kmsg.c: fn(message, arg) for each record of the kernel's log whose message starts with
 * prefix, oldest first (nothing where the log cannot be read). */
void lm_kmsg_each(const char *prefix, void (*fn)(char *msg, void *arg), void *arg);

/* fdpass.c */
int lm_ctl_send(int fd, const struct lm_ctl_msg *m, int passfd);
#endif
