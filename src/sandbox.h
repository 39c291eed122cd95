/* Internal: what the supervisor and init share (the control channel and init's arguments). */
#ifndef LAMINA_SANDBOX_H
#define LAMINA_SANDBOX_H

#include "lamina.h"
#include <signal.h>

/* Messages on the control channel, a SOCK_SEQPACKET socketpair between supervisor and init. */
enum lm_ctl_type {
	LM_CTL_GO = 1,       /* supervisor -> init: the id maps are written */
	LM_CTL_ERROR,        /* init -> supervisor: a layer failed; code is lamina's exit status */
	LM_CTL_LISTENER,     /* init -> supervisor: the seccomp notification fd (SCM_RIGHTS) */
	LM_CTL_STARTED,      /* init -> supervisor: the payload exec'd; code is its pid inside */
	LM_CTL_EXIT,         /* init -> supervisor: the payload's raw wait status */
};
struct lm_ctl_msg {
	int type;
	int code;
	int errnum;
	char msg[1024];
};

struct lm_init_args {
	struct lm_config *c;
	int ctl;               /* init's end of the control channel */
	int netsock;           /* init's end of the network helper's socket, -1 without one */
	struct rlimit lim[LM_NRLIMITS];
	struct rlimit inherited_lim[LM_NRLIMITS]; /* the supervisor's own, which init inherits */
	char **envp;
	sigset_t orig_mask;    /* the caller's signal mask, restored in the payload */
	bool orig_ignored[8];  /* lm_forwarded_signals[i] was SIG_IGN in the caller */
};

/* The signals the supervisor and init pass on to the payload. */
extern const int lm_forwarded_signals[];

/* init.c: pid 1 inside; never returns. */
_Noreturn void lm_init_main(struct lm_init_args *a);

int lm_ctl_send(int fd, const struct lm_ctl_msg *m, int passfd);
#endif
