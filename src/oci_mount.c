/* oci_mount: the container's root as config.json describes it, built by its init in the new mount
 * namespace:
 *   1. "/" made rslave (or rootfsPropagation), so that nothing done here reaches the host, and
 *      root.path bound onto itself (pivot_root needs a mount point);
 *   2. the mounts in order: each destination is resolved beneath the root with
 *      openat2(RESOLVE_IN_ROOT), created where missing, and mounted on through its
 *      /proc/self/fd/N link, so that a symlink in the image can never put a mount outside it;
 *   3. the devices (the six the runtime-spec requires, and linux.devices), made with mknod, or
 *      bound from the host's /dev in a new user namespace where mknod is refused; the /dev/fd,
 *      stdio and ptmx links;
 *   then (after the createContainer hooks) lm_oci_rootfs_finish:
 *   4. pivot_root into it, the old root made rslave and detached;
 *   5. maskedPaths (a read-only empty tmpfs over a directory, /dev/null over a file),
 *      readonlyPaths (bound onto themselves read-only), root.readonly, the host name and the
 *      sysctls.
 * A bind remount keeps the flags the kernel has locked (a user namespace may not clear
 * nosuid, nodev or noexec of a mount it received), as runc does. */
#include "oci.h"
#include "libc-compat.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define L "oci"

/* The paths built here are bounded by the kernel's own limits (a cgroup or mount path longer
 * than the buffers fails at the system call that uses it, as the truncated name does not
 * exist); gcc cannot see those bounds. */
#if !defined(__clang__) /* gcc's warning; clang has none of the name */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

static int rootfd = -1;

/* Open PATH beneath the root (an O_PATH fd), creating what is missing: the directories on the
 * way, and the last component as a directory (file false) or an empty file (file true). */
static int open_in_root(const char *path, bool create, bool file, struct lm_err *e)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
	if (fd >= 0 || !create || errno != ENOENT)
		return fd >= 0 ? fd : lm_error(e, errno, L, "%s in the container's root", path);
	/* create it component by component, each step resolved beneath the root */
	char buf[4096];
	if (strlen(path) >= sizeof buf)
		return lm_error(e, ENAMETOOLONG, L, "%s", path);
	strcpy(buf, path);
	int dir = dup(rootfd);
	if (dir < 0)
		return lm_error(e, errno, L, "dup");
	char *p = buf;
	while (*p == '/')
		p++;
	for (;;) {
		char *slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		bool last = !slash || !slash[strspn(slash + 1, "/") + 1];
		if (*p) {
			how.flags = O_PATH | O_CLOEXEC;
			int next = (int)syscall(SYS_openat2, dir, p, &how, sizeof how);
			if (next < 0 && errno == ENOENT) {
				int r = last && file ? mknodat(dir, p, S_IFREG | 0644, 0)
						     : mkdirat(dir, p, 0755);
				if (r < 0 && errno != EEXIST) {
					int err = errno;
					close(dir);
					return lm_error(
					    e, err, L, "creating %s in the container's root", path);
				}
				next = (int)syscall(SYS_openat2, dir, p, &how, sizeof how);
			}
			if (next < 0) {
				int err = errno;
				close(dir);
				return lm_error(e, err, L, "%s in the container's root", path);
			}
			close(dir);
			dir = next;
		}
		if (last)
			break;
		p = slash + 1;
	}
	return dir;
}

static void fdpath(char *buf, size_t n, int fd)
{
	snprintf(buf, n, "/proc/self/fd/%d", fd);
}

/* The flags a bind remount must keep (ST_* of the mount as it is now). */
static unsigned long locked_flags(const char *target)
{
	struct statvfs sv;
	unsigned long f = 0;
	if (statvfs(target, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

static int bind_remount(const char *target, unsigned long flags)
{
	if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | flags, NULL) == 0)
		return 0;
	if (errno != EPERM)
		return -1;
	unsigned long keep = locked_flags(target) & (MS_NOSUID | MS_NODEV | MS_NOEXEC);
	return mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | flags | keep, NULL);
}

/* type "cgroup": a tmpfs holding each hierarchy the container is in, as its own cgroup (the
 * host's mount bound at the container's path in it); "cgroup2": the unified hierarchy. */
static int mount_cgroups(const struct lm_oci *o, const struct lm_oci_mount *m, const char *target,
			 const char *cgroup, struct lm_err *e)
{
	bool ro = m->flags & MS_RDONLY;
	unsigned long fl = (m->flags & ~MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	if (strcmp(m->type, "cgroup2") == 0) {
		if (mount("cgroup2", target, "cgroup2", m->flags, NULL) < 0)
			return lm_error(e, errno, L, "mount cgroup2 on %s", m->dst);
		return 0;
	}
	if (mount("tmpfs", target, "tmpfs", fl, "mode=755") < 0)
		return lm_error(e, errno, L, "mount tmpfs for the cgroups on %s", m->dst);
	/* the directories go into the new tmpfs, not the directory it covers */
	cleanup_close int top = open_in_root(m->dst, false, false, e);
	if (top < 0)
		return -1;
	char topp[64];
	fdpath(topp, sizeof topp, top);
	target = topp;
	FILE *mi = fopen("/proc/self/mountinfo", "re");
	FILE *pc = fopen("/proc/self/cgroup", "re");
	if (!mi || !pc) {
		int err = errno;
		if (mi)
			fclose(mi);
		if (pc)
			fclose(pc);
		return lm_error(e, err, L, "reading the cgroup hierarchies");
	}
	char line[4096], own[64][512];
	char ctrls[64][128];
	int nown = 0;
	while (nown < 64 && fgets(line, sizeof line, pc)) {
		char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		if (!b)
			continue;
		*b = '\0';
		b[strcspn(b + 1, "\n") + 1] = '\0';
		snprintf(ctrls[nown], sizeof ctrls[nown], "%s", a + 1);
		snprintf(own[nown], sizeof own[nown], "%s", b + 1);
		nown++;
	}
	fclose(pc);
	/* every hierarchy first: the binds below add entries to mountinfo as it is read */
	struct {
		char mnt[512], fstype[16], opts[512];
	} *hs = calloc(64, sizeof *hs);
	int nh = 0;
	while (hs && nh < 64 && fgets(line, sizeof line, mi)) {
		char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %*s %511s", hs[nh].mnt) != 1 ||
		    sscanf(dash + 3, "%15s %*s %511s", hs[nh].fstype, hs[nh].opts) != 2)
			continue;
		if (strcmp(hs[nh].fstype, "cgroup2") == 0 || strcmp(hs[nh].fstype, "cgroup") == 0)
			nh++;
	}
	int r = hs ? 0 : lm_error(e, ENOMEM, L, "cgroups");
	for (int k = 0; r == 0 && k < nh; k++) {
		const char *mnt = hs[k].mnt, *opts = hs[k].opts;
		bool v2 = strcmp(hs[k].fstype, "cgroup2") == 0;
		const char *path = NULL;
		for (int i = 0; i < nown && !path; i++) {
			if (v2) {
				if (!ctrls[i][0])
					path = own[i];
				continue;
			}
			/* every controller of the line is among the mount's options */
			char c[128];
			snprintf(c, sizeof c, "%s", ctrls[i]);
			bool all = c[0] != '\0';
			for (char *t = strtok(c, ","); t && all; t = strtok(NULL, ",")) {
				char o2[1024];
				snprintf(o2, sizeof o2, ",%s,", opts);
				char w[160];
				snprintf(w, sizeof w, ",%s,", t);
				all = strstr(o2, w) != NULL;
			}
			if (all)
				path = own[i];
		}
		if (!path)
			continue;
		if (cgroup && cgroup[0])
			path = cgroup; /* the container's, made by the runtime */
		const char *name = strrchr(mnt, '/');
		name = name ? name + 1 : mnt;
		char dst[4096], src[4096];
		snprintf(dst, sizeof dst, "%s/%s", target, name);
		snprintf(src, sizeof src, "%s%s", mnt, strcmp(path, "/") == 0 ? "" : path);
		/* in its own cgroup namespace the container mounts the hierarchy itself (its view
		 * is rooted at its cgroup); otherwise the host's is bound at the container's path
		 */
		char sopts[512];
		snprintf(sopts, sizeof sopts, "%s", opts);
		char *rw = strstr(sopts, "rw,");
		if (rw == sopts)
			memmove(sopts, sopts + 3, strlen(sopts + 3) + 1);
		if (mkdir(dst, 0755) < 0 && errno != EEXIST)
			r = lm_error(e, errno, L, "%s/%s", m->dst, name);
		else if (o->ns_new[LM_OCI_NS_CGROUP] &&
			 mount(v2 ? "cgroup2" : "cgroup", dst, v2 ? "cgroup2" : "cgroup",
			       fl | (ro ? MS_RDONLY : 0), v2 ? NULL : sopts) == 0)
			continue;
		else if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
			r = lm_error(e, errno, L, "binding the %s cgroup at %s/%s", name, m->dst,
				     name);
		else if (bind_remount(dst, fl | (ro ? MS_RDONLY : 0)) < 0)
			r = lm_error(e, errno, L, "%s/%s read-only", m->dst, name);
	}
	free(hs);
	if (r == 0 && ro && bind_remount(target, fl | MS_RDONLY) < 0)
		r = lm_error(e, errno, L, "%s read-only", m->dst);
	return r;
}

static int do_mount(const struct lm_oci *o, const struct lm_oci_mount *m, const char *cgroup,
		    struct lm_err *e)
{
	bool file = false;
	char src[4096];
	if (m->bind) {
		if (m->src[0] == '/')
			snprintf(src, sizeof src, "%s", m->src);
		else
			snprintf(src, sizeof src, "%s/%s", o->bundle, m->src);
		struct stat st;
		if (stat(src, &st) < 0)
			return lm_error(e, errno, L, "mounts: source %s of %s", m->src, m->dst);
		file = !S_ISDIR(st.st_mode);
	}
	cleanup_close int fd = open_in_root(m->dst, true, file, e);
	if (fd < 0)
		return -1;
	char target[64];
	fdpath(target, sizeof target, fd);
	if (m->bind) {
		if (mount(src, target, NULL, MS_BIND | (m->rbind ? MS_REC : 0), NULL) < 0)
			return lm_error(e, errno, L, "mounts: bind %s on %s", m->src, m->dst);
		/* the options other than bind itself need a remount, on the new mount */
		close(fd);
		fd = open_in_root(m->dst, false, false, e);
		if (fd < 0)
			return -1;
		fdpath(target, sizeof target, fd);
		unsigned long fl = m->flags & ~(MS_BIND | MS_REC);
		if (fl && bind_remount(target, fl) < 0)
			return lm_error(e, errno, L, "mounts: remounting %s with its options",
					m->dst);
	} else if (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0) {
		if (mount_cgroups(o, m, target, cgroup, e) < 0)
			return -1;
	} else {
		const char *source = m->src && *m->src ? m->src : m->type;
		if (mount(source, target, m->type, m->flags, m->data) < 0) {
			int err = errno;
			/* sysfs in a user namespace that does not own the network namespace: the
			 * host's, bound (as runc does) */
			if (strcmp(m->type, "sysfs") == 0 && (err == EPERM || err == EACCES) &&
			    mount("/sys", target, NULL, MS_BIND | MS_REC, NULL) == 0) {
				if (m->flags & MS_RDONLY)
					bind_remount(target,
						     MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
			} else {
				return lm_error(e, err, L, "mounts: %s on %s", m->type, m->dst);
			}
		}
	}
	if (m->recattr) {
		close(fd);
		fd = open_in_root(m->dst, false, false, e);
		if (fd < 0)
			return -1;
		struct mount_attr a = {.attr_set = m->recattr};
		if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) <
		    0)
			return lm_error(e, errno, L, "mounts: recursive options of %s", m->dst);
	}
	if (m->prop) {
		close(fd);
		fd = open_in_root(m->dst, false, false, e);
		if (fd < 0)
			return -1;
		fdpath(target, sizeof target, fd);
		if (mount(NULL, target, NULL, m->prop, NULL) < 0)
			return lm_error(e, errno, L, "mounts: propagation of %s", m->dst);
	}
	return 0;
}

static int make_device(const struct lm_oci_device *d, bool in_userns, struct lm_err *e)
{
	mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
	mode_t mode = d->mode_set ? d->mode : 0666;
	char rel[4096];
	snprintf(rel, sizeof rel, "%s", d->path);
	char *slash = strrchr(rel, '/');
	*slash = '\0';
	cleanup_close int dir = open_in_root(rel[0] ? rel : "/", true, false, e);
	if (dir < 0)
		return -1;
	const char *name = slash + 1;
	char dpath[64];
	fdpath(dpath, sizeof dpath, dir);
	/* in a user namespace (the container's, or the one the runtime itself runs in under
	 * rootless Podman) mknod of a device is refused: then the host's node is bound */
	if (!in_userns || type == S_IFIFO) {
		unlinkat(dir, name, 0);
		if (mknodat(dir, name, type | (mode & 07777), makedev(d->major, d->minor)) < 0) {
			if (errno == EPERM && type != S_IFIFO)
				return make_device(d, true, e);
			return lm_error(e, errno, L, "linux.devices: mknod %s", d->path);
		}
		/* O_PATH cannot chmod/chown through the fd: the /proc/self/fd path can */
		char p[4200];
		snprintf(p, sizeof p, "%s/%s", dpath, name);
		if (chmod(p, mode & 07777) < 0)
			return lm_error(e, errno, L, "linux.devices: chmod %s", d->path);
		if ((d->uid_set || d->gid_set) &&
		    chown(p, d->uid_set ? d->uid : (uid_t)-1, d->gid_set ? d->gid : (gid_t)-1) < 0)
			return lm_error(e, errno, L, "linux.devices: chown %s", d->path);
		return 0;
	}
	/* a user namespace may not make device nodes: the host's, bound onto a file */
	char p[4200];
	snprintf(p, sizeof p, "%s/%s", dpath, name);
	int f = open(p, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (f < 0 && errno != EEXIST)
		return lm_error(e, errno, L, "linux.devices: %s", d->path);
	if (f >= 0)
		close(f);
	char host[4096];
	snprintf(host, sizeof host, "/dev/%s", name);
	struct stat st;
	if (stat(host, &st) < 0 || (st.st_mode & S_IFMT) != type ||
	    st.st_rdev != makedev(d->major, d->minor))
		return lm_error(
		    e, 0, L,
		    "linux.devices: %s: a new user namespace cannot make device nodes, and "
		    "the host has no %s with %u:%u to bind",
		    d->path, host, d->major, d->minor);
	if (mount(host, p, NULL, MS_BIND, NULL) < 0)
		return lm_error(e, errno, L, "linux.devices: binding %s", host);
	return 0;
}

static int make_devices(const struct lm_oci *o, struct lm_err *e)
{
	static const struct lm_oci_device defaults[] = {
	    {"/dev/null", 'c', 1, 3, true, false, false, 0666, 0, 0},
	    {"/dev/zero", 'c', 1, 5, true, false, false, 0666, 0, 0},
	    {"/dev/full", 'c', 1, 7, true, false, false, 0666, 0, 0},
	    {"/dev/random", 'c', 1, 8, true, false, false, 0666, 0, 0},
	    {"/dev/urandom", 'c', 1, 9, true, false, false, 0666, 0, 0},
	    {"/dev/tty", 'c', 5, 0, true, false, false, 0666, 0, 0},
	};
	bool userns = o->ns_new[LM_OCI_NS_USER] || o->ns_path[LM_OCI_NS_USER];
	/* the devices only where /dev is the container's own (a mount of config.json): over an
	 * image's /dev directory as well, as runc does */
	for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
		bool given = false;
		for (size_t j = 0; j < o->ndevices && !given; j++)
			given = strcmp(o->devices[j].path, defaults[i].path) == 0;
		if (!given && make_device(&defaults[i], userns, e) < 0)
			return -1;
	}
	for (size_t j = 0; j < o->ndevices; j++)
		if (make_device(&o->devices[j], userns, e) < 0)
			return -1;
	static const char *const links[][2] = {
	    {"/proc/self/fd", "fd"},	   {"/proc/self/fd/0", "stdin"},
	    {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
	    {"pts/ptmx", "ptmx"},
	};
	cleanup_close int dev = open_in_root("/dev", true, false, e);
	if (dev < 0)
		return -1;
	char dpath[64];
	fdpath(dpath, sizeof dpath, dev);
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		char p[128];
		snprintf(p, sizeof p, "%s/%s", dpath, links[i][1]);
		if (strcmp(links[i][1], "ptmx") == 0)
			unlink(p); /* a ptmx node of the image's: the devpts instance's instead */
		if (symlink(links[i][0], p) < 0 && errno != EEXIST)
			return lm_error(e, errno, L, "/dev/%s", links[i][1]);
	}
	return 0;
}

int lm_oci_rootfs_prepare(const struct lm_oci *o, const char *cgroup, struct lm_err *e)
{
	/* rslave while the root is built (nothing done here reaches the host; host mounts still
	 * arrive); rootfsPropagation is the pivoted root's, applied after pivot_root */
	if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return lm_error(e, errno, L, "making / a slave");
	if (mount(o->rootfs, o->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return lm_error(e, errno, L, "root.path %s", o->rootfs);
	/* pivot_root refuses a shared new root or a shared parent of it */
	if (mount(NULL, o->rootfs, NULL, MS_PRIVATE, NULL) < 0)
		return lm_error(e, errno, L, "root.path %s private", o->rootfs);
	rootfd = open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return lm_error(e, errno, L, "root.path %s", o->rootfs);
	for (size_t i = 0; i < o->nmounts; i++)
		if (do_mount(o, &o->mounts[i], cgroup, e) < 0)
			return -1;
	return make_devices(o, e);
}

static int mask_path(const char *p, struct lm_err *e)
{
	struct stat st;
	if (lstat(p, &st) < 0)
		return errno == ENOENT ? 0 : lm_error(e, errno, L, "linux.maskedPaths: %s", p);
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "size=0,mode=0555") < 0)
			return lm_error(e, errno, L, "linux.maskedPaths: %s", p);
	} else if (mount("/dev/null", p, NULL, MS_BIND, NULL) < 0) {
		return lm_error(e, errno, L, "linux.maskedPaths: %s", p);
	}
	return 0;
}

static int ro_path(const char *p, struct lm_err *e)
{
	if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0)
		return errno == ENOENT ? 0 : lm_error(e, errno, L, "linux.readonlyPaths: %s", p);
	if (bind_remount(p, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC) < 0)
		return lm_error(e, errno, L, "linux.readonlyPaths: %s read-only", p);
	return 0;
}

int lm_oci_rootfs_finish(const struct lm_oci *o, struct lm_err *e)
{
	cleanup_close int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (oldroot < 0)
		return lm_error(e, errno, L, "open /");
	if (fchdir(rootfd) < 0 && chdir(o->rootfs) < 0)
		return lm_error(e, errno, L, "chdir %s", o->rootfs);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return lm_error(e, errno, L, "pivot_root into %s", o->rootfs);
	/* the old root, now stacked under the new one: make it a slave so that detaching it does
	 * not reach the host, then detach it */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return lm_error(e, errno, L, "old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		return lm_error(e, errno, L, "detaching the old root");
	if (chdir("/") < 0)
		return lm_error(e, errno, L, "chdir /");
	close(rootfd);
	rootfd = -1;
	if (o->propagation && mount(NULL, "/", NULL, o->propagation | MS_REC, NULL) < 0)
		return lm_error(e, errno, L, "linux.rootfsPropagation");
	/* the host name and the sysctls before /proc/sys is made read-only */
	if (o->hostname_set && sethostname(o->hostname, strlen(o->hostname)) < 0)
		return lm_error(e, errno, L, "hostname %s", o->hostname);
	if (o->domainname_set && setdomainname(o->domainname, strlen(o->domainname)) < 0)
		return lm_error(e, errno, L, "domainname %s", o->domainname);
	for (char **s = o->sysctl; s && s[0]; s += 2) {
		char path[4096];
		snprintf(path, sizeof path, "/proc/sys/%s", s[0]);
		for (char *q = path + 10; *q; q++)
			if (*q == '.')
				*q = '/';
		int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			return lm_error(e, errno, L, "linux.sysctl %s", s[0]);
		ssize_t w = write(fd, s[1], strlen(s[1]));
		int err = errno;
		close(fd);
		if (w < 0)
			return lm_error(e, err, L, "linux.sysctl %s = %s", s[0], s[1]);
	}
	for (char **p = o->masked; p && *p; p++)
		if (mask_path(*p, e) < 0)
			return -1;
	for (char **p = o->ropaths; p && *p; p++)
		if (ro_path(*p, e) < 0)
			return -1;
	if (o->root_ro && bind_remount("/", MS_RDONLY) < 0)
		return lm_error(e, errno, L, "root.readonly");
	return 0;
}
