/* profile_json: seccomp policies in JSON, with the semantics runc and crun give them.
 *
 * Two spellings of one idea:
 *   - Docker's profile format (moby's profiles/seccomp/default.json, containers-common's
 *     seccomp.json): defaultAction, defaultErrnoRet, architectures or archMap, syscalls with
 *     names (or name), action, errnoRet, args (index, value, valueTwo, op), includes and
 *     excludes (caps, arches, minKernel), comment;
 *   - the runtime-spec's linux.seccomp (lamina-oci): defaultAction, defaultErrnoRet,
 *     architectures, flags, syscalls with names, action, errnoRet, args.
 *
 * How each piece maps onto lamina's policy, as runc does it:
 *   - a syscall libseccomp does not know is skipped (a profile lists calls newer than the
 *     library, as Docker's does); a rule whose action is the default action is redundant and
 *     skipped;
 *   - several args of one entry are ANDed, except where two of them test the same argument:
 *     then each is a rule of its own (ORed), as runc does for moby's `personality` entries;
 *   - SCMP_CMP_MASKED_EQ's value is the mask and valueTwo the value;
 *   - SCMP_ACT_ERRNO without errnoRet is EPERM; SCMP_ACT_KILL is kill-thread;
 *   - a rule without conditions decides every call of its syscall (libseccomp drops the
 *     conditional rules with another action, and so does this loader); of two rules with the
 *     same conditions and different actions the first stands (libseccomp refuses the second,
 *     runc goes on: containers-common's profile has such pairs); two conditional rules that
 *     one call could match with different actions are an error (lamina's text profiles
 *     refuse them too: libseccomp would not decide them in profile order);
 *   - architectures: x86_64 is native; SCMP_ARCH_X86 puts the same rules on i386 (`i386 on`
 *     in a text profile); x32 and every other architecture are killed by lamina's built-in
 *     hardening whatever the profile lists (stricter than runc, which filters x32 with the
 *     profile's rules); the other names are accepted and concern other machines;
 *   - includes/excludes (Docker only): caps against the capabilities the payload holds,
 *     arches against "amd64", minKernel against the running kernel.
 * Not supported, and so errors naming the field: SCMP_ACT_TRACE (no tracer), SCMP_ACT_NOTIFY
 * and listenerPath (the listener is lamina's own, for violation reports), the flags LOG and
 * SPEC_ALLOW. */
#include "profile_json.h"
#include "libc-compat.h"
#include "profile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

int lm_json_error(struct lm_err *e, const char *file, const char *path, const char *fmt, ...)
{
	char m[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	snprintf(e->msg, sizeof e->msg, "%s: %s%s%s", file, path, *path ? ": " : "", m);
	for (char *s = e->msg; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
	e->errnum = 0;
	e->exit_code = LM_EXIT_FAILURE;
	return -1;
}

int lm_json_read_file(const char *path, size_t max, json_t **out, struct lm_err *e)
{
	*out = NULL;
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return lm_error(e, errno, "profile", "%s", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return lm_error(e, errno, "profile", "%s", path);
	if (!S_ISREG(st.st_mode))
		return lm_json_error(e, path, "", "not a regular file");
	if ((size_t)st.st_size > max)
		return lm_json_error(e, path, "", "larger than %zu bytes", max);
	cleanup_free char *buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return lm_error(e, ENOMEM, "profile", "%s", path);
	size_t len = 0;
	while (len < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + len, (size_t)st.st_size - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return lm_error(e, errno, "profile", "reading %s", path);
		if (r == 0)
			break;
		len += (size_t)r;
	}
	json_error_t je;
	json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		snprintf(e->msg, sizeof e->msg, "%s:%d:%d: invalid JSON: %s", path, je.line,
			 je.column, je.text);
		e->errnum = 0;
		e->exit_code = LM_EXIT_FAILURE;
		return -1;
	}
	*out = j;
	return 0;
}

/* ---- the walk -------------------------------------------------------------------------- */
struct jstate {
	const char *file;
	const struct lm_json_seccomp_opts *o;
	struct lm_seccomp_policy *p;
	struct lm_err *e;
	char path[256]; /* the value being read, "syscalls[12].args[0]" */
	size_t rules_cap;
	unsigned *rule_entry; /* parallel to p->rules: the syscalls[] index it came from */
	size_t skipped_unknown, skipped_default, skipped_shadowed, skipped_other;
};

/* Append ".name" or "[i]" to the path for the duration of a call: push returns the old length,
 * pop restores it. */
static size_t push(struct jstate *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t push(struct jstate *st, const char *fmt, ...)
{
	size_t n = strlen(st->path);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->path + n, sizeof st->path - n, fmt, ap);
	va_end(ap);
	if (n == 0 && st->path[0] == '.')
		memmove(st->path, st->path + 1, strlen(st->path));
	return n;
}
static void pop(struct jstate *st, size_t n)
{
	st->path[n] = '\0';
}

static int err(struct jstate *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int err(struct jstate *st, const char *fmt, ...)
{
	char m[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	return lm_json_error(st->e, st->file, st->path, "%s", m);
}

/* Every key of obj is one of allowed[] (NULL-terminated): an unknown field is an error. */
static int known_keys(struct jstate *st, json_t *obj, const char *const *allowed)
{
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v)
	{
		bool ok = false;
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = strcmp(*a, k) == 0;
		if (!ok) {
			size_t n = push(st, ".%s", k);
			int r = err(st, "unknown or unsupported field");
			pop(st, n);
			return r;
		}
	}
	return 0;
}

static int get_u64(struct jstate *st, json_t *v, uint64_t max, uint64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return err(st, "expected an integer from 0 to %llu", (unsigned long long)max);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int errno_by_name(const char *name)
{
	for (int i = 1; i < 256; i++) {
		const char *n = strerrorname_np(i);
		if (n && strcmp(n, name) == 0)
			return i;
	}
	return -1;
}

/* "SCMP_ACT_ERRNO" with the entry's errnoRet (or errno, a name) into *a. */
static int get_action(struct jstate *st, json_t *obj, const char *key, const char *ret_key,
		      const char *name_key, struct lm_action *a)
{
	json_t *v = json_object_get(obj, key);
	size_t n = push(st, ".%s", key);
	if (!v) {
		int r = err(st, "missing");
		pop(st, n);
		return r;
	}
	if (!json_is_string(v)) {
		int r = err(st, "expected a string such as \"SCMP_ACT_ERRNO\"");
		pop(st, n);
		return r;
	}
	const char *s = json_string_value(v);
	static const struct {
		const char *name;
		enum lm_action_kind kind;
	} acts[] = {
	    {"SCMP_ACT_ALLOW", LM_ACT_ALLOW},
	    {"SCMP_ACT_ERRNO", LM_ACT_ERRNO},
	    {"SCMP_ACT_KILL", LM_ACT_KILL_THREAD},
	    {"SCMP_ACT_KILL_THREAD", LM_ACT_KILL_THREAD},
	    {"SCMP_ACT_KILL_PROCESS", LM_ACT_KILL_PROCESS},
	    {"SCMP_ACT_TRAP", LM_ACT_TRAP},
	    {"SCMP_ACT_LOG", LM_ACT_LOG},
	};
	bool found = false;
	for (size_t i = 0; i < sizeof acts / sizeof acts[0] && !found; i++)
		if (strcmp(acts[i].name, s) == 0) {
			a->kind = acts[i].kind;
			found = true;
		}
	if (!found) {
		int r = strcmp(s, "SCMP_ACT_TRACE") == 0 || strcmp(s, "SCMP_ACT_NOTIFY") == 0
			    ? err(st,
				  "%s is not supported by lamina (no tracer; the notification "
				  "listener is lamina's own, see --report)",
				  s)
			    : err(st,
				  "unknown action \"%.60s\" (expected SCMP_ACT_ALLOW, _ERRNO, "
				  "_KILL, _KILL_THREAD, _KILL_PROCESS, _TRAP or _LOG)",
				  s);
		pop(st, n);
		return r;
	}
	pop(st, n);
	a->errnum = 0;
	json_t *rv = json_object_get(obj, ret_key);
	json_t *nv = name_key ? json_object_get(obj, name_key) : NULL;
	int byname = -1;
	if (nv) {
		n = push(st, ".%s", name_key);
		if (!json_is_string(nv) || (byname = errno_by_name(json_string_value(nv))) < 0) {
			int r = err(st, "expected an errno name such as \"EPERM\"");
			pop(st, n);
			return r;
		}
		pop(st, n);
	}
	if (rv) {
		n = push(st, ".%s", ret_key);
		uint64_t u;
		if (get_u64(st, rv, 4095, &u) < 0) {
			pop(st, n);
			return -1;
		}
		if (a->kind != LM_ACT_ERRNO) {
			int r = err(st, "only SCMP_ACT_ERRNO takes an errno value");
			pop(st, n);
			return r;
		}
		if (byname >= 0 && (uint64_t)byname != u) {
			int r = err(st, "%llu disagrees with %s \"%s\"", (unsigned long long)u,
				    name_key, strerrorname_np(byname));
			pop(st, n);
			return r;
		}
		pop(st, n);
		a->errnum = (int)u;
	} else if (a->kind == LM_ACT_ERRNO) {
		a->errnum = byname >= 0 ? byname : EPERM;
	}
	return 0;
}

static int string_list(struct jstate *st, json_t *v, const char *what)
{
	if (!json_is_array(v))
		return err(st, "expected an array of %s", what);
	size_t i;
	json_t *x;
	json_array_foreach(v, i, x) if (!json_is_string(x))
	{
		size_t n = push(st, "[%zu]", i);
		int r = err(st, "expected a string (%s)", what);
		pop(st, n);
		return r;
	}
	return 0;
}

/* Architectures: names are checked; SCMP_ARCH_X86 turns i386's rules on. */
static int arch_name(struct jstate *st, json_t *v)
{
	const char *s = json_string_value(v);
	if (strncmp(s, "SCMP_ARCH_", 10) != 0)
		return err(st, "expected an architecture such as \"SCMP_ARCH_X86_64\"");
	char low[32];
	size_t i = 0;
	for (const char *q = s + 10; *q && i + 1 < sizeof low; q++)
		low[i++] = (char)tolower((unsigned char)*q);
	low[i] = '\0';
	if (seccomp_arch_resolve_name(low) == 0)
		return err(st, "unknown architecture \"%.40s\"", s);
	if (strcmp(low, "x86") == 0)
		st->p->i386 = true;
	return 0;
}

static int architectures(struct jstate *st, json_t *root)
{
	json_t *v = json_object_get(root, "architectures");
	if (v) {
		size_t n = push(st, ".architectures");
		if (string_list(st, v, "architectures") < 0)
			return -1;
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
		{
			size_t m = push(st, "[%zu]", i);
			if (arch_name(st, x) < 0)
				return -1;
			pop(st, m);
		}
		pop(st, n);
	}
	v = st->o->oci ? NULL : json_object_get(root, "archMap");
	if (!v)
		return 0;
	size_t n = push(st, ".archMap");
	if (!json_is_array(v))
		return err(st, "expected an array");
	/* moby uses the entry whose architecture is the native one, with its subarchitectures */
	size_t i;
	json_t *x;
	json_array_foreach(v, i, x)
	{
		size_t m = push(st, "[%zu]", i);
		static const char *const keys[] = {"architecture", "subArchitectures", NULL};
		if (!json_is_object(x))
			return err(st, "expected an object");
		if (known_keys(st, x, keys) < 0)
			return -1;
		json_t *a = json_object_get(x, "architecture");
		size_t k = push(st, ".architecture");
		if (!json_is_string(a))
			return err(st, "expected a string");
		if (arch_name(st, a) < 0)
			return -1;
		bool native = strcmp(json_string_value(a), "SCMP_ARCH_X86_64") == 0;
		pop(st, k);
		json_t *sub = json_object_get(x, "subArchitectures");
		if (sub) {
			k = push(st, ".subArchitectures");
			if (string_list(st, sub, "architectures") < 0)
				return -1;
			size_t j;
			json_t *y;
			json_array_foreach(sub, j, y)
			{
				size_t l = push(st, "[%zu]", j);
				bool i386 = st->p->i386;
				if (arch_name(st, y) < 0)
					return -1;
				if (!native)
					st->p->i386 = i386; /* another machine's subarchitecture */
				pop(st, l);
			}
			pop(st, k);
		}
		pop(st, m);
	}
	pop(st, n);
	return 0;
}

/* minKernel "5.8": the running kernel is at least that. */
static int kernel_at_least(struct jstate *st, json_t *v, bool *out)
{
	unsigned wmaj, wmin, maj = 0, min = 0;
	char tail;
	if (!json_is_string(v) || sscanf(json_string_value(v), "%u.%u%c", &wmaj, &wmin, &tail) != 2)
		return err(st, "expected a kernel version such as \"5.8\"");
	struct utsname u;
	if (uname(&u) == 0)
		sscanf(u.release, "%u.%u", &maj, &min);
	*out = maj > wmaj || (maj == wmaj && min >= wmin);
	return 0;
}

/* includes/excludes: does the entry apply to this payload?  includes: every cap listed is held,
 * the native arch is listed, the kernel is recent enough; excludes: none of the caps listed is
 * held, the native arch is not listed. */
static int filter_applies(struct jstate *st, json_t *ent, const char *key, bool *applies)
{
	json_t *f = json_object_get(ent, key);
	bool inc = strcmp(key, "includes") == 0;
	if (!f)
		return 0;
	size_t n = push(st, ".%s", key);
	if (!json_is_object(f))
		return err(st, "expected an object");
	static const char *const keys[] = {"caps", "arches", "minKernel", NULL};
	if (known_keys(st, f, keys) < 0)
		return -1;
	json_t *caps = json_object_get(f, "caps");
	if (caps) {
		size_t m = push(st, ".caps");
		if (string_list(st, caps, "capability names") < 0)
			return -1;
		size_t i;
		json_t *x;
		json_array_foreach(caps, i, x)
		{
			int cap = lm_cap_from_name(json_string_value(x));
			if (cap < 0) {
				size_t k = push(st, "[%zu]", i);
				(void)k;
				return err(st, "unknown capability \"%.40s\"",
					   json_string_value(x));
			}
			bool held = (st->o->caps >> cap) & 1;
			if (inc ? !held : held)
				*applies = false;
		}
		pop(st, m);
	}
	json_t *arches = json_object_get(f, "arches");
	if (arches) {
		size_t m = push(st, ".arches");
		if (string_list(st, arches, "architectures") < 0)
			return -1;
		bool listed = false;
		size_t i;
		json_t *x;
		json_array_foreach(arches, i, x) listed |=
		    strcmp(json_string_value(x), "amd64") == 0 ||
		    strcmp(json_string_value(x), "x86_64") == 0;
		if (inc ? !listed : listed)
			*applies = false;
		pop(st, m);
	}
	json_t *mk = json_object_get(f, "minKernel");
	if (mk) {
		size_t m = push(st, ".minKernel");
		bool recent;
		if (kernel_at_least(st, mk, &recent) < 0)
			return -1;
		if (inc ? !recent : recent)
			*applies = false;
		pop(st, m);
	}
	pop(st, n);
	return 0;
}

static int get_cond(struct jstate *st, json_t *a, struct lm_cond *cd)
{
	static const char *const keys[] = {"index", "value", "valueTwo", "op", NULL};
	if (!json_is_object(a))
		return err(st, "expected an object with index, value, valueTwo and op");
	if (known_keys(st, a, keys) < 0)
		return -1;
	uint64_t idx, value = 0, two = 0;
	json_t *v = json_object_get(a, "index");
	size_t n = push(st, ".index");
	if (!v)
		return err(st, "missing");
	if (get_u64(st, v, 5, &idx) < 0)
		return -1;
	pop(st, n);
	if ((v = json_object_get(a, "value"))) {
		n = push(st, ".value");
		if (get_u64(st, v, UINT64_MAX, &value) < 0)
			return -1;
		pop(st, n);
	}
	if ((v = json_object_get(a, "valueTwo"))) {
		n = push(st, ".valueTwo");
		if (get_u64(st, v, UINT64_MAX, &two) < 0)
			return -1;
		pop(st, n);
	}
	static const struct {
		const char *name;
		enum lm_cmp op;
	} ops[] = {
	    {"SCMP_CMP_NE", LM_CMP_NE},
	    {"SCMP_CMP_LT", LM_CMP_LT},
	    {"SCMP_CMP_LE", LM_CMP_LE},
	    {"SCMP_CMP_EQ", LM_CMP_EQ},
	    {"SCMP_CMP_GE", LM_CMP_GE},
	    {"SCMP_CMP_GT", LM_CMP_GT},
	    {"SCMP_CMP_MASKED_EQ", LM_CMP_MASKED_EQ},
	};
	v = json_object_get(a, "op");
	n = push(st, ".op");
	if (!v)
		return err(st, "missing");
	bool found = false;
	for (size_t i = 0; json_is_string(v) && i < sizeof ops / sizeof ops[0] && !found; i++)
		if (strcmp(ops[i].name, json_string_value(v)) == 0) {
			cd->op = ops[i].op;
			found = true;
		}
	if (!found)
		return err(st,
			   "unknown operator %s%.40s%s (expected SCMP_CMP_EQ, _NE, _LT, _LE, "
			   "_GT, _GE or _MASKED_EQ)",
			   json_is_string(v) ? "\"" : "",
			   json_is_string(v) ? json_string_value(v) : "",
			   json_is_string(v) ? "\"" : "");
	pop(st, n);
	cd->arg = (unsigned)idx;
	if (cd->op == LM_CMP_MASKED_EQ) {
		cd->mask = value;
		cd->value = two;
	} else {
		cd->mask = 0;
		cd->value = value;
	}
	return 0;
}

static bool conds_equal(const struct lm_rule *a, const struct lm_rule *b)
{
	return a->nconds == b->nconds && lm_rule_conds_subset(a, b) && lm_rule_conds_subset(b, a);
}

static bool act_same(const struct lm_action *a, const struct lm_action *b)
{
	return a->kind == b->kind && (a->kind != LM_ACT_ERRNO || a->errnum == b->errnum);
}

/* Add one rule for syscall nr (see the top comment for what is merged, dropped or refused). */
static int add_rule(struct jstate *st, const char *name, int nr, const struct lm_action *act,
		    const struct lm_cond *conds, unsigned nconds, unsigned entry)
{
	struct lm_seccomp_policy *p = st->p;
	struct lm_rule r = {.action = *act, .nr = nr, .nconds = nconds, .line = entry + 1};
	memcpy(r.conds, conds, nconds * sizeof *conds);
	for (size_t i = 0; i < p->nrules;) {
		struct lm_rule *o = &p->rules[i];
		if (o->nr != nr) {
			i++;
			continue;
		}
		if (act_same(&o->action, act)) {
			if (conds_equal(o, &r))
				return 0; /* the same rule twice */
			i++;
			continue;
		}
		if (conds_equal(o, &r)) { /* the first of them stands, as under runc */
			st->skipped_shadowed++;
			return 0;
		}
		if (o->nconds == 0) { /* the unconditional rule decides every call */
			st->skipped_shadowed++;
			return 0;
		}
		if (nconds == 0) { /* this one does: drop the conditional ones */
			memmove(&p->rules[i], &p->rules[i + 1],
				(p->nrules - i - 1) * sizeof p->rules[0]);
			memmove(&st->rule_entry[i], &st->rule_entry[i + 1],
				(p->nrules - i - 1) * sizeof st->rule_entry[0]);
			p->nrules--;
			st->skipped_shadowed++;
			continue;
		}
		if (lm_rules_may_overlap(o, &r))
			return err(
			    st,
			    "%s: a call can match both this rule and syscalls[%u], which has "
			    "another action; make their conditions exclusive",
			    name, st->rule_entry[i]);
		i++;
	}
	if (p->nrules >= LM_PROFILE_MAX_RULES)
		return err(st, "too many rules (at most %d)", LM_PROFILE_MAX_RULES);
	if (p->nrules == st->rules_cap) {
		size_t ncap = st->rules_cap ? st->rules_cap * 2 : 512;
		struct lm_rule *nr2 = realloc(p->rules, ncap * sizeof *nr2);
		if (!nr2)
			return lm_error(st->e, ENOMEM, "profile", "%s", st->file);
		p->rules = nr2;
		unsigned *ne = realloc(st->rule_entry, ncap * sizeof *ne);
		if (!ne)
			return lm_error(st->e, ENOMEM, "profile", "%s", st->file);
		st->rule_entry = ne;
		st->rules_cap = ncap;
	}
	r.syscall = lm_arena_strndup(&p->strings, name, strlen(name));
	r.file = lm_arena_strndup(&p->strings, st->file, strlen(st->file));
	if (!r.syscall || !r.file)
		return lm_error(st->e, ENOMEM, "profile", "%s", st->file);
	st->rule_entry[p->nrules] = entry;
	p->rules[p->nrules++] = r;
	return 0;
}

static int syscall_entry(struct jstate *st, json_t *ent, unsigned idx)
{
	static const char *const docker_keys[] = {"names",    "name", "action",	 "errnoRet",
						  "errno",    "args", "comment", "includes",
						  "excludes", NULL};
	static const char *const oci_keys[] = {"names", "action", "errnoRet", "args", NULL};
	if (!json_is_object(ent))
		return err(st, "expected an object");
	if (known_keys(st, ent, st->o->oci ? oci_keys : docker_keys) < 0)
		return -1;
	struct lm_action act;
	if (get_action(st, ent, "action", "errnoRet", st->o->oci ? NULL : "errno", &act) < 0)
		return -1;
	json_t *names = json_object_get(ent, "names");
	json_t *name = st->o->oci ? NULL : json_object_get(ent, "name");
	if (!names && !name)
		return err(st, "no names");
	if (names) {
		size_t n = push(st, ".names");
		if (string_list(st, names, "system call names") < 0)
			return -1;
		pop(st, n);
	}
	if (name) {
		size_t n = push(st, ".name");
		if (!json_is_string(name))
			return err(st, "expected a string");
		pop(st, n);
	}
	if (json_is_string(json_object_get(ent, "comment")) == 0 &&
	    json_object_get(ent, "comment")) {
		push(st, ".comment");
		return err(st, "expected a string");
	}
	bool applies = true;
	if (!st->o->oci && (filter_applies(st, ent, "includes", &applies) < 0 ||
			    filter_applies(st, ent, "excludes", &applies) < 0))
		return -1;

	struct lm_cond conds[LM_MAX_CONDS];
	unsigned nconds = 0, per_arg[6] = {0};
	json_t *args = json_object_get(ent, "args");
	if (args && !json_is_null(args)) {
		size_t n = push(st, ".args");
		if (!json_is_array(args))
			return err(st, "expected an array");
		if (json_array_size(args) > LM_MAX_CONDS)
			return err(st, "at most %d conditions", LM_MAX_CONDS);
		size_t i;
		json_t *a;
		json_array_foreach(args, i, a)
		{
			size_t m = push(st, "[%zu]", i);
			if (get_cond(st, a, &conds[nconds]) < 0)
				return -1;
			per_arg[conds[nconds].arg]++;
			nconds++;
			pop(st, m);
		}
		pop(st, n);
	}
	if (!applies) {
		st->skipped_other++;
		return 0;
	}
	/* The default action's rules are redundant (runc skips them too). */
	if (act_same(&act, &st->p->default_action)) {
		st->skipped_default++;
		return 0;
	}
	bool split = false;
	for (unsigned i = 0; i < 6; i++)
		split |= per_arg[i] > 1;
	size_t count = names ? json_array_size(names) : 1;
	for (size_t k = 0; k < count; k++) {
		const char *sc =
		    names ? json_string_value(json_array_get(names, k)) : json_string_value(name);
		int nr = seccomp_syscall_resolve_name(sc);
		if (nr == __NR_SCMP_ERROR) {
			st->skipped_unknown++;
			continue;
		}
		size_t n = names ? push(st, ".names[%zu]", k) : push(st, ".name");
		if (split) {
			for (unsigned i = 0; i < nconds; i++)
				if (add_rule(st, sc, nr, &act, &conds[i], 1, idx) < 0)
					return -1;
		} else if (add_rule(st, sc, nr, &act, conds, nconds, idx) < 0) {
			return -1;
		}
		pop(st, n);
	}
	return 0;
}

int lm_seccomp_from_json(json_t *root, const char *file, const char *prefix,
			 const struct lm_json_seccomp_opts *o, struct lm_seccomp_policy *p,
			 struct lm_err *e)
{
	struct jstate st = {.file = file, .o = o, .p = p, .e = e};
	snprintf(st.path, sizeof st.path, "%s", prefix);
	static const char *const docker_keys[] = {
	    "defaultAction", "defaultErrnoRet", "defaultErrno",
	    "architectures", "archMap",		"syscalls",
	    "comment",	     "flags",		NULL};
	static const char *const oci_keys[] = {"defaultAction", "defaultErrnoRet", "architectures",
					       "flags",		"syscalls",	   NULL};
	int r = -1;
	if (!json_is_object(root)) {
		err(&st, "expected an object");
		goto out;
	}
	if (known_keys(&st, root, o->oci ? oci_keys : docker_keys) < 0)
		goto out;
	if (get_action(&st, root, "defaultAction", "defaultErrnoRet",
		       o->oci ? NULL : "defaultErrno", &p->default_action) < 0)
		goto out;
	p->default_line = 1;
	if (architectures(&st, root) < 0)
		goto out;
	json_t *flags = json_object_get(root, "flags");
	if (flags) {
		size_t n = push(&st, ".flags");
		if (string_list(&st, flags, "flags") < 0)
			goto out;
		size_t i;
		json_t *f;
		json_array_foreach(flags, i, f)
		{
			/* lamina loads every filter with TSYNC's effect anyway: the payload is
			 * single-threaded when it loads them */
			if (strcmp(json_string_value(f), "SECCOMP_FILTER_FLAG_TSYNC") == 0)
				continue;
			push(&st, "[%zu]", i);
			err(&st, "flag \"%.40s\" is not supported by lamina", json_string_value(f));
			goto out;
		}
		pop(&st, n);
	}
	json_t *calls = json_object_get(root, "syscalls");
	if (calls && !json_is_null(calls)) {
		size_t n = push(&st, ".syscalls");
		if (!json_is_array(calls)) {
			err(&st, "expected an array");
			goto out;
		}
		size_t i;
		json_t *ent;
		json_array_foreach(calls, i, ent)
		{
			size_t m = push(&st, "[%zu]", i);
			if (syscall_entry(&st, ent, (unsigned)i) < 0)
				goto out;
			pop(&st, m);
		}
		pop(&st, n);
	}
	p->present = true;
	p->stdfd = false;
	r = 0;
out:
	free(st.rule_entry);
	return r;
}

/* `lamina run -p FILE.json`, `lamina check FILE.json`: a Docker profile file.  The payload's
 * capabilities for includes/excludes: at most what root of a sandbox with a range of ids keeps
 * (src/caps.c); a rule for any other capability never applies to a lamina payload. */
int lm_profile_json_load(const char *path, struct lm_config *c, struct lm_err *e)
{
	json_t *root;
	if (lm_json_read_file(path, LM_PROFILE_MAX_SIZE, &root, e) < 0)
		return -1;
	static const char *const identity[] = {
	    "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FOWNER",  "CAP_FSETID",	     "CAP_KILL",
	    "CAP_SETGID", "CAP_SETUID",	      "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
	};
	struct lm_json_seccomp_opts o = {.oci = false};
	for (size_t i = 0; i < sizeof identity / sizeof identity[0]; i++)
		o.caps |= 1ull << lm_cap_from_name(identity[i]);
	lm_seccomp_policy_free(&c->seccomp);
	int r = lm_seccomp_from_json(root, path, "", &o, &c->seccomp, e);
	json_decref(root);
	if (r == 0) {
		c->seccomp.name = strdup(path);
		c->seccomp.path = strdup(path);
		if (!c->seccomp.name || !c->seccomp.path)
			r = lm_error(e, ENOMEM, "profile", "%s", path);
	}
	if (r < 0)
		lm_seccomp_policy_free(&c->seccomp);
	return r;
}

bool lm_profile_is_json(const char *path)
{
	size_t n = strlen(path);
	return n > 5 && strcmp(path + n - 5, ".json") == 0;
}
