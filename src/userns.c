/* userns: the identity of the sandbox.
 *
 * Unprivileged, the only id we may map is our own: the inside uid/gid (the caller's, or --uid/--gid)
 * map to the caller's, and setgroups is denied (user_namespaces(7): required before an
 * unprivileged gid_map write).  As root, the payload must not be host root: the inside ids map
 * to an unprivileged host uid/gid (65534 unless --host-uid/--host-gid), so that an escape is not a
 * root escape; setgroups stays allowed only so that init can drop root's supplementary groups
 * (gid 0 would otherwise follow the payload in, unmapped but still checked by the kernel). */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int write_proc(pid_t pid, const char *file, const char *text, struct lm_err *e)
{
	char path[64];
	if (pid == 0)
		snprintf(path, sizeof path, "/proc/self/%s", file);
	else
		snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return lm_error(e, errno, "userns", "open %s", path);
	size_t len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len)
		return lm_error(e, errno, "userns", "writing %s ('%.*s')", path,
				(int)strcspn(text, "\n"), text);
	return 0;
}

int lm_userns_write_maps(const struct lm_config *c, pid_t child, struct lm_err *e)
{
	uid_t out_uid = c->caller_is_root ? c->host_uid : c->caller_uid;
	gid_t out_gid = c->caller_is_root ? c->host_gid : c->caller_gid;
	char map[64];
	if (!c->caller_is_root && write_proc(child, "setgroups", "deny", e) < 0)
		return -1;
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)c->uid, (unsigned)out_uid);
	if (write_proc(child, "uid_map", map, e) < 0)
		goto hint;
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)c->gid, (unsigned)out_gid);
	if (write_proc(child, "gid_map", map, e) < 0)
		goto hint;
	lm_verbose(c, "userns", "uid %u -> %u, gid %u -> %u%s", (unsigned)c->uid, (unsigned)out_uid,
		   (unsigned)c->gid, (unsigned)out_gid,
		   c->caller_is_root ? " (root maps to an unprivileged host id)" : ", setgroups denied");
	return 0;
hint:
	/* Root inside another container may have no uid 65534 to map to. */
	if (c->caller_is_root && e->errnum == EPERM) {
		size_t n = strlen(e->msg);
		snprintf(e->msg + n, sizeof e->msg - n,
			 " (host uid %u / gid %u must exist in the caller's user namespace; pick others with --host-uid/--host-gid)",
			 (unsigned)out_uid, (unsigned)out_gid);
	}
	return -1;
}

int lm_userns_enter_ids(const struct lm_config *c, struct lm_err *e)
{
	/* The raw system calls: init has one thread, and the C library's wrappers would stop every
	 * other thread first (musl: three signal-mask calls around each). */
	if (syscall(SYS_setresgid, c->gid, c->gid, c->gid) < 0)
		return lm_error(e, errno, "userns", "setresgid %u", (unsigned)c->gid);
	if (c->caller_is_root && syscall(SYS_setgroups, 0, NULL) < 0)
		return lm_error(e, errno, "userns", "dropping supplementary groups");
	if (syscall(SYS_setresuid, c->uid, c->uid, c->uid) < 0)
		return lm_error(e, errno, "userns", "setresuid %u", (unsigned)c->uid);
	/* A change of effective ids clears the parent-death signal and resets dumpable
	 * (commit_creds): arm both again. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return lm_error(e, errno, "userns", "prctl after the id change");
	return 0;
}

/* As root the supervisor writes the maps (only the parent namespace may map to another uid);
 * init waits for them. */
static int userns_parent(struct lm_sandbox *sb, struct lm_err *e)
{
	if (!sb->c->caller_is_root)
		return 0;
	return lm_userns_write_maps(sb->c, sb->init_pid, e);
}

/* Unprivileged, init writes its own one-line maps (as unshare -r does), one round trip less.
 * Then init becomes non-dumpable: the payload must not ptrace it or read its memory.  Not
 * before: the maps are /proc files of init, and a non-dumpable process's belong to root. */
static int userns_init_host(struct lm_sandbox *sb, struct lm_err *e)
{
	if (!sb->c->caller_is_root && lm_userns_write_maps(sb->c, 0, e) < 0)
		return -1;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return lm_error(e, errno, "init", "PR_SET_DUMPABLE");
	return 0;
}

/* init settles its ids inside after the host trees are cloned (as root, init could reach
 * root-only bind sources until now) and before it builds the root, so that what the new tmpfs
 * gets is owned by mapped ids and nothing later runs as host root. */
static int userns_init(struct lm_sandbox *sb, struct lm_err *e)
{
	return lm_userns_enter_ids(sb->c, e);
}

static int parse_id(const struct lm_args *a, uint32_t *out, struct lm_err *e)
{
	uint64_t v;
	/* (uid_t)-1 means "no change" to the kernel: never a valid id. */
	if (lm_parse_u64(a->argv[0], 4294967294ull, false, &v) < 0)
		return lm_error(e, 0, "userns", "%s: '%.40s' is not an id (0 to 4294967294)", a->name,
				a->argv[0]);
	*out = (uint32_t)v;
	return 0;
}

static int set_uid(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	uint32_t id = 0;
	if (parse_id(a, &id, e) < 0)
		return -1;
	c->uid = id;
	c->uid_set = true;
	return 0;
}

static int set_gid(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	uint32_t id = 0;
	if (parse_id(a, &id, e) < 0)
		return -1;
	c->gid = id;
	c->gid_set = true;
	return 0;
}

static int set_host_id(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	uint32_t id = 0;
	if (parse_id(a, &id, e) < 0)
		return -1;
	if (geteuid() != 0)
		return lm_error(e, 0, "userns",
				"%s is for root only: an unprivileged caller can only map its own ids",
				a->name);
	if (id == 0)
		return lm_error(e, 0, "userns", "%s 0 would make the payload host root", a->name);
	if (strcmp(a->name, "--host-uid") == 0)
		c->host_uid = id;
	else
		c->host_gid = id;
	return 0;
}

static const struct lm_setting userns_settings[] = {
    {.option = "--uid", .nargs = 1, .metavar = "N", .help = "uid inside (default: the caller's)",
     .set = set_uid},
    {.option = "--gid", .nargs = 1, .metavar = "N", .help = "gid inside (default: the caller's)",
     .set = set_gid},
    {.option = "--host-uid", .nargs = 1, .metavar = "N",
     .help = "as root: the unprivileged host uid the sandbox maps to (default 65534)",
     .set = set_host_id},
    {.option = "--host-gid", .nargs = 1, .metavar = "N",
     .help = "as root: the unprivileged host gid the sandbox maps to (default 65534)",
     .set = set_host_id},
    {0},
};

static void userns_explain(FILE *out, const struct lm_config *c, const struct lm_explain *x)
{
	(void)c, (void)x;
	fprintf(out, "\nIdentity (user namespace)\n");
	fprintf(out,
		"  inside: your own uid and gid (or --uid/--gid); only that one id is mapped. "
		"Run as root, lamina maps it to\n  an unprivileged host id (nobody), so an escape "
		"is not a root escape. Supplementary groups are dropped (run as root) or\n"
		"  unmapped (they show as nogroup and grant nothing new).\n");
}

const struct lm_layer lm_layer_userns = {
    .name = "userns",
    .bit = LM_LAYER_USERNS,
    .settings = userns_settings,
    .step = {[LM_STAGE_PARENT] = userns_parent,
	     [LM_STAGE_INIT_HOST] = userns_init_host,
	     [LM_STAGE_INIT] = userns_init},
    .explain = userns_explain,
};
