/* profile.h: the profile parser's internal interface, shared by profile.c, explain.c and
 * cmd/profile_cmds.c.  The public entry points (lm_profile_load, lm_profile_parse_buffer,
 * lm_profile_dir) are in lamina.h; this header adds what `lamina check`, `lamina explain` and
 * `lamina profiles` need beyond the config: the purpose line, the rule groups and the files
 * read.  */
#ifndef LAMINA_PROFILE_H
#define LAMINA_PROFILE_H

#include <stdio.h>

#include "lamina.h"
#include "policy.h" /* the rules in words, for check and explain */

/* A `group NAME: DESCRIPTION` section; the rules written after it (in the same file) belong to
 * it until the next group directive or the end of that file. */
struct lm_profile_group {
	char *name;
	char *desc;
	char *file;
	unsigned line;
};

struct lm_profile_info {
	char *purpose; /* the top file's `purpose` line, NULL when absent */
	struct lm_profile_group *groups;
	size_t ngroups;
	size_t *rule_group; /* parallel to c->seccomp.rules: index into groups, or
			     * LM_NO_GROUP */
	size_t nrule_group;
	char **rule_conds; /* parallel too: the conditions as written ("a1 == TIOCSTI"),
			    * NULL for an unconditional rule */
	char **files;	   /* every file read, in order (the top one first) */
	size_t nfiles;
};
#define LM_NO_GROUP ((size_t)-1)

/* Like lm_profile_load / lm_profile_parse_buffer, also filling *info (which the caller frees
 * with lm_profile_info_free; it is zeroed first).  info may be NULL. */
int lm_profile_load_info(const char *name_or_path, struct lm_config *c,
			 struct lm_profile_info *info, struct lm_err *e);
int lm_profile_parse_buffer_info(const char *text, size_t len, const char *filename,
				 struct lm_config *c, struct lm_profile_info *info,
				 struct lm_err *e);
void lm_profile_info_free(struct lm_profile_info *info);

/* profile_untrusted.c: what a profile given with --untrusted-profile may change.  A snapshot of
 * the config before a directive; NULL or why the directive may not be used at all; 0 when what
 * it changed only narrows the sandbox, else -1 with why in why. */
struct lm_untrusted_snap {
	size_t nmounts, nlandlock;
	bool share_net, net_user, keep_env;
	unsigned unscoped;
	struct lm_rlimit rl[LM_NRLIMITS];
	struct lm_resources res;
};
int lm_untrusted_snap(const struct lm_config *c, struct lm_untrusted_snap *s);
const char *lm_untrusted_directive(const char *name);
int lm_untrusted_check(const struct lm_config *c, const struct lm_untrusted_snap *before, char *why,
		       size_t n);

/* The file a shipped profile NAME is read from (malloc'd), or NULL with errno set. */
char *lm_profile_path(const char *name);

/* Size limit of one profile file: anything larger is refused (a profile is a page of text). */
#define LM_PROFILE_MAX_SIZE (1024 * 1024)
/* Rules in one profile (with its includes). */
#define LM_PROFILE_MAX_RULES 4096

/* What a layer's explain step knows beyond the config. */
struct lm_explain {
	const struct lm_profile_info *info; /* the profile's purpose and rule groups, or NULL */
};

/* explain.c: `lamina explain`: every layer of the sandbox c describes, in plain words. */
int lm_explain(FILE *out, struct lm_config *c, const struct lm_profile_info *info,
	       struct lm_err *e);

/* profile_json.c: a profile file in Docker's JSON seccomp format (named *.json): its policy
 * into c->seccomp (the settings are lamina's defaults: a JSON profile has only seccomp). */
int lm_profile_json_load(const char *path, struct lm_config *c, struct lm_err *e);
bool lm_profile_is_json(const char *path);
/* rules.c, the parsers' tests of two rules of one system call: could one call match both (no
 * argument they both test is disjoint)?  Is every condition of a also one of b's? */
bool lm_rules_may_overlap(const struct lm_rule *a, const struct lm_rule *b);
bool lm_rule_conds_subset(const struct lm_rule *a, const struct lm_rule *b);

#endif
