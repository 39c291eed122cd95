/* Unit tests of the resources layer's path and file logic (src/cgroup.c): the layout read from
 * /proc/self/cgroup and mountinfo texts (hybrid, unified, a container's, escaped paths), the
 * files and values written for cgroup v1 and v2, the names and the staleness of a dead
 * supervisor's cgroup, and whole set-ups and removals against hierarchies of plain files in a
 * temporary directory: root on v1, root on v2, an unprivileged caller's delegated v2 cgroup,
 * and each refusal with its message.  No privilege and no real cgroup are needed; the real
 * hierarchies are tested by tests/cgroup.bats. */
#include "cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static char tmp[] = "/tmp/lamina-unit-cgroup-XXXXXX";

static void mkdirs(const char *fmt, const char *a)
{
	char p[1024];
	snprintf(p, sizeof p, fmt, tmp, a);
	if (mkdir(p, 0755) < 0 && errno != EEXIST) {
		perror(p);
		exit(2);
	}
}

static void put(const char *dir, const char *file, const char *text)
{
	char p[2048];
	snprintf(p, sizeof p, "%s/%s", dir, file);
	FILE *f = fopen(p, "we");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(p);
		exit(2);
	}
}

/* The content of DIR/FILE ("" when missing). */
static const char *get(const char *dir, const char *file)
{
	static char buf[4096];
	char p[2048];
	snprintf(p, sizeof p, "%s/%s", dir, file);
	buf[0] = '\0';
	FILE *f = fopen(p, "re");
	if (f) {
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		buf[n] = '\0';
		fclose(f);
	}
	return buf;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* ---- the layout -------------------------------------------------------------------------- */
static void test_layout(void)
{
	struct lm_cg_layout l;
	/* these machines: v1 memory, pids, cpu, cpuacct, blkio; v2 at /sys/fs/cgroup/unified */
	const char *cg = "9:name=systemd:/\n8:pids:/\n7:blkio:/\n5:devices:/\n"
			 "4:memory:/process_api/d00\n2:cpuacct:/\n1:cpu:/\n0::/\n";
	const char *mi =
	    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
	    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	    "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
	    "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
	    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
	    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
	CHECK(lm_cg_parse_layout(cg, mi, &l) == 0, "hybrid layout parsed");
	CHECK(l.v1[LM_CG_MEMORY].present &&
		  !strcmp(l.v1[LM_CG_MEMORY].own, "/sys/fs/cgroup/memory/process_api/d00"),
	      "memory: own cgroup %s", l.v1[LM_CG_MEMORY].own);
	CHECK(!strcmp(l.v1[LM_CG_PIDS].own, "/sys/fs/cgroup/pids"), "pids at the root: %s",
	      l.v1[LM_CG_PIDS].own);
	CHECK(!strcmp(l.v1[LM_CG_CPU].mount, "/sys/fs/cgroup/cpu") &&
		  !strcmp(l.v1[LM_CG_CPUACCT].mount, "/sys/fs/cgroup/cpuacct"),
	      "cpu and cpuacct apart: %s %s", l.v1[LM_CG_CPU].mount, l.v1[LM_CG_CPUACCT].mount);
	CHECK(!strcmp(l.v1[LM_CG_IO].mount, "/sys/fs/cgroup/blkio"), "blkio: %s",
	      l.v1[LM_CG_IO].mount);
	CHECK(l.v2.present && !strcmp(l.v2.own, "/sys/fs/cgroup/unified"), "v2: %s", l.v2.own);

	/* unified (systemd), a user's scope */
	cg = "0::/user.slice/user-1000.slice/user@1000.service/app.slice/run-r1.scope\n";
	mi = "25 30 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 "
	     "cgroup2 rw,nsdelegate,memory_recursiveprot\n";
	CHECK(lm_cg_parse_layout(cg, mi, &l) == 0, "unified layout parsed");
	CHECK(!strcmp(l.v2.own, "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/"
				"app.slice/run-r1.scope"),
	      "v2 own: %s", l.v2.own);
	for (unsigned c = 0; c < LM_CG_NCTRL; c++)
		CHECK(!l.v1[c].present, "no v1 %s on a unified host", lm_cg_ctrl_name(c, false));

	/* co-mounted cpu,cpuacct; a mount point with a blank (\040); a mount showing a subtree */
	cg = "3:cpu,cpuacct:/box/a\n2:memory:/box/a\n";
	mi = "50 1 0:40 /box /cg\\040x/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
	     "51 1 0:41 /other /cg/memory rw - cgroup cgroup rw,memory\n"
	     "52 1 0:41 /box /cg/memory2 rw - cgroup cgroup rw,memory\n";
	CHECK(lm_cg_parse_layout(cg, mi, &l) == 0, "container layout parsed");
	CHECK(!strcmp(l.v1[LM_CG_CPU].own, "/cg x/cpu,cpuacct/a") &&
		  !strcmp(l.v1[LM_CG_CPUACCT].own, "/cg x/cpu,cpuacct/a"),
	      "co-mounted, unescaped, below the mount's root: %s", l.v1[LM_CG_CPU].own);
	CHECK(!strcmp(l.v1[LM_CG_MEMORY].own, "/cg/memory2/a"),
	      "the mount that shows our cgroup, not another part: %s", l.v1[LM_CG_MEMORY].own);
	CHECK(!l.v2.present, "no v2");

	/* "cpu" is not "cpuset"; nothing usable at all */
	cg = "1:cpuset:/\n";
	mi = "60 1 0:50 / /cs rw - cgroup cgroup rw,cpuset\n";
	CHECK(lm_cg_parse_layout(cg, mi, &l) < 0 && !l.v1[LM_CG_CPU].present,
	      "cpuset is not cpu; no usable hierarchy is -1");
	CHECK(lm_cg_parse_layout("", "", &l) < 0, "empty texts are -1");
}

/* ---- the files written -------------------------------------------------------------------- */
static const struct lm_cg_write *find(const struct lm_cg_write *w, size_t n, const char *file)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(w[i].file, file))
			return &w[i];
	return NULL;
}

#define WANT(file_, value_)                                                                        \
	do {                                                                                       \
		const struct lm_cg_write *x_ = find(w, n, file_);                                  \
		CHECK(x_ && !strcmp(x_->value, value_), "%s: expected '%s', got '%s'", file_,      \
		      value_, x_ ? x_->value : "(not written)");                                   \
	} while (0)

static void test_plan(void)
{
	struct lm_cg_write w[LM_CG_MAX_WRITES];
	size_t n;
	struct lm_err e = {0};
	struct lm_resources r = {.memory = 64 << 20,
				 .pids = 20,
				 .cpu_quota = 20000,
				 .cpu_weight = 200,
				 .io_weight = 50,
				 .nio = 1};
	snprintf(r.io[0].device, sizeof r.io[0].device, "254:0");
	r.io[0].rbps = 1 << 20;
	bool v1[LM_CG_NCTRL] = {0}, v2[LM_CG_NCTRL] = {true, true, true, false, true};

	CHECK(lm_cg_plan(&r, v2, w, &n, &e) == 0, "v2 plan: %s", e.msg);
	WANT("memory.max", "67108864");
	WANT("memory.swap.max", "0");
	CHECK(find(w, n, "memory.swap.max")->optional, "an implicit swap limit is optional");
	WANT("pids.max", "21");
	WANT("cpu.max", "20000 100000");
	WANT("cpu.weight", "200");
	WANT("io.weight", "default 50");
	WANT("io.max", "254:0 rbps=1048576 wbps=max");
	CHECK(find(w, n, "memory.max") < find(w, n, "memory.swap.max"), "memory before swap");

	CHECK(lm_cg_plan(&r, v1, w, &n, &e) == 0, "v1 plan: %s", e.msg);
	WANT("memory.limit_in_bytes", "67108864");
	WANT("memory.memsw.limit_in_bytes", "67108864");
	WANT("pids.max", "21");
	WANT("cpu.cfs_period_us", "100000");
	WANT("cpu.cfs_quota_us", "20000");
	WANT("cpu.shares", "2048");
	WANT("blkio.weight", "250");
	WANT("blkio.throttle.read_bps_device", "254:0 1048576");
	CHECK(!find(w, n, "blkio.throttle.write_bps_device"), "no write limit asked, none written");
	CHECK(find(w, n, "memory.limit_in_bytes") < find(w, n, "memory.memsw.limit_in_bytes"),
	      "v1: memory before memory+swap (memsw may never be below it)");
	CHECK(find(w, n, "cpu.cfs_period_us") < find(w, n, "cpu.cfs_quota_us"), "period first");

	/* explicit swap: required, v1 counts memory+swap together */
	r.memory_swap_set = true;
	r.memory_swap = 32 << 20;
	CHECK(lm_cg_plan(&r, v1, w, &n, &e) == 0, "v1 swap plan");
	WANT("memory.memsw.limit_in_bytes", "100663296");
	CHECK(!find(w, n, "memory.memsw.limit_in_bytes")->optional,
	      "an asked swap limit is required");
	CHECK(lm_cg_plan(&r, v2, w, &n, &e) == 0, "v2 swap plan");
	WANT("memory.swap.max", "33554432");
	r.memory_swap = UINT64_MAX;
	CHECK(lm_cg_plan(&r, v1, w, &n, &e) == 0 && !find(w, n, "memory.memsw.limit_in_bytes"),
	      "v1: unlimited swap writes nothing (the default)");
	CHECK(lm_cg_plan(&r, v2, w, &n, &e) == 0, "v2 unlimited swap");
	WANT("memory.swap.max", "max");

	/* weights at the edges of v1's ranges */
	struct lm_resources q = {.cpu_weight = 1, .io_weight = 10000};
	CHECK(lm_cg_plan(&q, v1, w, &n, &e) == 0, "v1 edge weights");
	WANT("cpu.shares", "10");
	WANT("blkio.weight", "1000");
	q.io_weight = 1;
	CHECK(lm_cg_plan(&q, v1, w, &n, &e) == 0, "v1 low io weight");
	WANT("blkio.weight", "10");

	/* refusals */
	struct lm_resources s = {.memory_swap_set = true, .memory_swap = 0};
	CHECK(lm_cg_plan(&s, v2, w, &n, &e) < 0 &&
		  strstr(e.msg, "a swap limit needs a memory limit"),
	      "swap without memory: %s", e.msg);
	struct lm_resources d = {.nio = 1};
	snprintf(d.io[0].device, sizeof d.io[0].device, "/dev/null");
	d.io[0].wbps = 1;
	CHECK(lm_cg_plan(&d, v2, w, &n, &e) < 0 &&
		  !strcmp(e.msg, "resources: I/O limit on /dev/null: not a block device"),
	      "a character device: %s", e.msg);
	snprintf(d.io[0].device, sizeof d.io[0].device, "/nonexistent/disk");
	CHECK(lm_cg_plan(&d, v2, w, &n, &e) < 0 &&
		  !strcmp(e.msg,
			  "resources: I/O limit on /nonexistent/disk: No such file or directory"),
	      "a missing device: %s", e.msg);
}

/* ---- names -------------------------------------------------------------------------------- */
static unsigned long long self_start(void)
{
	char buf[1024];
	FILE *f = fopen("/proc/self/stat", "re");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	char *s = strrchr(buf, ')');
	unsigned long long v = 0;
	for (int field = 2; s && *s; s++)
		if (*s == ' ' && ++field == 22) {
			v = strtoull(s + 1, NULL, 10);
			break;
		}
	return v;
}

static unsigned long long self_ns(void)
{
	struct stat st;
	return stat("/proc/self/ns/pid", &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

static pid_t dead_pid(void)
{
	pid_t p = fork();
	if (p == 0)
		_exit(0);
	waitpid(p, NULL, 0);
	return p;
}

static void test_names(void)
{
	char n[80];
	unsigned long long start = self_start(), ns = self_ns();
	lm_cg_name(n, sizeof n, "sb", getpid(), start, ns);
	CHECK(!lm_cg_name_is_stale(n), "our own cgroup is not stale: %s", n);
	lm_cg_name(n, sizeof n, "sup", getpid(), start, ns);
	CHECK(!lm_cg_name_is_stale(n), "our own leaf is not stale: %s", n);
	lm_cg_name(n, sizeof n, "sb", getpid(), start + 1, ns);
	CHECK(lm_cg_name_is_stale(n), "our pid with another start time (a reused pid) is stale");
	lm_cg_name(n, sizeof n, "sb", dead_pid(), 1, ns);
	CHECK(lm_cg_name_is_stale(n), "a dead supervisor's cgroup is stale: %s", n);
	/* a zombie nobody reaped yet: its pid and start time are still there, it is dead all the
	 * same (a SIGKILLed supervisor whose parent does not reap) */
	pid_t z = fork();
	if (z == 0)
		_exit(0);
	char zp[64];
	snprintf(zp, sizeof zp, "/proc/%d/stat", (int)z);
	unsigned long long zstart = 0;
	for (int i = 0; i < 1000; i++) {
		char buf[1024] = "";
		FILE *f = fopen(zp, "re");
		size_t len = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
		if (f)
			fclose(f);
		buf[len] = '\0';
		char *s = strrchr(buf, ')');
		if (s && s[2] == 'Z') {
			for (int field = 2; *s; s++)
				if (*s == ' ' && ++field == 22) {
					zstart = strtoull(s + 1, NULL, 10);
					break;
				}
			break;
		}
		usleep(1000);
	}
	lm_cg_name(n, sizeof n, "sb", z, zstart, ns);
	CHECK(zstart && lm_cg_name_is_stale(n), "an unreaped (zombie) supervisor is dead: %s", n);
	waitpid(z, NULL, 0);
	lm_cg_name(n, sizeof n, "sb", dead_pid(), 1, ns + 1);
	CHECK(!lm_cg_name_is_stale(n), "another pid namespace's is not ours to judge");
	static const char *const foreign[] = {"lamina",	   "sb-1",	 "sb-x-1-1", "xx-1-1-1",
					      "sb-1-1-1x", "user.slice", "sb--1-1-1"};
	for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++)
		CHECK(!lm_cg_name_is_stale(foreign[i]), "'%s' is not one of lamina's", foreign[i]);
}

/* ---- whole set-ups against hierarchies of plain files ------------------------------------ */
static struct lm_cg_launch *launch_for(const char *cg, const char *mountinfo)
{
	struct lm_cg_launch *g = calloc(1, sizeof *g);
	if (!g)
		exit(2);
	g->fake = true;
	g->v2_fd = -1;
	CHECK(lm_cg_parse_layout(cg, mountinfo, &g->layout) == 0, "fake layout parsed");
	return g;
}

static void test_root_v1(void)
{
	char cg[256], mi[2048], p[1024];
	mkdirs("%s/v1%s", "");
	for (const char *const *d =
		 (const char *const[]){"memory", "pids", "cpu,cpuacct", "blkio", NULL};
	     *d; d++)
		mkdirs("%s/v1/%s", *d);
	snprintf(cg, sizeof cg, "5:memory:/\n4:pids:/\n3:cpu,cpuacct:/\n2:blkio:/\n");
	snprintf(mi, sizeof mi,
		 "1 0 0:1 / %s/v1/memory rw - cgroup cgroup rw,memory\n"
		 "2 0 0:2 / %s/v1/pids rw - cgroup cgroup rw,pids\n"
		 "3 0 0:3 / %s/v1/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
		 "4 0 0:4 / %s/v1/blkio rw - cgroup cgroup rw,blkio\n",
		 tmp, tmp, tmp, tmp);
	/* a stale cgroup (dead supervisor), a live one (ours), and one that is not lamina's */
	unsigned long long ns = self_ns();
	char stale[80], live[80];
	lm_cg_name(stale, sizeof stale, "sb", dead_pid(), 7, ns);
	lm_cg_name(live, sizeof live, "sb", getpid(), self_start(), ns + 0);
	mkdirs("%s/v1/pids/lamina%s", "");
	snprintf(p, sizeof p, "/%s", stale);
	mkdirs("%s/v1/pids/lamina%s", p);
	snprintf(p, sizeof p, "%s/v1/pids/lamina/%s", tmp, stale);
	put(p, "pids.max", "5\n");
	mkdirs("%s/v1/pids/lamina/%s", "someone-else");

	struct lm_cg_launch *g = launch_for(cg, mi);
	struct lm_resources r = {.memory = 64 << 20, .pids = 20, .cpu_quota = 20000, .nio = 1};
	snprintf(r.io[0].device, sizeof r.io[0].device, "254:0");
	r.io[0].wbps = 2 << 20;
	struct lm_err e = {0};
	CHECK(lm_cg_setup(g, &r, true, true, &e) == 0, "root v1 set-up: %s", e.msg);
	snprintf(p, sizeof p, "%s/v1/pids/lamina/%s", tmp, stale);
	CHECK(!exists(p), "the stale cgroup of a dead supervisor was removed");
	snprintf(p, sizeof p, "%s/v1/pids/lamina/someone-else", tmp);
	CHECK(exists(p), "a cgroup that is not lamina's stays");
	CHECK(g->ndir == 4, "one directory per hierarchy (cpu and cpuacct share one): %u", g->ndir);
	CHECK(g->ctrl_dir[LM_CG_CPU] == g->ctrl_dir[LM_CG_CPUACCT] && g->ctrl_dir[LM_CG_CPU] >= 0,
	      "cpu and cpuacct in the same directory");
	const char *mem = g->dir[g->ctrl_dir[LM_CG_MEMORY]].path;
	snprintf(p, sizeof p, "%s/v1/memory/lamina/%s", tmp, g->name);
	CHECK(!strcmp(mem, p), "memory cgroup at %s (want %s)", mem, p);
	CHECK(!strcmp(g->name, live), "named after the supervisor: %s (want %s)", g->name, live);
	CHECK(!strcmp(get(mem, "memory.limit_in_bytes"), "67108864"), "memory limit written: %s",
	      get(mem, "memory.limit_in_bytes"));
	const char *pd = g->dir[g->ctrl_dir[LM_CG_PIDS]].path;
	CHECK(!strcmp(get(pd, "pids.max"), "21"), "pids.max: %s", get(pd, "pids.max"));
	const char *cd = g->dir[g->ctrl_dir[LM_CG_CPU]].path;
	CHECK(!strcmp(get(cd, "cpu.cfs_quota_us"), "20000"), "quota: %s",
	      get(cd, "cpu.cfs_quota_us"));
	const char *bd = g->dir[g->ctrl_dir[LM_CG_IO]].path;
	CHECK(!strcmp(get(bd, "blkio.throttle.write_bps_device"), "254:0 2097152"), "blkio: %s",
	      get(bd, "blkio.throttle.write_bps_device"));
	CHECK(g->v2_fd < 0, "no v2 directory to clone into on v1");
	CHECK(lm_cg_enter(g, 4242, &e) == 0, "enter: %s", e.msg);
	for (unsigned i = 0; i < g->ndir; i++)
		CHECK(!strcmp(get(g->dir[i].path, "cgroup.procs"), "4242"),
		      "init's pid in %s: '%s'", g->dir[i].path,
		      get(g->dir[i].path, "cgroup.procs"));
	put(mem, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
	put(mem, "memory.max_usage_in_bytes", "1234567\n");
	put(cd, "cpuacct.usage", "2500000000\n");
	struct lm_resources_status st;
	lm_cg_measure(g, &st);
	CHECK(st.measured && st.oom_kills == 2 && st.have_memory_peak &&
		  st.memory_peak == 1234567 && st.have_cpu && st.cpu_usec == 2500000,
	      "measured: oom %u peak %llu cpu %llu", st.oom_kills,
	      (unsigned long long)st.memory_peak, (unsigned long long)st.cpu_usec);
	lm_cg_remove(g);
	for (unsigned i = 0; i < g->ndir; i++)
		CHECK(!exists(g->dir[i].path), "removed: %s", g->dir[i].path);
	snprintf(p, sizeof p, "%s/v1/memory/lamina", tmp);
	CHECK(exists(p), "lamina's parent stays, as a slice does");

	/* the same limits for an unprivileged caller: v1 is root's */
	CHECK(lm_cg_setup(g, &r, false, false, &e) < 0 &&
		  strstr(e.msg, "resources: the memory limit needs the memory controller, which is "
				"on cgroup v1 here: only root can use it") &&
		  strstr(e.msg, "systemd-run --user --scope -p Delegate=yes"),
	      "unprivileged on v1: %s", e.msg);
	/* a controller no hierarchy has */
	struct lm_cg_launch *h =
	    launch_for("5:memory:/\n", "1 0 0:1 / /x rw - cgroup cgroup rw,memory\n");
	struct lm_resources io = {.io_weight = 100};
	CHECK(lm_cg_setup(h, &io, true, false, &e) < 0 &&
		  strstr(e.msg,
			 "the I/O limit needs the blkio controller, which this host does not "
			 "offer"),
	      "no io controller: %s", e.msg);
	free(h);
	free(g);
}

static void test_root_v2(void)
{
	char cg[256], mi[1024], p[1024];
	mkdirs("%s/v2%s", "");
	snprintf(p, sizeof p, "%s/v2", tmp);
	put(p, "cgroup.controllers", "cpuset cpu io memory pids\n");
	put(p, "cgroup.subtree_control", "memory\n");
	snprintf(cg, sizeof cg, "0::/\n");
	snprintf(mi, sizeof mi, "1 0 0:1 / %s/v2 rw - cgroup2 cgroup2 rw\n", tmp);
	struct lm_cg_launch *g = launch_for(cg, mi);
	snprintf(g->layout.v2_controllers, sizeof g->layout.v2_controllers, "%s",
		 "cpuset cpu io memory pids\n");
	struct lm_resources r = {.memory = 1 << 30, .pids = 5, .cpu_weight = 300, .io_weight = 50};
	struct lm_err e = {0};
	CHECK(lm_cg_setup(g, &r, true, true, &e) == 0, "root v2 set-up: %s", e.msg);
	CHECK(g->ndir == 1 && g->dir[0].v2, "one v2 directory");
	const char *d = g->dir[0].path;
	snprintf(p, sizeof p, "%s/v2/lamina/%s", tmp, g->name);
	CHECK(!strcmp(d, p), "v2 cgroup %s", d);
	CHECK(!strcmp(get(d, "memory.max"), "1073741824") &&
		  !strcmp(get(d, "memory.swap.max"), "0") && !strcmp(get(d, "pids.max"), "6") &&
		  !strcmp(get(d, "cpu.weight"), "300") &&
		  !strcmp(get(d, "io.weight"), "default 50"),
	      "v2 values written");
	snprintf(p, sizeof p, "%s/v2", tmp);
	CHECK(!strcmp(get(p, "cgroup.subtree_control"), "memory\n +pids +cpu +io"),
	      "the root hands down what it did not yet (memory was): '%s'",
	      get(p, "cgroup.subtree_control"));
	snprintf(p, sizeof p, "%s/v2/lamina", tmp);
	CHECK(!strcmp(get(p, "cgroup.subtree_control"), " +memory +pids +cpu +io"),
	      "lamina's parent hands them down: '%s'", get(p, "cgroup.subtree_control"));
	CHECK(lm_cg_enter(g, 4242, &e) == 0 && !strcmp(get(d, "cgroup.procs"), ""),
	      "v2: init is cloned into it, nothing written");
	put(d, "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
	put(d, "memory.peak", "999\n");
	put(d, "cpu.stat", "usage_usec 4321\nuser_usec 4000\nsystem_usec 321\n");
	struct lm_resources_status st;
	lm_cg_measure(g, &st);
	CHECK(st.oom_kills == 1 && st.memory_peak == 999 && st.cpu_usec == 4321,
	      "v2 measured: oom %u peak %llu cpu %llu", st.oom_kills,
	      (unsigned long long)st.memory_peak, (unsigned long long)st.cpu_usec);
	lm_cg_remove(g);
	CHECK(!exists(d), "v2 cgroup removed");

	/* root, but the v2 root does not offer the controller */
	snprintf(g->layout.v2_controllers, sizeof g->layout.v2_controllers, "memory pids\n");
	struct lm_resources c = {.cpu_quota = 50000};
	CHECK(lm_cg_setup(g, &c, true, false, &e) < 0 &&
		  strstr(e.msg,
			 "the CPU limit needs the cpu controller, which this host does not offer"),
	      "no cpu controller on v2: %s", e.msg);
	free(g);
}

static void test_delegated(void)
{
	char cg[256], mi[1024], own[1024];
	mkdirs("%s/deleg%s", "");
	mkdirs("%s/deleg/user.slice%s", "");
	mkdirs("%s/deleg/user.slice/run-1.scope%s", "");
	snprintf(own, sizeof own, "%s/deleg/user.slice/run-1.scope", tmp);
	char self[32];
	snprintf(self, sizeof self, "%d\n", (int)getpid());
	put(own, "cgroup.procs", self);
	put(own, "cgroup.controllers", "memory pids\n");
	put(own, "cgroup.subtree_control", "");
	snprintf(cg, sizeof cg, "0::/user.slice/run-1.scope\n");
	snprintf(mi, sizeof mi, "1 0 0:1 / %s/deleg rw - cgroup2 cgroup2 rw\n", tmp);
	struct lm_cg_launch *g = launch_for(cg, mi);
	struct lm_resources r = {.memory = 256 << 20, .pids = 64};
	struct lm_err e = {0};
	CHECK(lm_cg_setup(g, &r, false, true, &e) == 0, "delegated set-up: %s", e.msg);
	CHECK(g->moved && strstr(g->leaf, "/run-1.scope/sup-"), "moved into a leaf: %s", g->leaf);
	char pid[32], back[64];
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	snprintf(back, sizeof back, "%s%s", self, pid);
	CHECK(!strcmp(get(g->leaf, "cgroup.procs"), pid), "lamina's pid in its leaf: '%s'",
	      get(g->leaf, "cgroup.procs"));
	CHECK(!strcmp(get(own, "cgroup.subtree_control"), " +memory +pids"),
	      "the delegated cgroup hands memory and pids down: '%s'",
	      get(own, "cgroup.subtree_control"));
	const char *d = g->dir[0].path;
	CHECK(g->ndir == 1 && strstr(d, "/run-1.scope/sb-") &&
		  !strcmp(get(d, "memory.max"), "268435456") && !strcmp(get(d, "pids.max"), "65"),
	      "the sandbox's cgroup inside the delegated one: %s", d);
	lm_cg_remove(g);
	CHECK(!exists(d) && !exists(g->leaf), "sandbox cgroup and leaf removed");
	CHECK(!strcmp(get(own, "cgroup.subtree_control"), " +memory +pids-memory -pids"),
	      "the controllers taken back: '%s'", get(own, "cgroup.subtree_control"));
	CHECK(!strcmp(get(own, "cgroup.procs"), back), "lamina back in its own cgroup: '%s'",
	      get(own, "cgroup.procs"));

	/* refusals, each with what is missing and how to get it */
	put(own, "cgroup.subtree_control", "");
	put(own, "cgroup.procs", "1\n");
	CHECK(lm_cg_setup(g, &r, false, false, &e) < 0 &&
		  strstr(e.msg, "needs lamina to be alone in its delegated cgroup") &&
		  strstr(e.msg, "systemd-run --user --scope -p Delegate=yes lamina run"),
	      "other processes: %s", e.msg);
	put(own, "cgroup.procs", self);
	struct lm_resources cpu = {.cpu_quota = 10000};
	CHECK(lm_cg_setup(g, &cpu, false, false, &e) < 0 &&
		  strstr(e.msg,
			 "the CPU limit needs the cpu controller, which is not delegated to") &&
		  strstr(e.msg, "(it offers: memory pids;"),
	      "controller not delegated: %s", e.msg);
	snprintf(g->layout.v2.own, sizeof g->layout.v2.own, "%s/deleg/user.slice", tmp);
	put(g->layout.v2.own, "cgroup.procs", self);
	put(g->layout.v2.own, "cgroup.controllers", "memory pids\n");
	char sc[1100];
	snprintf(sc, sizeof sc, "%s/cgroup.subtree_control", g->layout.v2.own);
	unlink(sc);
	CHECK(lm_cg_setup(g, &r, false, false, &e) < 0 &&
		  strstr(e.msg, "is not delegated (cgroup.subtree_control is not writable"),
	      "no subtree_control to write: %s", e.msg);
	if (geteuid() == 0) {
		snprintf(g->layout.v2.own, sizeof g->layout.v2.own, "%s", own);
		if (chown(own, 1, 1) == 0) {
			CHECK(lm_cg_setup(g, &r, false, false, &e) < 0 &&
				  strstr(e.msg, "none is delegated to uid 0") &&
				  strstr(e.msg, "belongs to uid 1"),
			      "someone else's cgroup: %s", e.msg);
			if (chown(own, 0, 0) < 0)
				perror("chown");
		}
	} else {
		printf("# as uid %u: the someone-else's-cgroup refusal needs root to chown "
		       "(checked as root)\n",
		       (unsigned)geteuid());
	}
	free(g);
}

int main(void)
{
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 2;
	}
	test_layout();
	test_plan();
	test_names();
	test_root_v1();
	test_root_v2();
	test_delegated();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmp);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
