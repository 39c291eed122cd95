/* net: the sandbox's network, one of three (--net):
 *   none  a new network namespace with only a loopback interface, up, so that 127.0.0.1 works
 *         inside; nothing else exists, so nothing else is reachable (the default);
 *   host  the host's network namespace (--share-net);
 *   user  a new network namespace given a user-mode network stack by pasta (Debian's passt):
 *         host ports published into the sandbox (--publish), chosen host loopback services
 *         brought in (--connect-host), and general outbound traffic only when asked
 *         (--allow-outbound).  No bridge, no firewall rule, no host configuration.
 *
 * none.  Creating a network namespace is the most expensive step of a launch (every pernet
 * subsystem, ipv6 and its sysctl tables, registers itself), and init spends about as long
 * building the root.  So the clone of init does not make it: the supervisor, idle while init
 * works, starts a helper (lm_net_start) that joins init's user namespace, unshares a network
 * namespace there (so init and the payload have CAP_NET_ADMIN over it), brings lo up and sends
 * the namespace's fd to init; init joins it (lm_net_join) after building the root, before the
 * payload starts.  They talk over a socketpair of their own.  As root the helper opens init's
 * user namespace itself (/proc/PID/ns/user of a non-dumpable process needs CAP_SYS_PTRACE on the
 * host, which root has), so that nothing waits for init; unprivileged it could not, and init
 * first sends the fd of its user namespace (lm_net_offer_userns).  A helper that fails or dies
 * makes init fail: fail closed.
 *
 * The helper is a fork of the supervisor (its own memory, fd table and cwd, as setns into a user
 * namespace requires).  Not a CLONE_VM child: it would share the supervisor's thread-local errno
 * while both run, and the supervisor, meanwhile writing the id maps, reported one failure with
 * the helper's errno (seen under ASan).  The supervisor is idle while the helper runs, so the
 * copy-on-write costs little.  It sends the step that failed and errno; init writes the message.
 *
 * user.  pasta must live in the host's network namespace (it binds the published host ports and
 * makes the sandbox's connections there) and reach into the sandbox's (it creates a tap
 * interface in it, and sockets for the published and host ports).  So init makes the network
 * namespace itself, early (stage INIT_HOST), and sends the helper three fds: its user
 * namespace, the network namespace and the write end of a pipe.  The helper, still in the
 * host's network namespace, joins the sandbox's user namespace, takes the sandbox's own ids
 * inside it (unprivileged on the host: the caller's, or the unprivileged id root maps to) with
 * only CAP_SYS_ADMIN and CAP_NET_ADMIN there (ambient, so that they survive the exec), and
 * becomes pasta: rootless Podman's arrangement.  pasta writes its errors and, once its ports are
 * bound and the namespace is set up, its pid (--pid) into the pipe; init waits for one or the
 * other before the payload starts, so the payload never sees a half-configured network and a
 * publish that pasta could not bind stops the launch.  pasta is the supervisor's child: in its
 * own session, killed with SIGKILL by the row's end hook, and by PR_SET_PDEATHSIG if the
 * supervisor dies.
 *
 * Without --allow-outbound pasta does not configure the namespace's interface (no address, no
 * route): published ports and --connect-host ports travel between loopback sockets pasta
 * splices on either side, and every other destination is unreachable.  With it, pasta
 * configures the interface and a default route (--config-net) and forwards DNS sent to
 * LM_NET_DNS to the host's resolver; /etc/resolv.conf inside names it (mount.c asks
 * lm_net_resolv_conf).  Either way the gateway address is not mapped to the host's loopback
 * (--no-map-gw): the host's loopback is reachable only at the --connect-host ports. */
#include "sandbox.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/securebits.h>

/* The address inside that pasta's DNS forwarder answers (link-local: never a real server's). */
#define LM_NET_DNS "169.254.1.1"
/* How long init waits for pasta to report that it is ready. */
#define PASTA_START_TIMEOUT_MS 20000

/* The helper: a fork of the supervisor (-1: none), and its end of the socket with init until it
 * is forked. */
struct lm_net_helper {
	pid_t pid;
	int sock;
};

enum {
	NET_OK,
	NET_USERNS,
	NET_SETNS,
	NET_UNSHARE,
	NET_SOCKET,
	NET_LO_FLAGS,
	NET_LO_UP,
	NET_OPEN,
	NET_IDS,
	NET_PIPE,
	NET_NSTEPS
};
struct net_msg {
	int step; /* NET_OK: the namespace's fd comes with the message */
	int err;
};

bool lm_net_wanted(const struct lm_config *c)
{
	return !c->share_net && !(c->disabled_layers & (LM_LAYER_NETNS | LM_LAYER_NAMESPACES));
}

const char *lm_net_resolv_conf(const struct lm_config *c)
{
	return c->net_user && c->net_outbound && lm_net_wanted(c) ? "nameserver " LM_NET_DNS "\n"
								  : NULL;
}

static int send_fd(int sock, int step, int err, int fd)
{
	struct net_msg m = {.step = step, .err = err};
	return lm_send_fd(sock, &m, sizeof m, fd);
}

/* Bring lo up in the current network namespace; on failure *step names what failed. */
static int lo_up(int *step)
{
	*step = NET_SOCKET;
	cleanup_close int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, "lo", 3);
	*step = NET_LO_FLAGS;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	*step = NET_LO_UP;
	return ioctl(s, SIOCSIFFLAGS, &ifr);
}

/* As root the helper opens init's user namespace itself (see the top comment). */
static bool helper_opens_userns(const struct lm_config *c)
{
	return c->caller_is_root && !c->net_user;
}

/* sock: the helper's end of its socket with init; init: the pid whose user namespace to open
 * (as root), or 0: receive it from init. */
static int helper_main(int sock, pid_t init)
{
	int step = NET_USERNS, fd = -1, userns = -1;
	struct net_msg m;
	errno = EPIPE;
	if (init > 0) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/ns/user", (int)init);
		userns = open(path, O_RDONLY | O_CLOEXEC);
		if (userns < 0)
			goto fail;
	} else if (lm_recv_fd(sock, &m, sizeof m, 0, &userns) != (ssize_t)sizeof m || userns < 0) {
		goto fail;
	}
	step = NET_SETNS;
	if (setns(userns, CLONE_NEWUSER) < 0)
		goto fail;
	step = NET_UNSHARE;
	if (unshare(CLONE_NEWNET) < 0)
		goto fail;
	if (lo_up(&step) < 0)
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

static const char *const step_what[] = {
    [NET_OK] = "no namespace received",
    [NET_USERNS] = "getting the sandbox's user namespace",
    [NET_SETNS] = "joining the sandbox's user namespace",
    [NET_UNSHARE] = "creating a network namespace",
    [NET_SOCKET] = "socket",
    [NET_LO_FLAGS] = "reading lo's flags",
    [NET_LO_UP] = "bringing lo up",
    [NET_OPEN] = "opening the new network namespace",
    [NET_IDS] = "taking the sandbox's ids in its user namespace",
    [NET_PIPE] = "pipe",
};

static int step_error(struct lm_err *e, int step, int err)
{
	bool known = step >= 0 && step < NET_NSTEPS;
	bool limit = step == NET_UNSHARE && err == ENOSPC;
	return lm_error(e, known ? err : 0, "net", "%s%s",
			known ? step_what[step] : "bad message from the helper",
			limit ? " (the limit is /proc/sys/user/max_net_namespaces; --share-net "
				"needs none)"
			      : "");
}

/* ---- --net user: pasta ---------------------------------------------------------------- */

/* pasta's path and arguments, found and written by the supervisor before the clone. */
static char pasta_path[4096];
static const char *pasta_argv[24 + 4 * LM_NET_MAX_PORTS];
static char pasta_specs[2 * LM_NET_MAX_PORTS][64];
static char pasta_runas[32];
/* init: the read end of the pipe pasta reports on. */
static int pasta_out = -1;

/* A port as the user wrote it: [HOSTIP:]HOSTPORT:PORT/PROTO or PORT/PROTO. */
static const char *port_str(char *buf, size_t n, const struct lm_net_port *p, bool publish)
{
	const char *proto = p->udp ? "udp" : "tcp";
	if (!publish)
		snprintf(buf, n, "%u/%s", p->host_port, proto);
	else if (strchr(p->host, ':'))
		snprintf(buf, n, "[%s]:%u:%u/%s", p->host, p->host_port, p->port, proto);
	else
		snprintf(buf, n, "%s:%u:%u/%s", p->host, p->host_port, p->port, proto);
	return buf;
}

/* A publish's host address as a socket address. */
static socklen_t host_addr(const struct lm_net_port *p, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (strchr(p->host, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(p->host_port);
		inet_pton(AF_INET6, p->host, &a->sin6_addr);
		return sizeof *a;
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	a->sin_family = AF_INET;
	a->sin_port = htons(p->host_port);
	inet_pton(AF_INET, p->host, &a->sin_addr);
	return sizeof *a;
}

static bool is_loopback(const struct lm_net_port *p)
{
	struct sockaddr_storage ss;
	host_addr(p, &ss);
	if (ss.ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&ss)->sin6_addr);
	return (ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127;
}

/* The publish's host port must be free now: pasta binds it with SO_REUSEADDR, as we try here
 * (a port with only closing connections left is free to it).  pasta reports a port taken in
 * between too (init's wait), in its own words; this gives the usual case a clear one. */
static int check_host_port(const struct lm_net_port *p, unsigned unpriv_start, struct lm_err *e)
{
	char s[96];
	port_str(s, sizeof s, p, true);
	if (p->host_port < unpriv_start)
		return lm_error(
		    e, 0, "net",
		    "--publish %s: host port %u is below %u "
		    "(net.ipv4.ip_unprivileged_port_start), and pasta runs unprivileged",
		    s, p->host_port, unpriv_start);
	struct sockaddr_storage ss;
	socklen_t len = host_addr(p, &ss);
	cleanup_close int fd =
	    socket(ss.ss_family, (p->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return lm_error(e, errno, "net", "--publish %s: socket", s);
	int one = 1;
	if (!p->udp && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
		return lm_error(e, errno, "net", "--publish %s: SO_REUSEADDR", s);
	if (bind(fd, (struct sockaddr *)&ss, len) == 0)
		return 0;
	if (errno == EADDRINUSE)
		return lm_error(e, 0, "net", "--publish %s: host port %u/%s is already in use", s,
				p->host_port, p->udp ? "udp" : "tcp");
	if (errno == EADDRNOTAVAIL)
		return lm_error(e, 0, "net", "--publish %s: %s is not an address of this host", s,
				p->host);
	return lm_error(e, errno, "net", "--publish %s: binding the host port", s);
}

static unsigned unprivileged_port_start(void)
{
	unsigned v = 1024;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "re");
	if (f) {
		if (fscanf(f, "%u", &v) != 1)
			v = 1024;
		fclose(f);
	}
	return v;
}

/* pasta in the caller's PATH (absolute directories only). */
static int find_pasta(struct lm_err *e)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *d = path; *d;) {
		const char *end = strchrnul(d, ':');
		struct stat st;
		if (*d == '/' && (size_t)(end - d) + 7 < sizeof pasta_path) {
			snprintf(pasta_path, sizeof pasta_path, "%.*s/pasta", (int)(end - d), d);
			if (stat(pasta_path, &st) == 0 && S_ISREG(st.st_mode) &&
			    access(pasta_path, X_OK) == 0)
				return 0;
		}
		d = *end ? end + 1 : end;
	}
	pasta_path[0] = 0;
	return lm_error(e, 0, "net",
			"--net user needs pasta (Debian package passt), and there is none in PATH");
}

/* pasta creates a tap interface in the sandbox: /dev/net/tun must be open to its host ids
 * (mode 0666 where udev runs; a bare devtmpfs gives it 0600). */
static int check_tun(const struct lm_config *c, struct lm_err *e)
{
	struct stat st;
	if (stat("/dev/net/tun", &st) < 0)
		return lm_error(e, errno, "net", "--net user: /dev/net/tun (pasta's tap device)");
	bool ok;
	uid_t uid = c->caller_is_root ? c->host_uid : c->caller_uid;
	if (c->caller_is_root) /* pasta: host_uid/host_gid, no supplementary group */
		ok = (st.st_mode & 0006) == 0006 ||
		     (st.st_uid == uid && (st.st_mode & 0600) == 0600) ||
		     (st.st_gid == c->host_gid && (st.st_mode & 0060) == 0060);
	else
		ok = access("/dev/net/tun", R_OK | W_OK) == 0;
	if (!ok)
		return lm_error(
		    e, 0, "net",
		    "--net user: pasta (host uid %u) cannot open /dev/net/tun (mode %04o); "
		    "it needs mode 0666, as udev sets it",
		    (unsigned)uid, (unsigned)(st.st_mode & 07777));
	return 0;
}

static void pasta_build_argv(const struct lm_config *c)
{
	unsigned n = 0, k = 0;
	const char **v = pasta_argv;
	v[n++] = "pasta"; /* passt picks its mode from its name */
	v[n++] = "--foreground";
	v[n++] = "--quiet";
	v[n++] = "--netns";
	v[n++] = "/proc/self/fd/3";
	v[n++] = "--no-netns-quit"; /* it is ended with the sandbox (netns_end) */
	v[n++] = "--pid";
	v[n++] = "/proc/self/fd/4";
	/* The ids it already has: as uid 0 inside it would switch to "nobody", unmapped here. */
	snprintf(pasta_runas, sizeof pasta_runas, "%u:%u", (unsigned)c->uid, (unsigned)c->gid);
	v[n++] = "--runas";
	v[n++] = pasta_runas;
	v[n++] = "--no-map-gw";
	if (c->net_outbound) {
		v[n++] = "--config-net";
		v[n++] = "--dns-forward";
		v[n++] = LM_NET_DNS;
	}
	/* pasta forwards every port it sees bound ("auto") unless told: always say which. */
	for (int udp = 0; udp <= 1; udp++) {
		bool any = false;
		for (unsigned i = 0; i < c->npublish; i++) {
			const struct lm_net_port *p = &c->publish[i];
			if (p->udp != udp)
				continue;
			snprintf(pasta_specs[k], sizeof pasta_specs[k], "%s/%u:%u", p->host,
				 p->host_port, p->port);
			v[n++] = udp ? "-u" : "-t";
			v[n++] = pasta_specs[k++];
			any = true;
		}
		if (!any) {
			v[n++] = udp ? "-u" : "-t";
			v[n++] = "none";
		}
		any = false;
		for (unsigned i = 0; i < c->nconnect_host; i++) {
			const struct lm_net_port *p = &c->connect_host[i];
			if (p->udp != udp)
				continue;
			snprintf(pasta_specs[k], sizeof pasta_specs[k], "%u", p->host_port);
			v[n++] = udp ? "-U" : "-T";
			v[n++] = pasta_specs[k++];
			any = true;
		}
		if (!any) {
			v[n++] = udp ? "-U" : "-T";
			v[n++] = "none";
		}
	}
	v[n] = NULL;
}

/* The supervisor, before the clone: the network settings agree with each other, pasta is
 * there and can work, the published host ports are free. */
static int net_check(const struct lm_config *c, struct lm_err *e)
{
	char s[96], t[96];
	if (!c->net_user) {
		const char *mode = c->share_net ? "host" : "none";
		if (c->npublish)
			return lm_error(e, 0, "net",
					"--publish %s needs --net user (the network is %s)",
					port_str(s, sizeof s, &c->publish[0], true), mode);
		if (c->nconnect_host)
			return lm_error(e, 0, "net",
					"--connect-host %s needs --net user (the network is %s)",
					port_str(s, sizeof s, &c->connect_host[0], false), mode);
		if (c->net_outbound)
			return lm_error(e, 0, "net",
					"--allow-outbound needs --net user (the network is %s)",
					mode);
		return 0;
	}
	if (!lm_net_wanted(c))
		return lm_error(e, 0, "net", "--net user needs the netns and namespaces layers");
	for (unsigned i = 0; i < c->npublish; i++) {
		const struct lm_net_port *p = &c->publish[i];
		port_str(s, sizeof s, p, true);
		/* pasta splices connections from the host's loopback into the sandbox's; any
		 * other client's travel through the sandbox's interface, which is configured only
		 * with --allow-outbound. */
		if (!c->net_outbound && !is_loopback(p))
			return lm_error(
			    e, 0, "net",
			    "--publish %s: a host address other than loopback needs "
			    "--allow-outbound (its clients reach the sandbox through its "
			    "interface, which is otherwise down)",
			    s);
		/* pasta splices a UDP reply back to the host only from the port it came to: a
		 * datagram would pass in and its answer be lost. */
		if (p->udp && p->host_port != p->port)
			return lm_error(
			    e, 0, "net",
			    "--publish %s: a UDP port keeps its number (%u:%u/udp): pasta "
			    "loses the replies of a renumbered one",
			    s, p->port, p->port);
		for (unsigned j = 0; j < i; j++)
			if (c->publish[j].udp == p->udp && c->publish[j].host_port == p->host_port)
				return lm_error(e, 0, "net",
						"--publish %s and --publish %s: the same host port",
						port_str(t, sizeof t, &c->publish[j], true), s);
		for (unsigned j = 0; j < c->nconnect_host; j++)
			if (c->connect_host[j].udp == p->udp &&
			    c->connect_host[j].host_port == p->port)
				return lm_error(e, 0, "net",
						"--publish %s and --connect-host %s: the same port "
						"inside",
						s,
						port_str(t, sizeof t, &c->connect_host[j], false));
	}
	for (unsigned i = 0; i < c->nconnect_host; i++)
		for (unsigned j = 0; j < i; j++)
			if (c->connect_host[j].udp == c->connect_host[i].udp &&
			    c->connect_host[j].host_port == c->connect_host[i].host_port)
				return lm_error(e, 0, "net", "--connect-host %s given twice",
						port_str(s, sizeof s, &c->connect_host[i], false));
	if (find_pasta(e) < 0 || check_tun(c, e) < 0)
		return -1;
	unsigned start = unprivileged_port_start();
	for (unsigned i = 0; i < c->npublish; i++)
		if (check_host_port(&c->publish[i], start, e) < 0)
			return -1;
	pasta_build_argv(c);
	return 0;
}

/* Only CAP_SYS_ADMIN (to enter the sandbox's network namespace) and CAP_NET_ADMIN (to create
 * and configure its interface), in the sandbox's user namespace, through exec: ambient, and
 * with SECBIT_NOROOT so that uid 0 inside does not bring back the full set at exec. */
static int pasta_caps(void)
{
	static const int caps[] = {CAP_SYS_ADMIN, CAP_NET_ADMIN};
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	for (unsigned i = 0; i < 2; i++) {
		d[caps[i] / 32].effective |= 1u << (caps[i] % 32);
		d[caps[i] / 32].permitted |= 1u << (caps[i] % 32);
		d[caps[i] / 32].inheritable |= 1u << (caps[i] % 32);
	}
	if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED, 0, 0, 0) < 0 ||
	    syscall(SYS_capset, &h, d) < 0)
		return -1;
	for (unsigned i = 0; i < 2; i++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, caps[i], 0, 0) < 0)
			return -1;
	return 0;
}

/* pasta's fds: 0 and 1 /dev/null, 2 the pipe to init (its errors), 3 the network namespace
 * (--netns /proc/self/fd/3), 4 the pipe again (--pid), nothing else. */
static int pasta_fds(int netns, int out)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int ns = fcntl(netns, F_DUPFD_CLOEXEC, 5);
	int o = fcntl(out, F_DUPFD_CLOEXEC, 5);
	if (null < 0 || ns < 0 || o < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
	    dup2(o, 2) < 0 || dup2(ns, 3) < 0 || dup2(o, 4) < 0)
		return -1;
	/* What is left above 4: these copies, everything the supervisor had open. */
	return (int)syscall(SYS_close_range, 5, ~0U, 0);
}

/* The helper of --net user (see the top of this file): it becomes pasta.  It reports a failure
 * to init over the socket until the pipe exists (a pipe it makes once it has the sandbox's ids:
 * pasta reopens it for --pid, and may only if it is the pipe's owner), then through the pipe,
 * as pasta does. */
_Noreturn static void pasta_main(const struct lm_config *c, int sock, pid_t supervisor)
{
	int userns = -1, netns = -1, step = NET_USERNS, p[2];
	struct net_msg m;
	errno = EPIPE;
	if (lm_recv_fd(sock, &m, sizeof m, 0, &userns) != (ssize_t)sizeof m || userns < 0 ||
	    lm_recv_fd(sock, &m, sizeof m, 0, &netns) != (ssize_t)sizeof m || netns < 0)
		goto report;
	step = NET_SETNS;
	if (setns(userns, CLONE_NEWUSER) < 0)
		goto report;
	/* The sandbox's ids: as root, unprivileged host ids instead of host root. */
	step = NET_IDS;
	if ((c->caller_is_root && syscall(SYS_setgroups, 0, NULL) < 0) ||
	    prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_setresgid, c->gid, c->gid, c->gid) < 0 ||
	    syscall(SYS_setresuid, c->uid, c->uid, c->uid) < 0)
		goto report;
	step = NET_PIPE;
	if (pipe2(p, O_CLOEXEC) < 0)
		goto report;
	if (send_fd(sock, NET_OK, 0, p[0]) < 0)
		_exit(1);
	close(p[0]);
	int out = p[1];
	const char *what = "keeping CAP_SYS_ADMIN and CAP_NET_ADMIN for pasta";
	if (pasta_caps() < 0)
		goto fail;
	/* The id change cleared the parent-death signal: arm it again, then look. */
	what = "PR_SET_PDEATHSIG";
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		goto fail;
	if (getppid() != supervisor)
		_exit(1);
	what = "setsid";
	if (setsid() < 0)
		goto fail;
	what = "chdir /";
	if (chdir("/") < 0)
		goto fail;
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	what = "arranging pasta's fds";
	if (pasta_fds(netns, out) < 0)
		goto fail;
	out = 2;
	static char *const envp[] = {NULL};
	execve(pasta_path, (char *const *)pasta_argv, envp);
	what = pasta_path;
fail:
	dprintf(out, "%s: %s\n", what, strerror(errno));
	_exit(1);
report:
	send_fd(sock, step, errno, -1);
	_exit(1);
}

/* init, --net user: a new network namespace with lo up, for the helper. */
static int user_offer(int sock, struct lm_err *e)
{
	int step;
	if (unshare(CLONE_NEWNET) < 0)
		return step_error(e, NET_UNSHARE, errno);
	if (lo_up(&step) < 0)
		return step_error(e, step, errno);
	cleanup_close int ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return step_error(e, NET_OPEN, errno);
	if (send_fd(sock, NET_OK, 0, ns) < 0)
		return lm_error(e, errno, "net", "sending the network namespace to the helper");
	return 0;
}

/* init, --net user: wait until pasta has written its pid (ready: ports bound, namespace set
 * up) or has exited (its last words are the error). */
static int user_wait(const struct lm_config *c, int sock, struct lm_err *e)
{
	struct net_msg m = {0};
	ssize_t r = lm_recv_fd(sock, &m, sizeof m, 0, &pasta_out);
	if (r < 0)
		return lm_error(e, errno, "net", "waiting for pasta's helper");
	if (r != (ssize_t)sizeof m)
		return lm_error(e, 0, "net", "pasta's helper died");
	if (m.step != NET_OK || pasta_out < 0)
		return step_error(e, m.step, m.err);
	char buf[4096];
	size_t n = 0;
	for (;;) {
		struct pollfd pf = {.fd = pasta_out, .events = POLLIN};
		r = poll(&pf, 1, PASTA_START_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return lm_error(e, errno, "net", "waiting for pasta");
		if (r == 0)
			return lm_error(e, 0, "net", "pasta did not start within %d s",
					PASTA_START_TIMEOUT_MS / 1000);
		if (n == sizeof buf - 1) { /* keep the tail: the last words count */
			memmove(buf, buf + n / 2, n - n / 2);
			n -= n / 2;
		}
		ssize_t k = read(pasta_out, buf + n, sizeof buf - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
		buf[n] = 0;
		/* Ready: the last complete line is pasta's pid. */
		if (n > 1 && buf[n - 1] == '\n') {
			char *last = buf + n - 1;
			while (last > buf && last[-1] != '\n')
				last--;
			char *end;
			long pid = strtol(last, &end, 10);
			if (end != last && *end == '\n' && pid > 0) {
				lm_verbose(c, "net",
					   "pasta is pid %ld outside: the network is ready", pid);
				return 0;
			}
		}
	}
	/* pasta (or the helper before it) is gone: its last line that says something (pasta
	 * adds a line of its own each time the system logger is missing). */
	buf[n] = 0;
	const char *why = NULL;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (!strstr(line, "bytes to syslog"))
			why = line;
	if (!why)
		return lm_error(e, 0, "net", "pasta exited without a word");
	return lm_error(e, 0, "net", "pasta: %.300s", why);
}

/* ---- the helper, both modes ----------------------------------------------------------- */

static int lm_net_prepare(const struct lm_config *c, struct lm_net_helper *h, int *init_end,
			  struct lm_err *e)
{
	*h = (struct lm_net_helper){.pid = -1, .sock = -1};
	*init_end = -1;
	if (net_check(c, e) < 0)
		return -1;
	if (!lm_net_wanted(c))
		return 0;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return lm_error(e, errno, "net", "socketpair");
	h->sock = sv[0];
	*init_end = sv[1];
	return 0;
}

static int lm_net_start(const struct lm_config *c, struct lm_net_helper *h, pid_t init,
			struct lm_err *e)
{
	if (h->sock < 0)
		return 0;
	pid_t supervisor = getpid();
	/* A raw clone behaves like fork (the child returns here on a copy of our stack). */
	pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		if (c->net_user)
			pasta_main(c, h->sock, supervisor);
		_exit(helper_main(h->sock, helper_opens_userns(c) ? init : 0));
	}
	int err = errno;
	/* Our copy of the helper's end goes: if the helper dies, init reads end-of-file. */
	close(h->sock);
	h->sock = -1;
	if (pid < 0)
		return lm_error(e, err, "net", "starting the network namespace helper");
	h->pid = pid;
	lm_verbose(c, "net", "%s is pid %d outside",
		   c->net_user ? "pasta's helper" : "network namespace helper", (int)pid);
	return 0;
}

static void lm_net_reap(struct lm_net_helper *h, bool kill_it)
{
	if (h->sock >= 0)
		close(h->sock);
	h->sock = -1;
	if (h->pid > 0) {
		/* pasta leads its own process group (setsid): whatever it started goes too. */
		if (kill_it) {
			kill(-h->pid, SIGKILL);
			kill(h->pid, SIGKILL);
		}
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
		if (fd >= 0)
			close(fd);
		return step_error(e, m.step, m.err);
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
	return lm_net_start(sb->c, &helper, sb->init_pid, e);
}

static int netns_init_host(struct lm_sandbox *sb, struct lm_err *e)
{
	if (!helper_opens_userns(sb->c) && lm_net_offer_userns(init_end, e) < 0)
		return -1;
	return init_end >= 0 && sb->c->net_user ? user_offer(init_end, e) : 0;
}

static int netns_init(struct lm_sandbox *sb, struct lm_err *e)
{
	int r;
	if (init_end >= 0 && sb->c->net_user) {
		r = user_wait(sb->c, init_end, e);
		lm_closep(&pasta_out);
		pasta_out = -1;
	} else {
		r = lm_net_join(sb->c, init_end, e);
	}
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

/* ---- settings ------------------------------------------------------------------------- */

static int set_share_net(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	(void)a, (void)e;
	c->share_net = true;
	c->net_user = false;
	return 0;
}

static int set_network(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	const char *v = a->argv[0];
	if (strcmp(v, "none") != 0 && strcmp(v, "host") != 0 && strcmp(v, "user") != 0)
		return lm_error(e, 0, "net", "expected none, host or user after %s", a->name);
	c->share_net = strcmp(v, "host") == 0;
	c->net_user = strcmp(v, "user") == 0;
	return 0;
}

/* A port number: decimal digits, 1 to 65535. */
static bool parse_port(const char *s, size_t n, uint16_t *out)
{
	unsigned v = 0;
	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

/* "/tcp" or "/udp" at the end of s (default tcp); *n becomes the length before it. */
static bool parse_proto(const char *s, size_t *n, bool *udp)
{
	const char *slash = memchr(s, '/', *n);
	*udp = false;
	if (!slash)
		return true;
	const char *p = slash + 1;
	size_t pl = *n - (size_t)(p - s);
	if (pl == 3 && memcmp(p, "udp", 3) == 0)
		*udp = true;
	else if (!(pl == 3 && memcmp(p, "tcp", 3) == 0))
		return false;
	*n = (size_t)(slash - s);
	return true;
}

/* [HOSTIP:]HOSTPORT:PORT[/tcp|/udp], HOSTIP an IPv4 address or an IPv6 one in brackets. */
static int set_publish(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	const char *s = a->argv[0];
	size_t n = strlen(s);
	struct lm_net_port p = {.host = "127.0.0.1"};
	if (c->npublish >= LM_NET_MAX_PORTS)
		return lm_error(e, 0, "net", "%s: at most %d ports", a->name, LM_NET_MAX_PORTS);
	if (n > 80 || !parse_proto(s, &n, &p.udp))
		goto bad;
	const char *colon = NULL;
	for (size_t i = n; i > 0; i--)
		if (s[i - 1] == ':') {
			colon = s + i - 1;
			break;
		}
	if (!colon || !parse_port(colon + 1, n - (size_t)(colon + 1 - s), &p.port))
		goto bad;
	/* What is left: HOSTPORT, or HOSTIP:HOSTPORT. */
	size_t left = (size_t)(colon - s);
	const char *hp = s;
	if (memchr(s, ':', left)) {
		const char *c2 = s + left;
		while (c2 > s && c2[-1] != ':')
			c2--;
		hp = c2;
		size_t hl = (size_t)(c2 - 1 - s);
		char ip[64];
		int family = AF_INET;
		if (hl >= 2 && hl - 2 < sizeof ip && s[0] == '[' && s[hl - 1] == ']') {
			family = AF_INET6;
			memcpy(ip, s + 1, hl - 2);
			ip[hl - 2] = 0;
		} else if (hl > 0 && hl < sizeof ip) {
			memcpy(ip, s, hl);
			ip[hl] = 0;
		} else {
			goto bad;
		}
		unsigned char bin[16];
		if (strlen(ip) >= sizeof p.host || inet_pton(family, ip, bin) != 1)
			goto bad;
		inet_ntop(family, bin, p.host, sizeof p.host);
	}
	if (!parse_port(hp, (size_t)(colon - hp), &p.host_port))
		goto bad;
	c->publish[c->npublish++] = p;
	return 0;
bad:
	return lm_error(e, 0, "net",
			"%s '%.80s': expected [HOSTIP:]HOSTPORT:PORT[/tcp|/udp] (ports 1-65535, "
			"HOSTIP IPv4 or [IPv6])",
			a->name, s);
}

static int set_connect_host(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	const char *s = a->argv[0];
	size_t n = strlen(s);
	struct lm_net_port p = {.host = "127.0.0.1"};
	if (c->nconnect_host >= LM_NET_MAX_PORTS)
		return lm_error(e, 0, "net", "%s: at most %d ports", a->name, LM_NET_MAX_PORTS);
	if (n > 16 || !parse_proto(s, &n, &p.udp) || !parse_port(s, n, &p.host_port))
		return lm_error(e, 0, "net", "%s '%.80s': expected PORT[/tcp|/udp] (1-65535)",
				a->name, s);
	p.port = p.host_port;
	c->connect_host[c->nconnect_host++] = p;
	return 0;
}

static int set_allow_outbound(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	(void)a, (void)e;
	c->net_outbound = true;
	return 0;
}

static const struct lm_setting netns_settings[] = {
    {.option = "--share-net",
     .directive = "share-net",
     .help = "keep the host network (the same as --net host)",
     .set = set_share_net},
    {.option = "--net",
     .directive = "network",
     .nargs = 1,
     .metavar = "none|host|user",
     .help = "a new netns with only lo (default), the host's, or lo plus pasta's user-mode "
	     "network",
     .set = set_network},
    {.option = "--publish",
     .directive = "publish",
     .nargs = 1,
     .metavar = "[HOSTIP:]HOSTPORT:PORT[/udp]",
     .help = "--net user: host HOSTIP:HOSTPORT (default 127.0.0.1) reaches PORT inside",
     .set = set_publish},
    {.option = "--connect-host",
     .directive = "connect-host",
     .nargs = 1,
     .metavar = "PORT[/udp]",
     .help = "--net user: 127.0.0.1:PORT inside reaches the host's 127.0.0.1:PORT",
     .set = set_connect_host},
    {.option = "--allow-outbound",
     .directive = "allow-outbound",
     .help = "--net user: connections out to what the host reaches (not its loopback), DNS",
     .set = set_allow_outbound},
    {0},
};

/* ---- explain and check ---------------------------------------------------------------- */

static void netns_explain(FILE *out, const struct lm_config *c, const struct lm_explain *x)
{
	(void)x;
	char s[96];
	fprintf(out, "\nNetwork (netns)\n");
	if (c->share_net) {
		fprintf(out, "  network  NOT isolated: the profile shares the host's network\n");
		return;
	}
	if (!lm_net_wanted(c)) {
		fprintf(out, "  network  LAYER DISABLED: the host's network namespace\n");
		return;
	}
	if (!c->net_user) {
		fprintf(out, "  network  a new network namespace with only lo (up): no way out to "
			     "the host or the internet\n");
		return;
	}
	fprintf(out,
		"  network  a new network namespace, lo up, and a user-mode network stack (pasta, "
		"outside, running as the\n           sandbox's own unprivileged ids): only what "
		"is listed here passes\n");
	for (unsigned i = 0; i < c->npublish; i++) {
		const struct lm_net_port *p = &c->publish[i];
		fprintf(out,
			"  publish  %s: connections to the host's %s%s%s:%u reach port %u "
			"inside\n",
			port_str(s, sizeof s, p, true), strchr(p->host, ':') ? "[" : "", p->host,
			strchr(p->host, ':') ? "]" : "", p->host_port, p->port);
	}
	for (unsigned i = 0; i < c->nconnect_host; i++)
		fprintf(out, "  host     127.0.0.1:%u inside is the host's 127.0.0.1:%u (%s)\n",
			c->connect_host[i].host_port, c->connect_host[i].host_port,
			c->connect_host[i].udp ? "udp" : "tcp");
	fprintf(out, "  host     %s host loopback port is reachable\n",
		c->nconnect_host ? "no other" : "no");
	if (c->net_outbound)
		fprintf(out, "  outbound ON: connections to anything the host reaches but its "
			     "loopback; DNS through pasta's\n           forwarder at " LM_NET_DNS
			     " (/etc/resolv.conf)\n");
	else
		fprintf(out, "  outbound off: the interface has no address and no route; no DNS "
			     "(--allow-outbound)\n");
}

static void netns_summary(FILE *out, const struct lm_config *c)
{
	char s[96];
	if (!c->net_user) {
		fprintf(out, " network %s;", c->share_net ? "host" : "none");
		return;
	}
	fprintf(out, " network user");
	for (unsigned i = 0; i < c->npublish; i++)
		fprintf(out, ", publish %s", port_str(s, sizeof s, &c->publish[i], true));
	for (unsigned i = 0; i < c->nconnect_host; i++)
		fprintf(out, ", connect-host %s",
			port_str(s, sizeof s, &c->connect_host[i], false));
	fprintf(out, ", outbound %s;", c->net_outbound ? "on" : "off");
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
