/* net: a new network namespace with only a loopback interface, up, so that 127.0.0.1 works
 * inside; nothing else exists, so nothing else is reachable.
 *
 * Creating a network namespace is the most expensive step of a launch (every pernet
 * subsystem, ipv6 and its sysctl tables, registers itself), and init spends about as long
 * building the root.  So the clone of init does not make it: the
 * supervisor, idle while init works, starts a helper (lm_net_start) that joins init's user
 * namespace, unshares a network namespace there (so init and the payload have CAP_NET_ADMIN
 * over it), brings lo up and sends the namespace's fd to init; init joins it (lm_net_join) after
 * building the root, before the payload starts.  They talk over a socketpair of their own: init
 * first sends the fd of its user namespace (lm_net_offer_userns; the helper could not open
 * /proc/PID/ns/user of a non-dumpable init without CAP_SYS_PTRACE on the host).  A helper that
 * fails or dies makes init fail: fail closed.
 *
 * The helper is a fork of the supervisor (its own memory, fd table and cwd, as setns into a user
 * namespace requires).  Not a CLONE_VM child: it would share the supervisor's thread-local errno
 * while both run, and the supervisor, meanwhile writing the id maps, reported one failure with
 * the helper's errno (seen under ASan).  The supervisor is idle while the helper runs, so the
 * copy-on-write costs little.  It sends the step that failed and errno; init writes the message. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The helper: a fork of the supervisor (-1: none), and its end of the socket with init until it
 * is forked. */
struct lm_net_helper {
	pid_t pid;
	int sock;
};

enum { NET_OK, NET_USERNS, NET_SETNS, NET_UNSHARE, NET_SOCKET, NET_LO_FLAGS, NET_LO_UP, NET_OPEN };
struct net_msg {
	int step; /* NET_OK: the namespace's fd comes with the message */
	int err;
};

bool lm_net_wanted(const struct lm_config *c)
{
	return !c->share_net && !(c->disabled_layers & (LM_LAYER_NETNS | LM_LAYER_NAMESPACES));
}

static int send_fd(int sock, int step, int err, int fd)
{
	struct net_msg m = {.step = step, .err = err};
	return lm_send_fd(sock, &m, sizeof m, fd);
}

/* sock: the helper's end of its socket with init. */
static int helper_main(int sock)
{
	int step = NET_USERNS, s = -1, fd = -1, userns = -1;
	struct net_msg m;
	errno = EPIPE;
	if (lm_recv_fd(sock, &m, sizeof m, 0, &userns) != (ssize_t)sizeof m || userns < 0)
		goto fail;
	step = NET_SETNS;
	if (setns(userns, CLONE_NEWUSER) < 0)
		goto fail;
	step = NET_UNSHARE;
	if (unshare(CLONE_NEWNET) < 0)
		goto fail;
	step = NET_SOCKET;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		goto fail;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, "lo", 3);
	step = NET_LO_FLAGS;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		goto fail;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	step = NET_LO_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		goto fail;
	/* Our /proc is the host's: /proc/thread-self is this helper. */
	step = NET_OPEN;
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	return send_fd(sock, NET_OK, 0, fd) < 0;
fail:
	send_fd(sock, step, errno, -1);
	return 1;
}

static int lm_net_prepare(const struct lm_config *c, struct lm_net_helper *h, int *init_end,
		   struct lm_err *e)
{
	*h = (struct lm_net_helper){.pid = -1, .sock = -1};
	*init_end = -1;
	if (!lm_net_wanted(c))
		return 0;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return lm_error(e, errno, "net", "socketpair");
	h->sock = sv[0];
	*init_end = sv[1];
	return 0;
}

static int lm_net_start(const struct lm_config *c, struct lm_net_helper *h, struct lm_err *e)
{
	if (h->sock < 0)
		return 0;
	/* A raw clone behaves like fork (the child returns here on a copy of our stack). */
	pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0)
		_exit(helper_main(h->sock));
	int err = errno;
	/* Our copy of the helper's end goes: if the helper dies, init reads end-of-file. */
	close(h->sock);
	h->sock = -1;
	if (pid < 0)
		return lm_error(e, err, "net", "starting the network namespace helper");
	h->pid = pid;
	lm_verbose(c, "net", "network namespace helper is pid %d outside", (int)pid);
	return 0;
}

static void lm_net_reap(struct lm_net_helper *h, bool kill_it)
{
	if (h->sock >= 0)
		close(h->sock);
	h->sock = -1;
	if (h->pid > 0) {
		if (kill_it)
			kill(h->pid, SIGKILL);
		while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	h->pid = -1;
}

static int lm_net_offer_userns(int sock, struct lm_err *e)
{
	if (sock < 0)
		return 0;
	int fd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lm_error(e, errno, "net", "opening our user namespace");
	int rc = send_fd(sock, NET_OK, 0, fd);
	int err = errno;
	close(fd);
	return rc < 0 ? lm_error(e, err, "net", "sending our user namespace to the helper") : 0;
}

static int lm_net_join(const struct lm_config *c, int sock, struct lm_err *e)
{
	if (!lm_net_wanted(c)) {
		lm_verbose(c, "net", "%s",
			   c->share_net ? "sharing the host network (--share-net)"
					: "LAYER DISABLED: host network namespace");
		return 0;
	}
	struct net_msg m = {0};
	int fd;
	ssize_t r = lm_recv_fd(sock, &m, sizeof m, 0, &fd);
	if (r < 0)
		return lm_error(e, errno, "net", "waiting for the network namespace");
	if (r != (ssize_t)sizeof m) {
		if (fd >= 0)
			close(fd);
		return lm_error(e, 0, "net", "the network namespace helper died");
	}
	if (m.step != NET_OK || fd < 0) {
		static const char *const what[] = {
		    [NET_OK] = "no namespace received",
		    [NET_USERNS] = "receiving the sandbox's user namespace",
		    [NET_SETNS] = "joining the sandbox's user namespace",
		    [NET_UNSHARE] = "creating a network namespace",
		    [NET_SOCKET] = "socket",
		    [NET_LO_FLAGS] = "reading lo's flags",
		    [NET_LO_UP] = "bringing lo up",
		    [NET_OPEN] = "opening the new network namespace",
		};
		if (fd >= 0)
			close(fd);
		bool known = m.step >= 0 && m.step <= NET_OPEN;
		bool limit = m.step == NET_UNSHARE && m.err == ENOSPC;
		return lm_error(
		    e, known ? m.err : 0, "net", "%s%s",
		    known ? what[m.step] : "bad message from the helper",
		    limit ? " (the limit is /proc/sys/user/max_net_namespaces; --share-net "
			    "needs none)"
			  : "");
	}
	int rc = setns(fd, CLONE_NEWNET);
	int err = errno;
	close(fd);
	if (rc < 0)
		return lm_error(e, err, "net", "joining the new network namespace");
	lm_verbose(c, "net", "new network namespace: lo up, no other interface");
	return 0;
}

/* The two ends of the helper's socket: the helper's (the supervisor's until the helper is
 * forked) and init's. */
static struct lm_net_helper helper = {.pid = -1, .sock = -1};
static int init_end = -1;

static int netns_prepare(struct lm_sandbox *sb, struct lm_err *e)
{
	if (lm_net_prepare(sb->c, &helper, &init_end, e) < 0)
		return -1;
	/* init keeps its end, and must not hold the helper's: it would never see end-of-file if
	 * the helper died. */
	lm_sandbox_keep_fd(sb, init_end);
	lm_sandbox_drop_fd(sb, helper.sock);
	return 0;
}

static int netns_parent(struct lm_sandbox *sb, struct lm_err *e)
{
	(void)sb, (void)e;
	lm_closep(&init_end);
	init_end = -1;
	return 0;
}

/* After the maps: a root caller's init waits for those, and the fork would delay them. */
static int netns_started(struct lm_sandbox *sb, struct lm_err *e)
{
	return lm_net_start(sb->c, &helper, e);
}

static int netns_init_host(struct lm_sandbox *sb, struct lm_err *e)
{
	(void)sb;
	return lm_net_offer_userns(init_end, e);
}

static int netns_init(struct lm_sandbox *sb, struct lm_err *e)
{
	int r = lm_net_join(sb->c, init_end, e);
	lm_closep(&init_end);
	init_end = -1;
	return r;
}

static void netns_end(struct lm_sandbox *sb)
{
	(void)sb;
	lm_net_reap(&helper, true);
	lm_closep(&init_end);
	init_end = -1;
}

static int set_share_net(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	(void)a, (void)e;
	c->share_net = true;
	return 0;
}

static int set_network(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	if (strcmp(a->argv[0], "none") == 0)
		c->share_net = false;
	else if (strcmp(a->argv[0], "host") == 0)
		c->share_net = true;
	else
		return lm_error(e, 0, "net", "expected none or host after %s", a->name);
	return 0;
}

static const struct lm_setting netns_settings[] = {
    {.option = "--share-net", .directive = "share-net",
     .help = "keep the host network (default: a new netns with only lo)", .set = set_share_net},
    {.directive = "network", .nargs = 1, .metavar = "none|host",
     .help = "a new network namespace with only lo, or the host's", .set = set_network},
    {0},
};

static void netns_explain(FILE *out, const struct lm_config *c, const struct lm_explain *x)
{
	(void)x;
	fprintf(out, "\nNetwork (netns)\n");
	if (c->share_net)
		fprintf(out, "  network  NOT isolated: the profile shares the host's network\n");
	else if (!lm_net_wanted(c))
		fprintf(out, "  network  LAYER DISABLED: the host's network namespace\n");
	else
		fprintf(out, "  network  a new network namespace with only lo (up): no way out to "
			     "the host or the internet\n");
}

static void netns_summary(FILE *out, const struct lm_config *c)
{
	fprintf(out, " network %s;", c->share_net ? "host" : "none");
}

const struct lm_layer lm_layer_netns = {
    .name = "netns",
    .bit = LM_LAYER_NETNS,
    .removable = true,
    .settings = netns_settings,
    .step = {[LM_STAGE_PREPARE] = netns_prepare,
	     [LM_STAGE_PARENT] = netns_parent,
	     [LM_STAGE_STARTED] = netns_started,
	     [LM_STAGE_INIT_HOST] = netns_init_host,
	     [LM_STAGE_INIT] = netns_init},
    .end = netns_end,
    .explain = netns_explain,
    .summary = netns_summary,
};
