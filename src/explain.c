/* explain.c: `lamina explain [PROFILE]`: every layer of a sandbox in plain words, what it stops
 * and how, for the config a profile (and nothing else) describes.  Each layer writes its own
 * section (its row's explain step), in the order lamina applies them; values that depend on the
 * config (rlimits, mounts, network, rules) are read from the config, not restated. */
#include <stdio.h>

#include "lamina.h"
#include "profile.h"

int lm_explain(FILE *out, struct lm_config *c, const struct lm_profile_info *info, struct lm_err *e)
{
	(void)e;
	const struct lm_seccomp_policy *p = &c->seccomp;
	struct lm_explain x = {.info = info};
	fprintf(out, "Profile %s (%s)\n", p->name ? p->name : "?", p->path ? p->path : "?");
	if (info && info->purpose)
		fprintf(out, "  %s\n", info->purpose);
	fprintf(out, "The payload runs through these layers, in the order lamina applies them; if "
		     "any layer cannot be applied, the program is not run.\n");
	for (const struct lm_layer *const *l = lm_layers; *l; l++)
		if ((*l)->explain)
			(*l)->explain(out, c, &x);
	if (c->timeout > 0)
		fprintf(out,
			"\nWall clock\n  the whole sandbox is killed after %g seconds (exit 124)\n",
			c->timeout);
	return 0;
}
