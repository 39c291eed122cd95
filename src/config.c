/* The one description of a sandbox: construction, growth, release. */
#include "lamina.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void lm_config_init(struct lm_config *c)
{
	memset(c, 0, sizeof *c);
	c->host_uid = 65534;
	c->host_gid = 65534;
}

struct lm_strblock {
	struct lm_strblock *next;
	size_t used, cap;
	char data[];
};

char *lm_arena_strndup(struct lm_strarena *a, const char *s, size_t n)
{
	struct lm_strblock *b = a->head;
	if (!b || b->cap - b->used < n + 1) {
		size_t cap = n + 1 > 16384 ? n + 1 : 16384;
		b = malloc(sizeof *b + cap);
		if (!b)
			return NULL;
		b->used = 0;
		b->cap = cap;
		b->next = a->head;
		a->head = b;
	}
	char *out = b->data + b->used;
	memcpy(out, s, n);
	out[n] = '\0';
	b->used += n + 1;
	return out;
}

void lm_arena_free(struct lm_strarena *a)
{
	while (a->head) {
		struct lm_strblock *next = a->head->next;
		free(a->head);
		a->head = next;
	}
}

void lm_profile_texts_free(struct lm_profile_text *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].path);
		free(f[i].text);
	}
	free(f);
}

void lm_seccomp_policy_free(struct lm_seccomp_policy *p)
{
	lm_arena_free(&p->strings); /* every rule's strings */
	free(p->rules);
	free(p->name);
	free(p->path);
	free(p->text);
	lm_profile_texts_free(p->files, p->nfiles);
	memset(p, 0, sizeof *p);
}

void lm_config_free(struct lm_config *c)
{
	if (c->argv_owned && c->argv) {
		for (char **a = c->argv; *a; a++)
			free(*a);
		free(c->argv);
	}
	for (size_t i = 0; i < c->nmounts; i++) {
		free(c->mounts[i].src);
		free(c->mounts[i].dst);
		free(c->mounts[i].data);
		free(c->mounts[i].upper);
	}
	free(c->mounts);
	for (size_t i = 0; i < c->nenvops; i++) {
		free(c->envops[i].key);
		free(c->envops[i].value);
	}
	free(c->envops);
	free(c->hostname);
	free(c->rootfs);
	free(c->chdir);
	free(c->profile_name);
	free(c->tenant);
	lm_seccomp_policy_free(&c->seccomp);
	for (size_t i = 0; i < c->nlandlock_rules; i++)
		free(c->landlock_rules[i].path);
	free(c->landlock_rules);
	for (size_t i = 0; i < c->nuntrusted_paths; i++)
		free(c->untrusted_paths[i]);
	free(c->untrusted_paths);
	memset(c, 0, sizeof *c);
}

/* A destination inside the sandbox: absolute, no "..", no empty or over-long name. */
static int check_dst(const char *dst, struct lm_err *e)
{
	if (!dst || dst[0] != '/')
		return lm_error(e, 0, "mount",
				"destination '%s' must be an absolute path inside the sandbox",
				dst ? dst : "");
	if (strlen(dst) >= 4096)
		return lm_error(e, 0, "mount", "destination path is too long (%zu bytes)",
				strlen(dst));
	for (const char *p = dst; *p;) {
		while (*p == '/')
			p++;
		const char *q = strchrnul(p, '/');
		if (q - p == 2 && p[0] == '.' && p[1] == '.')
			return lm_error(e, 0, "mount",
					"destination '%s' escapes the root through '..'", dst);
		p = q;
	}
	return 0;
}

int lm_config_add_mount(struct lm_config *c, enum lm_mount_kind kind, const char *src,
			const char *dst, struct lm_err *e)
{
	if (check_dst(dst, e) < 0)
		return -1;
	if (kind != LM_MOUNT_TMPFS && (!src || !*src))
		return lm_error(e, 0, "mount", "empty source path for %s", dst);
	if (src && strlen(src) >= 4096)
		return lm_error(e, 0, "mount", "source path is too long (%zu bytes)", strlen(src));
	struct lm_mount *m = realloc(c->mounts, (c->nmounts + 1) * sizeof *m);
	if (!m)
		return lm_error(e, ENOMEM, "config", "adding mount %s", dst);
	c->mounts = m;
	m = &c->mounts[c->nmounts];
	*m = (struct lm_mount){.kind = kind, .fd = -1};
	m->src = src ? strdup(src) : NULL;
	m->dst = strdup(dst);
	if ((src && !m->src) || !m->dst) {
		free(m->src);
		free(m->dst);
		return lm_error(e, ENOMEM, "config", "adding mount %s", dst);
	}
	c->nmounts++;
	return 0;
}

int lm_config_add_envop(struct lm_config *c, bool unset, const char *key, const char *value,
			struct lm_err *e)
{
	if (!key || !*key || strchr(key, '='))
		return lm_error(e, 0, "env", "invalid variable name '%s'", key ? key : "");
	if (!unset && !value)
		return lm_error(e, 0, "env", "no value for %s", key);
	struct lm_envop *v = realloc(c->envops, (c->nenvops + 1) * sizeof *v);
	if (!v)
		return lm_error(e, ENOMEM, "config", "adding %s", key);
	c->envops = v;
	v = &c->envops[c->nenvops];
	v->unset = unset;
	v->key = strdup(key);
	v->value = unset ? NULL : strdup(value);
	if (!v->key || (!unset && !v->value)) {
		free(v->key);
		free(v->value);
		return lm_error(e, ENOMEM, "config", "adding %s", key);
	}
	c->nenvops++;
	return 0;
}
