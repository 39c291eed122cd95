/* Internal: one launch, as the supervisor, init and the payload see it, and the control channel
 * between the supervisor and init. */
#ifndef LAMINA_SANDBOX_H
#define LAMINA_SANDBOX_H

#include "lamina.h"
#include <signal.h>

/* Messages on the control channel, a SOCK_SEQPACKET socketpair between supervisor and init. */
enum lm_ctl_type {
	LM_CTL_GO = 1,	 /* supervisor -> init: the id maps are written */
	LM_CTL_ERROR,	 /* init -> supervisor: a layer failed; code is lamina's exit status */
	LM_CTL_LISTENER, /* init -> supervisor: the seccomp notification fd (SCM_RIGHTS) */
	LM_CTL_STARTED,	 /* init -> supervisor: the payload exec'd; code is its pid inside */
	LM_CTL_EXIT,	 /* init -> supervisor: the payload's raw wait status */
	LM_CTL_PTY,	 /* init -> supervisor: the master of the sandbox's pty (SCM_RIGHTS) */
};
struct lm_ctl_msg {
	int type;
	int code;
	int errnum;
	char msg[1024];
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
};

/* Remember an fd of lamina's own that init must keep when it closes what it inherited. */
void lm_sandbox_keep_fd(struct lm_sandbox *sb, int fd);

/* An fd the supervisor keeps and init must not hold (closed first thing in init). */
void lm_sandbox_drop_fd(struct lm_sandbox *sb, int fd);

/* The signals the supervisor and init pass on to the payload. */
extern const int lm_forwarded_signals[];

/* init.c: pid 1 inside; never returns. */
_Noreturn void lm_init_main(struct lm_sandbox *sb);

/* fdpass.c */
int lm_ctl_send(int fd, const struct lm_ctl_msg *m, int passfd);
#endif
