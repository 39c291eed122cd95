/* lamina run: argv -> struct lm_config -> lm_run().  The profile (-p, default "default") is
 * loaded first; the other options are applied after it in command-line order, so the command
 * line wins over the profile. */
#include "cmds.h"
#include "lamina.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char run_help[] =
	"usage: lamina run [OPTIONS] [--] PROGRAM [ARGS...]\n"
	"\n"
	"  -p, --profile NAME|FILE   a shipped profile by name, or a profile file (default: default)\n"
	"      --rootfs DIR          use DIR (read-only) as the root instead of the built-in minimal root\n"
	"      --ro-bind SRC DST     bind host SRC read-only at DST inside\n"
	"      --bind SRC DST        bind host SRC writable at DST inside\n"
	"      --tmpfs DST           a private tmpfs at DST\n"
	"      --share-net           keep the host network (default: a new netns with only lo)\n"
	"      --hostname NAME       UTS host name (default: lamina)\n"
	"      --chdir DIR           working directory inside (default: /)\n"
	"      --uid N, --gid N      ids inside (default: the caller's)\n"
	"      --host-uid N, --host-gid N\n"
	"                            as root: the unprivileged host ids the sandbox maps to (default 65534)\n"
	"      --setenv K V, --unsetenv K, --keep-env\n"
	"                            the environment is cleared to PATH, HOME, TERM, LANG by default\n"
	"      --rlimit NAME=SOFT[:HARD]\n"
	"                            e.g. nofile=256, as=1G, nproc=64, core=0 (SOFT alone sets both)\n"
	"      --timeout SECONDS     wall-clock limit for the whole sandbox (exit 124)\n"
	"      --report              name the call and the rule when seccomp stops the payload\n"
	"  -v, --verbose             one line per layer as it is applied (implies --report)\n"
	"      --unsafe-disable-layer NAME\n"
	"                            DEMO ONLY: remove one layer (namespaces, pivot, caps, nnp, rlimits,\n"
	"                            seccomp, stdfd, netns, session, fds, env)\n"
	"\n"
	"exit status: the payload's own; 128+N when it died by signal N; 124 timeout;\n"
	"125 lamina failed or was misused; 126 not executable; 127 not found\n";

static int need(int argc, char **argv, int i, int n, struct lm_err *e)
{
	if (i + n >= argc)
		return lm_error(e, 0, "run", "option %s needs %d argument%s", argv[i], n, n > 1 ? "s" : "");
	return 0;
}

static int parse_id(const char *opt, const char *s, uint32_t *out, struct lm_err *e)
{
	uint64_t v;
	/* (uid_t)-1 means "no change" to the kernel: never a valid id. */
	if (lm_parse_u64(s, 4294967294ull, false, &v) < 0)
		return lm_error(e, 0, "run", "%s: '%s' is not an id (0 to 4294967294)", opt, s);
	*out = (uint32_t)v;
	return 0;
}

static int set_str(char **dst, const char *v)
{
	char *d = strdup(v);
	if (!d)
		return -1;
	free(*dst);
	*dst = d;
	return 0;
}

static bool valid_hostname(const char *h)
{
	size_t n = strlen(h);
	if (n == 0 || n > 64 || h[0] == '-' || h[0] == '.')
		return false;
	for (const char *p = h; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' && *p != '_')
			return false;
	return true;
}

/* Is argv[i] the option `name` (also as --name=VALUE)?  *inl receives VALUE. */
static bool is_opt(const char *arg, const char *name, const char **inl)
{
	size_t n = strlen(name);
	if (strncmp(arg, name, n) != 0)
		return false;
	if (arg[n] == 0) {
		*inl = NULL;
		return true;
	}
	if (arg[n] == '=' && name[1] == '-') {
		*inl = arg + n + 1;
		return true;
	}
	return false;
}

int lm_run_parse_args(int argc, char **argv, struct lm_config *c, struct lm_err *e)
{
	const char *profile = "default";
	int i;
	/* The profile first, wherever -p appears among the options. */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *inl;
		if (strcmp(a, "--") == 0 || a[0] != '-')
			break;
		if (is_opt(a, "-p", &inl) || is_opt(a, "--profile", &inl)) {
			if (!inl && need(argc, argv, i, 1, e) < 0)
				return -1;
			profile = inl ? inl : argv[++i];
			if (!*profile)
				return lm_error(e, 0, "run", "%s needs a profile name or file", a);
			continue;
		}
		/* Skip option arguments so that a value starting with '-' is not read as an option. */
		static const char *const two[] = {"--ro-bind", "--bind", "--setenv", NULL};
		static const char *const one[] = {"--rootfs", "--tmpfs", "--hostname", "--chdir", "--uid",
						  "--gid", "--host-uid", "--host-gid", "--unsetenv",
						  "--rlimit", "--timeout", "--unsafe-disable-layer", NULL};
		for (const char *const *o = two; *o; o++)
			if (strcmp(a, *o) == 0)
				i += 2;
		for (const char *const *o = one; *o; o++)
			if (strcmp(a, *o) == 0)
				i += 1;
	}
	if (set_str(&c->profile_name, profile) < 0)
		return lm_error(e, ENOMEM, "run", "profile");
	/* Settings now; the rules only if lm_cmd_run finds they are needed
	 * (lm_seccomp_needs_rules). */
	if (lm_profile_load_settings(profile, c, e) < 0)
		return -1;
	/* A profile's rlimits are bounds for everyone who uses it: a caller whose own hard limit
	 * is lower keeps that (the command line's are requests: above the hard limit, an error). */
	for (int r = 0; r < LM_NRLIMITS; r++)
		if (c->rlimits[r].set)
			c->rlimits[r].from_profile = true;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == 0)
			break;
		if (is_opt(a, "-p", &v) || is_opt(a, "--profile", &v)) {
			if (!v)
				i++;
		} else if (strcmp(a, "--ro-bind") == 0 || strcmp(a, "--bind") == 0) {
			if (need(argc, argv, i, 2, e) < 0 ||
			    lm_config_add_mount(c, a[2] == 'r' ? LM_MOUNT_RO_BIND : LM_MOUNT_BIND, argv[i + 1],
						argv[i + 2], e) < 0)
				return -1;
			i += 2;
		} else if (is_opt(a, "--tmpfs", &v)) {
			if (!v && need(argc, argv, i, 1, e) < 0)
				return -1;
			if (lm_config_add_mount(c, LM_MOUNT_TMPFS, NULL, v ? v : argv[++i], e) < 0)
				return -1;
		} else if (is_opt(a, "--rootfs", &v)) {
			if (!v && need(argc, argv, i, 1, e) < 0)
				return -1;
			v = v ? v : argv[++i];
			if (!*v)
				return lm_error(e, 0, "run", "--rootfs needs a directory");
			if (set_str(&c->rootfs, v) < 0)
				goto oom;
		} else if (strcmp(a, "--share-net") == 0) {
			c->share_net = true;
		} else if (is_opt(a, "--hostname", &v)) {
			if (!v && need(argc, argv, i, 1, e) < 0)
				return -1;
			v = v ? v : argv[++i];
			if (!valid_hostname(v))
				return lm_error(e, 0, "run", "--hostname '%.80s' is not a valid host name (1-64 of a-z A-Z 0-9 . - _)", v);
			if (set_str(&c->hostname, v) < 0)
				goto oom;
		} else if (is_opt(a, "--chdir", &v)) {
			if (!v && need(argc, argv, i, 1, e) < 0)
				return -1;
			v = v ? v : argv[++i];
			if (v[0] != '/' || strlen(v) >= 4096)
				return lm_error(e, 0, "run", "--chdir '%.80s' must be an absolute path inside the sandbox", v);
			if (set_str(&c->chdir, v) < 0)
				goto oom;
		} else if (is_opt(a, "--uid", &v) || is_opt(a, "--gid", &v) || is_opt(a, "--host-uid", &v) ||
			   is_opt(a, "--host-gid", &v)) {
			const char *name = a;
			char nb[16];
			size_t nl = strcspn(a, "=");
			snprintf(nb, sizeof nb, "%.*s", (int)(nl < 15 ? nl : 15), a);
			name = nb;
			if (!v && need(argc, argv, i, 1, e) < 0)
				return -1;
			uint32_t id = 0;
			if (parse_id(name, v ? v : argv[++i], &id, e) < 0)
				return -1;
			if (strcmp(name, "--uid") == 0) {
				c->uid = id;
				c->uid_set = true;
			} else if (strcmp(name, "--gid") == 0) {
				c->gid = id;
				c->gid_set = true;
			} else {
				if (geteuid() != 0)
					return lm_error(e, 0, "run", "%s is for root only: an unprivileged caller can only map its own ids", name);
				if (id == 0)
					return lm_error(e, 0, "run", "%s 0 would make the payload host root", name);
				if (strcmp(name, "--host-uid") == 0)
					c->host_uid = id;
				else
					c->host_gid = id;
			}
		} else if (strcmp(a, "--setenv") == 0) {
			if (need(argc, argv, i, 2, e) < 0 || lm_config_add_envop(c, false, argv[i + 1], argv[i + 2], e) < 0)
				return -1;
			i += 2;
		} else if (is_opt(a, "--unsetenv", &v)) {
			if (!v && need(argc, argv, i, 1, e) < 0)
				return -1;
			if (lm_config_add_envop(c, true, v ? v : argv[++i], NULL, e) < 0)
				return -1;
		} else if (strcmp(a, "--keep-env") == 0) {
			c->keep_env = true;
		} else if (is_opt(a, "--rlimit", &v)) {
			if (!v && need(argc, argv, i, 1, e) < 0)
				return -1;
			if (lm_parse_rlimit(v ? v : argv[++i], c, e) < 0)
				return -1;
		} else if (is_opt(a, "--timeout", &v)) {
			if (!v && need(argc, argv, i, 1, e) < 0)
				return -1;
			v = v ? v : argv[++i];
			char *end;
			errno = 0;
			double t = strtod(v, &end);
			if (!isdigit((unsigned char)v[0]) || *end || errno || !isfinite(t) || t <= 0 || t > 1e7)
				return lm_error(e, 0, "run", "--timeout '%.40s' is not a number of seconds (0 < t <= 1e7)", v);
			c->timeout = t;
		} else if (strcmp(a, "--report") == 0) {
			c->report = true;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			c->verbose = true;
			c->report = true;
		} else if (is_opt(a, "--unsafe-disable-layer", &v)) {
			if (!v && need(argc, argv, i, 1, e) < 0)
				return -1;
			v = v ? v : argv[++i];
			unsigned bit;
			if (lm_layer_from_name(v, &bit) < 0 || bit == LM_LAYER_USERNS)
				return lm_error(e, 0, "run", "--unsafe-disable-layer: unknown or irremovable layer '%.40s'", v);
			c->disabled_layers |= bit;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			e->exit_code = 0;
			return 1;
		} else {
			return lm_error(e, 0, "run", "unknown option '%.80s' (try 'lamina run --help')", a);
		}
	}
	if (i >= argc || !argv[i][0])
		return lm_error(e, 0, "run", "no PROGRAM given (lamina run [OPTIONS] [--] PROGRAM [ARGS...])");
	c->argv = argv + i;
	return 0;
oom:
	return lm_error(e, ENOMEM, "run", "out of memory");
}

int lm_cmd_run(int argc, char **argv)
{
	struct lm_config c;
	struct lm_err e = {0};
	lm_config_init(&c);
	c.caller_uid = getuid();
	c.caller_gid = getgid();
	c.caller_is_root = geteuid() == 0;
	int r = lm_run_parse_args(argc, argv, &c, &e);
	if (r > 0) {
		fputs(run_help, stdout);
		lm_config_free(&c);
		return 0;
	}
	if (r == 0) {
		if (!c.uid_set)
			c.uid = c.caller_uid;
		if (!c.gid_set)
			c.gid = c.caller_gid;
		for (unsigned b = 1; b; b <<= 1)
			if (c.disabled_layers & b)
				fprintf(stderr, "lamina: WARNING: layer '%s' disabled (--unsafe-disable-layer): this is not a safe sandbox\n",
					lm_layer_name(b));
		/* Once the options are applied (report mode, layers removed): the profile's rules
		 * are parsed only when no filter built into lamina serves this launch. */
		if (lm_seccomp_needs_rules(&c))
			r = lm_profile_load_rules(&c, &e);
		if (r == 0)
			r = lm_run(&c, &e);
	}
	if (r < 0) {
		fprintf(stderr, "lamina: %s\n", e.msg);
		r = e.exit_code ? e.exit_code : LM_EXIT_FAILURE;
	}
	lm_config_free(&c);
	return r;
}
