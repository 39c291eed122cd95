/* Internal to src/cgroup.c and its unit tests (tests/unit/test_cgroup.c): the cgroup layout of
 * the host, the files a launch writes, and one launch's cgroup, each usable against a
 * hierarchy of plain files in a temporary directory. */
#ifndef LAMINA_CGROUP_INTERNAL_H
#define LAMINA_CGROUP_INTERNAL_H

#include "lamina.h"

/* The controllers lamina uses.  cpuacct (v1 only) and memory, where the caller may use them,
 * also measure a sandbox that asked for no limit of theirs. */
enum lm_cg_ctrl { LM_CG_MEMORY, LM_CG_PIDS, LM_CG_CPU, LM_CG_CPUACCT, LM_CG_IO, LM_CG_NCTRL };
const char *lm_cg_ctrl_name(unsigned ctrl, bool v2); /* "blkio" / "io"; NULL: none on v2 */

#define LM_CG_PATH 1024
struct lm_cg_hier {
	bool present;
	char mount[LM_CG_PATH]; /* where the hierarchy is mounted */
	char own[LM_CG_PATH];	/* the caller's own cgroup in it, a directory under mount */
};
/* Where each hierarchy is, as this process sees it. */
struct lm_cg_layout {
	struct lm_cg_hier v2;		   /* the unified hierarchy */
	struct lm_cg_hier v1[LM_CG_NCTRL]; /* the v1 hierarchy each controller is mounted in */
	char v2_controllers[256]; /* the controllers the v2 root offers (cgroup.controllers) */
};
/* Fill l from the text of /proc/self/cgroup and /proc/self/mountinfo (v2_controllers is left
 * for the caller to read).  -1: neither text names a cgroup hierarchy lamina can use. */
int lm_cg_parse_layout(const char *proc_cgroup, const char *mountinfo, struct lm_cg_layout *l);

/* One file to write in the sandbox's cgroup. */
struct lm_cg_write {
	unsigned ctrl; /* the controller whose hierarchy holds it */
	char file[48];
	char value[96];
	bool optional;	  /* an implicit setting: skipped where the file does not exist */
	const char *what; /* the request it serves, for messages */
	const char *hint; /* how to get the file when it is missing, or NULL */
};
#define LM_CG_MAX_WRITES (12 + 2 * LM_MAX_IO_LIMITS)
/* The files to write for r, each controller on v2 or v1 as on_v2[ctrl] says, in the order they
 * must be written.  *n receives the count.  Devices are resolved here (a path must be a block
 * device; MAJ:MIN is taken as it is). */
int lm_cg_plan(const struct lm_resources *r, const bool on_v2[LM_CG_NCTRL], struct lm_cg_write *w,
	       size_t *n, struct lm_err *e);

/* A sandbox's cgroup is named after its supervisor: sb-PID-STARTTIME-PIDNS (the pid, its start
 * time in clock ticks since boot as /proc/PID/stat field 22, and the inode of its pid
 * namespace).  The leaf an unprivileged supervisor moves itself into is sup-PID-.... */
void lm_cg_name(char *buf, size_t n, const char *prefix, pid_t pid, unsigned long long start,
		unsigned long long pidns);
/* Is NAME (a child of lamina's parent cgroup) one of lamina's, and is its supervisor gone?
 * Only a supervisor of this pid namespace can be judged. */
bool lm_cg_name_is_stale(const char *name);

/* One launch's cgroup: one directory per hierarchy it uses. */
struct lm_cg_dir {
	bool v2;
	unsigned ctrls;		 /* bits (1 << LM_CG_*) of the controllers it holds */
	bool required;		 /* it holds a controller a limit needs (not only measuring) */
	char parent[LM_CG_PATH]; /* lamina's parent cgroup */
	char path[LM_CG_PATH];	 /* the sandbox's cgroup */
	bool made;
};
struct lm_cg_launch {
	struct lm_cg_layout layout;
	bool fake; /* unit tests: layout given, a hierarchy of plain files (see cgroup.c) */
	struct lm_cg_dir dir[LM_CG_NCTRL + 1];
	unsigned ndir;
	int ctrl_dir[LM_CG_NCTRL]; /* the directory holding each controller, -1: not used */
	char name[80];
	int v2_fd; /* the v2 directory, for CLONE_INTO_CGROUP; -1 */
	/* unprivileged on v2: the supervisor moved itself into leaf, out of own (its cgroup), so
	 * that own could hand the controllers in enabled to the sandbox's cgroup */
	bool moved;
	char leaf[LM_CG_PATH];
	char enabled[64]; /* the controllers it enabled in own, "+memory +pids" */
	uint64_t memory;  /* the memory limit, for the OOM line */
};
/* Detect (unless g->fake), check, clean up stale cgroups, create the sandbox's cgroup and
 * write its limits.  root: the caller is root (a parent of lamina's own at the top of each
 * hierarchy); otherwise its delegated cgroup v2.  With create false, only say whether it could
 * be done (nothing is created, written or removed). */
int lm_cg_setup(struct lm_cg_launch *g, const struct lm_resources *r, bool root, bool create,
		struct lm_err *e);
/* Put a process into the sandbox's v1 hierarchies (v2: it was cloned into it). */
int lm_cg_enter(struct lm_cg_launch *g, pid_t pid, struct lm_err *e);
/* What the cgroup measured (before lm_cg_remove). */
void lm_cg_measure(const struct lm_cg_launch *g, struct lm_resources_status *st);
/* Kill what is left in the sandbox's cgroup, remove it, undo the supervisor's move. */
void lm_cg_remove(struct lm_cg_launch *g);
#endif
