/* ns: the namespaces other than user and network: mount, pid, ipc, uts and cgroup.  The
 * supervisor's clone creates them (lm_ns_clone_flags); init names the uts namespace.  Without this
 * layer (demo only) the sandbox keeps the host's pid, ipc and uts namespaces; the mount
 * namespace stays, as the root is built in it. */
#include "sandbox.h"

#include <ctype.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

unsigned long lm_ns_clone_flags(const struct lm_config *c)
{
	unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWCGROUP;
	/* The network namespace is made beside init (net.c), not by this clone. */
	if (lm_layer_on(c, LM_LAYER_NAMESPACES))
		flags |= CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
	return flags;
}

static const char *hostname_of(const struct lm_config *c)
{
	return c->hostname ? c->hostname : "lamina";
}

static int ns_init(struct lm_sandbox *sb, struct lm_err *e)
{
	const struct lm_config *c = sb->c;
	if (!lm_layer_on(c, LM_LAYER_NAMESPACES))
		return 0;
	const char *h = hostname_of(c);
	if (sethostname(h, strlen(h)) < 0)
		return lm_error(e, errno, "uts", "sethostname %s", h);
	lm_verbose(c, "uts",
		   "hostname %s; private SysV IPC and POSIX message queues (new ipc namespace)", h);
	return 0;
}

static int set_hostname(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	const char *h = a->argv[0];
	size_t n = strlen(h);
	bool ok = n > 0 && n <= 64 && h[0] != '-' && h[0] != '.';
	for (const char *p = h; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || *p == '-' || *p == '.' || *p == '_';
	if (!ok)
		return lm_error(
		    e, 0, "uts",
		    "%s '%.80s' is not a valid host name (1 to 64 letters, digits, '-', "
		    "'.' or '_', not starting with '-' or '.')",
		    a->name, h);
	char *d = strdup(h);
	if (!d)
		return lm_error(e, ENOMEM, "uts", "%s", a->name);
	free(c->hostname);
	c->hostname = d;
	return 0;
}

static const struct lm_setting ns_settings[] = {
    {.option = "--hostname",
     .directive = "hostname",
     .nargs = 1,
     .metavar = "NAME",
     .help = "UTS host name (default: lamina)",
     .set = set_hostname},
    {0},
};

static void ns_explain(FILE *out, const struct lm_config *c, const struct lm_explain *x)
{
	(void)x;
	fprintf(out, "\nNamespaces (a new one of each kind; the program sees only its own)\n");
	fprintf(out, "  user     ids and capabilities are those of a fresh user namespace: they "
		     "count for nothing outside it\n");
	fprintf(out,
		"  mount    its own mount table: the host's mounts cannot be seen or changed\n");
	if (!lm_layer_on(c, LM_LAYER_NAMESPACES)) {
		fprintf(out,
			"  LAYER DISABLED: the host's pid, ipc and uts namespaces are shared\n");
		return;
	}
	fprintf(out, "  pid      its own process ids: host processes cannot be seen or signalled; "
		     "when the sandbox ends, every process left in it is killed\n");
	fprintf(out, "  ipc      its own System V IPC and POSIX message queues\n");
	fprintf(out, "  uts      its own host name (%s)\n", hostname_of(c));
	fprintf(out, "  cgroup   its own view of the cgroup tree\n");
}

static void ns_summary(FILE *out, const struct lm_config *c)
{
	if (c->hostname)
		fprintf(out, " hostname %s;", c->hostname);
}

const struct lm_layer lm_layer_ns = {
    .name = "namespaces",
    .bit = LM_LAYER_NAMESPACES,
    .removable = true,
    .settings = ns_settings,
    .step = {[LM_STAGE_INIT] = ns_init},
    .explain = ns_explain,
    .summary = ns_summary,
};
