/* env: the payload's environment is cleared to a small documented set (PATH, TERM, LANG, where
 * the caller has them; PATH gets a default; HOME is the sandbox user's home, which the mount
 * layer makes), then --setenv/--unsetenv apply in order.  --keep-env keeps the caller's whole
 * environment as the starting point, HOME still the sandbox's. */
#include "sandbox.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LM_DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"

static const char *const kept[] = {"PATH", "TERM", "LANG", NULL};

static int envv_set(char ***v, size_t *n, const char *key, const char *value)
{
	size_t kl = strlen(key);
	char *entry = NULL;
	if (value && asprintf(&entry, "%s=%s", key, value) < 0)
		return -1;
	for (size_t i = 0; i < *n; i++) {
		if (strncmp((*v)[i], key, kl) == 0 && (*v)[i][kl] == '=') {
			free((*v)[i]);
			if (entry) {
				(*v)[i] = entry;
			} else {
				memmove(&(*v)[i], &(*v)[i + 1], (*n - i) * sizeof **v);
				(*n)--;
			}
			return 0;
		}
	}
	if (!entry)
		return 0;
	char **g = realloc(*v, (*n + 2) * sizeof *g);
	if (!g) {
		free(entry);
		return -1;
	}
	*v = g;
	g[(*n)++] = entry;
	g[*n] = NULL;
	return 0;
}

char **lm_env_build(const struct lm_config *c, char **environ_in, struct lm_err *e)
{
	cleanup_strv char **v = calloc(1, sizeof *v);
	size_t n = 0;
	if (!v)
		goto oom;
	bool keep_all = c->keep_env || !lm_layer_on(c, LM_LAYER_ENV);
	for (char **p = environ_in; p && *p; p++) {
		char *eq = strchr(*p, '=');
		if (!eq)
			continue;
		bool keep = keep_all;
		for (const char *const *k = kept; !keep && *k; k++)
			keep = (size_t)(eq - *p) == strlen(*k) && strncmp(*p, *k, strlen(*k)) == 0;
		if (!keep)
			continue;
		char key[256];
		size_t kl = (size_t)(eq - *p);
		if (kl >= sizeof key)
			continue;
		memcpy(key, *p, kl);
		key[kl] = 0;
		if (envv_set(&v, &n, key, eq + 1) < 0)
			goto oom;
	}
	bool has_path = false;
	for (size_t i = 0; i < n; i++)
		has_path |= strncmp(v[i], "PATH=", 5) == 0;
	if (!has_path && envv_set(&v, &n, "PATH", LM_DEFAULT_PATH) < 0)
		goto oom;
	/* The caller's HOME does not exist inside; the sandbox user's does (mount.c makes it). */
	if (lm_layer_on(c, LM_LAYER_ENV) && envv_set(&v, &n, "HOME", lm_mount_home(c)) < 0)
		goto oom;
	for (size_t i = 0; i < c->nenvops; i++)
		if (envv_set(&v, &n, c->envops[i].key,
			     c->envops[i].unset ? NULL : c->envops[i].value) < 0)
			goto oom;
	return steal_pointer(&v);
oom:
	lm_error(e, ENOMEM, "env", "building the environment");
	return NULL;
}

static int env_prepare(struct lm_sandbox *sb, struct lm_err *e)
{
	extern char **environ;
	sb->envp = lm_env_build(sb->c, environ, e);
	return sb->envp ? 0 : -1;
}

static void env_end(struct lm_sandbox *sb)
{
	lm_strvfreep(&sb->envp);
	sb->envp = NULL;
}

static int set_setenv(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	if (a->argc < 2) { /* a profile line with a name and no value */
		a->bad = 0;
		return lm_error(e, 0, "env", "%s %s needs a value (\"\" for empty)", a->name,
				a->argv[0]);
	}
	return lm_config_add_envop(c, false, a->argv[0], a->argv[1], e);
}

static int set_unsetenv(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	return lm_config_add_envop(c, true, a->argv[0], NULL, e);
}

static int set_keep_env(struct lm_config *c, struct lm_args *a, struct lm_err *e)
{
	(void)a, (void)e;
	c->keep_env = true;
	return 0;
}

static const struct lm_setting env_settings[] = {
    {.option = "--setenv",
     .directive = "setenv",
     .nargs = 2,
     .optional = 1,
     .metavar = "K V",
     .help = "set K=V in the payload's environment",
     .set = set_setenv},
    {.option = "--unsetenv",
     .directive = "unsetenv",
     .nargs = 1,
     .metavar = "K",
     .help = "remove K from the payload's environment",
     .set = set_unsetenv},
    {.option = "--keep-env",
     .directive = "keep-env",
     .help = "keep the caller's environment (default: cleared to PATH, TERM, LANG, and HOME)",
     .set = set_keep_env},
    {0},
};

static void env_explain(FILE *out, const struct lm_config *c, const struct lm_explain *x)
{
	(void)x;
	fprintf(out, "\nEnvironment (env)\n");
	if (c->keep_env)
		fprintf(out, "  the caller's environment is kept (keep-env)\n");
	else if (!lm_layer_on(c, LM_LAYER_ENV))
		fprintf(out, "  LAYER DISABLED: the caller's environment is kept\n");
	else
		fprintf(out, "  cleared to PATH, TERM, LANG (where set) and HOME (the sandbox's): "
			     "no secrets leak in through variables\n");
	for (size_t i = 0; i < c->nenvops; i++) {
		if (c->envops[i].unset)
			fprintf(out, "  unset %s\n", c->envops[i].key);
		else
			fprintf(out, "  set %s=%s\n", c->envops[i].key, c->envops[i].value);
	}
}

static void env_summary(FILE *out, const struct lm_config *c)
{
	if (c->keep_env)
		fprintf(out, " keep-env;");
	if (c->nenvops)
		fprintf(out, " %zu environment change%s;", c->nenvops, c->nenvops == 1 ? "" : "s");
}

const struct lm_layer lm_layer_env = {
    .name = "env",
    .bit = LM_LAYER_ENV,
    .removable = true,
    .settings = env_settings,
    .step = {[LM_STAGE_PREPARE] = env_prepare},
    .end = env_end,
    .explain = env_explain,
    .summary = env_summary,
};
