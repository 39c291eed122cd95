/* lamina-oci: a bundle's config.json (runtime-spec 1.0 to 1.2) into struct lm_oci.  Every field
 * is either mapped or refused with an error naming it ("config.json: linux.intelRdt: not
 * supported by lamina-oci"): nothing is silently ignored.  Fields that ask for nothing (an
 * empty apparmorProfile, an empty list) are accepted. */
#include "oci_cmds.h"
#include "../src/profile_json.h"

#include <errno.h>
#include <stdio.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <linux/mount.h>

bool lm_oci_config_quiet;

struct cx {
	const char *file;
	char path[256];
	struct lm_err *e;
};

static size_t push(struct cx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t push(struct cx *x, const char *fmt, ...)
{
	size_t n = strlen(x->path);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->path + n, sizeof x->path - n, fmt, ap);
	va_end(ap);
	if (n == 0 && x->path[0] == '.')
		memmove(x->path, x->path + 1, strlen(x->path));
	return n;
}
static void pop(struct cx *x, size_t n)
{
	x->path[n] = '\0';
}
static int err(struct cx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int err(struct cx *x, const char *fmt, ...)
{
	char m[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	return lm_json_error(x->e, x->file, x->path, "%s", m);
}
static int unsupported(struct cx *x, const char *key, const char *why)
{
	size_t n = push(x, ".%s", key);
	int r = err(x, "not supported by lamina-oci%s%s", why ? ": " : "", why ? why : "");
	pop(x, n);
	return r;
}
static int nomem(struct cx *x)
{
	return lm_error(x->e, ENOMEM, "oci", "%s", x->file);
}

static int keys(struct cx *x, json_t *o, const char *const *allowed)
{
	if (!json_is_object(o))
		return err(x, "expected an object");
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		bool ok = false;
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = strcmp(*a, k) == 0;
		if (!ok) {
			/* runtime-spec, "Extensibility": a property the specification does not
			 * define is ignored (each one it defines is mapped or refused) */
			size_t n = push(x, ".%s", k);
			if (!lm_oci_config_quiet)
				fprintf(stderr,
					"lamina-oci: warning: %s: %s: not a runtime-spec property, "
					"ignored\n",
					x->file, x->path);
			pop(x, n);
		}
	}
	return 0;
}

/* Getters: each checks the type of o[key] (absent: *out unchanged, returns 0). */
static int get_str(struct cx *x, json_t *o, const char *key, char **out)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	size_t n = push(x, ".%s", key);
	if (!json_is_string(v))
		return err(x, "expected a string");
	pop(x, n);
	free(*out);
	*out = strdup(json_string_value(v));
	return *out ? 0 : nomem(x);
}
static int get_bool(struct cx *x, json_t *o, const char *key, bool *out)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return 0;
	size_t n = push(x, ".%s", key);
	if (!json_is_boolean(v))
		return err(x, "expected true or false");
	pop(x, n);
	*out = json_is_true(v);
	return 0;
}
static int get_int(struct cx *x, json_t *o, const char *key, long long min, long long max,
		   bool *set, long long *out)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	size_t n = push(x, ".%s", key);
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return err(x, "expected an integer from %lld to %lld", min, max);
	pop(x, n);
	*out = json_integer_value(v);
	if (set)
		*set = true;
	return 0;
}
/* An array of strings into a NULL-terminated vector. */
static int get_strv(struct cx *x, json_t *o, const char *key, char ***out)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	size_t n = push(x, ".%s", key);
	if (!json_is_array(v))
		return err(x, "expected an array of strings");
	char **r = calloc(json_array_size(v) + 1, sizeof *r);
	if (!r)
		return nomem(x);
	size_t i;
	json_t *s;
	json_array_foreach(v, i, s)
	{
		if (!json_is_string(s)) {
			push(x, "[%zu]", i);
			lm_strvfreep(&r);
			return err(x, "expected a string");
		}
		if (!(r[i] = strdup(json_string_value(s)))) {
			lm_strvfreep(&r);
			return nomem(x);
		}
	}
	pop(x, n);
	lm_strvfreep(out);
	*out = r;
	return 0;
}
/* An empty string or an absent field asks for nothing; anything else is refused. */
static int must_be_empty(struct cx *x, json_t *o, const char *key, const char *why)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v)) ||
	    (json_is_array(v) && json_array_size(v) == 0) ||
	    (json_is_object(v) && json_object_size(v) == 0))
		return 0;
	return unsupported(x, key, why);
}

/* ---- process ------------------------------------------------------------------------- */
static int caps_set(struct cx *x, json_t *o, const char *key, uint64_t *out)
{
	char **v = NULL;
	if (get_strv(x, o, key, &v) < 0)
		return -1;
	*out = 0;
	for (size_t i = 0; v && v[i]; i++) {
		int c = lm_cap_from_name(v[i]);
		if (c < 0) {
			size_t n = push(x, ".%s[%zu]", key, i);
			int r = err(x, "unknown capability \"%.40s\"", v[i]);
			pop(x, n);
			lm_strvfreep(&v);
			return r;
		}
		*out |= 1ull << c;
	}
	lm_strvfreep(&v);
	return 0;
}

static int parse_rlimits(struct cx *x, json_t *arr, struct lm_oci_process *p)
{
	if (!json_is_array(arr))
		return err(x, "expected an array");
	p->rlimits = calloc(json_array_size(arr) + 1, sizeof *p->rlimits);
	if (!p->rlimits)
		return nomem(x);
	size_t i;
	json_t *r;
	json_array_foreach(arr, i, r)
	{
		size_t n = push(x, "[%zu]", i);
		static const char *const k[] = {"type", "soft", "hard", NULL};
		if (keys(x, r, k) < 0)
			return -1;
		json_t *t = json_object_get(r, "type");
		const char *ts = json_is_string(t) ? json_string_value(t) : "";
		int res = strncmp(ts, "RLIMIT_", 7) == 0 ? -1 : -2;
		if (res == -1) {
			char low[32];
			size_t j = 0;
			for (const char *q = ts + 7; *q && j + 1 < sizeof low; q++)
				low[j++] = (char)(*q >= 'A' && *q <= 'Z' ? *q - 'A' + 'a' : *q);
			low[j] = '\0';
			res = lm_rlimit_from_name(low);
		}
		if (res < 0) {
			push(x, ".type");
			return err(x, "expected an RLIMIT_* name such as \"RLIMIT_NOFILE\"");
		}
		for (size_t j = 0; j < p->nrlimits; j++)
			if (p->rlimits[j].resource == res) {
				push(x, ".type");
				return err(x, "%s given twice", ts);
			}
		json_t *s = json_object_get(r, "soft"), *h = json_object_get(r, "hard");
		if (!json_is_integer(s) || !json_is_integer(h)) {
			push(x, json_is_integer(s) ? ".hard" : ".soft");
			return err(x, "expected an integer");
		}
		struct lm_oci_rlimit *l = &p->rlimits[p->nrlimits++];
		l->resource = res;
		/* JSON integers are signed: -1 (and 2^64-1 written as such) is unlimited */
		l->soft = json_integer_value(s) < 0 ? RLIM_INFINITY : (rlim_t)json_integer_value(s);
		l->hard = json_integer_value(h) < 0 ? RLIM_INFINITY : (rlim_t)json_integer_value(h);
		if (l->soft > l->hard) {
			push(x, ".soft");
			return err(x, "above the hard limit");
		}
		pop(x, n);
	}
	return 0;
}

int lm_oci_parse_process(const char *file, const char *prefix, json_t *o, struct lm_oci_process *p,
			 struct lm_err *e)
{
	struct cx x = {.file = file, .e = e};
	snprintf(x.path, sizeof x.path, "%s", prefix);
	static const char *const k[] = {"terminal",
					"consoleSize",
					"cwd",
					"env",
					"args",
					"commandLine",
					"rlimits",
					"apparmorProfile",
					"capabilities",
					"noNewPrivileges",
					"oomScoreAdj",
					"scheduler",
					"selinuxLabel",
					"ioPriority",
					"execCPUAffinity",
					"user",
					NULL};
	if (keys(&x, o, k) < 0)
		return -1;
	if (get_bool(&x, o, "terminal", &p->terminal) < 0 ||
	    get_strv(&x, o, "args", &p->args) < 0 || get_strv(&x, o, "env", &p->env) < 0 ||
	    get_str(&x, o, "cwd", &p->cwd) < 0 || get_bool(&x, o, "noNewPrivileges", &p->nnp) < 0)
		return -1;
	if (!p->args || !p->args[0]) {
		push(&x, ".args");
		return err(&x, "a process needs at least one argument");
	}
	if (!p->cwd || p->cwd[0] != '/') {
		push(&x, ".cwd");
		return err(&x, "must be an absolute path");
	}
	if (!p->env && !(p->env = calloc(1, sizeof *p->env)))
		return nomem(&x);
	if (must_be_empty(&x, o, "commandLine", "a Windows field") < 0 ||
	    must_be_empty(&x, o, "apparmorProfile", "it applies no AppArmor profile") < 0 ||
	    must_be_empty(&x, o, "selinuxLabel", "it applies no SELinux label") < 0 ||
	    must_be_empty(&x, o, "scheduler", NULL) < 0 ||
	    must_be_empty(&x, o, "ioPriority", NULL) < 0 ||
	    must_be_empty(&x, o, "execCPUAffinity", NULL) < 0)
		return -1;
	json_t *cs = json_object_get(o, "consoleSize");
	if (cs) {
		size_t n = push(&x, ".consoleSize");
		static const char *const ck[] = {"height", "width", NULL};
		long long h = 0, w = 0;
		if (keys(&x, cs, ck) < 0 || get_int(&x, cs, "height", 0, 65535, NULL, &h) < 0 ||
		    get_int(&x, cs, "width", 0, 65535, NULL, &w) < 0)
			return -1;
		p->rows = (unsigned short)h;
		p->cols = (unsigned short)w;
		pop(&x, n);
	}
	json_t *rl = json_object_get(o, "rlimits");
	if (rl) {
		size_t n = push(&x, ".rlimits");
		if (parse_rlimits(&x, rl, p) < 0)
			return -1;
		pop(&x, n);
	}
	json_t *caps = json_object_get(o, "capabilities");
	if (caps) {
		size_t n = push(&x, ".capabilities");
		static const char *const ck[] = {"bounding",  "effective", "inheritable",
						 "permitted", "ambient",   NULL};
		if (keys(&x, caps, ck) < 0)
			return -1;
		for (int i = 0; i < 5; i++)
			if (caps_set(&x, caps, ck[i], &p->caps[i]) < 0)
				return -1;
		p->caps_given = true;
		pop(&x, n);
	}
	long long oom;
	if (get_int(&x, o, "oomScoreAdj", -1000, 1000, &p->oom_set, &oom) < 0)
		return -1;
	p->oom_score_adj = (int)oom;
	json_t *u = json_object_get(o, "user");
	if (u) {
		size_t n = push(&x, ".user");
		static const char *const uk[] = {"uid",	     "gid", "umask", "additionalGids",
						 "username", NULL};
		long long uid = 0, gid = 0, um = 0;
		if (keys(&x, u, uk) < 0 ||
		    get_int(&x, u, "uid", 0, UINT32_MAX - 1, NULL, &uid) < 0 ||
		    get_int(&x, u, "gid", 0, UINT32_MAX - 1, NULL, &gid) < 0 ||
		    get_int(&x, u, "umask", 0, 0777, &p->umask_set, &um) < 0 ||
		    must_be_empty(&x, u, "username", "a Windows field") < 0)
			return -1;
		p->uid = (uid_t)uid;
		p->gid = (gid_t)gid;
		p->umask = (mode_t)um;
		json_t *ag = json_object_get(u, "additionalGids");
		if (ag && !json_is_null(ag)) {
			size_t m = push(&x, ".additionalGids");
			if (!json_is_array(ag))
				return err(&x, "expected an array of gids");
			p->gids = calloc(json_array_size(ag) + 1, sizeof *p->gids);
			if (!p->gids)
				return nomem(&x);
			size_t i;
			json_t *g;
			json_array_foreach(ag, i, g)
			{
				if (!json_is_integer(g) || json_integer_value(g) < 0 ||
				    json_integer_value(g) >= UINT32_MAX) {
					push(&x, "[%zu]", i);
					return err(&x, "expected a gid");
				}
				p->gids[p->ngids++] = (gid_t)json_integer_value(g);
			}
			pop(&x, m);
		}
		pop(&x, n);
	}
	return 0;
}

/* ---- mounts ---------------------------------------------------------------------------- */
static const struct {
	const char *name;
	bool clear;
	unsigned long flag;
} mount_flags[] = {
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},
    {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},
    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"atime", true, MS_NOATIME},
    {"noatime", false, MS_NOATIME},
    {"diratime", true, MS_NODIRATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"defaults", true, 0},
};
static const struct {
	const char *name;
	unsigned long prop;
} mount_props[] = {
    {"private", MS_PRIVATE},	   {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},	   {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},	   {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};
static const struct {
	const char *name;
	unsigned long attr;
} mount_recattrs[] = {
    {"rro", MOUNT_ATTR_RDONLY},
    {"rnosuid", MOUNT_ATTR_NOSUID},
    {"rnodev", MOUNT_ATTR_NODEV},
    {"rnoexec", MOUNT_ATTR_NOEXEC},
    {"rnoatime", MOUNT_ATTR_NOATIME},
    {"rrelatime", MOUNT_ATTR_RELATIME},
    {"rstrictatime", MOUNT_ATTR_STRICTATIME},
};

static int mount_options(struct cx *x, char **opts, struct lm_oci_mount *m)
{
	size_t dlen = 0;
	for (size_t i = 0; opts && opts[i]; i++) {
		const char *o = opts[i];
		bool done = false;
		for (size_t k = 0; k < sizeof mount_flags / sizeof mount_flags[0] && !done; k++)
			if (strcmp(o, mount_flags[k].name) == 0) {
				if (mount_flags[k].clear)
					m->flags &= ~mount_flags[k].flag;
				else
					m->flags |= mount_flags[k].flag;
				m->ro_given |= strcmp(o, "ro") == 0;
				done = true;
			}
		for (size_t k = 0; k < sizeof mount_props / sizeof mount_props[0] && !done; k++)
			if (strcmp(o, mount_props[k].name) == 0) {
				m->prop = mount_props[k].prop;
				done = true;
			}
		for (size_t k = 0; k < sizeof mount_recattrs / sizeof mount_recattrs[0] && !done;
		     k++)
			if (strcmp(o, mount_recattrs[k].name) == 0) {
				m->recattr |= mount_recattrs[k].attr;
				done = true;
			}
		if (!done && (strcmp(o, "bind") == 0 || strcmp(o, "rbind") == 0)) {
			m->bind = true;
			m->rbind |= o[0] == 'r';
			done = true;
		}
		if (!done && (strcmp(o, "tmpcopyup") == 0 || strcmp(o, "idmap") == 0 ||
			      strcmp(o, "ridmap") == 0 || strcmp(o, "remount") == 0 ||
			      strncmp(o, "copy-symlink", 12) == 0)) {
			push(x, ".options[%zu]", i);
			return err(x, "\"%s\" is not supported by lamina-oci", o);
		}
		if (!done) {
			/* a filesystem's own option (mode=755, size=64k, newinstance): data */
			size_t ol = strlen(o);
			char *d = realloc(m->data, dlen + ol + 2);
			if (!d)
				return nomem(x);
			m->data = d;
			if (dlen)
				d[dlen++] = ',';
			memcpy(d + dlen, o, ol + 1);
			dlen += ol;
		}
	}
	return 0;
}

static int parse_mounts(struct cx *x, json_t *arr, struct lm_oci *o)
{
	if (!json_is_array(arr))
		return err(x, "expected an array");
	o->mounts = calloc(json_array_size(arr) + 1, sizeof *o->mounts);
	if (!o->mounts)
		return nomem(x);
	size_t i;
	json_t *j;
	json_array_foreach(arr, i, j)
	{
		size_t n = push(x, "[%zu]", i);
		static const char *const k[] = {"destination", "type",	      "source", "options",
						"uidMappings", "gidMappings", NULL};
		if (keys(x, j, k) < 0)
			return -1;
		struct lm_oci_mount *m = &o->mounts[o->nmounts++];
		char **opts = NULL;
		if (get_str(x, j, "destination", &m->dst) < 0 ||
		    get_str(x, j, "type", &m->type) < 0 || get_str(x, j, "source", &m->src) < 0 ||
		    get_strv(x, j, "options", &opts) < 0 ||
		    must_be_empty(x, j, "uidMappings", "idmapped mounts") < 0 ||
		    must_be_empty(x, j, "gidMappings", "idmapped mounts") < 0)
			return -1;
		size_t on = push(x, ".options");
		int r = mount_options(x, opts, m);
		lm_strvfreep(&opts);
		if (r < 0)
			return -1;
		pop(x, on);
		if (!m->dst || m->dst[0] != '/') {
			push(x, ".destination");
			return err(x, "must be an absolute path");
		}
		if (!m->type || !*m->type || strcmp(m->type, "bind") == 0) {
			if (!m->bind && m->type && *m->type) {
				m->bind = true;
				m->rbind = false;
			}
		}
		if (m->bind) {
			if (!m->src || !*m->src) {
				push(x, ".source");
				return err(x, "a bind mount needs a source");
			}
		} else {
			static const char *const types[] = {"proc",   "sysfs",	"tmpfs",   "devpts",
							    "mqueue", "cgroup", "cgroup2", NULL};
			bool ok = false;
			for (const char *const *t = types; m->type && *t && !ok; t++)
				ok = strcmp(*t, m->type) == 0;
			if (!ok) {
				push(x, ".type");
				return err(
				    x,
				    "\"%s\" is not supported by lamina-oci (bind, proc, sysfs, "
				    "tmpfs, devpts, mqueue, cgroup, cgroup2)",
				    m->type ? m->type : "");
			}
		}
		pop(x, n);
	}
	return 0;
}

/* ---- linux ---------------------------------------------------------------------------- */
static int parse_idmaps(struct cx *x, json_t *l, const char *key, struct lm_idmap **out,
			size_t *nout)
{
	json_t *a = json_object_get(l, key);
	if (!a || json_is_null(a))
		return 0;
	size_t n = push(x, ".%s", key);
	if (!json_is_array(a))
		return err(x, "expected an array");
	*out = calloc(json_array_size(a) + 1, sizeof **out);
	if (!*out)
		return nomem(x);
	size_t i;
	json_t *m;
	json_array_foreach(a, i, m)
	{
		size_t k = push(x, "[%zu]", i);
		static const char *const mk[] = {"containerID", "hostID", "size", NULL};
		long long c = 0, h = 0, s = 0;
		if (keys(x, m, mk) < 0 ||
		    get_int(x, m, "containerID", 0, UINT32_MAX - 1, NULL, &c) < 0 ||
		    get_int(x, m, "hostID", 0, UINT32_MAX - 1, NULL, &h) < 0 ||
		    get_int(x, m, "size", 1, UINT32_MAX, NULL, &s) < 0)
			return -1;
		(*out)[(*nout)++] = (struct lm_idmap){(uint32_t)c, (uint32_t)h, (uint32_t)s};
		pop(x, k);
	}
	pop(x, n);
	return 0;
}

static int parse_namespaces(struct cx *x, json_t *a, struct lm_oci *o)
{
	if (!json_is_array(a))
		return err(x, "expected an array");
	size_t i;
	json_t *j;
	json_array_foreach(a, i, j)
	{
		size_t n = push(x, "[%zu]", i);
		static const char *const k[] = {"type", "path", NULL};
		char *type = NULL, *path = NULL;
		if (keys(x, j, k) < 0 || get_str(x, j, "type", &type) < 0 ||
		    get_str(x, j, "path", &path) < 0) {
			free(type);
			free(path);
			return -1;
		}
		int ns = -1;
		for (int t = 0; t < LM_OCI_NNS && type; t++)
			if (strcmp(type, lm_oci_ns_name(t)) == 0)
				ns = t;
		free(type);
		if (ns < 0) {
			free(path);
			push(x, ".type");
			return err(x,
				   "expected pid, network, mount, ipc, uts, user, cgroup or time");
		}
		if (ns == LM_OCI_NS_TIME) {
			free(path);
			return err(x, "the time namespace is not supported by lamina-oci");
		}
		if (o->ns_new[ns] || o->ns_path[ns]) {
			free(path);
			push(x, ".type");
			return err(x, "%s given twice", lm_oci_ns_name(ns));
		}
		if (path && *path) {
			if (path[0] != '/') {
				free(path);
				push(x, ".path");
				return err(x, "must be an absolute path");
			}
			o->ns_path[ns] = path;
		} else {
			free(path);
			o->ns_new[ns] = true;
		}
		pop(x, n);
	}
	return 0;
}

static int parse_devices(struct cx *x, json_t *a, struct lm_oci *o)
{
	if (!json_is_array(a))
		return err(x, "expected an array");
	o->devices = calloc(json_array_size(a) + 1, sizeof *o->devices);
	if (!o->devices)
		return nomem(x);
	size_t i;
	json_t *j;
	json_array_foreach(a, i, j)
	{
		size_t n = push(x, "[%zu]", i);
		static const char *const k[] = {"type",	    "path", "major", "minor",
						"fileMode", "uid",  "gid",   NULL};
		struct lm_oci_device *d = &o->devices[o->ndevices++];
		char *type = NULL;
		long long maj = 0, min = 0, mode = 0, uid = 0, gid = 0;
		if (keys(x, j, k) < 0 || get_str(x, j, "path", &d->path) < 0 ||
		    get_str(x, j, "type", &type) < 0 ||
		    get_int(x, j, "major", 0, 4095, NULL, &maj) < 0 ||
		    get_int(x, j, "minor", 0, 1048575, NULL, &min) < 0 ||
		    get_int(x, j, "fileMode", 0, 07777, &d->mode_set, &mode) < 0 ||
		    get_int(x, j, "uid", 0, UINT32_MAX - 1, &d->uid_set, &uid) < 0 ||
		    get_int(x, j, "gid", 0, UINT32_MAX - 1, &d->gid_set, &gid) < 0) {
			free(type);
			return -1;
		}
		if (!type || strlen(type) != 1 || !strchr("cbup", type[0])) {
			free(type);
			push(x, ".type");
			return err(x, "expected \"c\", \"b\", \"u\" or \"p\"");
		}
		d->type = type[0];
		free(type);
		if (!d->path || d->path[0] != '/') {
			push(x, ".path");
			return err(x, "must be an absolute path");
		}
		d->major = (unsigned)maj;
		d->minor = (unsigned)min;
		d->mode = (mode_t)mode;
		d->uid = (uid_t)uid;
		d->gid = (gid_t)gid;
		pop(x, n);
	}
	return 0;
}

static int parse_hooks(struct cx *x, json_t *h, struct lm_oci *o)
{
	static const char *const k[] = {"prestart",
					"createRuntime",
					"createContainer",
					"startContainer",
					"poststart",
					"poststop",
					NULL};
	if (keys(x, h, k) < 0)
		return -1;
	for (int kind = 0; kind < LM_OCI_NHOOKS; kind++) {
		json_t *a = json_object_get(h, k[kind]);
		if (!a || json_is_null(a))
			continue;
		size_t n = push(x, ".%s", k[kind]);
		if (!json_is_array(a))
			return err(x, "expected an array");
		o->hooks[kind] = calloc(json_array_size(a) + 1, sizeof *o->hooks[kind]);
		if (!o->hooks[kind])
			return nomem(x);
		size_t i;
		json_t *j;
		json_array_foreach(a, i, j)
		{
			size_t m = push(x, "[%zu]", i);
			static const char *const hk[] = {"path", "args", "env", "timeout", NULL};
			struct lm_oci_hook *hk1 = &o->hooks[kind][o->nhooks[kind]++];
			long long t = 0;
			if (keys(x, j, hk) < 0 || get_str(x, j, "path", &hk1->path) < 0 ||
			    get_strv(x, j, "args", &hk1->args) < 0 ||
			    get_strv(x, j, "env", &hk1->env) < 0 ||
			    get_int(x, j, "timeout", 1, 86400, NULL, &t) < 0)
				return -1;
			if (!hk1->path || hk1->path[0] != '/') {
				push(x, ".path");
				return err(x, "must be an absolute path");
			}
			hk1->timeout = (int)t;
			pop(x, m);
		}
		pop(x, n);
	}
	return 0;
}

/* "8:0" style device numbers of blockIO entries */
static int dev_entry(struct cx *x, json_t *j, const char *const *k, struct lm_oci_throttle *t,
		     const char *valkey, uint64_t max)
{
	long long maj = 0, min = 0, v = 0;
	if (keys(x, j, k) < 0 || get_int(x, j, "major", 0, 4095, NULL, &maj) < 0 ||
	    get_int(x, j, "minor", 0, 1048575, NULL, &min) < 0 ||
	    (valkey && get_int(x, j, valkey, 0, (long long)max, NULL, &v) < 0))
		return -1;
	t->major = maj;
	t->minor = min;
	t->rate = (uint64_t)v;
	return 0;
}

static int parse_resources(struct cx *x, json_t *r, struct lm_oci *o)
{
	struct lm_oci_resources *s = &o->res;
	static const char *const k[] = {"devices",	  "memory",  "cpu",  "pids",	"blockIO",
					"hugepageLimits", "network", "rdma", "unified", NULL};
	if (keys(x, r, k) < 0)
		return -1;
	o->resources_given = true;
	if (must_be_empty(x, r, "rdma", NULL) < 0 ||
	    must_be_empty(x, r, "unified", "cgroup v2 files on a hybrid host") < 0)
		return -1;
	json_t *j;
	size_t n;
	if ((j = json_object_get(r, "devices")) && !json_is_null(j)) {
		n = push(x, ".devices");
		if (!json_is_array(j))
			return err(x, "expected an array");
		s->dev = calloc(json_array_size(j) + 1, sizeof *s->dev);
		if (!s->dev)
			return nomem(x);
		size_t i;
		json_t *d;
		json_array_foreach(j, i, d)
		{
			size_t m = push(x, "[%zu]", i);
			static const char *const dk[] = {"allow", "type",   "major",
							 "minor", "access", NULL};
			struct lm_oci_devrule *dr = &s->dev[s->ndev++];
			char *type = NULL, *access = NULL;
			long long maj = -1, min = -1;
			bool mset = false, nset = false;
			if (keys(x, d, dk) < 0 || get_bool(x, d, "allow", &dr->allow) < 0 ||
			    get_str(x, d, "type", &type) < 0 ||
			    get_str(x, d, "access", &access) < 0 ||
			    get_int(x, d, "major", -1, 4095, &mset, &maj) < 0 ||
			    get_int(x, d, "minor", -1, 1048575, &nset, &min) < 0) {
				free(type);
				free(access);
				return -1;
			}
			dr->type = type && *type ? type[0] : 'a';
			bool tok = !type || (strlen(type) == 1 && strchr("acb", type[0]));
			free(type);
			if (!tok) {
				free(access);
				push(x, ".type");
				return err(x, "expected \"a\", \"c\" or \"b\"");
			}
			const char *acc = access && *access ? access : "rwm";
			bool aok = strlen(acc) <= 3 && strspn(acc, "rwm") == strlen(acc);
			if (aok)
				snprintf(dr->access, sizeof dr->access, "%s", acc);
			free(access);
			if (!aok) {
				push(x, ".access");
				return err(x, "expected letters of \"rwm\"");
			}
			dr->major = maj;
			dr->minor = min;
			pop(x, m);
		}
		pop(x, n);
	}
	if ((j = json_object_get(r, "memory")) && !json_is_null(j)) {
		n = push(x, ".memory");
		static const char *const mk[] = {"limit",
						 "reservation",
						 "swap",
						 "kernel",
						 "kernelTCP",
						 "swappiness",
						 "disableOOMKiller",
						 "useHierarchy",
						 "checkBeforeUpdate",
						 NULL};
		long long sw = 0;
		bool uh = false, cbu = false;
		if (keys(x, j, mk) < 0 ||
		    get_int(x, j, "limit", -1, INT64_MAX, &s->mem_limit_set,
			    (long long *)&s->mem_limit) < 0 ||
		    get_int(x, j, "reservation", -1, INT64_MAX, &s->mem_res_set,
			    (long long *)&s->mem_res) < 0 ||
		    get_int(x, j, "swap", -1, INT64_MAX, &s->mem_swap_set,
			    (long long *)&s->mem_swap) < 0 ||
		    get_int(x, j, "kernel", -1, INT64_MAX, &s->mem_kernel_set,
			    (long long *)&s->mem_kernel) < 0 ||
		    get_int(x, j, "kernelTCP", -1, INT64_MAX, &s->mem_ktcp_set,
			    (long long *)&s->mem_ktcp) < 0 ||
		    get_int(x, j, "swappiness", 0, 100, &s->swappiness_set, &sw) < 0 ||
		    get_bool(x, j, "disableOOMKiller", &s->oom_disable) < 0 ||
		    get_bool(x, j, "useHierarchy", &uh) < 0 ||
		    get_bool(x, j, "checkBeforeUpdate", &cbu) < 0)
			return -1;
		s->swappiness = (uint64_t)sw;
		pop(x, n);
	}
	if ((j = json_object_get(r, "cpu")) && !json_is_null(j)) {
		n = push(x, ".cpu");
		static const char *const ck[] = {
		    "shares",	      "quota", "burst", "period", "realtimeRuntime",
		    "realtimePeriod", "cpus",  "mems",	"idle",	  NULL};
		long long sh = 0, pe = 0, rp = 0;
		if (keys(x, j, ck) < 0 ||
		    get_int(x, j, "shares", 0, INT64_MAX, &s->shares_set, &sh) < 0 ||
		    get_int(x, j, "quota", -1, INT64_MAX, &s->quota_set, (long long *)&s->quota) <
			0 ||
		    get_int(x, j, "period", 0, INT64_MAX, &s->period_set, &pe) < 0 ||
		    get_int(x, j, "realtimeRuntime", -1, INT64_MAX, &s->rt_runtime_set,
			    (long long *)&s->rt_runtime) < 0 ||
		    get_int(x, j, "realtimePeriod", 0, INT64_MAX, &s->rt_period_set, &rp) < 0 ||
		    get_str(x, j, "cpus", &s->cpus) < 0 || get_str(x, j, "mems", &s->mems) < 0 ||
		    must_be_empty(x, j, "burst", "cpu.cfs_burst_us") < 0 ||
		    must_be_empty(x, j, "idle", NULL) < 0)
			return -1;
		s->shares = (uint64_t)sh;
		s->period = (uint64_t)pe;
		s->rt_period = (uint64_t)rp;
		pop(x, n);
	}
	if ((j = json_object_get(r, "pids")) && !json_is_null(j)) {
		n = push(x, ".pids");
		static const char *const pk[] = {"limit", NULL};
		if (keys(x, j, pk) < 0 ||
		    get_int(x, j, "limit", -1, INT64_MAX, &s->pids_set, (long long *)&s->pids) < 0)
			return -1;
		pop(x, n);
	}
	if ((j = json_object_get(r, "blockIO")) && !json_is_null(j)) {
		n = push(x, ".blockIO");
		static const char *const bk[] = {"weight",
						 "leafWeight",
						 "weightDevice",
						 "throttleReadBpsDevice",
						 "throttleWriteBpsDevice",
						 "throttleReadIOPSDevice",
						 "throttleWriteIOPSDevice",
						 NULL};
		long long w = 0, lw = 0;
		if (keys(x, j, bk) < 0 ||
		    get_int(x, j, "weight", 0, 1000, &s->weight_set, &w) < 0 ||
		    get_int(x, j, "leafWeight", 0, 1000, &s->leaf_weight_set, &lw) < 0)
			return -1;
		s->weight = (unsigned)w;
		s->leaf_weight = (unsigned)lw;
		json_t *wd = json_object_get(j, "weightDevice");
		if (wd && !json_is_null(wd)) {
			size_t m = push(x, ".weightDevice");
			if (!json_is_array(wd))
				return err(x, "expected an array");
			s->wdev = calloc(json_array_size(wd) + 1, sizeof *s->wdev);
			s->wdev_leaf = calloc(json_array_size(wd) + 1, sizeof *s->wdev_leaf);
			if (!s->wdev || !s->wdev_leaf)
				return nomem(x);
			size_t i;
			json_t *d;
			json_array_foreach(wd, i, d)
			{
				size_t q = push(x, "[%zu]", i);
				static const char *const wk[] = {"major", "minor", "weight",
								 "leafWeight", NULL};
				long long l = 0;
				if (dev_entry(x, d, wk, &s->wdev[s->nwdev], "weight", 1000) < 0 ||
				    get_int(x, d, "leafWeight", 0, 1000, NULL, &l) < 0)
					return -1;
				s->wdev_leaf[s->nwdev++] = (unsigned)l;
				pop(x, q);
			}
			pop(x, m);
		}
		for (int t = 0; t < 4; t++) {
			json_t *a = json_object_get(j, bk[3 + t]);
			if (!a || json_is_null(a))
				continue;
			size_t m = push(x, ".%s", bk[3 + t]);
			if (!json_is_array(a))
				return err(x, "expected an array");
			s->thr[t] = calloc(json_array_size(a) + 1, sizeof *s->thr[t]);
			if (!s->thr[t])
				return nomem(x);
			size_t i;
			json_t *d;
			json_array_foreach(a, i, d)
			{
				size_t q = push(x, "[%zu]", i);
				static const char *const tk[] = {"major", "minor", "rate", NULL};
				if (dev_entry(x, d, tk, &s->thr[t][s->nthr[t]++], "rate",
					      INT64_MAX) < 0)
					return -1;
				pop(x, q);
			}
			pop(x, m);
		}
		pop(x, n);
	}
	if ((j = json_object_get(r, "hugepageLimits")) && !json_is_null(j)) {
		n = push(x, ".hugepageLimits");
		if (!json_is_array(j))
			return err(x, "expected an array");
		s->huge = calloc(json_array_size(j) + 1, sizeof *s->huge);
		if (!s->huge)
			return nomem(x);
		size_t i;
		json_t *d;
		json_array_foreach(j, i, d)
		{
			size_t m = push(x, "[%zu]", i);
			static const char *const hk[] = {"pageSize", "limit", NULL};
			long long l = 0;
			if (keys(x, d, hk) < 0 || get_str(x, d, "pageSize", &s->huge[i].size) < 0 ||
			    get_int(x, d, "limit", 0, INT64_MAX, NULL, &l) < 0)
				return -1;
			if (!s->huge[i].size) {
				push(x, ".pageSize");
				return err(x, "missing");
			}
			s->huge[i].limit = (uint64_t)l;
			s->nhuge++;
			pop(x, m);
		}
		pop(x, n);
	}
	if ((j = json_object_get(r, "network")) && !json_is_null(j)) {
		n = push(x, ".network");
		static const char *const nk[] = {"classID", "priorities", NULL};
		long long c = 0;
		if (keys(x, j, nk) < 0 ||
		    get_int(x, j, "classID", 0, UINT32_MAX, &s->classid_set, &c) < 0)
			return -1;
		s->classid = (uint32_t)c;
		json_t *pr = json_object_get(j, "priorities");
		if (pr && !json_is_null(pr)) {
			size_t m = push(x, ".priorities");
			if (!json_is_array(pr))
				return err(x, "expected an array");
			size_t i;
			json_t *d;
			char *buf = NULL;
			size_t blen = 0;
			FILE *f = open_memstream(&buf, &blen);
			if (!f)
				return nomem(x);
			json_array_foreach(pr, i, d)
			{
				static const char *const pk[] = {"name", "priority", NULL};
				push(x, "[%zu]", i);
				char *name = NULL;
				long long p = 0;
				if (keys(x, d, pk) < 0 || get_str(x, d, "name", &name) < 0 ||
				    get_int(x, d, "priority", 0, UINT32_MAX, NULL, &p) < 0) {
					fclose(f);
					free(buf);
					free(name);
					return -1;
				}
				fprintf(f, "%s%s %lld", i ? "\n" : "", name ? name : "", p);
				free(name);
				pop(x, m + strlen(".priorities"));
			}
			fclose(f);
			s->prio = buf;
			pop(x, m);
		}
		pop(x, n);
	}
	return 0;
}

static int parse_linux(struct cx *x, json_t *l, struct lm_oci *o)
{
	static const char *const k[] = {
	    "devices",	     "uidMappings",	  "gidMappings", "sysctl",	"cgroupsPath",
	    "resources",     "rootfsPropagation", "seccomp",	 "namespaces",	"maskedPaths",
	    "readonlyPaths", "mountLabel",	  "intelRdt",	 "personality", "timeOffsets",
	    "memoryPolicy",  "netDevices",	  NULL};
	if (keys(x, l, k) < 0)
		return -1;
	if (must_be_empty(x, l, "mountLabel", "it applies no SELinux label") < 0 ||
	    must_be_empty(x, l, "intelRdt", NULL) < 0 ||
	    must_be_empty(x, l, "personality", NULL) < 0 ||
	    must_be_empty(x, l, "timeOffsets", NULL) < 0 ||
	    must_be_empty(x, l, "memoryPolicy", NULL) < 0 ||
	    must_be_empty(x, l, "netDevices", NULL) < 0)
		return -1;
	json_t *j;
	size_t n;
	if ((j = json_object_get(l, "namespaces"))) {
		n = push(x, ".namespaces");
		if (parse_namespaces(x, j, o) < 0)
			return -1;
		pop(x, n);
	}
	if (parse_idmaps(x, l, "uidMappings", &o->uid_map, &o->nuid_map) < 0 ||
	    parse_idmaps(x, l, "gidMappings", &o->gid_map, &o->ngid_map) < 0)
		return -1;
	if ((o->nuid_map || o->ngid_map) && !o->ns_new[LM_OCI_NS_USER]) {
		push(x, ".uidMappings");
		return err(x, "id mappings need a new user namespace in linux.namespaces");
	}
	if (o->ns_new[LM_OCI_NS_USER] && (!o->nuid_map || !o->ngid_map)) {
		push(x, ".uidMappings");
		return err(x, "a new user namespace needs uidMappings and gidMappings");
	}
	if (get_strv(x, l, "maskedPaths", &o->masked) < 0 ||
	    get_strv(x, l, "readonlyPaths", &o->ropaths) < 0 ||
	    get_str(x, l, "cgroupsPath", &o->cgroups_path) < 0)
		return -1;
	if ((j = json_object_get(l, "sysctl")) && !json_is_null(j)) {
		n = push(x, ".sysctl");
		if (!json_is_object(j))
			return err(x, "expected an object");
		o->sysctl = calloc(2 * json_object_size(j) + 1, sizeof *o->sysctl);
		if (!o->sysctl)
			return nomem(x);
		size_t i = 0;
		const char *key;
		json_t *v;
		json_object_foreach(j, key, v)
		{
			if (!json_is_string(v)) {
				push(x, ".%s", key);
				return err(x, "expected a string");
			}
			if (!*key || strstr(key, "..") || key[0] == '/' || key[0] == '.') {
				push(x, ".%s", key);
				return err(x, "not a sysctl name");
			}
			if (!(o->sysctl[i++] = strdup(key)) ||
			    !(o->sysctl[i++] = strdup(json_string_value(v))))
				return nomem(x);
		}
		pop(x, n);
	}
	char *prop = NULL;
	if (get_str(x, l, "rootfsPropagation", &prop) < 0)
		return -1;
	if (prop) {
		bool ok = false;
		for (size_t i = 0; i < sizeof mount_props / sizeof mount_props[0] && !ok; i++)
			if (strcmp(prop, mount_props[i].name) == 0) {
				o->propagation = mount_props[i].prop;
				ok = true;
			}
		free(prop);
		if (!ok) {
			push(x, ".rootfsPropagation");
			return err(x, "expected private, rprivate, shared, rshared, slave, rslave, "
				      "unbindable or runbindable");
		}
	}
	if ((j = json_object_get(l, "devices")) && !json_is_null(j)) {
		n = push(x, ".devices");
		if (parse_devices(x, j, o) < 0)
			return -1;
		pop(x, n);
	}
	if ((j = json_object_get(l, "resources")) && !json_is_null(j)) {
		n = push(x, ".resources");
		if (parse_resources(x, j, o) < 0)
			return -1;
		pop(x, n);
	}
	if ((j = json_object_get(l, "seccomp")) && !json_is_null(j)) {
		struct lm_json_seccomp_opts so = {.oci = true,
						  .caps = o->proc.caps[LM_CAPS_BOUNDING]};
		n = push(x, ".seccomp");
		if (lm_seccomp_from_json(j, x->file, x->path, &so, &o->lc.seccomp, x->e) < 0)
			return -1;
		pop(x, n);
		o->lc.seccomp.name = strdup("linux.seccomp");
		o->lc.seccomp.path = strdup(x->file);
		if (!o->lc.seccomp.name || !o->lc.seccomp.path)
			return nomem(x);
	}
	return 0;
}

/* An absolute path: bundle-relative ones are resolved against the bundle. */
static char *abs_in(const char *bundle, const char *p)
{
	char *r;
	if (p[0] == '/')
		return strdup(p);
	return asprintf(&r, "%s/%s", bundle, p) < 0 ? NULL : r;
}

int lm_oci_load_config(const char *bundle, struct lm_oci *o, struct lm_err *e)
{
	char file[4096];
	snprintf(file, sizeof file, "%s/config.json", bundle);
	json_t *root;
	if (lm_json_read_file(file, 4 << 20, &root, e) < 0)
		return -1;
	struct cx x = {.file = "config.json", .e = e};
	int r = -1;
	static const char *const k[] = {
	    "ociVersion",  "process", "root",	 "hostname", "domainname", "mounts", "hooks",
	    "annotations", "linux",   "solaris", "windows",  "vm",	   "zos",    NULL};
	if (keys(&x, root, k) < 0)
		goto out;
	if (must_be_empty(&x, root, "solaris", NULL) < 0 ||
	    must_be_empty(&x, root, "windows", NULL) < 0 ||
	    must_be_empty(&x, root, "vm", NULL) < 0 || must_be_empty(&x, root, "zos", NULL) < 0)
		goto out;
	json_t *v = json_object_get(root, "ociVersion");
	if (!json_is_string(v) || strncmp(json_string_value(v), "1.", 2) != 0) {
		push(&x, ".ociVersion");
		err(&x, "expected a runtime-spec 1.x version");
		goto out;
	}
	if (!(o->bundle = strdup(bundle)))
		goto oom;
	json_t *ro = json_object_get(root, "root");
	if (!ro) {
		push(&x, ".root");
		err(&x, "missing");
		goto out;
	}
	push(&x, ".root");
	static const char *const rk[] = {"path", "readonly", NULL};
	char *rp = NULL;
	if (keys(&x, ro, rk) < 0 || get_str(&x, ro, "path", &rp) < 0 ||
	    get_bool(&x, ro, "readonly", &o->root_ro) < 0)
		goto out;
	if (!rp || !*rp) {
		free(rp);
		push(&x, ".path");
		err(&x, "missing");
		goto out;
	}
	o->rootfs = abs_in(bundle, rp);
	free(rp);
	if (!o->rootfs)
		goto oom;
	pop(&x, 0);
	/* process may be absent at create; start then fails (runtime-spec, start) */
	json_t *p = json_object_get(root, "process");
	if (p && lm_oci_parse_process("config.json", "process", p, &o->proc, e) < 0)
		goto out;
	if (get_str(&x, root, "hostname", &o->hostname) < 0 ||
	    get_str(&x, root, "domainname", &o->domainname) < 0)
		goto out;
	o->hostname_set = o->hostname != NULL;
	o->domainname_set = o->domainname != NULL;
	if ((v = json_object_get(root, "mounts")) && !json_is_null(v)) {
		push(&x, ".mounts");
		if (parse_mounts(&x, v, o) < 0)
			goto out;
		pop(&x, 0);
	}
	if ((v = json_object_get(root, "hooks")) && !json_is_null(v)) {
		push(&x, ".hooks");
		if (parse_hooks(&x, v, o) < 0)
			goto out;
		pop(&x, 0);
	}
	if ((v = json_object_get(root, "annotations")) && !json_is_null(v)) {
		push(&x, ".annotations");
		if (!json_is_object(v)) {
			err(&x, "expected an object");
			goto out;
		}
		const char *key;
		json_t *a;
		json_object_foreach(v, key, a) if (!json_is_string(a))
		{
			push(&x, ".%s", key);
			err(&x, "expected a string");
			goto out;
		}
		if (!(o->annotations_json = json_dumps(v, JSON_COMPACT)))
			goto oom;
		pop(&x, 0);
	}
	if ((v = json_object_get(root, "linux"))) {
		push(&x, ".linux");
		if (parse_linux(&x, v, o) < 0)
			goto out;
		pop(&x, 0);
	} else {
		push(&x, ".linux");
		err(&x, "missing (lamina-oci runs Linux containers)");
		goto out;
	}
	bool uts = o->ns_new[LM_OCI_NS_UTS] || o->ns_path[LM_OCI_NS_UTS];
	if ((o->hostname_set && *o->hostname && !uts) ||
	    (o->domainname_set && *o->domainname && !uts)) {
		x.path[0] = '\0';
		push(&x, o->hostname_set && *o->hostname ? ".hostname" : ".domainname");
		err(&x, "needs a uts namespace of the container's own (linux.namespaces)");
		goto out;
	}
	if (!o->ns_new[LM_OCI_NS_MOUNT] && !o->ns_path[LM_OCI_NS_MOUNT]) {
		/* the root is pivoted into: in the runtime's own mount namespace that would be
		 * the host's */
		x.path[0] = '\0';
		push(&x, ".linux.namespaces");
		err(&x, "lamina-oci needs a mount namespace for the container (new, or by path)");
		goto out;
	}
	r = 0;
	goto out;
oom:
	nomem(&x);
out:
	json_decref(root);
	return r;
}
