/* userns: the identity of the sandbox.
 *
 * Unprivileged, the only id we may map is our own: the inside uid/gid (the caller's, or --uid/--gid)
 * map to the caller's, and setgroups is denied (user_namespaces(7): required before an
 * unprivileged gid_map write).  As root, the payload must not be host root: the inside ids map
 * to an unprivileged host uid/gid (65534 unless --host-uid/--host-gid), so that an escape is not a
 * root escape; setgroups stays allowed only so that init can drop root's supplementary groups
 * (gid 0 would otherwise follow the payload in, unmapped but still checked by the kernel). */
#include "lamina.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
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
