/* mount: build the sandbox's root and pivot into it (init, inside the new user and mount
 * namespaces).
 *
 * The root is assembled as a DETACHED mount tree with the new mount API (fsopen/fsmount,
 * open_tree(OPEN_TREE_CLONE), move_mount, mount_setattr): nothing is attached in the mount
 * namespace until the tree is complete, so the host's paths (bind sources) stay visible while the
 * tree is built and no second pivot is needed.  Every destination inside the tree is resolved with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), so that neither ".." nor a symlink (in the
 * tmpfs root or in a --rootfs DIR) can make a mount land outside the sandbox's root.
 *
 * Order (each step says why):
 *   1. (stage INIT_HOST) take the host trees: the bind sources, overlay layers and --rootfs
 *      (src/mount_src.c: as root the supervisor resolved, cloned and idmapped them; unprivileged
 *      init clones them with the caller's rights), and /usr and its links;
 *   2. the userns layer settles init's ids inside (as root: mapped to the unprivileged host
 *      uid), so that files created in the new tmpfs are owned by mapped ids (an unmapped fsuid
 *      gets EOVERFLOW) and nothing later runs as host root;
 *   3. (stage INIT) build the tree: root tmpfs, /usr, links, /etc, /tmp, /dev, /proc, HOME,
 *      then the user's mounts in command-line order;
 *   4. /proc is mounted before the old root is detached: the kernel only lets a user namespace
 *      mount proc while a fully visible proc is mounted in its mount namespace;
 *   5. the root tmpfs is made read-only once built, attached, pivot_root(".", ".") and the old
 *      root detached with umount2(MNT_DETACH); then the working directory.
 *
 * A mount point that is missing in a read-only directory (a --rootfs, the host's /usr, a
 * read-only bind) is made on a scratch layer: a small tmpfs over that directory, holding its
 * entries bound back and the new mount point (see shadow_dir).  */
#include "mount_internal.h"
#include "path.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>
#include "libc-compat.h"

#define L LM_MOUNT_L

static int openat2_beneath(int dfd, const char *path, int flags)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_CLOEXEC),
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	return (int)syscall(SYS_openat2, dfd, path, &how, sizeof how);
}

/* A detached copy of a host path (recursive). */
static int clone_tree(const char *path, bool recursive, struct lm_err *e)
{
	int fd = open_tree(AT_FDCWD, path,
			   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
	if (fd < 0)
		lm_error(e, errno, L, "%s", path);
	return fd;
}

static int set_attr(int fd, uint64_t set, bool recursive, const char *what, struct lm_err *e)
{
	struct mount_attr a = {.attr_set = set};
	if (mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof a) < 0)
		return lm_error(e, errno, L, "mount_setattr on %s", what);
	return 0;
}

#ifndef SYS_open_tree_attr
#define SYS_open_tree_attr 467 /* Linux 6.15 */
#endif

/* open_tree(OPEN_TREE_CLONE) and mount_setattr in one call (open_tree_attr, Linux 6.15); on
 * an older kernel, the two calls. */
static int clone_attr(int dfd, const char *path, unsigned flags, uint64_t set, const char *what,
		      struct lm_err *e)
{
	static bool no_attr_call;
	flags |= OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
	struct mount_attr a = {.attr_set = set};
	if (!no_attr_call) {
		int fd = (int)syscall(SYS_open_tree_attr, dfd, path, flags, &a, sizeof a);
		if (fd >= 0)
			return fd;
		if (errno != ENOSYS)
			return lm_error(e, errno, L, "%s", what);
		no_attr_call = true;
	}
	int fd = open_tree(dfd, path, flags);
	if (fd < 0)
		return lm_error(e, errno, L, "%s", what);
	if (set_attr(fd, set, flags & AT_RECURSIVE, what, e) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void fs_log(int fs, struct lm_err *e);

/* A new filesystem instance as a detached mount. */
static int new_fs(const char *type, const char *const *opts, unsigned attrs, struct lm_err *e)
{
	cleanup_close int fs = fsopen(type, FSOPEN_CLOEXEC);
	if (fs < 0)
		return lm_error(e, errno, L, "fsopen %s", type);
	for (; opts && opts[0]; opts += 2) {
		if (fsconfig(fs, opts[1] ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, opts[0],
			     opts[1], 0) < 0)
			return lm_error(e, errno, L, "%s option %s", type, opts[0]);
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		lm_error(e, errno, L, "creating %s", type);
		fs_log(fs, e);
		return -1;
	}
	int m = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	if (m < 0)
		return lm_error(e, errno, L, "fsmount %s", type);
	return m;
}

/* The kernel's own words when a filesystem refuses its options (the context's log,
 * fsopen(2)), added to e's message. */
static void fs_log(int fs, struct lm_err *e)
{
	char buf[256];
	ssize_t n = read(fs, buf, sizeof buf - 1);
	if (n <= 2)
		return;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	size_t l = strlen(e->msg);
	snprintf(e->msg + l, sizeof e->msg - l, " (%s)", buf + 2); /* after "e " */
}

/* The size of a tmpfs lamina makes without being told one: its scratch tmpfs (/tmp, /dev/shm,
 * HOME, --file contents, an overlay's changes) and a --tmpfs without size=.  The one place
 * that decides it: a quarter of the RAM, at most 1 GiB (the kernel's default, half the RAM
 * for each tmpfs, lets two sandboxes pin all of it).  What is written there is charged to the
 * writer's memory cgroup, so a memory limit, where one is set, is what to size it from here. */
static uint64_t default_tmpfs_size(const struct lm_config *c)
{
	static uint64_t size;
	if (!size) {
		struct sysinfo si;
		uint64_t quarter = sysinfo(&si) == 0 ? (uint64_t)si.totalram * si.mem_unit / 4 : 0;
		size = quarter && quarter < (1ull << 30) ? quarter & ~4095ull : 1ull << 30;
	}
	/* Under a memory limit, at most what the resources layer gives lamina's scratch, shared
	 * by the scratch tmpfs and each --tmpfs without size=: tmpfs filled to the cgroup's limit
	 * would make the OOM killer end the sandbox's processes one by one, where ENOSPC is the
	 * better answer. */
	uint64_t cap = lm_resources_scratch_size(c);
	if (cap) {
		uint64_t shares = 1;
		for (size_t i = 0; i < c->nmounts; i++)
			shares += c->mounts[i].kind == LM_MOUNT_TMPFS && !c->mounts[i].size;
		cap = cap / shares > 4096 ? (cap / shares) & ~4095ull : 4096;
	}
	return cap && cap < size ? cap : size;
}

static const char *size_option(const struct lm_config *c, char *buf, size_t n, uint64_t size)
{
	snprintf(buf, n, "%llu", (unsigned long long)(size ? size : default_tmpfs_size(c)));
	return buf;
}

/* One build of the sandbox's root, as the user's mounts and HOME see it. */
struct build {
	struct lm_sandbox *sb;
	const struct lm_config *c;
	int root;	    /* the tree being built (the host's / without the pivot layer) */
	bool root_is_tmpfs; /* lamina's own tmpfs root: made read-only once built */
	int scratch;	    /* lamina's scratch tmpfs, or -1 until one is needed */
	int tmp;	    /* lamina's own /tmp, attached and still empty (HOME), or -1 */
	bool home_in_mount; /* HOME is in one of the user's mounts */
	unsigned nfiles, nlayers;
};

/* What to create at the end of a missing destination. */
enum leaf_kind { LEAF_DIR, LEAF_FILE, LEAF_LINK };
struct leaf {
	enum leaf_kind kind;
	const char *target; /* LEAF_LINK */
};

static int make_leaf(int dir, const char *name, const struct leaf *l)
{
	if (l->kind == LEAF_LINK)
		return symlinkat(l->target, dir, name);
	if (l->kind == LEAF_DIR)
		return mkdirat(dir, name, 0755);
	int fd = openat(dir, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0444);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int escapes(struct lm_err *e, const char *dst)
{
	return lm_error(e, 0, L, "destination /%s escapes the root through a symlink or '..'", dst);
}

static int shadow_dir(struct build *b, const char *parent, const char *rest,
		      const struct leaf *leaf, struct lm_err *e);

/* Create what is missing of DST (relative to root, no leading '/') beneath root: directories,
 * and the last component as LEAF.  Each prefix is looked up from root again, so that a symlink
 * met on the way is judged against the root, never against its own directory.  A component
 * whose directory is read-only is made on a scratch layer over that directory (shadow_dir),
 * where b allows it (the user's mounts and HOME; lamina's own mount points never need it). */
static int create_path(struct build *b, int root, const char *dst, const struct leaf *leaf,
		       struct lm_err *e)
{
	static const struct leaf dir = {LEAF_DIR, NULL};
	size_t n = strlen(dst), start = 0;
	char prefix[PATH_MAX], parent[PATH_MAX], name[NAME_MAX + 1];
	if (n >= sizeof prefix)
		return lm_error(e, ENAMETOOLONG, L, "destination /%s", dst);
	while (start < n) {
		size_t end = start + strcspn(dst + start, "/");
		size_t next = end + strspn(dst + end, "/");
		bool last = next >= n;
		if (end - start > NAME_MAX)
			return lm_error(e, ENAMETOOLONG, L, "destination /%s", dst);
		memcpy(prefix, dst, end);
		prefix[end] = 0;
		bool link = last && leaf->kind == LEAF_LINK;
		int fd = openat2_beneath(root, prefix, O_PATH | (link ? O_NOFOLLOW : 0));
		if (fd >= 0) {
			close(fd);
			if (link)
				return lm_error(e, EEXIST, L, "/%s", dst);
			start = next;
			continue;
		}
		if (errno == EXDEV || errno == ELOOP)
			return escapes(e, dst);
		if (errno != ENOENT)
			return lm_error(e, errno, L, "destination /%s", dst);
		size_t pl = start;
		while (pl && dst[pl - 1] == '/')
			pl--;
		memcpy(parent, dst, pl);
		parent[pl] = 0;
		memcpy(name, dst + start, end - start);
		name[end - start] = 0;
		cleanup_close int pfd =
		    openat2_beneath(root, pl ? parent : ".", O_PATH | O_DIRECTORY);
		if (pfd < 0)
			return lm_error(e, errno, L, "destination /%s", dst);
		int r = make_leaf(pfd, name, last ? leaf : &dir);
		if (r == 0 && last)
			return 0;
		if (r == 0 || errno == EEXIST)
			continue; /* look again: it exists now */
		if (errno == EROFS && b)
			return shadow_dir(b, parent, dst + start, leaf, e);
		return lm_error(e, errno, L, "cannot create mount point /%s", prefix);
	}
	return 0;
}

/* Resolve DST (absolute, inside the sandbox) beneath root, creating what is missing as
 * directories (and the last component as a file when want_file).  Returns an O_PATH fd. */
static int resolve_in(struct build *b, int root, const char *dst, bool create, bool want_file,
		      struct lm_err *e)
{
	while (*dst == '/')
		dst++;
	if (!*dst)
		return openat2_beneath(root, ".", O_PATH);
	int fd = openat2_beneath(root, dst, O_PATH);
	if (fd >= 0)
		return fd;
	if (errno == EXDEV || errno == ELOOP)
		return escapes(e, dst);
	if (errno != ENOENT || !create)
		return lm_error(e, errno, L, "destination /%s", dst);
	struct leaf l = {want_file ? LEAF_FILE : LEAF_DIR, NULL};
	if (create_path(b, root, dst, &l, e) < 0)
		return -1;
	fd = openat2_beneath(root, dst, O_PATH);
	if (fd < 0)
		return errno == EXDEV || errno == ELOOP
			   ? escapes(e, dst)
			   : lm_error(e, errno, L, "destination /%s", dst);
	return fd;
}

/* Attach the detached mount src at NAME, one component, in DIR: a directory of a tree lamina
 * made itself (its tmpfs root, its /dev, a new proc), where no symlink or ".." can have been
 * planted, so that the resolve_in walk (five to seven calls) is not needed.  create: make the
 * mount point first (a directory, or an empty file when want_file). */
static int attach_here(int src, int dir, const char *name, bool create, bool want_file,
		       struct lm_err *e)
{
	if (create) {
		int r = want_file
			    ? openat(dir, name,
				     O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0444)
			    : mkdirat(dir, name, 0755);
		if (r < 0)
			return lm_error(e, errno, L, "cannot create mount point %s", name);
		if (want_file)
			close(r);
	}
	if (move_mount(src, "", dir, name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return lm_error(e, errno, L, "attaching %s", name);
	return 0;
}

static const char *kind_noun(mode_t mode)
{
	return S_ISDIR(mode)			? "directory"
	       : S_ISCHR(mode) || S_ISBLK(mode) ? "device"
	       : S_ISSOCK(mode)			? "socket"
	       : S_ISFIFO(mode)			? "FIFO"
						: "file";
}

/* m: the user's mount, named in the error (NULL for lamina's own). */
static int attach_in(struct build *b, int src, int root, const char *dst, bool want_file,
		     const struct lm_mount *m, struct lm_err *e)
{
	cleanup_close int t = resolve_in(b, root, dst, true, want_file, e);
	if (t < 0)
		return -1;
	/* The kernel answers a directory mounted on a non-directory (or the reverse) with a bare
	 * EINVAL; say which of the two is what. */
	struct stat ss, ds;
	if (fstat(src, &ss) == 0 && fstat(t, &ds) == 0 &&
	    !S_ISDIR(ss.st_mode) != !S_ISDIR(ds.st_mode)) {
		if (m)
			return lm_error(e, 0, L,
					"%s %s %s: the source is a %s and the destination a %s",
					lm_mount_option(m), m->src, m->dst, kind_noun(ss.st_mode),
					kind_noun(ds.st_mode));
		return lm_error(e, 0, L,
				"attaching %s: the source is a %s and the destination a %s", dst,
				kind_noun(ss.st_mode), kind_noun(ds.st_mode));
	}
	if (move_mount(src, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return lm_error(e, errno, L, "attaching %s", dst);
	return 0;
}

/* Attach the detached mount src onto dst (resolved safely beneath root). */
static int attach(int src, int root, const char *dst, bool want_file, struct lm_err *e)
{
	return attach_in(NULL, src, root, dst, want_file, NULL, e);
}

/* A user's mount onto dst: as attach, with missing mount points made on a scratch layer where
 * their directory is read-only. */
static int attach_user(struct build *b, int src, const char *dst, bool want_file,
		       const struct lm_mount *m, struct lm_err *e)
{
	return attach_in(b, src, b->root, dst, want_file, m, e);
}

/* A new tmpfs holding DIR's entries bound back (directories and files as recursive binds of
 * themselves, symlinks copied), mode as DIR's; own: names to make as empty directories
 * instead (lamina mounts over them).  Still writable: the caller adds its mount point. */
static int shadow_fill(int dir, const char *const *own, struct lm_err *e)
{
	struct stat st;
	if (fstat(dir, &st) < 0)
		return lm_error(e, errno, L, "scratch layer");
	char mode[8];
	snprintf(mode, sizeof mode, "%o", (unsigned)(st.st_mode & 07777));
	const char *const opts[] = {"mode", mode, "size", "64k", NULL};
	cleanup_close int t = new_fs("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, e);
	if (t < 0)
		return -1;
	int d = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *ds = d < 0 ? NULL : fdopendir(d);
	if (!ds) {
		if (d >= 0)
			close(d);
		return lm_error(e, errno, L, "scratch layer: reading the directory");
	}
	int ret = -1;
	for (struct dirent *de; (errno = 0, de = readdir(ds));) {
		const char *n = de->d_name;
		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		struct stat es;
		if (fstatat(dir, n, &es, AT_SYMLINK_NOFOLLOW) < 0) {
			lm_error(e, errno, L, "scratch layer: %s", n);
			goto out;
		}
		bool mine = false;
		for (const char *const *o = own; o && *o; o++)
			mine |= !strcmp(*o, n);
		if (S_ISLNK(es.st_mode)) {
			char target[PATH_MAX];
			ssize_t l = readlinkat(dir, n, target, sizeof target - 1);
			if (l < 0 || (target[l] = 0, symlinkat(target, t, n) < 0)) {
				lm_error(e, errno, L, "scratch layer: symlink %s", n);
				goto out;
			}
			continue;
		}
		int r = S_ISDIR(es.st_mode) ? mkdirat(t, n, es.st_mode & 07777)
					    : make_leaf(t, n, &(struct leaf){LEAF_FILE, NULL});
		if (r < 0) {
			lm_error(e, errno, L, "scratch layer: %s", n);
			goto out;
		}
		if (mine)
			continue;
		cleanup_close int m = open_tree(dir, n,
						OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE |
						    AT_SYMLINK_NOFOLLOW);
		if (m < 0 || move_mount(m, "", t, n, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
			lm_error(e, errno, L, "scratch layer: binding %s back", n);
			goto out;
		}
	}
	if (errno) {
		lm_error(e, errno, L, "scratch layer: reading the directory");
		goto out;
	}
	ret = lm_steal_fd(&t);
out:
	closedir(ds);
	return ret;
}

/* PARENT (a directory of the tree, relative to root, read-only) lacks REST (its missing
 * components below it, the last one LEAF).  A small tmpfs goes over PARENT, holding PARENT's
 * entries bound back and REST, and is made read-only: what was there stays as it was, with
 * the new mount point added.  The root itself gets this before anything is mounted on it
 * (shadow_root). */
static int shadow_dir(struct build *b, const char *parent, const char *rest,
		      const struct leaf *leaf, struct lm_err *e)
{
	if (!*parent)
		return lm_error(e, EROFS, L, "cannot create mount point /%s", rest);
	cleanup_close int dir = openat2_beneath(b->root, parent, O_PATH | O_DIRECTORY);
	if (dir < 0)
		return lm_error(e, errno, L, "/%s", parent);
	cleanup_close int t = shadow_fill(dir, NULL, e);
	if (t < 0 || create_path(NULL, t, rest, leaf, e) < 0 ||
	    set_attr(t, MOUNT_ATTR_RDONLY, false, parent, e) < 0)
		return -1;
	if (move_mount(t, "", dir, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return lm_error(e, errno, L, "scratch layer over /%s", parent);
	lm_verbose(b->c, L,
		   "/%s is read-only: /%s/%s made on a tmpfs over it that binds its entries back",
		   parent, parent, rest);
	return 0;
}

/* The directories of a --rootfs lamina mounts over. */
static const char *const rootfs_own[] = {"proc", "dev", "tmp", NULL};

/* A --rootfs that lacks a top-level directory a mount needs: the root becomes a tmpfs holding
 * the --rootfs's entries bound back, made read-only once built like lamina's own root. */
static int shadow_root(struct build *b, struct lm_err *e)
{
	cleanup_close int dir = openat2_beneath(b->root, ".", O_PATH | O_DIRECTORY);
	if (dir < 0)
		return lm_error(e, errno, L, "--rootfs %s", b->c->rootfs);
	int t = shadow_fill(dir, rootfs_own, e);
	if (t < 0)
		return -1;
	close(b->root);
	b->root = t;
	b->root_is_tmpfs = true;
	lm_verbose(b->c, L,
		   "--rootfs %s lacks a top-level mount point: the root is a tmpfs that binds "
		   "its entries back",
		   b->c->rootfs);
	return 0;
}

static int write_file(int dir, const char *name, const char *text, mode_t mode, struct lm_err *e)
{
	cleanup_close int fd =
	    openat(dir, name, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return lm_error(e, errno, L, "creating /etc/%s", name);
	size_t len = strlen(text);
	while (len) {
		ssize_t w = write(fd, text, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return lm_error(e, errno, L, "writing /etc/%s", name);
		text += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Copy a small regular host file into the tmpfs (cheaper than a bind mount, and a snapshot). */
static int copy_small(const char *src, int dir, const char *name, struct lm_err *e)
{
	/* Without blocking, and only a regular file: what was one at lstat may have been replaced
	 * by a FIFO since. */
	cleanup_close int in =
	    openat(AT_FDCWD, src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (in < 0)
		return errno == ENOENT || errno == EACCES ? 0 : lm_error(e, errno, L, "%s", src);
	struct stat st;
	if (fstat(in, &st) < 0)
		return lm_error(e, errno, L, "%s", src);
	if (!S_ISREG(st.st_mode))
		return lm_error(e, 0, L, "%s: not a regular file", src);
	cleanup_close int out =
	    openat(dir, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (out < 0)
		return lm_error(e, errno, L, "creating %s", src);
	char buf[16384];
	for (;;) {
		ssize_t r = read(in, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return lm_error(e, errno, L, "reading %s", src);
		if (r == 0)
			break;
		for (ssize_t off = 0; off < r;) {
			ssize_t w = write(out, buf + off, (size_t)(r - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return lm_error(e, errno, L, "copying %s", src);
			off += w;
		}
		if ((size_t)r < sizeof buf)
			break; /* a regular file reads short only at its end */
	}
	return 0;
}

/* What host programs need from /etc: the loader cache, alternatives (cc is a symlink through
 * /etc/alternatives on Debian), time zone, certificates, and the small databases libc reads.
 * Not what only host administration reads (ld.so.conf and ld.so.conf.d for ldconfig,
 * ca-certificates.conf for update-ca-certificates, environment for pam_env): each entry costs
 * at every launch, copied or bound, and again at teardown. */
static const char *const etc_entries[] = {
    "alternatives", "ld.so.cache",    "localtime", "timezone",	  "ssl",	"ca-certificates",
    "os-release",   "debian_version", "protocols", "services",	  "mime.types", "gai.conf",
    "host.conf",    "networks",	      "inputrc",   "bash.bashrc", "profile",	"terminfo",
    "magic",	    "mailcap",	      NULL,
};

static int build_etc(const struct lm_config *c, int root, struct lm_err *e)
{
	if (mkdirat(root, "etc", 0755) < 0)
		return lm_error(e, errno, L, "mkdir /etc");
	cleanup_close int etc =
	    openat(root, "etc", O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (etc < 0)
		return lm_error(e, errno, L, "open /etc");
	const char *hostname = c->hostname ? c->hostname : "lamina";
	char hosts[1024];
	/* The ids that exist inside, named (userns.c), the payload's with its home. */
	cleanup_free char *passwd = lm_userns_etc(c, false, lm_mount_home(c));
	cleanup_free char *group = lm_userns_etc(c, true, lm_mount_home(c));
	if (!passwd || !group)
		return lm_error(e, ENOMEM, L, "/etc/passwd");
	snprintf(hosts, sizeof hosts,
		 "127.0.0.1\tlocalhost %s\n::1\tlocalhost ip6-localhost ip6-loopback\n", hostname);
	if (write_file(etc, "passwd", passwd, 0644, e) < 0 ||
	    write_file(etc, "group", group, 0644, e) < 0 ||
	    write_file(etc, "hosts", hosts, 0644, e) < 0 ||
	    write_file(
		etc, "nsswitch.conf",
		"passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\n"
		"protocols: files\nservices: files\nethers: files\nrpc: files\n",
		0644, e) < 0)
		return -1;
	char hn[300];
	snprintf(hn, sizeof hn, "%s\n", hostname);
	if (write_file(etc, "hostname", hn, 0644, e) < 0)
		return -1;
	if (c->share_net && copy_small("/etc/resolv.conf", etc, "resolv.conf", e) < 0)
		return -1;
	/* --net user: pasta's DNS forwarder when outbound traffic is allowed, else none. */
	const char *resolv = lm_net_resolv_conf(c);
	if (resolv && write_file(etc, "resolv.conf", resolv, 0644, e) < 0)
		return -1;
	for (const char *const *n = etc_entries; *n; n++) {
		char path[256];
		snprintf(path, sizeof path, "/etc/%s", *n);
		struct stat st;
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t l = readlink(path, target, sizeof target - 1);
			if (l < 0)
				continue;
			target[l] = 0;
			if (symlinkat(target, etc, *n) < 0)
				return lm_error(e, errno, L, "symlink /etc/%s", *n);
		} else if (S_ISREG(st.st_mode) && st.st_size <= 8192) {
			if (copy_small(path, etc, *n, e) < 0)
				return -1;
		} else if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) {
			/* Directories, and files too big to copy at every launch (mime.types 74 KB,
			 * ld.so.cache 44 KB, services 13 KB: copying them into the tmpfs cost more
			 * than a read-only bind), are bound. */
			struct lm_err ignored = {0};
			cleanup_close int t =
			    clone_attr(AT_FDCWD, path, AT_RECURSIVE,
				       MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
				       path, &ignored);
			if (t < 0 && (ignored.errnum == ENOENT || ignored.errnum == EACCES))
				continue; /* unreadable (or just removed) host entry: leave it out
					   */
			if (t < 0) {
				*e = ignored;
				return -1;
			}
			if (attach_here(t, etc, *n, true, S_ISREG(st.st_mode), e) < 0)
				return -1;
		}
	}
	return 0;
}

/* Host top-level entries the default root mirrors: a symlink where the host merged /usr,
 * otherwise a read-only bind. */
static const char *const top_entries[] = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", NULL};

/* Returns the /dev mount (attached under root, still writable so that --bind can add a
 * device); the caller makes it read-only once the user's mounts are in. */
/* shm: the mount to attach at /dev/shm (a clone of the scratch tmpfs's shm directory).
 * Under --rootfs /dev is a small tmpfs of its own (*own_fs; the caller makes it read-only once
 * attached); in lamina's own root it is a directory of the root's tmpfs, read-only with it: a
 * superblock less to create and to tear down.  Returns an fd of /dev. */
static int build_dev(const struct lm_config *c, int root, int shm, bool *own_fs, struct lm_err *e)
{
	static const char *const dev_opts[] = {"mode", "0755", "size", "64k", NULL};
	/* before the first goto: a cleanup variable a goto jumps over is closed with any value */
	cleanup_close int pts = -1, mq = -1;
	*own_fs = c->rootfs != NULL;
	int dev = *own_fs ? new_fs("tmpfs", dev_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, e)
			  : openat2_beneath(root, "dev", O_PATH | O_DIRECTORY);
	if (dev < 0)
		return *own_fs ? -1 : lm_error(e, errno, L, "/dev");
	static const char *const nodes[] = {"null",    "zero", "full", "random",
					    "urandom", "tty",  NULL};
	for (const char *const *n = nodes; *n; n++) {
		char path[64];
		snprintf(path, sizeof path, "/dev/%s", *n);
		cleanup_close int t =
		    clone_attr(AT_FDCWD, path, 0, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, path, e);
		if (t < 0 || attach_here(t, dev, *n, true, true, e) < 0)
			goto fail;
	}
	/* A new devpts instance: the payload gets its own ptys and never sees the host's. */
	static const char *const pts_opts[] = {"newinstance", NULL,   "ptmxmode", "0666",
					       "mode",	      "0620", NULL};
	pts = new_fs("devpts", pts_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, e);
	if (pts < 0 || attach_here(pts, dev, "pts", true, false, e) < 0)
		goto fail;
	if (attach_here(shm, dev, "shm", true, false, e) < 0)
		goto fail;
	/* The sandbox's own POSIX message queues (its ipc namespace's), where programs and the
	 * Landlock rules expect them.  Without that namespace (demo only) there are none of its
	 * own to show, and the host's may not be mounted from here. */
	if (lm_layer_on(c, LM_LAYER_NAMESPACES)) {
		mq = new_fs("mqueue", NULL,
			    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, e);
		if (mq < 0 || attach_here(mq, dev, "mqueue", true, false, e) < 0)
			goto fail;
	}
	static const char *const links[][2] = {
	    {"ptmx", "pts/ptmx"},	   {"fd", "/proc/self/fd"},
	    {"stdin", "/proc/self/fd/0"},  {"stdout", "/proc/self/fd/1"},
	    {"stderr", "/proc/self/fd/2"},
	};
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
		if (symlinkat(links[i][1], dev, links[i][0]) < 0) {
			lm_error(e, errno, L, "symlink /dev/%s", links[i][0]);
			goto fail;
		}
	if (*own_fs && attach(dev, root, "/dev", false, e) < 0)
		goto fail;
	lm_verbose(c, L, "/dev: null zero full random urandom tty, new devpts, shm, mqueue");
	return dev;
fail:
	close(dev);
	return -1;
}

/* /proc paths that expose or change the host, as OCI's maskedPaths and readonlyPaths. */
static const char *const proc_masked[] = {
    "kcore",  "keys", "timer_list", "sched_debug", "latency_stats", "timer_stats", "acpi",
    "asound", "scsi", "kallsyms",   "kmsg",	   "sysrq-trigger", "config.gz",   NULL,
};
static const char *const proc_readonly[] = {"sys", "irq", "bus", "fs", "driver", NULL};

static int build_proc(const struct lm_config *c, int root, struct lm_err *e)
{
	/* Without a pid namespace of our own (demo only) a new proc cannot be mounted: the host's
	 * is bound instead, which is exactly what removing that layer means. */
	cleanup_close int proc =
	    c->disabled_layers & LM_LAYER_NAMESPACES
		? clone_tree("/proc", true, e)
		: new_fs("proc", NULL, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, e);
	if (proc < 0) {
		if (e->errnum == EPERM)
			snprintf(e->msg + strlen(e->msg), sizeof e->msg - strlen(e->msg),
				 " (a user namespace may mount proc only where the host's /proc is "
				 "fully visible)");
		return -1;
	}
	/* One empty read-only tmpfs for every masked directory: a superblock costs at creation and
	 * again at teardown, a clone only its mount.  The first directory gets the tmpfs itself,
	 * the others clones of it: a detached mount that is closed without being attached is
	 * unmounted then, and that unmount waits for an RCU grace period. */
	cleanup_close int empty = -1;
	for (const char *const *n = proc_masked; *n; n++) {
		struct stat st;
		if (fstatat(proc, *n, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		cleanup_close int m = -1;
		int src;
		if (S_ISDIR(st.st_mode) && empty < 0) {
			static const char *const o[] = {"mode", "0555", "size", "0", NULL};
			empty = new_fs("tmpfs", o,
				       MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					   MOUNT_ATTR_NOEXEC,
				       e);
			if (empty < 0)
				return -1;
			src = empty;
		} else if (S_ISDIR(st.st_mode)) {
			m = open_tree(empty, "",
				      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
			if (m < 0)
				return lm_error(e, errno, L, "masking /proc/%s", *n);
			src = m;
		} else {
			m = clone_tree("/dev/null", false, e);
			if (m < 0)
				return -1;
			src = m;
		}
		/* In the new proc: its names are the kernel's. */
		if (attach_here(src, proc, *n, false, false, e) < 0)
			return -1;
	}
	for (const char *const *n = proc_readonly; *n; n++) {
		struct lm_err ro = {0};
		cleanup_close int m =
		    clone_attr(proc, *n, AT_RECURSIVE, MOUNT_ATTR_RDONLY, *n, &ro);
		if (m < 0) {
			if (ro.errnum == ENOENT)
				continue;
			*e = ro;
			return -1;
		}
		if (attach_here(m, proc, *n, false, false, e) < 0)
			return -1;
	}
	/* /proc of lamina's own root is a directory it made; in a --rootfs DIR, the walk
	 * beneath the root. */
	if (c->rootfs ? attach(proc, root, "/proc", false, e) < 0
		      : attach_here(proc, root, "proc", false, false, e) < 0)
		return -1;
	lm_verbose(
	    c, L,
	    "/proc of the new pid namespace (nosuid, nodev, noexec; kcore, keys, sysrq-trigger... "
	    "masked; sys, irq, bus, fs read-only)");
	return 0;
}

/* ---- the user's mounts ------------------------------------------------------------------ */
/* The scratch tmpfs, made now where the build has none (without the pivot layer). */
static int scratch_fd(struct build *b, struct lm_err *e)
{
	if (b->scratch < 0) {
		char size[24];
		const char *const opts[] = {"mode", "0700", "size",
					    size_option(b->c, size, sizeof size, 0), NULL};
		b->scratch = new_fs("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, e);
	}
	return b->scratch;
}

static int mount_tmpfs(struct build *b, const struct lm_mount *m, struct lm_err *e)
{
	char mode[8], size[24];
	snprintf(mode, sizeof mode, "%o", m->mode_set ? m->mode : 0755u);
	const char *const opts[] = {"mode", mode, "size",
				    size_option(b->c, size, sizeof size, m->size), NULL};
	cleanup_close int fd = new_fs("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, e);
	if (fd < 0)
		return -1;
	cleanup_close int t = resolve_in(b, b->root, m->dst, true, false, e);
	struct stat st;
	if (t < 0 || fstat(t, &st) < 0)
		return t < 0 ? -1 : lm_error(e, errno, L, "--tmpfs %s", m->dst);
	if (!S_ISDIR(st.st_mode))
		return lm_error(e, 0, L, "--tmpfs %s: not a directory (a tmpfs is mounted on one)",
				m->dst);
	if (move_mount(fd, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return lm_error(e, errno, L, "attaching %s", m->dst);
	lm_verbose(b->c, L, "tmpfs %s (mode %s, %s bytes)", m->dst, mode, size);
	return 0;
}

static int mount_bind(struct build *b, const struct lm_mount *m, int fd, struct lm_err *e)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return lm_error(e, errno, L, "%s %s", lm_mount_option(m), m->src);
	/* As root the supervisor set these with the idmapping (src/mount_src.c). */
	uint64_t attrs = MOUNT_ATTR_NOSUID | (m->kind == LM_MOUNT_DEV_BIND ? 0 : MOUNT_ATTR_NODEV) |
			 (m->kind == LM_MOUNT_RO_BIND ? MOUNT_ATTR_RDONLY : 0);
	if (!b->c->caller_is_root && set_attr(fd, attrs, true, m->src, e) < 0)
		return -1;
	if (attach_user(b, fd, m->dst, !S_ISDIR(st.st_mode), m, e) < 0)
		return -1;
	lm_verbose(b->c, L, "%s %s -> %s", lm_mount_option(m) + 2, m->src, m->dst);
	return 0;
}

static int make_symlink(struct build *b, const struct lm_mount *m, struct lm_err *e)
{
	struct leaf l = {LEAF_LINK, m->src};
	const char *dst = m->dst;
	while (*dst == '/')
		dst++;
	if (create_path(b, b->root, dst, &l, e) < 0) {
		if (e->errnum == EEXIST)
			lm_error(e, 0, L, "--symlink %s %s: %s exists", m->src, m->dst, m->dst);
		return -1;
	}
	lm_verbose(b->c, L, "symlink %s -> %s", m->dst, m->src);
	return 0;
}

/* --file and --bind-data: the content the supervisor read from the caller's fd, as a file of
 * the scratch tmpfs bound at dst (read-only for --bind-data). */
static int mount_file(struct build *b, const struct lm_mount *m, struct lm_err *e)
{
	const char *opt = lm_mount_option(m);
	int sc = scratch_fd(b, e);
	if (sc < 0)
		return -1;
	if (b->nfiles == 0 && mkdirat(sc, "files", 0700) < 0)
		return lm_error(e, errno, L, "%s: scratch tmpfs", opt);
	char name[32];
	snprintf(name, sizeof name, "files/%u", b->nfiles++);
	cleanup_close int fd =
	    openat(sc, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || lm_write_all(fd, m->data ? m->data : "", m->len) < 0)
		return lm_error(e, errno, L, "%s %s %s", opt, m->src, m->dst);
	cleanup_close int t = clone_attr(
	    sc, name, 0, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (m->rdonly ? MOUNT_ATTR_RDONLY : 0),
	    m->dst, e);
	if (t < 0 || attach_user(b, t, m->dst, true, m, e) < 0)
		return -1;
	lm_verbose(b->c, L, "%s: %zu bytes from fd %s at %s%s", opt + 2, m->len, m->src, m->dst,
		   m->rdonly ? " (read-only)" : "");
	return 0;
}

/* --overlay SRC DST: SRC's tree (lower) seen through an overlayfs whose changes go to a
 * directory of the scratch tmpfs, gone with the sandbox, or to --overlay-upper DIR's "upper"
 * (overlayfs's "work" directory next to it).  Mounted in the sandbox's user namespace, so with
 * user.* xattrs (userxattr); the layers are trees init owns (overlayfs clones them privately),
 * idmapped by the supervisor as root like a bind (src/mount_src.c). */
static int mount_overlay(struct build *b, const struct lm_mount *m, int lower, int upper,
			 struct lm_err *e)
{
	cleanup_close int up = -1, work = -1;
	struct stat lst;
	if (fstat(lower, &lst) < 0)
		return lm_error(e, errno, L, "--overlay %s", m->src);
	if (upper >= 0) {
		if ((mkdirat(upper, "upper", 0755) < 0 && errno != EEXIST) ||
		    (mkdirat(upper, "work", 0700) < 0 && errno != EEXIST))
			return lm_error(e, errno, L, "--overlay-upper %s", m->upper);
		up = openat(upper, "upper", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		work = openat(upper, "work", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (up < 0 || work < 0)
			return lm_error(e, errno, L, "--overlay-upper %s", m->upper);
	} else {
		int sc = scratch_fd(b, e);
		if (sc < 0)
			return -1;
		char d[32], u[40], w[40];
		snprintf(d, sizeof d, "overlay-%u", b->nlayers++);
		snprintf(u, sizeof u, "%s/upper", d);
		snprintf(w, sizeof w, "%s/work", d);
		if (mkdirat(sc, d, 0700) < 0 || mkdirat(sc, u, lst.st_mode & 07777) < 0 ||
		    fchmodat(sc, u, lst.st_mode & 07777, 0) < 0 || mkdirat(sc, w, 0700) < 0)
			return lm_error(e, errno, L, "--overlay %s: scratch tmpfs", m->src);
		up = openat(sc, u, O_PATH | O_DIRECTORY | O_CLOEXEC);
		work = openat(sc, w, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (up < 0 || work < 0)
			return lm_error(e, errno, L, "--overlay %s: scratch tmpfs", m->src);
	}
	cleanup_close int fs = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return lm_error(e, errno, L, "--overlay %s: overlayfs", m->src);
	if (fsconfig(fs, FSCONFIG_SET_FD, "lowerdir+", NULL, lower) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_FD, "upperdir", NULL, up) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_FD, "workdir", NULL, work) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		lm_error(e, errno, L, "--overlay %s %s", m->src, m->dst);
		fs_log(fs, e);
		return -1;
	}
	cleanup_close int mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (mnt < 0)
		return lm_error(e, errno, L, "--overlay %s %s", m->src, m->dst);
	if (attach_user(b, mnt, m->dst, false, m, e) < 0)
		return -1;
	lm_verbose(b->c, L, "overlay %s -> %s, changes %s%s", m->src, m->dst,
		   m->upper ? "kept in " : "in a private tmpfs", m->upper ? m->upper : "");
	return 0;
}

/* Where a user could mean to replace what lamina built: said under -v. */
static void note_replaced(const struct build *b, const struct lm_mount *m)
{
	static const struct {
		const char *dst, *what;
		bool own_root; /* only in lamina's own root */
	} built[] = {
	    {"/tmp", "lamina's private /tmp", false},
	    {"/dev/shm", "lamina's /dev/shm", false},
	    {"/dev", "lamina's /dev: the payload sees the devices of SRC", false},
	    {"/etc", "the generated /etc (passwd, group, hosts, resolver files)", true},
	    {"/usr", "the host's /usr", true},
	};
	for (size_t i = 0; i < sizeof built / sizeof built[0]; i++)
		if (!strcmp(m->dst, built[i].dst) && (!built[i].own_root || !b->c->rootfs))
			lm_verbose(b->c, L, "%s %s replaces %s", lm_mount_option(m), m->dst,
				   built[i].what);
}

static int user_mounts(struct build *b, struct lm_err *e)
{
	const struct lm_config *c = b->c;
	const struct lm_mount_plan *p = &lm_mount_plan;
	for (size_t i = 0; i < c->nmounts; i++) {
		const struct lm_mount *m = &c->mounts[i];
		int r;
		if (lm_mount_has_source(m->kind) && p->skipped[i]) {
			if (!c->caller_is_root) /* as root the supervisor said it */
				lm_verbose(c, L, "%s %s: no such file, skipped", lm_mount_option(m),
					   m->src);
			continue;
		}
		switch (m->kind) {
		case LM_MOUNT_TMPFS:
			r = mount_tmpfs(b, m, e);
			break;
		case LM_MOUNT_SYMLINK:
			r = make_symlink(b, m, e);
			break;
		case LM_MOUNT_FILE:
			r = mount_file(b, m, e);
			break;
		case LM_MOUNT_OVERLAY:
			r = mount_overlay(b, m, p->src[i], p->upper[i], e);
			break;
		default:
			r = mount_bind(b, m, p->src[i], e);
			break;
		}
		if (r < 0)
			return -1;
		note_replaced(b, m);
	}
	return 0;
}

/* ---- HOME ------------------------------------------------------------------------------- */
static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return !strncmp(path, dir, n) && (path[n] == 0 || path[n] == '/');
}

/* An absolute path fit to be a home: no "." or ".." component, nothing a passwd line cannot
 * hold, not "/", not /tmp itself, and not in what the root's system directories hold (a home
 * mounted there would hide them). */
static bool usable_home(const char *h)
{
	static const char *const system[] = {"/proc", "/dev", "/sys",	"/etc",	  "/usr",    "/bin",
					     "/sbin", "/lib", "/lib32", "/lib64", "/libx32", NULL};
	if (!h || h[0] != '/' || strlen(h) >= PATH_MAX || !strcmp(h, "/nonexistent"))
		return false;
	for (const char *p = h; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == ':' || *p == 0x7f)
			return false;
	bool any = false;
	for (const char *p = h; *p;) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		any |= n > 0;
		p += n;
	}
	if (!any || path_under("/tmp", h))
		return false;
	for (const char *const *d = system; *d; d++)
		if (path_under(h, *d))
			return false;
	return true;
}

/* The home field of --rootfs's /etc/passwd for uid, read beneath the root (symlinks stay
 * inside it, a FIFO is refused, not waited on). */
static bool rootfs_home(const struct lm_config *c, char *out, size_t n)
{
	int dir = lm_mount_src_rootfs_path();
	cleanup_close int own = -1;
	if (dir < 0) {
		/* As root only the safely resolved --rootfs is read (src/mount_src.c). */
		if (c->caller_is_root)
			return false;
		dir = own = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dir < 0)
			return false;
	}
	cleanup_free char *text = NULL;
	size_t len;
	if (lm_path_read_in_root(dir, "etc/passwd", 1 << 20, &text, &len) < 0)
		return false;
	for (char *line = text; line && *line;) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		char *f[7] = {0}, *p = line;
		for (int i = 0; i < 7 && p; i++) {
			f[i] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = 0;
		}
		char *end;
		if (f[6] && f[2][0] && strtoul(f[2], &end, 10) == c->uid && !*end &&
		    usable_home(f[5])) {
			snprintf(out, n, "%s", f[5]);
			return true;
		}
		line = next;
	}
	return false;
}

const char *lm_mount_home(const struct lm_config *c)
{
	static char home[PATH_MAX];
	if (home[0])
		return home;
	if (c->rootfs && rootfs_home(c, home, sizeof home))
		return home;
	const char *h = getenv("HOME");
	if (usable_home(h)) {
		/* as given, without a trailing '/' */
		snprintf(home, sizeof home, "%s", h);
		for (size_t l = strlen(home); l > 1 && home[l - 1] == '/'; l--)
			home[l - 1] = 0;
	} else {
		snprintf(home, sizeof home, "%s", c->uid == 0 ? "/root" : "/home/user");
	}
	return home;
}

/* HOME as the payload's environment has it (the env layer sets lm_mount_home, --setenv may
 * change it), or NULL. */
static const char *env_home(const struct lm_sandbox *sb)
{
	for (char **p = sb->envp; p && *p; p++)
		if (!strncmp(*p, "HOME=", 5))
			return *p + 5;
	return NULL;
}

/* The last of the user's mounts that is PATH or holds it, or NULL. */
static const struct lm_mount *covering_mount(const struct lm_config *c, const char *path)
{
	const struct lm_mount *in = NULL;
	for (size_t i = 0; i < c->nmounts; i++) {
		const struct lm_mount *m = &c->mounts[i];
		if (m->kind != LM_MOUNT_SYMLINK && m->kind != LM_MOUNT_FILE &&
		    path_under(path, m->dst))
			in = m;
	}
	return in;
}

/* HOME in one of the user's mounts: made there when that mount is private (a tmpfs, an
 * overlay), left as bound otherwise (lamina creates nothing in a host directory for it). */
static int home_in_mount(struct build *b, struct lm_err *e)
{
	const char *h = env_home(b->sb);
	const struct lm_mount *in = covering_mount(b->c, h);
	if (!in)
		return 0;
	if (in->kind == LM_MOUNT_TMPFS || in->kind == LM_MOUNT_OVERLAY) {
		cleanup_close int t = resolve_in(b, b->root, h, true, false, e);
		if (t < 0)
			return -1;
	}
	lm_verbose(b->c, L, "HOME %s: in %s %s", h, lm_mount_option(in), in->dst);
	return 0;
}

/* HOME beneath lamina's own /tmp (rest: its path there): the directories made one by one from
 * /tmp's own fd.  That /tmp was made empty by this init a moment ago and nothing else has been
 * made in it yet (HOME comes before the user's mounts), so no symlink or mount can have been
 * planted there and the resolve_in walk is not needed (O_NOFOLLOW all the same). */
static int home_in_tmp(int tmp, const char *rest, struct lm_err *e)
{
	cleanup_close int dir = -1;
	int at = tmp;
	for (const char *p = rest; *p;) {
		size_t n = strcspn(p, "/");
		char name[NAME_MAX + 1];
		if (n > NAME_MAX)
			return lm_error(e, ENAMETOOLONG, L, "HOME /tmp/%s", rest);
		memcpy(name, p, n);
		name[n] = 0;
		p += n;
		p += strspn(p, "/");
		if (mkdirat(at, name, 0755) < 0 && errno != EEXIST)
			return lm_error(e, errno, L, "HOME /tmp/%s", rest);
		if (!*p)
			break;
		int next = openat(at, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			return lm_error(e, errno, L, "HOME /tmp/%s", rest);
		lm_closep(&dir);
		dir = at = next;
	}
	return 0;
}

/* HOME exists inside, private and writable by the sandbox's user: a directory of the scratch
 * tmpfs mounted there, unless one of the user's mounts is HOME or holds it (that mount is the
 * home, as bound), or HOME is in /tmp (made there). */
static int make_home(struct build *b, struct lm_err *e)
{
	const struct lm_config *c = b->c;
	const char *h = env_home(b->sb);
	if (!h || !*h)
		return 0;
	if (!usable_home(h)) {
		lm_verbose(c, L, "HOME=%s: not a directory lamina makes", h);
		return 0;
	}
	char home[PATH_MAX];
	snprintf(home, sizeof home, "%s", h);
	for (size_t l = strlen(home); l > 1 && home[l - 1] == '/'; l--)
		home[l - 1] = 0;
	const struct lm_mount *in = covering_mount(c, home);
	if (in) {
		/* The user's own mount is HOME or holds it: made after the user's mounts
		 * (home_in_mount), not hidden by a tmpfs of lamina's. */
		b->home_in_mount = true;
		return 0;
	}
	const char *rel = home + 1;
	if (path_under(home, "/tmp") && b->tmp >= 0) {
		if (home_in_tmp(b->tmp, home + strlen("/tmp/"), e) < 0)
			return -1;
	} else if (path_under(home, "/tmp")) {
		cleanup_close int t = resolve_in(b, b->root, home, true, false, e);
		if (t < 0)
			return -1;
	} else {
		if (mkdirat(b->scratch, "home", 0700) < 0)
			return lm_error(e, errno, L, "HOME %s: scratch tmpfs", home);
		cleanup_close int t =
		    open_tree(b->scratch, "home", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (t < 0)
			return lm_error(e, errno, L, "HOME %s", home);
		/* A new top-level directory of lamina's own root (/root): nothing can have been
		 * planted there, no walk needed. */
		bool own = !c->rootfs && !strchr(rel, '/') && mkdirat(b->root, rel, 0755) == 0;
		if (own ? attach_here(t, b->root, rel, false, false, e) < 0
			: attach_user(b, t, home, false, NULL, e) < 0) {
			size_t l = strlen(e->msg);
			snprintf(e->msg + l, sizeof e->msg - l,
				 " (HOME: choose another with --setenv HOME DIR, or bind one)");
			return -1;
		}
	}
	lm_verbose(c, L, "HOME %s: private, writable by uid %u inside", home, (unsigned)c->uid);
	return 0;
}

const char *lm_mount_private_home(const struct lm_sandbox *sb, char *buf, size_t n)
{
	const char *h = env_home(sb);
	if (!h || !*h || !usable_home(h))
		return NULL;
	snprintf(buf, n, "%s", h);
	for (size_t l = strlen(buf); l > 1 && buf[l - 1] == '/'; l--)
		buf[l - 1] = 0;
	return covering_mount(sb->c, buf) ? NULL : buf;
}

/* git refuses a repository owned by someone else ("dubious ownership"): a tree bound from the
 * host is often that (root's files are nobody's inside).  Whose tree the payload may use is
 * decided by the binds, so lamina's generated /etc says so to git. */
static int write_gitconfig(int root, struct lm_err *e)
{
	cleanup_close int etc = openat(root, "etc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (etc < 0)
		return lm_error(e, errno, L, "/etc");
	return write_file(etc, "gitconfig", "[safe]\n\tdirectory = *\n", 0644, e);
}

/* ---- the stages ------------------------------------------------------------------------- */
int lm_mount_check(const struct lm_config *c, struct lm_err *e)
{
	if (c->chdir && c->chdir[0] != '/')
		return lm_error(e, 0, L, "--chdir %s: must be an absolute path inside the sandbox",
				c->chdir);
	return 0;
}

/* The most a --file or --bind-data takes from its fd (it is held in memory, then in the
 * scratch tmpfs). */
#define LM_FILE_MAX (64u << 20)

/* --file and --bind-data: read the caller's fd now, in the supervisor (init closes every fd it
 * inherits); to its end, as bubblewrap does (a pipe waits for its writer). */
static int read_file_data(struct lm_config *c, struct lm_err *e)
{
	for (size_t i = 0; i < c->nmounts; i++) {
		struct lm_mount *m = &c->mounts[i];
		if (m->kind != LM_MOUNT_FILE || m->data)
			continue;
		size_t cap = 4096, len = 0;
		cleanup_free char *buf = malloc(cap);
		if (!buf)
			return lm_error(e, ENOMEM, L, "%s %d", lm_mount_option(m), m->fd);
		for (;;) {
			if (len == cap) {
				if (cap >= LM_FILE_MAX)
					return lm_error(e, EFBIG, L,
							"%s %d: more than %u MiB (bind a file "
							"instead)",
							lm_mount_option(m), m->fd,
							LM_FILE_MAX >> 20);
				char *g = realloc(buf, cap * 2);
				if (!g)
					return lm_error(e, ENOMEM, L, "%s %d", lm_mount_option(m),
							m->fd);
				buf = g;
				cap *= 2;
			}
			ssize_t r = read(m->fd, buf + len, cap - len);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return lm_error(e, errno, L, "%s %d", lm_mount_option(m), m->fd);
			if (r == 0)
				break;
			len += (size_t)r;
		}
		m->data = steal_pointer(&buf);
		m->len = len;
	}
	return 0;
}

/* lamina's own host trees (/usr and its links), kept from step 1 for step 3. */
static struct {
	int usr;
	int top[8];
} plan = {.usr = -1, .top = {-1, -1, -1, -1, -1, -1, -1, -1}};

static void plan_free(void)
{
	lm_closep(&plan.usr);
	for (int i = 0; i < 8; i++)
		lm_closep(&plan.top[i]);
	plan.usr = -1;
	for (int i = 0; i < 8; i++)
		plan.top[i] = -1;
	lm_mount_src_free();
}

/* 1. The host trees, while init still has its host identity (the caller's; as root, the
 * sandbox's first host uid: the supervisor took what needs root, mount_src.c). */
static int mount_init_host(struct lm_sandbox *sb, struct lm_err *e)
{
	const struct lm_config *c = sb->c;
	if (lm_mount_src_init_host(sb, e) < 0)
		goto fail;
	if (!lm_layer_on(c, LM_LAYER_PIVOT) || c->rootfs)
		return 0;
	plan.usr = clone_tree("/usr", true, e);
	if (plan.usr < 0)
		goto fail;
	for (int i = 0; top_entries[i]; i++) {
		char path[32];
		struct stat st;
		snprintf(path, sizeof path, "/%s", top_entries[i]);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			plan.top[i] = clone_tree(path, true, e);
			if (plan.top[i] < 0)
				goto fail;
		}
	}
	return 0;
fail:
	plan_free();
	return -1;
}

/* The working directory: after the pivot, resolved in the sandbox's root (RESOLVE_IN_ROOT)
 * without magic links (/proc/self/cwd, /proc/1/root... would lead into whatever init holds). */
static int enter_workdir(const struct lm_config *c, bool pivoted, struct lm_err *e)
{
	if (!pivoted) {
		const char *dir = c->chdir ? c->chdir : "/";
		if (chdir(dir) < 0)
			return lm_error(e, errno, "chdir", "%s", dir);
		return 0;
	}
	if (!c->chdir)
		return 0; /* the pivot left us in / */
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	cleanup_close int fd = (int)syscall(SYS_openat2, AT_FDCWD, c->chdir, &how, sizeof how);
	if (fd < 0 || fchdir(fd) < 0)
		return lm_error(e, errno, "chdir", "%s%s", c->chdir,
				errno == ELOOP ? " (a magic link such as /proc/self/cwd is not "
						 "followed)"
					       : "");
	return 0;
}

/* Under --rootfs: does a mount (or HOME) need a top-level directory the root lacks? */
static bool root_lacks_mount_point(const struct build *b)
{
	const struct lm_config *c = b->c;
	const char *home = env_home(b->sb);
	for (size_t i = 0; i <= c->nmounts; i++) {
		const char *dst = i < c->nmounts ? c->mounts[i].dst : home;
		if (!dst || dst[0] != '/')
			continue;
		if (i == c->nmounts && (!usable_home(dst) || path_under(dst, "/tmp")))
			continue;
		char top[NAME_MAX + 1];
		const char *p = dst + strspn(dst, "/");
		size_t n = strcspn(p, "/");
		if (!n || n > NAME_MAX)
			continue;
		memcpy(top, p, n);
		top[n] = 0;
		struct stat st;
		if (fstatat(b->root, top, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
			return true;
	}
	return false;
}

static int mount_init(struct lm_sandbox *sb, struct lm_err *e)
{
	const struct lm_config *c = sb->c;
	int ret = -1;
	/* Declared before the first `goto out`: a cleanup variable whose initialisation a goto
	 * jumps over is closed with an indeterminate value. */
	cleanup_close int root = -1, tmp = -1, dev = -1, scratch = -1, shm = -1;
	struct build b = {.sb = sb, .c = c, .root = -1, .scratch = -1, .tmp = -1};
	bool pivot = lm_layer_on(c, LM_LAYER_PIVOT);

	if (!pivot) {
		/* Demo only (--unsafe-disable-layer pivot): the payload keeps the host's root.  The
		 * destinations are absolute: resolve them from /, not from the cwd. */
		root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root < 0) {
			lm_error(e, errno, L, "open /");
			goto out;
		}
		b.root = root;
		if (user_mounts(&b, e) < 0)
			goto out;
		lm_verbose(c, L,
			   "LAYER DISABLED: no pivot into a minimal root, the host's / is visible");
		ret = enter_workdir(c, false, e);
		goto out;
	}

	/* 3. Build the tree. */
	if (c->rootfs) {
		root = lm_steal_fd(&lm_mount_plan.rootfs);
		struct stat rst;
		if (fstat(root, &rst) < 0 || !S_ISDIR(rst.st_mode)) {
			lm_error(e, ENOTDIR, L, "--rootfs %s", c->rootfs);
			goto out;
		}
		/* As root the supervisor set these (src/mount_src.c). */
		if (!c->caller_is_root &&
		    set_attr(root, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, true,
			     c->rootfs, e) < 0)
			goto out;
		for (const char *const *n = rootfs_own; *n; n++) {
			struct stat st;
			if (fstatat(root, *n, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISDIR(st.st_mode)) {
				lm_error(e, 0, L,
					 "--rootfs %s has no /%s directory (lamina mounts /proc, "
					 "/dev and /tmp there)",
					 c->rootfs, *n);
				goto out;
			}
		}
		b.root = root;
		if (root_lacks_mount_point(&b)) {
			if (shadow_root(&b, e) < 0)
				goto out;
			root = b.root; /* the old root was closed */
		}
	} else {
		static const char *const root_opts[] = {"mode", "0755", "size", "4m", NULL};
		root = new_fs("tmpfs", root_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, e);
		if (root < 0)
			goto out;
		b.root = root;
		b.root_is_tmpfs = true;
		if (mkdirat(root, "usr", 0755) < 0 || mkdirat(root, "tmp", 01777) < 0 ||
		    mkdirat(root, "proc", 0555) < 0 || mkdirat(root, "dev", 0755) < 0) {
			lm_error(e, errno, L, "creating the root's directories");
			goto out;
		}
		if (set_attr(plan.usr, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
			     true, "/usr", e) < 0 ||
		    attach_here(plan.usr, root, "usr", false, false, e) < 0)
			goto out;
		for (int i = 0; top_entries[i]; i++) {
			char path[32];
			snprintf(path, sizeof path, "/%s", top_entries[i]);
			if (plan.top[i] >= 0) {
				if (set_attr(plan.top[i],
					     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
						 MOUNT_ATTR_NODEV,
					     true, path, e) < 0 ||
				    attach_here(plan.top[i], root, top_entries[i], true, false, e) <
					0)
					goto out;
				continue;
			}
			char target[256];
			ssize_t l = readlink(path, target, sizeof target - 1);
			if (l < 0)
				continue;
			target[l] = 0;
			if (symlinkat(target, root, top_entries[i]) < 0) {
				lm_error(e, errno, L, "symlink %s", path);
				goto out;
			}
		}
		if (build_etc(c, root, e) < 0)
			goto out;
		for (size_t i = 0; i < c->nmounts; i++)
			if (lm_mount_has_source(c->mounts[i].kind)) {
				if (write_gitconfig(root, e) < 0)
					goto out;
				break;
			}
		lm_verbose(c, L,
			   "root: tmpfs with read-only host /usr, /bin /sbin /lib* as on the host, "
			   "generated /etc");
	}
	/* /tmp and /dev/shm: two directories of one tmpfs (a superblock costs at creation and
	 * again at teardown), each mounted on its own, so neither sees the other's files.  HOME,
	 * --file contents and overlay changes are directories of it too. */
	char size[24];
	const char *const scratch_opts[] = {"mode", "0700", "size",
					    size_option(c, size, sizeof size, 0), NULL};
	scratch = new_fs("tmpfs", scratch_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, e);
	if (scratch < 0)
		goto out;
	b.scratch = scratch;
	for (int i = 0; i < 2; i++) {
		const char *d = i ? "shm" : "tmp";
		if (mkdirat(scratch, d, 0700) < 0 || fchmodat(scratch, d, 01777, 0) < 0) {
			lm_error(e, errno, L, "scratch tmpfs: %s", d);
			goto out;
		}
	}
	tmp = open_tree(scratch, "tmp", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tmp < 0) {
		lm_error(e, errno, L, "scratch tmpfs: /tmp");
		goto out;
	}
	if (c->rootfs ? attach(tmp, root, "/tmp", false, e) < 0
		      : attach_here(tmp, root, "tmp", false, false, e) < 0)
		goto out;
	b.tmp = tmp;
	shm =
	    clone_attr(scratch, "shm", 0, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
		       "scratch tmpfs: /dev/shm", e);
	if (shm < 0)
		goto out;
	bool dev_own_fs;
	dev = build_dev(c, root, shm, &dev_own_fs, e);
	if (dev < 0)
		goto out;
	/* 4. proc before the old root goes (see the top comment). */
	if (build_proc(c, root, e) < 0)
		goto out;
	/* HOME before the user's mounts, so that a mount below HOME lands in it. */
	if (make_home(&b, e) < 0 || user_mounts(&b, e) < 0 ||
	    (b.home_in_mount && home_in_mount(&b, e) < 0))
		goto out;

	/* 5. Read-only once built (nothing may be created in / or /dev by the payload); attach,
	 * pivot, detach the old root. */
	if (b.root_is_tmpfs && set_attr(root, MOUNT_ATTR_RDONLY, false, "/", e) < 0)
		goto out;
	/* pivot_root needs the new root attached in our mount namespace.  /tmp of the old root is
	 * as good a mount point as any: it is gone with the old root a moment later. */
	const char *base = "/tmp";
	struct stat st;
	if (stat(base, &st) < 0 || !S_ISDIR(st.st_mode))
		base = "/";
	/* The scratch tmpfs itself was never attached (only clones of its two directories are):
	 * closing it would unmount it, and that unmount waits for an RCU grace period of its own.
	 * Beneath the new root on the old root's /tmp it goes with the old
	 * root instead, in the grace period that detach waits for anyway. */
	if (strcmp(base, "/tmp") == 0 &&
	    move_mount(scratch, "", AT_FDCWD, base, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		lm_error(e, errno, L, "attaching the scratch tmpfs to the old root");
		goto out;
	}
	if (move_mount(root, "", AT_FDCWD, base, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		lm_error(e, errno, L, "attaching the new root");
		goto out;
	}
	/* mount_setattr reaches a mount below the root of a detached tree only once the tree is
	 * in our mount namespace: /dev goes read-only here, after the user's mounts. */
	if (dev_own_fs && set_attr(dev, MOUNT_ATTR_RDONLY, false, "/dev", e) < 0)
		goto out;
	if (fchdir(root) < 0) {
		lm_error(e, errno, L, "entering the new root");
		goto out;
	}
	/* pivot_root(".", "."): the old root ends up stacked on the new one and is detached right
	 * away (pivot_root(2), NOTES). */
	if (syscall(SYS_pivot_root, ".", ".") < 0) {
		lm_error(e, errno, L, "pivot_root");
		goto out;
	}
	if (umount2(".", MNT_DETACH) < 0) {
		lm_error(e, errno, L, "detaching the old root");
		goto out;
	}
	if (chdir("/") < 0) {
		lm_error(e, errno, L, "chdir /");
		goto out;
	}
	lm_verbose(c, L, "pivot_root into %s, old root detached",
		   c->rootfs ? c->rootfs : "a tmpfs root");
	ret = enter_workdir(c, true, e);
out:
	if (!pivot)
		lm_closep(&b.scratch);
	plan_free();
	return ret;
}

static int mount_prepare(struct lm_sandbox *sb, struct lm_err *e)
{
	struct lm_config *c = sb->c;
	if (lm_mount_check(c, e) < 0 || read_file_data(c, e) < 0)
		return -1;
	(void)default_tmpfs_size(c); /* init inherits it, and needs no sysinfo() of its own */
	if (lm_mount_src_prepare(sb, e) < 0)
		return -1;
	(void)lm_mount_home(c);
	return 0;
}

static int mount_parent(struct lm_sandbox *sb, struct lm_err *e)
{
	(void)sb, (void)e;
	lm_mount_src_parent();
	return 0;
}

static void mount_end(struct lm_sandbox *sb)
{
	(void)sb;
	lm_mount_src_free();
}

/* ---- settings ------------------------------------------------------------------------------ */
/* DST as lamina keeps it: no repeated '/', no "." component, no trailing '/' (config.c refuses
 * ".." and relative paths). */
static char *normalize_dst(const char *dst)
{
	char *out = malloc(strlen(dst) + 2);
	if (!out)
		return NULL;
	size_t o = 0;
	for (const char *p = dst; *p;) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (n && !(n == 1 && p[0] == '.')) {
			out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = 0;
	return out;
}

/* Mounts that make no sense are refused: over the sandbox's root, over its /proc (or below
 * it), on or beneath lamina's own trees in /dev, over /dev as a whole (except as --dev-bind). */
static int check_user_dst(const char *opt, enum lm_mount_kind k, const char *dst, struct lm_err *e)
{
	if (!strcmp(dst, "/"))
		return lm_error(e, 0, L,
				"%s %s: cannot replace the sandbox's root (use --rootfs DIR for a "
				"root of your own)",
				opt, dst);
	if (path_under(dst, "/proc"))
		return lm_error(
		    e, 0, L,
		    "%s %s: /proc is the sandbox's own (its pid namespace's, the host's "
		    "dangerous parts masked); nothing is mounted over it",
		    opt, dst);
	/* lamina's own trees in /dev: the terminal's ptys and their multiplexer, the IPC
	 * namespace's message queues, the bounded shared memory (a tmpfs of another size may
	 * replace it).  Single devices may still be bound into /dev. */
	static const struct {
		const char *dir, *what;
	} own_dev[] = {
	    {"/dev/pts", "the sandbox's own devpts (its terminal's ptys)"},
	    {"/dev/ptmx", "the sandbox's pty multiplexer (pts/ptmx)"},
	    {"/dev/mqueue", "the sandbox's IPC namespace's message queues"},
	    {"/dev/shm", "the sandbox's shared memory (--tmpfs /dev/shm:size=SIZE resizes it)"},
	};
	for (size_t i = 0; i < sizeof own_dev / sizeof own_dev[0]; i++)
		if (path_under(dst, own_dev[i].dir) &&
		    !(k == LM_MOUNT_TMPFS && !strcmp(dst, "/dev/shm")))
			return lm_error(e, 0, L,
					"%s %s: %s is %s; nothing is mounted on or beneath it", opt,
					dst, own_dev[i].dir, own_dev[i].what);
	if (!strcmp(dst, "/dev") && k != LM_MOUNT_DEV_BIND)
		return lm_error(e, 0, L,
				"%s /dev: lamina builds /dev; bind single devices into it "
				"(--dev-bind /dev/fuse /dev/fuse), or replace it whole with "
				"--dev-bind SRC /dev",
				opt);
	return 0;
}

/* Add a mount whose destination is the word a->argv[dst_word]. */
static struct lm_mount *add_mount(struct lm_config *c, struct lm_args *a, enum lm_mount_kind k,
				  const char *src, unsigned dst_word, struct lm_err *e)
{
	const char *dst = a->argv[dst_word];
	a->bad = dst_word;
	cleanup_free char *norm = dst[0] == '/' ? normalize_dst(dst) : NULL;
	if (dst[0] == '/' && !norm) {
		lm_error(e, ENOMEM, L, "%s", a->name);
		return NULL;
	}
	if (norm && check_user_dst(a->name, k, norm, e) < 0)
		return NULL;
	if (lm_config_add_mount(c, k, src, norm ? norm : dst, e) < 0)
		return NULL;
	a->bad = 0;
	return &c->mounts[c->nmounts - 1];
}

static const char *bare(const char *name)
{
	return name[0] == '-' && name[1] == '-' ? name + 2 : name;
}

static int set_bind(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	const char *n = bare(a->name);
	enum lm_mount_kind k = !strncmp(n, "ro-bind", 7) ? LM_MOUNT_RO_BIND
			       : !strcmp(n, "dev-bind")	 ? LM_MOUNT_DEV_BIND
			       : !strcmp(n, "overlay")	 ? LM_MOUNT_OVERLAY
							 : LM_MOUNT_BIND;
	/* A profile may write `bind DIR` for the same path inside and out. */
	struct lm_mount *m = add_mount(c, a, k, a->argv[0], a->argc > 1 ? 1 : 0, e);
	if (!m)
		return -1;
	m->try_src = strstr(n, "-try") != NULL;
	return 0;
}

/* DST[:size=SIZE[,mode=OCTAL]] */
static int set_tmpfs(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	/* The options start at the first ':' that has an '=' after it. */
	const char *arg = a->argv[0], *opts = NULL;
	for (const char *p = strchr(arg, ':'); p && !opts; p = strchr(p + 1, ':'))
		if (strchr(p, '='))
			opts = p + 1;
	cleanup_free char *dst = opts ? strndup(arg, (size_t)(opts - 1 - arg)) : strdup(arg);
	if (!dst)
		return lm_error(e, ENOMEM, L, "%s", a->name);
	uint64_t size = 0, mode = 0;
	bool mode_set = false;
	for (const char *p = opts; p && *p;) {
		size_t n = strcspn(p, ",");
		char word[64];
		if (n >= sizeof word)
			n = sizeof word - 1;
		memcpy(word, p, n);
		word[n] = 0;
		char *end;
		if (!strncmp(word, "size=", 5)) {
			if (lm_parse_u64(word + 5, 1ull << 50, true, &size) < 0 || size == 0)
				return lm_error(
				    e, 0, L,
				    "%s %s: '%s' is not a size (bytes, or with K, M, G; "
				    "more than 0)",
				    a->name, arg, word + 5);
		} else if (!strncmp(word, "mode=", 5) && word[5] &&
			   (errno = 0, mode = strtoull(word + 5, &end, 8), !*end && !errno) &&
			   mode <= 07777) {
			mode_set = true;
		} else {
			return lm_error(e, 0, L,
					"%s %s: '%s' is not size=SIZE or mode=OCTAL (as in "
					"/tmp:size=64M,mode=1777)",
					a->name, arg, word);
		}
		p += strcspn(p, ",");
		p += *p == ',';
	}
	char *const words[] = {dst, NULL};
	struct lm_args d = *a;
	d.argv = words;
	struct lm_mount *m = add_mount(c, &d, LM_MOUNT_TMPFS, NULL, 0, e);
	a->bad = d.bad;
	if (!m)
		return -1;
	m->size = size;
	m->mode = (unsigned)mode;
	m->mode_set = mode_set;
	return 0;
}

static int set_symlink(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	if (!a->argv[0][0])
		return lm_error(e, 0, L, "%s needs a TARGET", a->name);
	if (a->argc < 2) {
		a->bad = 1;
		return lm_error(e, 0, L, "%s %s needs a DST", a->name, a->argv[0]);
	}
	return add_mount(c, a, LM_MOUNT_SYMLINK, a->argv[0], 1, e) ? 0 : -1;
}

static int set_file(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	uint64_t fd;
	if (lm_parse_u64(a->argv[0], 2147483647u, false, &fd) < 0)
		return lm_error(e, 0, L, "%s: '%.40s' is not a file descriptor", a->name,
				a->argv[0]);
	if (fcntl((int)fd, F_GETFD) < 0)
		return lm_error(e, errno, L, "%s %s", a->name, a->argv[0]);
	struct lm_mount *m = add_mount(c, a, LM_MOUNT_FILE, a->argv[0], 1, e);
	if (!m)
		return -1;
	m->fd = (int)fd;
	m->rdonly = !strcmp(a->name, "--bind-data");
	return 0;
}

static int set_overlay_upper(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	struct lm_mount *m = c->nmounts ? &c->mounts[c->nmounts - 1] : NULL;
	if (!m || m->kind != LM_MOUNT_OVERLAY || m->upper)
		return lm_error(e, 0, L,
				"%s %s: comes right after the --overlay SRC DST whose changes it "
				"keeps",
				a->name, a->argv[0]);
	if (!a->argv[0][0])
		return lm_error(e, 0, L, "%s needs a directory", a->name);
	m->upper = strdup(a->argv[0]);
	return m->upper ? 0 : lm_error(e, ENOMEM, L, "%s", a->name);
}

static int set_path(char **field, struct lm_args *a, struct lm_err *e)
{
	char *d = strdup(a->argv[0]);
	if (!d)
		return lm_error(e, ENOMEM, L, "%s", a->name);
	free(*field);
	*field = d;
	return 0;
}

static int set_rootfs(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	if (!a->argv[0][0])
		return lm_error(e, 0, L, "%s needs a directory", a->name);
	return set_path(&c->rootfs, a, e);
}

static int set_chdir(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	const char *v = a->argv[0];
	if (v[0] != '/' || strlen(v) >= 4096)
		return lm_error(e, 0, "chdir",
				"%s '%.80s' must be an absolute path inside the sandbox", a->name,
				v);
	return set_path(&c->chdir, a, e);
}

// clang-format off
static const struct lm_setting mount_settings[] = {
    {.option = "--rootfs", .nargs = 1, .metavar = "DIR",
     .help = "use DIR (read-only) as the root instead of the built-in minimal root",
     .set = set_rootfs},
    {.option = "--ro-bind", .directive = "ro-bind", .nargs = 2, .optional = 1,
     .metavar = "SRC DST", .help = "bind host SRC read-only at DST inside", .set = set_bind},
    {.option = "--bind", .directive = "bind", .nargs = 2, .optional = 1, .metavar = "SRC DST",
     .help = "bind host SRC writable at DST inside", .set = set_bind},
    {.option = "--ro-bind-try", .directive = "ro-bind-try", .nargs = 2, .optional = 1,
     .metavar = "SRC DST", .help = "as --ro-bind, skipped when SRC does not exist",
     .set = set_bind},
    {.option = "--bind-try", .directive = "bind-try", .nargs = 2, .optional = 1,
     .metavar = "SRC DST", .help = "as --bind, skipped when SRC does not exist",
     .set = set_bind},
    {.option = "--dev-bind", .directive = "dev-bind", .nargs = 2, .optional = 1,
     .metavar = "SRC DST", .help = "as --bind, and device nodes in it stay usable",
     .set = set_bind},
    {.option = "--tmpfs", .directive = "tmpfs", .nargs = 1,
     .metavar = "DST[:size=SIZE[,mode=OCTAL]]",
     .help = "a private tmpfs at DST (default mode 755, size the scratch tmpfs's)",
     .set = set_tmpfs},
    {.option = "--symlink", .directive = "symlink", .nargs = 2, .metavar = "TARGET DST",
     .help = "a symlink at DST pointing to TARGET", .set = set_symlink},
    {.option = "--file", .nargs = 2, .metavar = "FD DST",
     .help = "a writable file at DST holding what fd FD reads", .set = set_file},
    {.option = "--bind-data", .nargs = 2, .metavar = "FD DST",
     .help = "a read-only file at DST holding what fd FD reads", .set = set_file},
    {.option = "--overlay", .directive = "overlay", .nargs = 2, .optional = 1,
     .metavar = "SRC DST",
     .help = "host SRC at DST, writable; the changes are private and gone at exit",
     .set = set_bind},
    {.option = "--overlay-upper", .directive = "overlay-upper", .nargs = 1, .metavar = "DIR",
     .help = "keep the previous --overlay's changes in DIR/upper instead",
     .set = set_overlay_upper},
    {.option = "--chdir", .directive = "chdir", .nargs = 1, .metavar = "DIR",
     .help = "working directory inside (default: /)", .set = set_chdir},
    {0},
};
// clang-format on

/* ---- explain -------------------------------------------------------------------------------- */
static void list_names(FILE *out, const char *const *names)
{
	for (const char *const *n = names; *n; n++)
		fprintf(out, "%s%s", n == names ? "" : ", ", *n);
}

static void mount_explain(FILE *out, const struct lm_config *c, const struct lm_explain *x)
{
	(void)x;
	fprintf(out, "\nRoot file system (pivot)\n");
	if (!lm_layer_on(c, LM_LAYER_PIVOT)) {
		fprintf(out, "  LAYER DISABLED: the payload sees the host's root\n");
	} else if (c->rootfs) {
		fprintf(out, "  %s as the root (read-only), with lamina's /proc, /dev and /tmp\n",
			c->rootfs);
	} else {
		fprintf(out,
			"  a new tmpfs, read-only once built, holding:\n"
			"    /usr                read-only bind of the host's /usr; /bin, /sbin, "
			"/lib* as on the host (links into /usr)\n"
			"    /etc                generated: passwd, group, hosts, hostname, "
			"nsswitch.conf, plus read-only copies of the\n"
			"                        loader cache, alternatives, time zone, "
			"certificates and similar host files\n"
			"    /tmp                private tmpfs\n"
			"    /dev                null zero full random urandom tty, a new devpts, "
			"shm, mqueue; read-only\n"
			"    no /sys, no /home, no /root, no /var, no host sockets\n");
	}
	fprintf(out, "    /proc               of the new pid namespace; empty: ");
	list_names(out, proc_masked);
	fprintf(out, "; read-only: ");
	list_names(out, proc_readonly);
	fprintf(out, "\n");
	fprintf(out, "    $HOME               private tmpfs directory, writable by the sandbox's "
		     "user (unless a mount holds it)\n");
	for (size_t i = 0; i < c->nmounts; i++) {
		const struct lm_mount *m = &c->mounts[i];
		switch (m->kind) {
		case LM_MOUNT_TMPFS:
			fprintf(out, "    %-19s private tmpfs (from the profile)\n", m->dst);
			break;
		case LM_MOUNT_SYMLINK:
			fprintf(out, "    %-19s symlink to %s (from the profile)\n", m->dst,
				m->src);
			break;
		case LM_MOUNT_OVERLAY:
			fprintf(out,
				"    %-19s host %s, writable through an overlay; changes %s%s\n",
				m->dst, m->src, m->upper ? "kept in " : "private",
				m->upper ? m->upper : "");
			break;
		case LM_MOUNT_FILE:
			break;
		default:
			fprintf(out, "    %-19s %s bind of host %s%s (from the profile)\n", m->dst,
				m->kind == LM_MOUNT_RO_BIND    ? "read-only"
				: m->kind == LM_MOUNT_DEV_BIND ? "WRITABLE, DEVICES"
							       : "WRITABLE",
				m->src, m->try_src ? " if it exists" : "");
		}
	}
	fprintf(out,
		"  binds are nosuid and nodev (--dev-bind keeps devices); run as root, a tree a "
		"user owns is\n  idmapped so that its owner is the sandbox's user (files land as "
		"that owner, never as root),\n  and a path a user controls is never followed "
		"into another owner's files\n");
	fprintf(out, "  (command-line mounts add to this list)\n");
	if (c->chdir)
		fprintf(out, "  working directory: %s\n", c->chdir);
}

static void mount_summary(FILE *out, const struct lm_config *c)
{
	if (c->nmounts)
		fprintf(out, " %zu mount%s;", c->nmounts, c->nmounts == 1 ? "" : "s");
	if (c->chdir)
		fprintf(out, " chdir %s;", c->chdir);
}

const struct lm_layer lm_layer_mount = {
    .name = "pivot",
    .bit = LM_LAYER_PIVOT,
    .removable = true,
    .settings = mount_settings,
    .step = {[LM_STAGE_PREPARE] = mount_prepare,
	     [LM_STAGE_PARENT] = mount_parent,
	     [LM_STAGE_INIT_HOST] = mount_init_host,
	     [LM_STAGE_INIT] = mount_init},
    .end = mount_end,
    .explain = mount_explain,
    .summary = mount_summary,
};
