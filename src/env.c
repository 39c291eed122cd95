/* env: the payload's environment is cleared to a small documented set (PATH, HOME, TERM, LANG,
 * where the caller has them; PATH gets a default), then --setenv/--unsetenv apply in order.
 * --keep-env keeps the caller's whole environment as the starting point. */
#include "lamina.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LM_DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"

static const char *const kept[] = {"PATH", "HOME", "TERM", "LANG", NULL};

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
	bool keep_all = c->keep_env || (c->disabled_layers & LM_LAYER_ENV);
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
	for (size_t i = 0; i < c->nenvops; i++)
		if (envv_set(&v, &n, c->envops[i].key, c->envops[i].unset ? NULL : c->envops[i].value) < 0)
			goto oom;
	return steal_pointer(&v);
oom:
	lm_error(e, ENOMEM, "env", "building the environment");
	return NULL;
}
