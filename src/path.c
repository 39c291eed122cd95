/* path: opening a path on someone else's behalf.
 *
 * As root, lamina opens paths that ordinary users can influence: a bind source in a tenant's
 * directory, a --rootfs a tenant built.  open() would follow a symlink the tenant planted into
 * anything root may read (`ln -s /root/secret ~tenant/data`), and the sandbox would be handed
 * it.  lm_path_open_safe walks the path one component at a time instead, each component opened
 * with openat2(RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) and O_NOFOLLOW, symlinks read and
 * followed by hand, and refuses a step from something owned by a user other than root to
 * something owned by anyone else: descending into a child, climbing with "..", or following a
 * symlink (the jump to "/" for an absolute target).  A step from something root owns is always
 * allowed: root decided it.  This is systemd's chase() with CHASE_SAFE, with one addition: a
 * symlink's own owner counts as well as its directory's, because in a sticky world-writable
 * directory such as /tmp (root's) a user's symlink is the user's choice; open() is protected
 * from those by fs.protected_symlinks, a walk by hand is not.
 *
 * The rule is about who could have chosen where the path leads, so it leaves a path through
 * one user's own files alone (/home/alice/src/..., all alice's) and a path root typed through
 * its own directories, and it refuses what could redirect root: a tenant's symlink to another
 * owner's files, a ".." out of a tenant's directory, a root-owned directory reached through a
 * tenant's one.  The alternative, resolving with the rights of the sandbox's unprivileged host
 * uid, would also refuse root's own legitimate binds (a 0700 directory of root's, another
 * user's tree root hands to the sandbox on purpose). */
#include "path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define LM_MAX_SYMLINKS 40 /* as the kernel's path walk (ELOOP) */

static int openat2_flags(int dfd, const char *path, int flags, uint64_t resolve)
{
	struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC), .resolve = resolve};
	int fd;
	do
		fd = (int)syscall(SYS_openat2, dfd, path, &how, sizeof how);
	while (fd < 0 && errno == EAGAIN); /* RESOLVE_IN_ROOT under a concurrent rename */
	/* Without openat2 (valgrind does not know it; kernels before 5.6), one component opened
	 * with O_NOFOLLOW is the same walk: no step to follow a symlink of any kind on. */
	if (fd < 0 && errno == ENOSYS && !strchr(path, '/') && (flags & O_NOFOLLOW) &&
	    resolve == (RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS))
		fd = openat(dfd, path, flags | O_CLOEXEC);
	return fd;
}

/* Who could have chosen the step being taken: the owner of the directory it is taken from
 * and, for a symlink, the symlink's owner (both the same for a plain step). */
struct chooser {
	uid_t dir, link;
};

static bool unsafe(struct chooser c, uid_t to)
{
	return (c.dir != 0 && c.dir != to) || (c.link != 0 && c.link != to);
}

/* Append NAME to the resolved path kept for messages (truncated, never overflowing). */
static void done_push(char *done, size_t n, const char *name, size_t len)
{
	size_t l = strlen(done);
	if (l + 1 + len + 1 > n)
		return;
	if (l == 0 || done[l - 1] != '/')
		done[l++] = '/';
	memcpy(done + l, name, len);
	done[l + len] = 0;
}

static void done_pop(char *done)
{
	char *s = strrchr(done, '/');
	if (s && s != done)
		*s = 0;
	else if (s)
		s[1] = 0;
}

static int refuse(struct lm_err *e, const char *layer, const char *what, const char *path,
		  const char *from, struct chooser c, const char *to, uid_t to_uid)
{
	uid_t who = c.link && c.link != to_uid ? c.link : c.dir;
	return lm_error(e, 0, layer,
			"%s %s: unsafe path: %s (controlled by uid %u) leads to %s (owned by uid "
			"%u); root follows a path a user controls only into that user's own "
			"files (name the target by a path that does not go through it)",
			what, path, from, (unsigned)who, to, (unsigned)to_uid);
}

int lm_path_open_safe(const char *layer, const char *what, const char *path, struct lm_err *e)
{
	if (!*path)
		return lm_error(e, ENOENT, layer, "%s ''", what);
	size_t cap = strlen(path) + 1;
	cleanup_free char *todo = strdup(path);
	if (!todo)
		return lm_error(e, ENOMEM, layer, "%s %s", what, path);
	char done[PATH_MAX * 2];
	snprintf(done, sizeof done, "%s", path[0] == '/' ? "/" : ".");
	cleanup_close int fd = open(path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return lm_error(e, errno, layer, "%s %s", what, path);
	struct chooser from = {st.st_uid, st.st_uid};
	unsigned links = 0;
	size_t pos = 0;
	for (;;) {
		while (todo[pos] == '/')
			pos++;
		if (!todo[pos])
			break;
		const char *name = todo + pos;
		size_t len = strcspn(name, "/");
		pos += len;
		bool last = todo[pos + strspn(todo + pos, "/")] == 0;
		if (len == 1 && name[0] == '.')
			continue;
		char comp[NAME_MAX + 1];
		if (len > NAME_MAX)
			return lm_error(e, ENAMETOOLONG, layer, "%s %s", what, path);
		memcpy(comp, name, len);
		comp[len] = 0;

		int child;
		if (strcmp(comp, "..") == 0)
			child = openat(fd, "..", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		else
			child = openat2_flags(fd, comp, O_PATH | O_NOFOLLOW,
					      RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
		if (child < 0)
			return lm_error(e, errno, layer, "%s %s", what, path);
		cleanup_close int c = child;
		struct stat cst;
		if (fstat(c, &cst) < 0)
			return lm_error(e, errno, layer, "%s %s", what, path);
		char from_path[sizeof done];
		snprintf(from_path, sizeof from_path, "%s", done);
		if (strcmp(comp, "..") == 0)
			done_pop(done);
		else
			done_push(done, sizeof done, comp, len);
		if (unsafe(from, cst.st_uid))
			return refuse(e, layer, what, path, from_path, from, done, cst.st_uid);

		if (S_ISLNK(cst.st_mode)) {
			if (++links > LM_MAX_SYMLINKS)
				return lm_error(e, ELOOP, layer, "%s %s", what, path);
			char target[PATH_MAX];
			ssize_t tl = readlinkat(c, "", target, sizeof target);
			if (tl < 0)
				return lm_error(e, errno, layer, "%s %s", what, path);
			if (tl == 0 || (size_t)tl >= sizeof target)
				return lm_error(e, ENAMETOOLONG, layer, "%s %s", what, path);
			target[tl] = 0;
			/* The symlink's directory and the symlink itself chose what follows. */
			struct chooser by = {from.dir, cst.st_uid};
			char link_path[sizeof done];
			snprintf(link_path, sizeof link_path, "%s", done);
			done_pop(done);
			if (target[0] == '/') {
				int r = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
				struct stat rst;
				if (r < 0 || fstat(r, &rst) < 0) {
					if (r >= 0)
						close(r);
					return lm_error(e, errno, layer, "%s %s", what, path);
				}
				close(fd);
				fd = r;
				snprintf(done, sizeof done, "/");
				if (unsafe(by, rst.st_uid))
					return refuse(e, layer, what, path, link_path, by, "/",
						      rst.st_uid);
				from = (struct chooser){rst.st_uid, rst.st_uid};
			} else {
				from = by;
			}
			/* todo becomes TARGET/REST. */
			size_t rest = strlen(todo + pos);
			size_t need = (size_t)tl + 1 + rest + 1;
			if (need > PATH_MAX * 2)
				return lm_error(e, ENAMETOOLONG, layer, "%s %s", what, path);
			char *n = malloc(need > cap ? need : cap);
			if (!n)
				return lm_error(e, ENOMEM, layer, "%s %s", what, path);
			memcpy(n, target, (size_t)tl);
			n[tl] = '/';
			memcpy(n + tl + 1, todo + pos, rest + 1);
			free(todo);
			todo = n;
			cap = need > cap ? need : cap;
			pos = 0;
			continue;
		}
		if (!last && !S_ISDIR(cst.st_mode))
			return lm_error(e, ENOTDIR, layer, "%s %s", what, path);
		close(fd);
		fd = lm_steal_fd(&c);
		from = (struct chooser){cst.st_uid, cst.st_uid};
	}
	return lm_steal_fd(&fd);
}

int lm_path_read_in_root(int dirfd, const char *name, size_t max, char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	cleanup_close int fd = openat2_flags(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY,
					     RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	if ((uint64_t)st.st_size > max) {
		errno = EFBIG;
		return -1;
	}
	size_t n = 0, want = (size_t)st.st_size;
	cleanup_free char *buf = malloc(want + 1);
	if (!buf)
		return -1;
	while (n < want) {
		ssize_t r = read(fd, buf + n, want - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break; /* shrank meanwhile: what was there */
		n += (size_t)r;
	}
	buf[n] = 0;
	*len = n;
	*out = steal_pointer(&buf);
	return 0;
}
