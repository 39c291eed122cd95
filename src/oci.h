/* oci.h: lamina as an OCI runtime (lamina-oci).  struct lm_oci is one container as its bundle's
 * config.json describes it (cmd/oci_config.c fills it; every field it cannot honour is an error
 * there); the files src/oci_*.c make it real:
 *   oci_create.c  the container's init: namespaces (new, or joined by path), then waits for
 *                 `start`, then becomes the container's process (pid 1 of its pid namespace,
 *                 as under runc and crun);
 *   oci_mount.c   its root: config.json's mounts, devices, masked and read-only paths,
 *                 pivot_root;
 *   oci_cgroup.c  linux.resources through the container's cgroups;
 *   oci_exec.c    `exec`: a process that joins a running container's namespaces;
 *   oci_process.c what every container process does last: rlimits, ids, capabilities,
 *                 no_new_privs, lamina's seccomp layer (the config's linux.seccomp stacked on
 *                 lamina's built-in hardening), execve.
 * The runtime process itself does not stay: `create` returns once the init waits for `start`,
 * and the caller (conmon, containerd's shim) is the subreaper that reaps it. */
#ifndef LAMINA_OCI_H
#define LAMINA_OCI_H

#include "lamina.h"

#include <sys/types.h>

enum lm_oci_ns {
	LM_OCI_NS_USER,
	LM_OCI_NS_MOUNT,
	LM_OCI_NS_PID,
	LM_OCI_NS_NET,
	LM_OCI_NS_IPC,
	LM_OCI_NS_UTS,
	LM_OCI_NS_CGROUP,
	LM_OCI_NS_TIME,
	LM_OCI_NNS
};
const char *lm_oci_ns_name(enum lm_oci_ns ns); /* "pid", "network", ... as config.json */
const char *lm_oci_ns_proc(enum lm_oci_ns ns); /* "pid", "net", ... as /proc/PID/ns/ */
int lm_oci_ns_flag(enum lm_oci_ns ns);	       /* CLONE_NEWPID, ... */

struct lm_oci_mount {
	char *dst, *src, *type;
	unsigned long flags;   /* MS_* set by the options */
	unsigned long prop;    /* MS_PRIVATE, MS_SLAVE, ... | MS_REC, or 0 */
	bool bind, rbind;      /* a bind mount (type "bind" or a bind/rbind option) */
	bool ro_given;	       /* "ro" among the options */
	unsigned long recattr; /* MOUNT_ATTR_* to set recursively (rro, rnosuid, ...) */
	char *data;	       /* the options that are not flags, comma-separated */
};

struct lm_oci_device {
	char *path;
	char type; /* 'c', 'b', 'u', 'p' */
	unsigned major, minor;
	bool mode_set, uid_set, gid_set;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

struct lm_oci_hook {
	char *path;
	char **args; /* NULL-terminated, may be NULL */
	char **env;
	int timeout; /* seconds, 0: none */
};
enum lm_oci_hook_kind {
	LM_OCI_HOOK_PRESTART,
	LM_OCI_HOOK_CREATE_RUNTIME,
	LM_OCI_HOOK_CREATE_CONTAINER,
	LM_OCI_HOOK_START_CONTAINER,
	LM_OCI_HOOK_POSTSTART,
	LM_OCI_HOOK_POSTSTOP,
	LM_OCI_NHOOKS
};

struct lm_oci_rlimit {
	int resource;
	rlim_t soft, hard;
};

/* One process: the container's own (config.json's process) or an exec'd one. */
struct lm_oci_process {
	char **args, **env; /* NULL-terminated */
	char *cwd;
	uid_t uid;
	gid_t gid;
	gid_t *gids;
	size_t ngids;
	bool umask_set;
	mode_t umask;
	bool terminal;
	unsigned short rows, cols; /* consoleSize, 0: not given */
	bool caps_given;	   /* process.capabilities present: else every set is empty */
	uint64_t caps[5];	   /* bounding, effective, inheritable, permitted, ambient */
	bool nnp;
	struct lm_oci_rlimit *rlimits;
	size_t nrlimits;
	bool oom_set;
	int oom_score_adj;
};
enum {
	LM_CAPS_BOUNDING,
	LM_CAPS_EFFECTIVE,
	LM_CAPS_INHERITABLE,
	LM_CAPS_PERMITTED,
	LM_CAPS_AMBIENT
};

/* linux.resources (src/oci_cgroup.c); "set" flags say what was given. */
struct lm_oci_devrule {
	bool allow;
	char type;		/* 'a', 'c', 'b' */
	long long major, minor; /* -1: any */
	char access[4];
};
struct lm_oci_throttle {
	long long major, minor;
	uint64_t rate;
};
struct lm_oci_resources {
	bool mem_limit_set, mem_res_set, mem_swap_set, mem_kernel_set, mem_ktcp_set, swappiness_set,
	    oom_disable;
	int64_t mem_limit, mem_res, mem_swap, mem_kernel, mem_ktcp;
	uint64_t swappiness;
	bool shares_set, quota_set, period_set, rt_runtime_set, rt_period_set;
	uint64_t shares, period, rt_period;
	int64_t quota, rt_runtime;
	char *cpus, *mems;
	bool pids_set;
	int64_t pids;
	bool weight_set, leaf_weight_set;
	unsigned weight, leaf_weight;
	struct lm_oci_throttle *wdev; /* weightDevice: rate is weight, minor/major */
	unsigned *wdev_leaf;
	size_t nwdev;
	struct lm_oci_throttle *thr[4]; /* read bps, write bps, read iops, write iops */
	size_t nthr[4];
	struct {
		char *size;
		uint64_t limit;
	} * huge;
	size_t nhuge;
	bool classid_set;
	uint32_t classid;
	char *prio; /* "eth0 5\nlo 1" for net_prio.ifpriomap, NULL: none */
	struct lm_oci_devrule *dev;
	size_t ndev;
};

struct lm_oci {
	char *id;
	char *bundle; /* absolute */
	char *rootfs; /* absolute */
	bool root_ro;
	char *hostname, *domainname;
	bool hostname_set, domainname_set;
	struct lm_oci_mount *mounts;
	size_t nmounts;
	bool ns_new[LM_OCI_NNS];
	char *ns_path[LM_OCI_NNS];
	struct lm_idmap *uid_map, *gid_map;
	size_t nuid_map, ngid_map;
	char **masked, **ropaths; /* NULL-terminated, may be NULL */
	char **sysctl;		  /* key, value, key, value, ..., NULL */
	struct lm_oci_device *devices;
	size_t ndevices;
	unsigned long propagation; /* rootfsPropagation: MS_* | MS_REC, 0: rslave */
	struct lm_oci_process proc;
	struct lm_oci_hook *hooks[LM_OCI_NHOOKS];
	size_t nhooks[LM_OCI_NHOOKS];
	char *cgroups_path;   /* NULL: none given */
	bool resources_given; /* linux.resources present */
	struct lm_oci_resources res;
	char *annotations_json; /* the annotations object as JSON, for state */
	/* lamina's own layers: the seccomp policy (linux.seccomp, or none: the built-in
	 * hardening alone) lives here, for lm_seccomp_prepare and lm_seccomp_apply */
	struct lm_config lc;
};
void lm_oci_free(struct lm_oci *o);
void lm_oci_process_free(struct lm_oci_process *p);

/* ---- the container's state, as the runtime keeps it between its invocations ---------- */
struct lm_oci_state {
	pid_t pid;
	unsigned long long start; /* the pid's start time (/proc/PID/stat field 22) */
	char dir[4096];		  /* the container's state directory */
	char cgroup[1024];	  /* the cgroup path made for it ("" none) */
};

/* oci_create.c: create the container: its init waits for `start` on a socket in state_dir
 * (start.sock) once the root is built.  Returns the init's pid (in the caller's pid
 * namespace); console_socket: the path the pty's master is sent to when process.terminal.
 * preserve: fds 3..3+preserve-1 stay open in the container process.  hook_state is the JSON
 * state the hooks get on stdin. */
struct lm_oci_create {
	char cgroup[1024]; /* out: the cgroup made for the container, "" none */
	const char *state_dir;
	const char *console_socket;
	int preserve_fds;
	const char *hook_state; /* without "status"/"pid": filled in */
};
pid_t lm_oci_create(struct lm_oci *o, struct lm_oci_create *a, struct lm_err *e);
/* The state JSON the hooks get on stdin (and `state` prints): malloc'd, NULL: no memory. */
char *lm_oci_state_json(const struct lm_oci *o, const char *status, pid_t pid);
/* `start`: tell the init in state_dir to run the container process; returns once it has
 * exec'd (0) or failed (-1, its message in e). */
int lm_oci_start(const char *state_dir, struct lm_err *e);
/* Is the init still waiting for `start`? */
bool lm_oci_waiting(const char *state_dir);
/* Run hooks of one kind with the state JSON on their stdin; the first failure stops it. */
int lm_oci_run_hooks(const struct lm_oci *o, enum lm_oci_hook_kind k, const char *state_json,
		     struct lm_err *e);

/* oci_mount.c: the container's root, in init (its new mount namespace), before pivot_root;
 * then the rest after it.  */
int lm_oci_rootfs_prepare(const struct lm_oci *o, const char *cgroup, struct lm_err *e);
int lm_oci_rootfs_finish(const struct lm_oci *o, struct lm_err *e);

/* oci_cgroup.c: make the container's cgroups (path from cgroupsPath, or
 * /lamina-oci/ID) with its limits; put pid in them; remove them (killing what is left). */
int lm_oci_cgroup_setup(const struct lm_oci *o, char *path, size_t n, struct lm_err *e);
int lm_oci_cgroup_enter(const char *path, pid_t pid, struct lm_err *e);
int lm_oci_cgroup_remove(const char *path);
/* Signal every process of the container's cgroup (kill --all). */
int lm_oci_cgroup_kill(const char *path, int sig);
bool lm_oci_cgroup_wanted(const struct lm_oci *o);

/* oci_process.c: become the container's process (never returns on success; -1 and e on
 * failure).  c: lamina's config (its seccomp policy, prepared). */
int lm_oci_exec_process(const struct lm_oci_process *p, const struct lm_config *c, int preserve_fds,
			struct lm_err *e);
/* Is process.args[0] an executable file in the root (found in the process's PATH when it
 * has no '/')?  Checked at create, as runc and crun do, so that the caller learns of a missing
 * command (exit code 127, 126 for one that is not executable) before `start`. */
int lm_oci_check_executable(const struct lm_oci_process *p, struct lm_err *e);
/* The pty of a terminal process: open it in the container's devpts, make it the controlling
 * terminal and fds 0-2; *master receives the master's fd. */
int lm_oci_setup_tty(const struct lm_oci_process *p, int *master, struct lm_err *e);
/* Send fd over the unix socket at path (the console socket). */
int lm_oci_send_console(const char *path, int fd, struct lm_err *e);

/* oci_exec.c: `exec`: process p in the running container whose init is pid; returns the
 * process's pid (detach) or its exit status (wait), -1 on failure. */
struct lm_oci_execargs {
	pid_t pid;
	const char *cgroup;
	const char *console_socket;
	const char *pid_file;
	bool detach;
	int preserve_fds;
};
int lm_oci_exec(const struct lm_oci_process *p, const struct lm_config *c,
		const struct lm_oci_execargs *a, struct lm_err *e);

#endif
