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
 *   1. (stage INIT_HOST) clone every host tree we need while init still holds the caller's host
 *      identity: as root, init is still host uid 0 here and can reach root-only bind sources;
 *   2. the userns layer settles init's ids inside (as root: mapped to the unprivileged host
 *      uid), so that files created in the new tmpfs are owned by mapped ids (an unmapped fsuid
 *      gets EOVERFLOW) and nothing later runs as host root;
 *   3. (stage INIT) build the tree: root tmpfs, /usr, links, /etc, /tmp, /dev, /proc, then the
 *      user's mounts in command-line order;
 *   4. /proc is mounted before the old root is detached: the kernel only lets a user namespace
 *      mount proc while a fully visible proc is mounted in its mount namespace;
 *   5. the root tmpfs is made read-only once built, attached, pivot_root(".", ".") and the old
 *      root detached with umount2(MNT_DETACH); then the working directory.  */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "libc-compat.h"

#define L "mount"

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
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return lm_error(e, errno, L, "creating %s", type);
	int m = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	if (m < 0)
		return lm_error(e, errno, L, "fsmount %s", type);
	return m;
}

/* Resolve DST (absolute, inside the sandbox) beneath root, creating what is missing as
 * directories (and the last component as a file when want_file).  Returns an O_PATH fd. */
static int resolve_dst(int root, const char *dst, bool create, bool want_file, struct lm_err *e)
{
	while (*dst == '/')
		dst++;
	if (!*dst)
		return openat2_beneath(root, ".", O_PATH);
	int fd = openat2_beneath(root, dst, O_PATH);
	if (fd >= 0)
		return fd;
	if (errno == EXDEV || errno == ELOOP)
		return lm_error(e, 0, L,
				"destination /%s escapes the root through a symlink or '..'", dst);
	if (errno != ENOENT || !create)
		return lm_error(e, errno, L, "destination /%s", dst);
	/* Create the parent first, then the leaf through the parent's fd. */
	cleanup_free char *dup = strdup(dst);
	if (!dup)
		return lm_error(e, ENOMEM, L, "%s", dst);
	char *slash = strrchr(dup, '/');
	cleanup_close int parent = -1;
	const char *leaf = dup;
	if (slash) {
		*slash = 0;
		leaf = slash + 1;
		parent = resolve_dst(root, dup, true, false, e);
		if (parent < 0)
			return -1;
		/* O_PATH fds cannot be used with mkdirat; reopen as a directory (beneath again). */
		int d = openat2_beneath(parent, ".", O_DIRECTORY | O_RDONLY);
		if (d < 0)
			return lm_error(e, errno, L, "destination /%s", dup);
		close(parent);
		parent = d;
	} else {
		parent = openat2_beneath(root, ".", O_DIRECTORY | O_RDONLY);
		if (parent < 0)
			return lm_error(e, errno, L, "root");
	}
	int r;
	if (want_file) {
		r = openat(parent, leaf, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW,
			   0444);
		if (r >= 0)
			close(r);
	} else {
		r = mkdirat(parent, leaf, 0755);
	}
	if (r < 0 && errno != EEXIST)
		return lm_error(e, errno, L, "cannot create mount point /%s", dst);
	fd = openat2_beneath(parent, leaf, O_PATH);
	if (fd < 0)
		return lm_error(e, errno == EXDEV ? 0 : errno, L,
				errno == EXDEV
				    ? "destination /%s escapes the root through a symlink"
				    : "destination /%s",
				dst);
	return fd;
}

/* Attach the detached mount src at NAME, one component, in DIR: a directory of a tree lamina
 * made itself (its tmpfs root, its /dev, a new proc), where no symlink or ".." can have been
 * planted, so that the resolve_dst walk (five to seven calls) is not needed.  create: make the
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

/* Attach the detached mount src onto dst (resolved safely beneath root). */
static int attach(int src, int root, const char *dst, bool want_file, struct lm_err *e)
{
	cleanup_close int t = resolve_dst(root, dst, true, want_file, e);
	if (t < 0)
		return -1;
	if (move_mount(src, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return lm_error(e, errno, L, "attaching %s", dst);
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
	cleanup_close int in = openat(AT_FDCWD, src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (in < 0)
		return errno == ENOENT || errno == EACCES ? 0 : lm_error(e, errno, L, "%s", src);
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

/* The payload's account: the caller's name and home where the host knows them. */
static void lookup_user(uid_t host_uid, char *name, size_t nn, char *home, size_t hn)
{
	snprintf(name, nn, "user");
	snprintf(home, hn, "/");
	FILE *f = fopen("/etc/passwd", "re");
	if (!f)
		return;
	char line[1024];
	while (fgets(line, sizeof line, f)) {
		char *fields[7] = {0};
		char *p = line;
		for (int i = 0; i < 7 && p; i++) {
			fields[i] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = 0;
		}
		if (!fields[6] || strtoul(fields[2], NULL, 10) != host_uid)
			continue;
		snprintf(name, nn, "%s", fields[0]);
		snprintf(home, hn, "%s", fields[5]);
		break;
	}
	fclose(f);
}

static int build_etc(const struct lm_config *c, int root, struct lm_err *e)
{
	if (mkdirat(root, "etc", 0755) < 0)
		return lm_error(e, errno, L, "mkdir /etc");
	cleanup_close int etc =
	    openat(root, "etc", O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (etc < 0)
		return lm_error(e, errno, L, "open /etc");
	char name[256], home[512];
	lookup_user(getuid() == 0 ? 0 : getuid(), name, sizeof name, home, sizeof home);
	if (c->uid != 0 && strcmp(name, "root") == 0)
		snprintf(name, sizeof name, "user");
	const char *hostname = c->hostname ? c->hostname : "lamina";
	char passwd[2048], group[1024], hosts[1024];
	if (c->uid == 0)
		snprintf(passwd, sizeof passwd,
			 "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/"
			 "usr/sbin/nologin\n");
	else
		snprintf(passwd, sizeof passwd,
			 "root:x:0:0:root:/root:/bin/sh\n%s:x:%u:%u:%s:%s:/bin/sh\n"
			 "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
			 c->uid == 65534 ? "sandbox" : name, (unsigned)c->uid, (unsigned)c->gid,
			 name, c->uid == 65534 ? "/nonexistent" : home);
	if (c->gid == 0)
		snprintf(group, sizeof group, "root:x:0:\nnogroup:x:65534:\n");
	else
		snprintf(group, sizeof group, "root:x:0:\n%s:x:%u:\nnogroup:x:65534:\n",
			 c->gid == 65534 ? "sandbox" : name, (unsigned)c->gid);
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
	/* before the first goto: see lm_mount_apply */
	cleanup_close int pts = -1;
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
	lm_verbose(c, L, "/dev: null zero full random urandom tty, new devpts, shm");
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

static int user_mounts(const struct lm_config *c, int root, const int *srcfd, struct lm_err *e)
{
	for (size_t i = 0; i < c->nmounts; i++) {
		const struct lm_mount *m = &c->mounts[i];
		cleanup_close int fd = -1;
		bool file = false;
		if (m->kind == LM_MOUNT_TMPFS) {
			static const char *const o[] = {"mode", "0755", NULL};
			fd = new_fs("tmpfs", o, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, e);
			if (fd < 0)
				return -1;
		} else {
			fd = srcfd[i];
			struct stat st;
			if (fstat(fd, &st) < 0)
				return lm_error(e, errno, L, "%s", m->src);
			file = !S_ISDIR(st.st_mode);
			uint64_t attrs = MOUNT_ATTR_NOSUID |
					 (m->kind == LM_MOUNT_RO_BIND ? MOUNT_ATTR_RDONLY : 0);
			if (set_attr(fd, attrs, true, m->src, e) < 0)
				return -1;
		}
		if (attach(fd, root, m->dst, file, e) < 0)
			return -1;
		if (m->kind != LM_MOUNT_TMPFS)
			fd = -1; /* owned by srcfd[] */
		lm_verbose(c, L, "%s %s%s%s",
			   m->kind == LM_MOUNT_TMPFS  ? "tmpfs"
			   : m->kind == LM_MOUNT_BIND ? "bind"
						      : "ro-bind",
			   m->src ? m->src : "", m->src ? " -> " : "", m->dst);
	}
	return 0;
}

int lm_mount_check(const struct lm_config *c, struct lm_err *e)
{
	if (c->rootfs) {
		struct stat st;
		if (stat(c->rootfs, &st) < 0)
			return lm_error(e, errno, L, "--rootfs %s", c->rootfs);
		if (!S_ISDIR(st.st_mode))
			return lm_error(e, ENOTDIR, L, "--rootfs %s", c->rootfs);
	}
	for (size_t i = 0; i < c->nmounts; i++) {
		const struct lm_mount *m = &c->mounts[i];
		if (m->kind == LM_MOUNT_TMPFS)
			continue;
		struct stat st;
		if (stat(m->src, &st) < 0)
			return lm_error(e, errno, L, "%s %s",
					m->kind == LM_MOUNT_BIND ? "--bind" : "--ro-bind", m->src);
	}
	if (c->chdir && c->chdir[0] != '/')
		return lm_error(e, 0, L, "--chdir %s: must be an absolute path inside the sandbox",
				c->chdir);
	return 0;
}

/* The host trees init cloned in step 1, kept for step 3 (init's own copy of this memory). */
static struct {
	int usr, rootfs;
	int top[8];
	int *srcfd;
	size_t nsrc;
} plan = {.usr = -1, .rootfs = -1, .top = {-1, -1, -1, -1, -1, -1, -1, -1}};

static void plan_free(void)
{
	lm_closep(&plan.usr);
	lm_closep(&plan.rootfs);
	for (int i = 0; i < 8; i++)
		lm_closep(&plan.top[i]);
	for (size_t i = 0; i < plan.nsrc; i++)
		lm_closep(&plan.srcfd[i]);
	free(plan.srcfd);
	plan.usr = plan.rootfs = -1;
	for (int i = 0; i < 8; i++)
		plan.top[i] = -1;
	plan.srcfd = NULL;
	plan.nsrc = 0;
}

/* 1. Clone the host trees while init still has the caller's host identity. */
static int mount_init_host(struct lm_sandbox *sb, struct lm_err *e)
{
	const struct lm_config *c = sb->c;
	plan.srcfd = calloc(c->nmounts + 1, sizeof *plan.srcfd);
	if (!plan.srcfd)
		return lm_error(e, ENOMEM, L, "plan");
	for (size_t i = 0; i < c->nmounts; i++) {
		plan.srcfd[i] = -1;
		plan.nsrc = i + 1;
		if (c->mounts[i].kind == LM_MOUNT_TMPFS)
			continue;
		plan.srcfd[i] = clone_tree(c->mounts[i].src, true, e);
		if (plan.srcfd[i] < 0)
			goto fail;
	}
	if (!lm_layer_on(c, LM_LAYER_PIVOT))
		return 0;
	if (c->rootfs) {
		plan.rootfs = clone_tree(c->rootfs, true, e);
		if (plan.rootfs < 0)
			goto fail;
		return 0;
	}
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

static int enter_workdir(const struct lm_config *c, struct lm_err *e)
{
	const char *dir = c->chdir ? c->chdir : "/";
	if (chdir(dir) < 0)
		return lm_error(e, errno, "chdir", "%s", dir);
	return 0;
}

static int mount_init(struct lm_sandbox *sb, struct lm_err *e)
{
	const struct lm_config *c = sb->c;
	int ret = -1;
	/* Declared before the first `goto out`: a cleanup variable whose initialisation a goto
	 * jumps over is closed with an indeterminate value. */
	cleanup_close int root = -1, tmp = -1, dev = -1, scratch = -1, shm = -1;
	bool pivot = lm_layer_on(c, LM_LAYER_PIVOT);

	if (!pivot) {
		/* Demo only (--unsafe-disable-layer pivot): the payload keeps the host's root.  The
		 * destinations are absolute: resolve them from /, not from the cwd. */
		cleanup_close int host_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (host_root < 0) {
			lm_error(e, errno, L, "open /");
			goto out;
		}
		if (user_mounts(c, host_root, plan.srcfd, e) < 0)
			goto out;
		lm_verbose(c, L,
			   "LAYER DISABLED: no pivot into a minimal root, the host's / is visible");
		ret = enter_workdir(c, e);
		goto out;
	}

	/* 3. Build the tree. */
	if (c->rootfs) {
		root = lm_steal_fd(&plan.rootfs);
		if (set_attr(root, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, true,
			     c->rootfs, e) < 0)
			goto out;
		static const char *const need[] = {"proc", "dev", "tmp", NULL};
		for (const char *const *n = need; *n; n++) {
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
	} else {
		static const char *const root_opts[] = {"mode", "0755", "size", "4m", NULL};
		root = new_fs("tmpfs", root_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, e);
		if (root < 0)
			goto out;
		if (mkdirat(root, "usr", 0755) < 0 || mkdirat(root, "tmp", 01777) < 0 ||
		    mkdirat(root, "proc", 0555) < 0 || mkdirat(root, "dev", 0755) < 0) {
			lm_error(e, errno, L, "creating the root's directories");
			goto out;
		}
		if (set_attr(plan.usr, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, true,
			     "/usr", e) < 0 ||
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
				    attach_here(plan.top[i], root, top_entries[i], true, false, e) < 0)
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
		lm_verbose(c, L,
			   "root: tmpfs with read-only host /usr, /bin /sbin /lib* as on the host, "
			   "generated /etc");
	}
	/* /tmp and /dev/shm: two directories of one tmpfs (a superblock costs at creation and
	 * again at teardown), each mounted on its own, so neither sees the other's files. */
	/* Its size is the resources layer's (src/cgroup.c says why). */
	char scratch_size[32];
	const char *scratch_opts[] = {"mode", "0700", NULL, NULL, NULL};
	uint64_t scratch_bytes = lm_resources_scratch_size(c);
	if (scratch_bytes) {
		snprintf(scratch_size, sizeof scratch_size, "%llu",
			 (unsigned long long)scratch_bytes);
		scratch_opts[2] = "size";
		scratch_opts[3] = scratch_size;
	}
	scratch = new_fs("tmpfs", scratch_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, e);
	if (scratch < 0)
		goto out;
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
	if (user_mounts(c, root, plan.srcfd, e) < 0)
		goto out;

	/* 5. Read-only once built (nothing may be created in / or /dev by the payload); attach,
	 * pivot, detach the old root. */
	if (!c->rootfs && set_attr(root, MOUNT_ATTR_RDONLY, false, "/", e) < 0)
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
	ret = enter_workdir(c, e);
out:
	plan_free();
	return ret;
}

static int mount_prepare(struct lm_sandbox *sb, struct lm_err *e)
{
	return lm_mount_check(sb->c, e);
}

/* ---- settings ------------------------------------------------------------------------------ */
static int set_bind(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	enum lm_mount_kind k = strstr(a->name, "ro-bind") ? LM_MOUNT_RO_BIND : LM_MOUNT_BIND;
	/* A profile may write `bind DIR` for the same path inside and out. */
	const char *dst = a->argc > 1 ? a->argv[1] : a->argv[0];
	a->bad = a->argc > 1 && dst[0] != '/' ? 1 : 0;
	return lm_config_add_mount(c, k, a->argv[0], dst, e);
}

static int set_tmpfs(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	return lm_config_add_mount(c, LM_MOUNT_TMPFS, NULL, a->argv[0], e);
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
				"%s '%.80s' must be an absolute path inside the sandbox", a->name, v);
	return set_path(&c->chdir, a, e);
}

static const struct lm_setting mount_settings[] = {
    {.option = "--rootfs", .nargs = 1, .metavar = "DIR",
     .help = "use DIR (read-only) as the root instead of the built-in minimal root",
     .set = set_rootfs},
    {.option = "--ro-bind", .directive = "ro-bind", .nargs = 2, .optional = 1,
     .metavar = "SRC DST", .help = "bind host SRC read-only at DST inside", .set = set_bind},
    {.option = "--bind", .directive = "bind", .nargs = 2, .optional = 1, .metavar = "SRC DST",
     .help = "bind host SRC writable at DST inside", .set = set_bind},
    {.option = "--tmpfs", .directive = "tmpfs", .nargs = 1, .metavar = "DST",
     .help = "a private tmpfs at DST", .set = set_tmpfs},
    {.option = "--chdir", .directive = "chdir", .nargs = 1, .metavar = "DIR",
     .help = "working directory inside (default: /)", .set = set_chdir},
    {0},
};

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
			"shm; read-only\n"
			"    no /sys, no /home, no /root, no /var, no host sockets\n");
	}
	fprintf(out, "    /proc               of the new pid namespace; empty: ");
	list_names(out, proc_masked);
	fprintf(out, "; read-only: ");
	list_names(out, proc_readonly);
	fprintf(out, "\n");
	for (size_t i = 0; i < c->nmounts; i++) {
		const struct lm_mount *m = &c->mounts[i];
		if (m->kind == LM_MOUNT_TMPFS)
			fprintf(out, "    %-19s private tmpfs (from the profile)\n", m->dst);
		else
			fprintf(out, "    %-19s %s bind of host %s (from the profile)\n", m->dst,
				m->kind == LM_MOUNT_RO_BIND ? "read-only" : "WRITABLE", m->src);
	}
	fprintf(out, "  (command-line --bind, --ro-bind and --tmpfs add to this list)\n");
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
	     [LM_STAGE_INIT_HOST] = mount_init_host,
	     [LM_STAGE_INIT] = mount_init},
    .explain = mount_explain,
    .summary = mount_summary,
};
