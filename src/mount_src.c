/* mount_src: the host trees the sandbox's mounts come from (bind sources, overlay layers,
 * --rootfs), as detached mounts for src/mount.c to attach.
 *
 * Unprivileged, init clones each of them itself at stage INIT_HOST (open_tree), with the
 * caller's own rights: the kernel's permission checks bound what it can reach, and what the
 * sandbox writes lands as the caller.
 *
 * As root, the supervisor does it before the clone, for three reasons:
 *   1. every path is resolved with lm_path_open_safe (src/path.c): a symlink or directory a
 *      tenant controls cannot send root into files the tenant could not read;
 *   2. a tree owned by a user other than root is idmapped (mount_setattr MOUNT_ATTR_IDMAP) so
 *      that its owner is the sandbox's user inside: the sandbox may write it, and what it
 *      writes lands on the host owned by that owner, never by root nor by the unprivileged
 *      host uid.  Only host root may idmap a host filesystem's mount (CAP_SYS_ADMIN in the
 *      filesystem's user namespace), not init in the sandbox's user namespace;
 *   3. init, already in the sandbox's user namespace, has no rights over files whose owner
 *      that namespace does not map (capabilities(7): a capability covers the ids a namespace
 *      maps), so a tenant's 0700 tree is out of its reach.
 * A tree owned by root is not idmapped: mapping root to the sandbox's user would hand it what
 * only root may read, and let files land as root.  The trees reach init through one socket
 * (SCM_RIGHTS), queued before the clone; init keeps that socket through the fds layer.  A
 * tree made in the supervisor's mount namespace can be attached by init but not cloned from
 * nor mounted into, and overlayfs takes only a layer init may clone privately: --rootfs and
 * overlay layers are therefore adopted first (attached in init's own namespace, on the old
 * root that is detached at the pivot, and cloned from there). */
#include "mount_internal.h"
#include "path.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "libc-compat.h"

#define L LM_MOUNT_L

struct lm_mount_plan lm_mount_plan = {.rootfs = -1};

/* The queue of trees: the supervisor's sending end is closed once everything is queued; the
 * receiving end goes to init. */
static int queue_rx = -1;
static int rootfs_path = -1; /* supervisor: O_PATH fd of --rootfs, for its /etc/passwd */

enum { TREE_SRC, TREE_UPPER, TREE_ROOTFS };
struct tree_msg {
	uint32_t index; /* c->mounts[index] */
	uint32_t which; /* TREE_* */
	uint32_t skipped;
};

const char *lm_mount_option(const struct lm_mount *m)
{
	switch (m->kind) {
	case LM_MOUNT_RO_BIND:
		return m->try_src ? "--ro-bind-try" : "--ro-bind";
	case LM_MOUNT_BIND:
		return m->try_src ? "--bind-try" : "--bind";
	case LM_MOUNT_DEV_BIND:
		return "--dev-bind";
	case LM_MOUNT_TMPFS:
		return "--tmpfs";
	case LM_MOUNT_SYMLINK:
		return "--symlink";
	case LM_MOUNT_FILE:
		return m->rdonly ? "--bind-data" : "--file";
	case LM_MOUNT_OVERLAY:
		return "--overlay";
	}
	return "mount";
}

/* The host ids the sandbox's user (c->uid and c->gid inside) maps to, as userns.c writes
 * them: the one place the mount layer derives them. */
/* The host ids the payload's user and group map to (the userns layer resolved the maps at the
 * prepare stage, before the mount layer's). */
static uid_t sandbox_host_uid(const struct lm_config *c)
{
	return lm_userns_host_uid(c, c->uid);
}

static gid_t sandbox_host_gid(const struct lm_config *c)
{
	return lm_userns_host_gid(c, c->gid);
}

static int write_map(pid_t pid, const char *file, unsigned from, unsigned to)
{
	char path[64], map[64];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	int n = snprintf(map, sizeof map, "%u %u 1\n", from, to);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, map, (size_t)n) != n)
		return -1;
	return 0;
}

/* A user namespace whose maps send host uid from_uid to to_uid and from_gid to to_gid: the
 * idmapping of a mount in which files owned by from_uid:from_gid are seen, and created, by
 * to_uid:to_gid (mount_setattr(2), MOUNT_ATTR_IDMAP).  Made by a child that only waits in
 * its new namespace until we have its fd (and dies with us, its pipe closing). */
static int idmap_userns(uid_t from_uid, uid_t to_uid, gid_t from_gid, gid_t to_gid,
			struct lm_err *e)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return lm_error(e, errno, L, "idmapping: pipe");
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		char b;
		close(p[1]);
		while (read(p[0], &b, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[0]);
	int fd = -1, err = 0;
	if (pid < 0) {
		err = errno;
	} else if (write_map(pid, "uid_map", from_uid, to_uid) < 0 ||
		   write_map(pid, "gid_map", from_gid, to_gid) < 0) {
		err = errno;
	} else {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			err = errno;
	}
	close(p[1]);
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	if (fd < 0)
		return lm_error(e, err, L, "idmapping uid %u to %u", (unsigned)from_uid,
				(unsigned)to_uid);
	return fd;
}

/* The idmappings made for this launch, by owner (a few binds share one owner). */
static struct {
	uid_t uid;
	gid_t gid;
	int fd;
} idmaps[32];
static unsigned nidmaps;

static int idmap_for(uid_t uid, gid_t gid, uid_t to_uid, gid_t to_gid, struct lm_err *e)
{
	for (unsigned i = 0; i < nidmaps; i++)
		if (idmaps[i].uid == uid && idmaps[i].gid == gid)
			return idmaps[i].fd;
	int fd = idmap_userns(uid, to_uid, gid, to_gid, e);
	if (fd < 0)
		return -1;
	if (nidmaps == sizeof idmaps / sizeof idmaps[0]) {
		close(fd);
		return lm_error(e, 0, L, "binds of more than %u different owners",
				(unsigned)(sizeof idmaps / sizeof idmaps[0]));
	}
	idmaps[nidmaps].uid = uid;
	idmaps[nidmaps].gid = gid;
	idmaps[nidmaps++].fd = fd;
	return fd;
}

static void idmaps_free(void)
{
	for (unsigned i = 0; i < nidmaps; i++)
		close(idmaps[i].fd);
	nidmaps = 0;
}

/* What a tree is for. */
struct tree_use {
	const char *what; /* "--bind /x" */
	uint64_t attrs;	  /* MOUNT_ATTR_* */
	bool writable;	  /* the sandbox writes it on the host: idmapping is required */
	bool idmap;	  /* idmap a tree owned by a user (not for --rootfs) */
	bool dir;	  /* must be a directory */
	bool try_src;	  /* a missing path is skipped */
};

/* Supervisor, as root: resolve path safely, clone it, set its attributes and idmapping.
 * Returns the detached tree, or -1 (*skipped when a -try path is missing). */
static int host_tree(const struct lm_config *c, const char *path, const struct tree_use *u,
		     bool *skipped, int *path_fd, struct lm_err *e)
{
	*skipped = false;
	cleanup_close int p = lm_path_open_safe(L, u->what, path, e);
	if (p < 0) {
		if (u->try_src && e->errnum == ENOENT) {
			*skipped = true;
			lm_verbose(c, L, "%s %s: no such file, skipped", u->what, path);
			return -1;
		}
		return -1;
	}
	struct stat st;
	if (fstat(p, &st) < 0)
		return lm_error(e, errno, L, "%s %s", u->what, path);
	if (u->dir && !S_ISDIR(st.st_mode))
		return lm_error(e, ENOTDIR, L, "%s %s", u->what, path);
	cleanup_close int t =
	    open_tree(p, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
	if (t < 0)
		return lm_error(e, errno, L, "%s %s", u->what, path);
	uid_t hu = sandbox_host_uid(c);
	gid_t hg = sandbox_host_gid(c);
	bool want_idmap = u->idmap && st.st_uid != 0 && st.st_uid != hu;
	gid_t g = st.st_gid ? st.st_gid : hg;
	struct mount_attr a = {.attr_set = u->attrs};
	if (want_idmap) {
		int ns = idmap_for(st.st_uid, g, hu, hg, e);
		if (ns < 0)
			return -1;
		a.attr_set |= MOUNT_ATTR_IDMAP;
		a.userns_fd = (uint64_t)ns;
	}
	if (mount_setattr(t, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0) {
		int err = errno;
		if (!want_idmap)
			return lm_error(e, err, L, "%s %s", u->what, path);
		if (u->writable)
			return lm_error(
			    e, 0, L,
			    "%s %s: its filesystem cannot be idmapped (%s), so what the sandbox "
			    "writes would land as host uid %u instead of its owner, uid %u: run "
			    "with --host-uid %u, or use a directory on a filesystem that can "
			    "(ext4, xfs, btrfs, tmpfs)",
			    u->what, path, strerror(err), (unsigned)hu, (unsigned)st.st_uid,
			    (unsigned)st.st_uid);
		/* Read-only: nothing lands anywhere; the sandbox sees the owner as nobody. */
		a.attr_set &= ~(uint64_t)MOUNT_ATTR_IDMAP;
		a.userns_fd = 0;
		if (mount_setattr(t, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0)
			return lm_error(e, errno, L, "%s %s", u->what, path);
		lm_verbose(c, L, "%s %s: not idmapped (%s): its owner, uid %u, is nobody inside",
			   u->what, path, strerror(err), (unsigned)st.st_uid);
	} else if (want_idmap) {
		lm_verbose(c, L,
			   "%s %s: idmapped: its owner, host uid %u (gid %u), is the sandbox's "
			   "user; what it writes lands as %u:%u",
			   u->what, path, (unsigned)st.st_uid, (unsigned)g, (unsigned)st.st_uid,
			   (unsigned)g);
	} else if (u->idmap && st.st_uid == 0 && u->writable) {
		lm_verbose(c, L,
			   "%s %s: owned by root, not idmapped (nothing may land as root): the "
			   "sandbox writes there as host uid %u, where the modes let it",
			   u->what, path, (unsigned)hu);
	}
	if (path_fd)
		*path_fd = lm_steal_fd(&p);
	return lm_steal_fd(&t);
}

static int queue_tree(int tx, uint32_t index, uint32_t which, int fd, bool skipped,
		      struct lm_err *e)
{
	struct tree_msg m = {.index = index, .which = which, .skipped = skipped};
	if (lm_send_fd(tx, &m, sizeof m, fd) < 0)
		return lm_error(e, errno, L, "handing the host trees to init");
	return 0;
}

int lm_mount_src_prepare(struct lm_sandbox *sb, struct lm_err *e)
{
	const struct lm_config *c = sb->c;
	if (!c->caller_is_root)
		return 0;
	bool rootfs = c->rootfs && lm_layer_on(c, LM_LAYER_PIVOT);
	bool any = rootfs;
	for (size_t i = 0; i < c->nmounts && !any; i++)
		any = lm_mount_has_source(c->mounts[i].kind);
	if (!any)
		return 0;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return lm_error(e, errno, L, "socketpair");
	cleanup_close int tx = sv[0];
	queue_rx = sv[1];
	int ret = -1;
	for (size_t i = 0; i < c->nmounts; i++) {
		const struct lm_mount *m = &c->mounts[i];
		if (!lm_mount_has_source(m->kind))
			continue;
		char what[64];
		snprintf(what, sizeof what, "%s", lm_mount_option(m));
		struct tree_use u = {
		    .what = what,
		    .attrs = MOUNT_ATTR_NOSUID,
		    .writable = m->kind == LM_MOUNT_BIND || m->kind == LM_MOUNT_DEV_BIND,
		    .idmap = true,
		    .try_src = m->try_src,
		    .dir = m->kind == LM_MOUNT_OVERLAY,
		};
		if (m->kind != LM_MOUNT_DEV_BIND)
			u.attrs |= MOUNT_ATTR_NODEV;
		if (m->kind == LM_MOUNT_RO_BIND)
			u.attrs |= MOUNT_ATTR_RDONLY;
		bool skipped;
		cleanup_close int t = host_tree(c, m->src, &u, &skipped, NULL, e);
		if (t < 0 && !skipped)
			goto out;
		if (queue_tree(tx, (uint32_t)i, TREE_SRC, t, skipped, e) < 0)
			goto out;
		if (m->kind == LM_MOUNT_OVERLAY && m->upper) {
			struct tree_use up = {.what = "--overlay-upper",
					      .attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
					      .writable = true,
					      .idmap = true,
					      .dir = true};
			cleanup_close int ut = host_tree(c, m->upper, &up, &skipped, NULL, e);
			if (ut < 0)
				goto out;
			struct stat st;
			if (fstat(ut, &st) == 0 && st.st_uid == 0) {
				lm_error(e, 0, L,
					 "--overlay-upper %s: owned by root; the changes must land "
					 "as a user, never as root: give a directory a user owns "
					 "(they land as that user)",
					 m->upper);
				goto out;
			}
			if (queue_tree(tx, (uint32_t)i, TREE_UPPER, ut, false, e) < 0)
				goto out;
		}
	}
	if (rootfs) {
		struct tree_use u = {.what = "--rootfs",
				     .attrs =
					 MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
				     .dir = true};
		bool skipped;
		cleanup_close int t = host_tree(c, c->rootfs, &u, &skipped, &rootfs_path, e);
		if (t < 0 || queue_tree(tx, 0, TREE_ROOTFS, t, false, e) < 0)
			goto out;
	}
	lm_sandbox_keep_fd(sb, queue_rx);
	ret = 0;
out:
	idmaps_free();
	if (ret < 0)
		lm_mount_src_free();
	return ret;
}

void lm_mount_src_parent(void)
{
	lm_closep(&queue_rx);
	queue_rx = -1;
}

int lm_mount_src_rootfs_path(void)
{
	return rootfs_path;
}

/* The old root's /tmp (or its /): where init adopts trees before the pivot detaches it. */
static const char *adopt_point(void)
{
	struct stat st;
	return stat("/tmp", &st) == 0 && S_ISDIR(st.st_mode) ? "/tmp" : "/";
}

/* A tree the supervisor made, made init's own: attached in init's mount namespace and cloned
 * from there (see the top comment).  The attached copy goes with the old root at the pivot;
 * without the pivot layer (demo only) the payload would see it, so it is detached now. */
static int adopt(const struct lm_config *c, int *foreign, struct lm_err *e)
{
	const char *at = adopt_point();
	if (move_mount(*foreign, "", AT_FDCWD, at, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return lm_error(e, errno, L, "adopting a host tree");
	lm_closep(foreign);
	*foreign = -1;
	int t = open_tree(AT_FDCWD, at, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (t < 0)
		return lm_error(e, errno, L, "adopting a host tree");
	if (!lm_layer_on(c, LM_LAYER_PIVOT) && umount2(at, MNT_DETACH) < 0) {
		close(t);
		return lm_error(e, errno, L, "adopting a host tree");
	}
	return t;
}

static int plan_alloc(size_t n, struct lm_err *e)
{
	struct lm_mount_plan *p = &lm_mount_plan;
	p->n = n;
	p->src = malloc((n + 1) * sizeof *p->src);
	p->upper = malloc((n + 1) * sizeof *p->upper);
	p->skipped = calloc(n + 1, sizeof *p->skipped);
	if (!p->src || !p->upper || !p->skipped)
		return lm_error(e, ENOMEM, L, "plan");
	for (size_t i = 0; i <= n; i++)
		p->src[i] = p->upper[i] = -1;
	return 0;
}

static int receive_trees(const struct lm_config *c, struct lm_err *e)
{
	struct lm_mount_plan *p = &lm_mount_plan;
	for (;;) {
		struct tree_msg m;
		int fd = -1;
		ssize_t r = lm_recv_fd(queue_rx, &m, sizeof m, MSG_DONTWAIT, &fd);
		if (r == 0 || (r < 0 && errno == EAGAIN))
			break;
		if (r != (ssize_t)sizeof m || (fd < 0 && !m.skipped) ||
		    (m.which != TREE_ROOTFS && m.index >= p->n)) {
			if (fd >= 0)
				close(fd);
			return lm_error(e, r < 0 ? errno : EPROTO, L, "receiving the host trees");
		}
		bool adopt_it = m.which == TREE_ROOTFS || m.which == TREE_UPPER ||
				c->mounts[m.index].kind == LM_MOUNT_OVERLAY;
		if (fd >= 0 && adopt_it) {
			int t = adopt(c, &fd, e);
			if (fd >= 0)
				close(fd);
			if (t < 0)
				return -1;
			fd = t;
		}
		if (m.which == TREE_ROOTFS)
			p->rootfs = fd;
		else if (m.which == TREE_UPPER)
			p->upper[m.index] = fd;
		else {
			p->src[m.index] = fd;
			p->skipped[m.index] = m.skipped;
		}
	}
	lm_closep(&queue_rx);
	queue_rx = -1;
	return 0;
}

/* Unprivileged: a clone of the host path, with the caller's rights. */
static int own_tree(const char *what, const char *path, bool recursive, bool try_src, bool *skipped,
		    struct lm_err *e)
{
	int t = open_tree(AT_FDCWD, path,
			  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
	if (t < 0 && try_src && errno == ENOENT) {
		*skipped = true;
		return -1;
	}
	if (t < 0)
		return lm_error(e, errno, L, "%s %s", what, path);
	return t;
}

int lm_mount_src_init_host(struct lm_sandbox *sb, struct lm_err *e)
{
	const struct lm_config *c = sb->c;
	struct lm_mount_plan *p = &lm_mount_plan;
	if (plan_alloc(c->nmounts, e) < 0)
		return -1;
	if (c->caller_is_root)
		return queue_rx >= 0 ? receive_trees(c, e) : 0;
	for (size_t i = 0; i < c->nmounts; i++) {
		const struct lm_mount *m = &c->mounts[i];
		if (!lm_mount_has_source(m->kind))
			continue;
		p->src[i] =
		    own_tree(lm_mount_option(m), m->src, true, m->try_src, &p->skipped[i], e);
		if (p->src[i] < 0 && !p->skipped[i])
			return -1;
		if (m->kind == LM_MOUNT_OVERLAY && m->upper) {
			bool skipped = false;
			p->upper[i] =
			    own_tree("--overlay-upper", m->upper, false, false, &skipped, e);
			if (p->upper[i] < 0)
				return -1;
		}
	}
	if (c->rootfs && lm_layer_on(c, LM_LAYER_PIVOT)) {
		bool skipped = false;
		p->rootfs = own_tree("--rootfs", c->rootfs, true, false, &skipped, e);
		if (p->rootfs < 0)
			return -1;
	}
	return 0;
}

void lm_mount_src_free(void)
{
	struct lm_mount_plan *p = &lm_mount_plan;
	lm_closep(&p->rootfs);
	p->rootfs = -1;
	for (size_t i = 0; i < p->n; i++) {
		if (p->src)
			lm_closep(&p->src[i]);
		if (p->upper)
			lm_closep(&p->upper[i]);
	}
	free(p->src);
	free(p->upper);
	free(p->skipped);
	p->src = p->upper = NULL;
	p->skipped = NULL;
	p->n = 0;
	lm_closep(&queue_rx);
	queue_rx = -1;
	lm_closep(&rootfs_path);
	rootfs_path = -1;
}
