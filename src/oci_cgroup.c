/* oci_cgroup: linux.cgroupsPath and linux.resources.  The container gets a cgroup of the same path
 * in every hierarchy the host mounts (each cgroup v1 controller's, and the unified one), made
 * before its init runs anything, so that its cgroup namespace is rooted there; the limits are
 * written into the hierarchy of their controller, in the files runc writes.  A limit whose
 * controller or file this host lacks is an error naming the config field (fail closed).
 * cgroupsPath: absolute paths are taken from the root of each hierarchy, relative ones too (as
 * runc does); without one, /lamina-oci/ID.  `delete` kills what is left in it and removes it. */
#include "oci.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define L "resources"

/* The paths built here are bounded by the kernel's own limits (a cgroup or mount path longer
 * than the buffers fails at the system call that uses it, as the truncated name does not
 * exist); gcc cannot see those bounds. */
#if !defined(__clang__) /* gcc's warning; clang has none of the name */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

struct hier {
	char mnt[512];
	char opts[512]; /* the super options: the controllers of a v1 hierarchy */
	bool v2;
};

/* Every cgroup hierarchy mounted here. */
static int hierarchies(struct hier *h, int max)
{
	FILE *mi = fopen("/proc/self/mountinfo", "re");
	if (!mi)
		return -1;
	char line[4096];
	int n = 0;
	while (n < max && fgets(line, sizeof line, mi)) {
		char mnt[512], fstype[64], opts[512];
		char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1 ||
		    sscanf(dash + 3, "%63s %*s %511s", fstype, opts) != 2)
			continue;
		bool v2 = strcmp(fstype, "cgroup2") == 0;
		if (!v2 && strcmp(fstype, "cgroup") != 0)
			continue;
		snprintf(h[n].mnt, sizeof h[n].mnt, "%s", mnt);
		snprintf(h[n].opts, sizeof h[n].opts, ",%s,", opts);
		h[n].v2 = v2;
		n++;
	}
	fclose(mi);
	return n;
}

/* The hierarchy of a v1 controller (or, for hugetlb, the unified one that offers it), or NULL. */
static const struct hier *find_ctrl(const struct hier *h, int n, const char *ctrl, bool *v2)
{
	char w[80];
	snprintf(w, sizeof w, ",%s,", ctrl);
	for (int i = 0; i < n; i++)
		if (!h[i].v2 && strstr(h[i].opts, w)) {
			*v2 = false;
			return &h[i];
		}
	for (int i = 0; i < n; i++) {
		if (!h[i].v2)
			continue;
		char p[600], buf[256] = "";
		snprintf(p, sizeof p, "%s/cgroup.controllers", h[i].mnt);
		int fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t r = read(fd, buf, sizeof buf - 1);
		close(fd);
		buf[r > 0 ? r : 0] = '\0';
		for (char *t = strtok(buf, " \n"); t; t = strtok(NULL, " \n"))
			if (strcmp(t, ctrl) == 0) {
				*v2 = true;
				return &h[i];
			}
	}
	return NULL;
}

static int write_file(const char *dir, const char *file, const char *value)
{
	char p[1200];
	snprintf(p, sizeof p, "%s/%s", dir, file);
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, value, strlen(value));
	int err = errno;
	close(fd);
	errno = err;
	return w < 0 ? -1 : 0;
}

static ssize_t read_file(const char *dir, const char *file, char *buf, size_t n)
{
	char p[1200];
	snprintf(p, sizeof p, "%s/%s", dir, file);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t r = read(fd, buf, n - 1);
	close(fd);
	buf[r > 0 ? r : 0] = '\0';
	return r;
}

/* mkdir -p mnt/path; cpuset directories get their parent's cpus and mems (they start empty,
 * and a task cannot join a cpuset without them). */
static int make_dirs(const struct hier *h, const char *path)
{
	char p[1200];
	snprintf(p, sizeof p, "%s%s", h->mnt, path);
	bool cpuset = strstr(h->opts, ",cpuset,") != NULL;
	size_t base = strlen(h->mnt);
	for (char *q = p + base + 1;; q++) {
		bool end = *q == '\0';
		if (*q == '/' || end) {
			char c = *q;
			*q = '\0';
			int made = mkdir(p, 0755);
			if (made < 0 && errno != EEXIST)
				return -1;
			if (made == 0 && cpuset) {
				char parent[1200], v[4096];
				snprintf(parent, sizeof parent, "%s", p);
				*strrchr(parent, '/') = '\0';
				for (int k = 0; k < 2; k++) {
					const char *f = k ? "cpuset.mems" : "cpuset.cpus";
					if (read_file(parent, f, v, sizeof v) > 0)
						write_file(p, f, v);
				}
			}
			*q = c;
		}
		if (end)
			break;
	}
	return 0;
}

bool lm_oci_cgroup_wanted(const struct lm_oci *o)
{
	return o->cgroups_path || o->resources_given;
}

struct writer {
	const struct hier *h;
	int n;
	const char *path;
	struct lm_err *e;
	int r;
};

/* Write value into ctrl's file of the container's cgroup; what: the config field. */
static void put(struct writer *w, const char *ctrl, const char *file, const char *value,
		const char *what)
{
	if (w->r < 0)
		return;
	bool v2;
	const struct hier *h = find_ctrl(w->h, w->n, ctrl, &v2);
	if (!h) {
		w->r = lm_error(w->e, 0, L, "%s: this host has no %s controller", what, ctrl);
		return;
	}
	char dir[1200], f[160];
	snprintf(dir, sizeof dir, "%s%s", h->mnt, w->path);
	snprintf(f, sizeof f, "%s", file);
	if (v2 && strncmp(file, "hugetlb.", 8) == 0) {
		/* v2 names the limit .max, and the controller must be enabled from the root down */
		char *lim = strstr(f, ".limit_in_bytes");
		if (lim)
			strcpy(lim, ".max");
		char anc[1200];
		snprintf(anc, sizeof anc, "%s", dir);
		size_t base = strlen(h->mnt);
		char *parts[64];
		int np = 0;
		for (char *q = anc + strlen(anc); q >= anc + base && np < 64; q--)
			if (*q == '/')
				parts[np++] = q;
		for (int i = np - 1; i >= 0; i--) {
			*parts[i] = '\0';
			int r = write_file(anc, "cgroup.subtree_control", "+hugetlb");
			int err = errno;
			*parts[i] = '/';
			if (r < 0) {
				*parts[i] = '\0';
				w->r = lm_error(w->e, err, L,
						"%s: enabling hugetlb in %s/cgroup.subtree_control",
						what, anc);
				return;
			}
		}
	}
	if (write_file(dir, f, value) < 0)
		w->r = lm_error(w->e, errno, L, "%s: writing %s to %s/%s", what, value, dir, f);
}

static void put_i64(struct writer *w, const char *ctrl, const char *file, int64_t v,
		    const char *what)
{
	char b[32];
	snprintf(b, sizeof b, "%lld", (long long)v);
	put(w, ctrl, file, b, what);
}

/* memory.kmem.limit_in_bytes: newer kernels keep the file but ignore what is written to it
 * (kernel memory is charged with the rest); a limit that does not read back is refused rather
 * than silently not applied. */
static void put_kmem(struct writer *w, int64_t v)
{
	const char *what = "linux.resources.memory.kernel";
	put_i64(w, "memory", "memory.kmem.limit_in_bytes", v, what);
	if (w->r < 0 || v < 0)
		return;
	bool v2;
	const struct hier *h = find_ctrl(w->h, w->n, "memory", &v2);
	char dir[1200], buf[64];
	snprintf(dir, sizeof dir, "%s%s", h->mnt, w->path);
	if (read_file(dir, "memory.kmem.limit_in_bytes", buf, sizeof buf) <= 0)
		w->r = lm_error(w->e, errno, L, "%s: reading %s/memory.kmem.limit_in_bytes", what,
				dir);
	else if (strtoll(buf, NULL, 10) > v)
		w->r = lm_error(w->e, 0, L,
				"%s: this kernel does not limit kernel memory (it ignores "
				"memory.kmem.limit_in_bytes)",
				what);
}

static void devnum(char *b, size_t n, long long maj, long long min)
{
	char a[24], c[24];
	snprintf(a, sizeof a, "%lld", maj);
	snprintf(c, sizeof c, "%lld", min);
	snprintf(b, n, "%s:%s", maj < 0 ? "*" : a, min < 0 ? "*" : c);
}

static int resolve_path(const struct lm_oci *o, char *out, size_t n, struct lm_err *e)
{
	const char *p = o->cgroups_path;
	if (!p) {
		snprintf(out, n, "/lamina-oci/%s", o->id);
		return 0;
	}
	if (strchr(p, ':') && p[0] != '/')
		return lm_error(
		    e, 0, L,
		    "linux.cgroupsPath %s is a systemd unit (slice:prefix:name): lamina-oci "
		    "uses cgroupfs paths only (run podman with --cgroup-manager cgroupfs)",
		    p);
	for (const char *q = p; *q;) {
		while (*q == '/')
			q++;
		const char *s = strchrnul(q, '/');
		if (s - q == 2 && q[0] == '.' && q[1] == '.')
			return lm_error(e, 0, L, "linux.cgroupsPath %s: '..' is not allowed", p);
		q = s;
	}
	snprintf(out, n, "%s%s", p[0] == '/' ? "" : "/", p);
	size_t len = strlen(out);
	while (len > 1 && out[len - 1] == '/')
		out[--len] = '\0';
	if (strcmp(out, "/") == 0)
		return lm_error(e, 0, L,
				"linux.cgroupsPath: the root cgroup cannot be a container's");
	return 0;
}

/* A limit of the container as a whole (device rules are not one: see below). */
static bool asks_limits(const struct lm_oci_resources *r)
{
	return r->mem_limit_set || r->mem_res_set || r->mem_swap_set || r->mem_kernel_set ||
	       r->mem_ktcp_set || r->swappiness_set || r->oom_disable || r->shares_set ||
	       r->quota_set || r->period_set || r->rt_runtime_set || r->rt_period_set ||
	       (r->cpus && *r->cpus) || (r->mems && *r->mems) || r->pids_set || r->weight_set ||
	       r->leaf_weight_set || r->nwdev || r->nthr[0] || r->nthr[1] || r->nthr[2] ||
	       r->nthr[3] || r->nhuge || r->classid_set || r->prio;
}

int lm_oci_cgroup_setup(const struct lm_oci *o, char *path, size_t n, struct lm_err *e)
{
	if (resolve_path(o, path, n, e) < 0)
		return -1;
	struct hier h[32];
	int nh = hierarchies(h, 32);
	if (nh <= 0)
		return lm_error(e, errno, L, "no cgroup hierarchy is mounted");
	for (int i = 0; i < nh; i++)
		if (make_dirs(&h[i], path) < 0) {
			int err = errno;
			lm_oci_cgroup_remove(path);
			/* Rootless (Podman's user namespace on a host without cgroup delegation):
			 * with no limit asked for there is nothing a cgroup would enforce (device
			 * rules bind no one who cannot make device nodes, as a user namespace
			 * cannot), and the container runs in the caller's cgroup, as under runc.
			 * A limit that cannot be had is an error. */
			if ((err == EACCES || err == EPERM || err == EROFS) &&
			    !asks_limits(&o->res) && !o->cgroups_path) {
				path[0] = '\0';
				return 0;
			}
			return lm_error(e, err, L, "making the cgroup %s%s", h[i].mnt, path);
		}
	struct writer w = {h, nh, path, e, 0};
	const struct lm_oci_resources *r = &o->res;
	if (r->ndev) {
		for (size_t i = 0; i < r->ndev; i++) {
			char b[64], d[32];
			devnum(d, sizeof d, r->dev[i].major, r->dev[i].minor);
			if (r->dev[i].type == 'a')
				snprintf(b, sizeof b, "a");
			else
				snprintf(b, sizeof b, "%c %s %s", r->dev[i].type, d,
					 r->dev[i].access);
			put(&w, "devices", r->dev[i].allow ? "devices.allow" : "devices.deny", b,
			    "linux.resources.devices");
		}
		/* the devices every container has (runtime-spec's default devices, the pty) */
		static const char *const dflt[] = {
		    "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm",   "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm",
		    "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", "c *:* m",	  "b *:* m",   NULL};
		for (const char *const *d = dflt; *d; d++)
			put(&w, "devices", "devices.allow", *d, "linux.resources.devices");
	}
	if (r->mem_limit_set && r->mem_swap_set) {
		/* memsw >= limit at every step: raise memsw first when the limit grows */
		put_i64(&w, "memory", "memory.limit_in_bytes", r->mem_limit,
			"linux.resources.memory.limit");
		put_i64(&w, "memory", "memory.memsw.limit_in_bytes", r->mem_swap,
			"linux.resources.memory.swap");
	} else if (r->mem_limit_set) {
		put_i64(&w, "memory", "memory.limit_in_bytes", r->mem_limit,
			"linux.resources.memory.limit");
		/* no swap beyond the limit unless swap says so, as runc does */
		if (r->mem_limit > 0) {
			bool v2;
			const struct hier *mh = find_ctrl(h, nh, "memory", &v2);
			char dir[1200];
			snprintf(dir, sizeof dir, "%s%s", mh ? mh->mnt : "", path);
			if (mh && access(dir, F_OK) == 0) {
				char f[1300];
				snprintf(f, sizeof f, "%s/memory.memsw.limit_in_bytes", dir);
				if (access(f, F_OK) == 0)
					put_i64(&w, "memory", "memory.memsw.limit_in_bytes",
						r->mem_limit, "linux.resources.memory.limit");
			}
		}
	} else if (r->mem_swap_set) {
		put_i64(&w, "memory", "memory.memsw.limit_in_bytes", r->mem_swap,
			"linux.resources.memory.swap");
	}
	if (r->mem_res_set)
		put_i64(&w, "memory", "memory.soft_limit_in_bytes", r->mem_res,
			"linux.resources.memory.reservation");
	if (r->mem_kernel_set)
		put_kmem(&w, r->mem_kernel);
	if (r->mem_ktcp_set)
		put_i64(&w, "memory", "memory.kmem.tcp.limit_in_bytes", r->mem_ktcp,
			"linux.resources.memory.kernelTCP");
	if (r->swappiness_set)
		put_i64(&w, "memory", "memory.swappiness", (int64_t)r->swappiness,
			"linux.resources.memory.swappiness");
	if (r->oom_disable)
		put(&w, "memory", "memory.oom_control", "1",
		    "linux.resources.memory.disableOOMKiller");
	if (r->shares_set)
		put_i64(&w, "cpu", "cpu.shares", (int64_t)r->shares, "linux.resources.cpu.shares");
	if (r->period_set)
		put_i64(&w, "cpu", "cpu.cfs_period_us", (int64_t)r->period,
			"linux.resources.cpu.period");
	if (r->quota_set)
		put_i64(&w, "cpu", "cpu.cfs_quota_us", r->quota, "linux.resources.cpu.quota");
	if (r->rt_period_set)
		put_i64(&w, "cpu", "cpu.rt_period_us", (int64_t)r->rt_period,
			"linux.resources.cpu.realtimePeriod");
	if (r->rt_runtime_set)
		put_i64(&w, "cpu", "cpu.rt_runtime_us", r->rt_runtime,
			"linux.resources.cpu.realtimeRuntime");
	if (r->cpus && *r->cpus)
		put(&w, "cpuset", "cpuset.cpus", r->cpus, "linux.resources.cpu.cpus");
	if (r->mems && *r->mems)
		put(&w, "cpuset", "cpuset.mems", r->mems, "linux.resources.cpu.mems");
	if (r->pids_set && r->pids > 0)
		put_i64(&w, "pids", "pids.max", r->pids, "linux.resources.pids.limit");
	else if (r->pids_set)
		put(&w, "pids", "pids.max", "max", "linux.resources.pids.limit");
	if (r->weight_set)
		put_i64(&w, "blkio", "blkio.weight", r->weight, "linux.resources.blockIO.weight");
	if (r->leaf_weight_set)
		put_i64(&w, "blkio", "blkio.leaf_weight", r->leaf_weight,
			"linux.resources.blockIO.leafWeight");
	for (size_t i = 0; i < r->nwdev; i++) {
		char b[96], d[32];
		devnum(d, sizeof d, r->wdev[i].major, r->wdev[i].minor);
		if (r->wdev[i].rate) {
			snprintf(b, sizeof b, "%s %llu", d, (unsigned long long)r->wdev[i].rate);
			put(&w, "blkio", "blkio.weight_device", b,
			    "linux.resources.blockIO.weightDevice");
		}
		if (r->wdev_leaf[i]) {
			snprintf(b, sizeof b, "%s %u", d, r->wdev_leaf[i]);
			put(&w, "blkio", "blkio.leaf_weight_device", b,
			    "linux.resources.blockIO.weightDevice");
		}
	}
	static const char *const thr_file[4] = {
	    "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
	    "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"};
	for (int t = 0; t < 4; t++)
		for (size_t i = 0; i < r->nthr[t]; i++) {
			char b[96], d[32];
			devnum(d, sizeof d, r->thr[t][i].major, r->thr[t][i].minor);
			snprintf(b, sizeof b, "%s %llu", d, (unsigned long long)r->thr[t][i].rate);
			put(&w, "blkio", thr_file[t], b, "linux.resources.blockIO.throttle*");
		}
	for (size_t i = 0; i < r->nhuge; i++) {
		char f[96];
		snprintf(f, sizeof f, "hugetlb.%s.limit_in_bytes", r->huge[i].size);
		put_i64(&w, "hugetlb", f, (int64_t)r->huge[i].limit,
			"linux.resources.hugepageLimits");
	}
	if (r->classid_set)
		put_i64(&w, "net_cls", "net_cls.classid", r->classid,
			"linux.resources.network.classID");
	if (r->prio)
		for (char *line = r->prio; *line;) {
			char *nl = strchrnul(line, '\n');
			char one[256];
			snprintf(one, sizeof one, "%.*s", (int)(nl - line), line);
			put(&w, "net_prio", "net_prio.ifpriomap", one,
			    "linux.resources.network.priorities");
			line = *nl ? nl + 1 : nl;
		}
	if (w.r < 0) {
		lm_oci_cgroup_remove(path);
		return -1;
	}
	return 0;
}

int lm_oci_cgroup_enter(const char *path, pid_t pid, struct lm_err *e)
{
	struct hier h[32];
	int nh = hierarchies(h, 32);
	char v[32];
	snprintf(v, sizeof v, "%d", (int)pid);
	for (int i = 0; i < nh; i++) {
		char dir[1200];
		snprintf(dir, sizeof dir, "%s%s", h[i].mnt, path);
		if (access(dir, F_OK) < 0)
			continue;
		if (write_file(dir, "cgroup.procs", v) < 0)
			return lm_error(e, errno, L, "putting pid %d into %s", (int)pid, dir);
	}
	return 0;
}

/* Signal every pid listed in dir/cgroup.procs; the number signalled. */
static int signal_dir(const char *dir, int sig)
{
	char p[1300];
	snprintf(p, sizeof p, "%s/cgroup.procs", dir);
	FILE *f = fopen(p, "re");
	if (!f)
		return 0;
	int n = 0, pid;
	while (fscanf(f, "%d", &pid) == 1)
		if (pid > 0 && kill(pid, sig) == 0)
			n++;
	fclose(f);
	return n;
}

int lm_oci_cgroup_kill(const char *path, int sig)
{
	struct hier h[32];
	int nh = hierarchies(h, 32);
	for (int i = 0; i < nh; i++) {
		char dir[1200];
		snprintf(dir, sizeof dir, "%s%s", h[i].mnt, path);
		if (access(dir, F_OK) == 0) {
			signal_dir(dir, sig);
			return 0;
		}
	}
	return -1;
}

int lm_oci_cgroup_remove(const char *path)
{
	if (!path || !*path || strcmp(path, "/") == 0)
		return 0;
	struct hier h[32];
	int nh = hierarchies(h, 32), r = 0;
	for (int i = 0; i < nh; i++) {
		char dir[1200];
		snprintf(dir, sizeof dir, "%s%s", h[i].mnt, path);
		if (access(dir, F_OK) < 0)
			continue;
		/* a frozen cgroup's tasks cannot die: thaw it first */
		write_file(dir, "freezer.state", "THAWED");
		for (int tries = 0; tries < 500; tries++) {
			if (rmdir(dir) == 0 || errno == ENOENT)
				break;
			if (errno != EBUSY) {
				r = -1;
				break;
			}
			signal_dir(dir, SIGKILL);
			struct timespec ts = {0, 2 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
	}
	return r;
}
