/* Unit tests of the profile parser (src/profile.c): good input (every directive, every
 * operator, constants, includes, override rules, the shipped profiles) and bad input (every
 * error path, with its exact FILE:LINE:COL message).  No privilege, no filter loaded: the parser
 * is plain text in, struct lm_config out. */
#include "lamina.h"
#include "profile.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seccomp.h>

#include "check.h"

static char tmpdir[] = "/tmp/lamina-unit-profile-XXXXXX";

/* Parse text as file "t.profile"; returns the parser's result, c and e filled. */
static int parse(const char *text, struct lm_config *c, struct lm_err *e)
{
	lm_config_init(c);
	memset(e, 0, sizeof *e);
	return lm_profile_parse_buffer(text, strlen(text), "t.profile", c, e);
}

/* The text must be refused with exactly this message and exit status 125. */
#define BAD(text_, want_)                                                                          \
	do {                                                                                       \
		struct lm_config c_;                                                               \
		struct lm_err e_;                                                                  \
		int r_ = parse(text_, &c_, &e_);                                                   \
		CHECK(r_ < 0 && strcmp(e_.msg, want_) == 0 && e_.exit_code == 125,                 \
		      "input %s\n  expected error: %s\n  got (%d): %s", #text_, want_, r_,         \
		      r_ < 0 ? e_.msg : "(accepted)");                                             \
		lm_config_free(&c_);                                                               \
	} while (0)

static void write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "we");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

static const struct lm_rule *find_rule(const struct lm_config *c, const char *sys, unsigned nth)
{
	for (size_t i = 0; i < c->seccomp.nrules; i++)
		if (strcmp(c->seccomp.rules[i].syscall, sys) == 0 && nth-- == 0)
			return &c->seccomp.rules[i];
	return NULL;
}

/* ---- good input -------------------------------------------------------------------------- */

static void test_settings(void)
{
	struct lm_config c;
	struct lm_err e;
	int r = parse("# a comment\n"
		      "   \t\n"
		      "ro-bind /usr/share /share   # trailing comment\n"
		      "bind /srv\n"
		      "tmpfs /scratch\n"
		      "rlimit nofile=64\n"
		      "rlimit as=1G:2G\n"
		      "hostname box-1.example\n"
		      "chdir /scratch\n"
		      "setenv GREETING \"hello \\\"world\\\" \\\\o/\"\n"
		      "setenv EMPTY \"\"\n"
		      "unsetenv LANG\n"
		      "keep-env\n"
		      "share-net\n"
		      "timeout 2.5\n",
		      &c, &e);
	CHECK(r == 0, "settings parse: %s", e.msg);
	CHECK(c.nmounts == 3, "3 mounts, got %zu", c.nmounts);
	if (c.nmounts == 3) {
		CHECK(c.mounts[0].kind == LM_MOUNT_RO_BIND &&
			  !strcmp(c.mounts[0].src, "/usr/share") &&
			  !strcmp(c.mounts[0].dst, "/share"),
		      "ro-bind");
		CHECK(c.mounts[1].kind == LM_MOUNT_BIND && !strcmp(c.mounts[1].src, "/srv") &&
			  !strcmp(c.mounts[1].dst, "/srv"),
		      "bind with DST defaulting to SRC");
		CHECK(c.mounts[2].kind == LM_MOUNT_TMPFS && !c.mounts[2].src &&
			  !strcmp(c.mounts[2].dst, "/scratch"),
		      "tmpfs");
	}
	CHECK(c.rlimits[RLIMIT_NOFILE].set && c.rlimits[RLIMIT_NOFILE].soft == 64, "rlimit nofile");
	CHECK(c.rlimits[RLIMIT_AS].set && c.rlimits[RLIMIT_AS].soft == 1ull << 30 &&
		  c.rlimits[RLIMIT_AS].hard_set && c.rlimits[RLIMIT_AS].hard == 2ull << 30,
	      "rlimit as=1G:2G");
	CHECK(c.hostname && !strcmp(c.hostname, "box-1.example"), "hostname");
	CHECK(c.chdir && !strcmp(c.chdir, "/scratch"), "chdir");
	CHECK(c.nenvops == 3, "3 env ops, got %zu", c.nenvops);
	if (c.nenvops == 3) {
		CHECK(!c.envops[0].unset && !strcmp(c.envops[0].key, "GREETING") &&
			  !strcmp(c.envops[0].value, "hello \"world\" \\o/"),
		      "quoted setenv value, got [%s]", c.envops[0].value);
		CHECK(!strcmp(c.envops[1].value, ""), "empty quoted value");
		CHECK(c.envops[2].unset && !strcmp(c.envops[2].key, "LANG"), "unsetenv");
	}
	CHECK(c.keep_env, "keep-env");
	CHECK(c.share_net, "share-net");
	CHECK(c.timeout == 2.5, "timeout 2.5");
	CHECK(!c.seccomp.present, "no rules: seccomp not present");
	CHECK(c.seccomp.text_len == 0, "no seccomp lines: an empty seccomp text");
	lm_config_free(&c);

	r = parse("share-net\nnetwork none\nhostname a\nhostname b\n", &c, &e);
	CHECK(r == 0 && !c.share_net, "network none after share-net: later wins");
	CHECK(r == 0 && !strcmp(c.hostname, "b"), "later hostname wins");
	lm_config_free(&c);
	r = parse("network host\n", &c, &e);
	CHECK(r == 0 && c.share_net, "network host");
	lm_config_free(&c);
	r = parse("network user\npublish 8080:80\npublish [::1]:5353:5353/udp\n"
		  "connect-host 5432\nallow-outbound\n",
		  &c, &e);
	CHECK(r == 0 && c.net_user && !c.share_net && c.net_outbound, "network user: %s", e.msg);
	CHECK(c.npublish == 2 && !strcmp(c.publish[0].host, "127.0.0.1") &&
		  c.publish[0].host_port == 8080 && c.publish[0].port == 80 && !c.publish[0].udp,
	      "publish 8080:80: 127.0.0.1, tcp");
	CHECK(!strcmp(c.publish[1].host, "::1") && c.publish[1].udp, "publish [::1]:...:/udp");
	CHECK(c.nconnect_host == 1 && c.connect_host[0].host_port == 5432, "connect-host 5432");
	lm_config_free(&c);
	r = parse("network user\nshare-net\n", &c, &e);
	CHECK(r == 0 && c.share_net && !c.net_user, "share-net after network user: later wins");
	lm_config_free(&c);
}

static void test_actions(void)
{
	static const struct {
		const char *text;
		enum lm_action_kind kind;
		int errnum;
	} cases[] = {
	    {"default allow\n", LM_ACT_ALLOW, 0},
	    {"default errno(EPERM)\n", LM_ACT_ERRNO, EPERM},
	    {"default errno( EACCES )\n", LM_ACT_ERRNO, EACCES},
	    {"default errno(38)\n", LM_ACT_ERRNO, 38},
	    {"default errno(0)\n", LM_ACT_ERRNO, 0},
	    {"default errno(0x1)\n", LM_ACT_ERRNO, 1},
	    {"default kill-process\n", LM_ACT_KILL_PROCESS, 0},
	    {"default kill-thread\n", LM_ACT_KILL_THREAD, 0},
	    {"default trap\n", LM_ACT_TRAP, 0},
	    {"default log\n", LM_ACT_LOG, 0},
	    {"default notify\n", LM_ACT_NOTIFY, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct lm_config c;
		struct lm_err e;
		int r = parse(cases[i].text, &c, &e);
		CHECK(r == 0 && c.seccomp.present && c.seccomp.default_line == 1 &&
			  c.seccomp.default_action.kind == cases[i].kind &&
			  c.seccomp.default_action.errnum == cases[i].errnum,
		      "%s -> %s", cases[i].text, r ? e.msg : "wrong action");
		lm_config_free(&c);
	}
	/* Each action as a rule, and the printed form round-trips. */
	struct lm_config c;
	struct lm_err e;
	int r = parse("default kill-process\n"
		      "allow read\nerrno(EPERM) mount\nkill-thread ptrace\ntrap uname\nlog getpid\n"
		      "notify getppid\nkill-process kexec_load\n",
		      &c, &e);
	CHECK(r == 0 && c.seccomp.nrules == 7, "all actions as rules: %s", e.msg);
	static const char *const want[] = {
	    "allow read", "errno(EPERM) mount", "kill-thread ptrace",	  "trap uname",
	    "log getpid", "notify getppid",	"kill-process kexec_load"};
	for (size_t i = 0; r == 0 && i < 7; i++) {
		char *s = lm_rule_str(&c.seccomp.rules[i]);
		CHECK(s && !strcmp(s, want[i]), "rule %zu printed as %s", i, s);
		free(s);
	}
	lm_config_free(&c);
}

static void test_rules(void)
{
	struct lm_config c;
	struct lm_err e;
	int r = parse("default errno(ENOSYS)\n"
		      "allow read write   close\n"
		      "allow lseek if a0 == 3\n"
		      "allow fcntl if a1 != 0x10\n"
		      "allow pread64 if a2 < 010\n"
		      "allow pwrite64 if a2 <= 4096\n"
		      "allow readv if a2 > 1\n"
		      "allow writev if a2 >= 2 && a0 == 1 && a1 != 0\n"
		      "errno(EPERM) ioctl if a1 & 0xffffffff == TIOCSTI\n"
		      "allow clone if a0 & CLONE_NEWNS|CLONE_NEWUSER == 0\n"
		      "allow openat if a0 & 0xffffffff == AT_FDCWD && a2 & O_ACCMODE == O_RDONLY\n"
		      "allow kill if a1 == -1\n"
		      "allow socket if a0&0xffffffff==AF_UNIX&&a1&0xf==SOCK_STREAM\n",
		      &c, &e);
	CHECK(r == 0, "rules parse: %s", e.msg);
	CHECK(c.seccomp.nrules == 14, "14 rules, got %zu", c.seccomp.nrules);
	const struct lm_rule *x;
	x = find_rule(&c, "close", 0);
	CHECK(x && x->nconds == 0 && x->line == 2 &&
		  x->nr == seccomp_syscall_resolve_name("close") && !strcmp(x->file, "t.profile"),
	      "several syscalls on one line");
	x = find_rule(&c, "lseek", 0);
	CHECK(x && x->nconds == 1 && x->conds[0].arg == 0 && x->conds[0].op == LM_CMP_EQ &&
		  x->conds[0].value == 3,
	      "==");
	x = find_rule(&c, "fcntl", 0);
	CHECK(x && x->conds[0].arg == 1 && x->conds[0].op == LM_CMP_NE && x->conds[0].value == 16,
	      "!= with hex");
	x = find_rule(&c, "pread64", 0);
	CHECK(x && x->conds[0].op == LM_CMP_LT && x->conds[0].value == 8, "< with octal");
	x = find_rule(&c, "pwrite64", 0);
	CHECK(x && x->conds[0].op == LM_CMP_LE && x->conds[0].value == 4096, "<=");
	x = find_rule(&c, "readv", 0);
	CHECK(x && x->conds[0].op == LM_CMP_GT && x->conds[0].value == 1, ">");
	x = find_rule(&c, "writev", 0);
	CHECK(x && x->nconds == 3 && x->conds[0].op == LM_CMP_GE && x->conds[1].arg == 0 &&
		  x->conds[2].op == LM_CMP_NE,
	      ">= and three conditions");
	x = find_rule(&c, "ioctl", 0);
	CHECK(x && x->action.kind == LM_ACT_ERRNO && x->action.errnum == EPERM &&
		  x->conds[0].op == LM_CMP_MASKED_EQ && x->conds[0].mask == 0xffffffff &&
		  x->conds[0].value == TIOCSTI,
	      "masked equality with a constant");
	x = find_rule(&c, "clone", 0);
	CHECK(x && x->conds[0].mask == (CLONE_NEWNS | CLONE_NEWUSER) && x->conds[0].value == 0,
	      "constants OR'ed in a mask");
	x = find_rule(&c, "openat", 0);
	CHECK(x && x->conds[0].value == 0xffffff9c && x->conds[1].arg == 2 &&
		  x->conds[1].mask == O_ACCMODE,
	      "negative AT_FDCWD through the 32-bit mask is its low 32 bits");
	x = find_rule(&c, "kill", 0);
	CHECK(x && x->conds[0].value == UINT64_MAX, "-1 is two's complement");
	x = find_rule(&c, "socket", 0);
	CHECK(x && x->nconds == 2 && x->conds[0].value == AF_UNIX &&
		  x->conds[1].value == SOCK_STREAM,
	      "no blanks needed around operators");
	lm_config_free(&c);

	/* Implicit default: an allowlist without a default fails closed. */
	r = parse("allow read\n", &c, &e);
	CHECK(r == 0 && c.seccomp.present && c.seccomp.default_line == 0 &&
		  c.seccomp.default_action.kind == LM_ACT_KILL_PROCESS,
	      "implicit default kill-process");
	lm_config_free(&c);

	/* The same rule twice is kept once; exclusive rules with different actions coexist. */
	r = parse("allow read\nallow read\n"
		  "allow socket if a0 & 0xffffffff == AF_INET\n"
		  "errno(EPERM) socket if a0 & 0xffffffff == AF_PACKET\n"
		  "allow personality if a0 == 0\nerrno(EPERM) personality if a0 > 0xffffffff\n",
		  &c, &e);
	CHECK(r == 0 && c.seccomp.nrules == 5, "duplicates merged, exclusive rules kept: %s",
	      r ? e.msg : "");
	lm_config_free(&c);

	/* std-fd layer */
	r = parse("stdfd on\nstdfd allow dup2(1, 2)\n", &c, &e);
	CHECK(r == 0 && c.seccomp.stdfd && c.seccomp.allow_dup2_1_2, "stdfd on + dup2(1,2)");
	lm_config_free(&c);
	r = parse("stdfd on\nstdfd allow dup2 ( 1 ,2 )\nstdfd off\n", &c, &e);
	CHECK(r == 0 && !c.seccomp.stdfd && !c.seccomp.allow_dup2_1_2, "stdfd off clears both");
	lm_config_free(&c);

	/* reset forgets earlier rules of a call. */
	r = parse("allow read write\nreset read\nerrno(EPERM) read\n", &c, &e);
	x = r == 0 ? find_rule(&c, "read", 0) : NULL;
	CHECK(x && x->action.kind == LM_ACT_ERRNO && !find_rule(&c, "read", 1) &&
		  c.seccomp.nrules == 2,
	      "reset then a new rule: %s", e.msg);
	lm_config_free(&c);
}

static void test_includes(void)
{
	char top[300];
	struct lm_config c;
	struct lm_err e = {0};
	struct lm_profile_info info;
	write_file("base.profile", "purpose the base\n"
				   "default errno(ENOSYS)\n"
				   "group io: reading and writing\n"
				   "allow read write ioctl\n"
				   "hostname base\n");
	write_file("top.profile", "purpose the top\n"
				  "include ./base.profile\n"
				  "allow getpid\n"
				  "group guard: no terminal injection\n"
				  "errno(EPERM) ioctl\n"
				  "hostname top\n");
	snprintf(top, sizeof top, "%s/top.profile", tmpdir);
	lm_config_init(&c);
	int r = lm_profile_load_info(top, &c, &info, &e);
	CHECK(r == 0, "include by relative path: %s", e.msg);
	if (r == 0) {
		CHECK(!strcmp(info.purpose, "the top"), "only the top purpose counts");
		CHECK(info.nfiles == 2 && strstr(info.files[1], "base.profile"), "files read");
		CHECK(!strcmp(c.hostname, "top"), "settings after the include win");
		CHECK(c.seccomp.default_action.kind == LM_ACT_ERRNO &&
			  c.seccomp.default_action.errnum == ENOSYS,
		      "default from the include");
		const struct lm_rule *io = find_rule(&c, "ioctl", 0);
		CHECK(io && io->action.kind == LM_ACT_ERRNO && !find_rule(&c, "ioctl", 1) &&
			  strstr(io->file, "top.profile") && io->line == 5,
		      "the includer's rule replaced the included one");
		CHECK(c.seccomp.nrules == 4, "4 rules, got %zu", c.seccomp.nrules);
		CHECK(info.ngroups == 2 && info.nrule_group == c.seccomp.nrules, "groups");
		for (size_t i = 0; i < c.seccomp.nrules && info.ngroups == 2; i++) {
			const char *sys = c.seccomp.rules[i].syscall;
			size_t g = info.rule_group[i];
			if (!strcmp(sys, "read"))
				CHECK(g == 0, "read in group io");
			if (!strcmp(sys, "getpid"))
				CHECK(g == LM_NO_GROUP, "the group of an include ends with it");
			if (!strcmp(sys, "ioctl"))
				CHECK(g == 1, "ioctl in group guard");
		}
		CHECK(!strcmp(c.seccomp.name, top) && !strcmp(c.seccomp.path, top),
		      "name and path");
	}
	lm_profile_info_free(&info);
	lm_config_free(&c);
	write_file("base.profile",
		   "default errno(ENOSYS)\nallow read write ioctl\nhostname base\n");

	/* include by shipped name, through LAMINA_PROFILE_DIR */
	write_file("shipped.profile", "allow getuid\n");
	char *saved = getenv("LAMINA_PROFILE_DIR") ? strdup(getenv("LAMINA_PROFILE_DIR")) : NULL;
	setenv("LAMINA_PROFILE_DIR", tmpdir, 1);
	r = parse("include shipped.profile\nallow getgid\n", &c, &e);
	CHECK(r == 0 && find_rule(&c, "getuid", 0), "include NAME.profile: %s", e.msg);
	lm_config_free(&c);
	r = parse("include shipped\nallow getgid\n", &c, &e);
	CHECK(r == 0 && find_rule(&c, "getuid", 0) && find_rule(&c, "getgid", 0),
	      "include NAME from the profile dir: %s", e.msg);
	lm_config_free(&c);
	lm_config_init(&c);
	r = lm_profile_load("shipped", &c, &e);
	CHECK(r == 0 && find_rule(&c, "getuid", 0), "load a shipped name: %s", e.msg);
	lm_config_free(&c);
	if (saved) {
		setenv("LAMINA_PROFILE_DIR", saved, 1);
		free(saved);
	} else {
		unsetenv("LAMINA_PROFILE_DIR");
	}

	/* A narrower rule cannot carve an exception from an included broader one. */
	write_file("n.profile", "include ./base.profile\nerrno(EPERM) ioctl if a1 == 0x5412\n");
	snprintf(top, sizeof top, "%s/n.profile", tmpdir);
	lm_config_init(&c);
	r = lm_profile_load(top, &c, &e);
	char want[1024];
	snprintf(want, sizeof want,
		 "%s:2:14: errno(EPERM) here would never apply: the broader rule 'allow ioctl' at "
		 "%s/base.profile:2 already decides every call it matches (write 'reset SYSCALL' "
		 "first to replace the included rules)",
		 top, tmpdir);
	CHECK(r < 0 && !strcmp(e.msg, want), "narrower over included broader:\n  %s\n  %s", want,
	      e.msg);
	lm_config_free(&c);
	/* ... and with reset it works */
	write_file("n.profile", "include ./base.profile\nreset ioctl\n"
				"errno(EPERM) ioctl if a1 & 0xffffffff == 0x5412\n"
				"allow ioctl if a1 & 0xffffffff == 0x5413\n");
	lm_config_init(&c);
	r = lm_profile_load(top, &c, &e);
	CHECK(r == 0 && find_rule(&c, "ioctl", 1) && !find_rule(&c, "ioctl", 2), "reset: %s",
	      e.msg);
	lm_config_free(&c);

	/* cycles */
	write_file("self.profile", "allow read\ninclude ./self.profile\n");
	snprintf(top, sizeof top, "%s/self.profile", tmpdir);
	lm_config_init(&c);
	r = lm_profile_load(top, &c, &e);
	snprintf(want, sizeof want,
		 "%s:2:9: include %s/self.profile: include cycle (the file includes itself, "
		 "directly or not)",
		 top, tmpdir);
	CHECK(r < 0 && !strcmp(e.msg, want), "self include:\n  %s\n  %s", want, e.msg);
	lm_config_free(&c);
	write_file("a.profile", "include ./b.profile\n");
	write_file("b.profile", "allow read\ninclude ./a.profile\n");
	snprintf(top, sizeof top, "%s/a.profile", tmpdir);
	lm_config_init(&c);
	r = lm_profile_load(top, &c, &e);
	snprintf(want, sizeof want,
		 "%s/b.profile:2:9: include %s/a.profile: include cycle (the file includes "
		 "itself, directly or not)",
		 tmpdir, tmpdir);
	CHECK(r < 0 && !strcmp(e.msg, want), "indirect cycle:\n  %s\n  %s", want, e.msg);
	lm_config_free(&c);
	/* diamond: the same file twice, not a cycle */
	write_file("d.profile", "include ./shipped.profile\ninclude ./shipped.profile\n");
	snprintf(top, sizeof top, "%s/d.profile", tmpdir);
	lm_config_init(&c);
	r = lm_profile_load(top, &c, &e);
	CHECK(r == 0 && c.seccomp.nrules == 1, "the same include twice is fine: %s", e.msg);
	lm_config_free(&c);
	/* missing include */
	BAD("include ./nope.profile\n",
	    "t.profile:1:9: include nope.profile: No such file or directory");
	/* an empty include */
	write_file("empty.profile", "# nothing\n");
	snprintf(top, sizeof top, "%s/empty.profile", tmpdir);
	lm_config_init(&c);
	r = lm_profile_load(top, &c, &e);
	snprintf(want, sizeof want,
		 "%s:1:1: empty profile: no directive (only blank lines or comments)", top);
	CHECK(r < 0 && !strcmp(e.msg, want), "empty file: %s", e.msg);
	lm_config_free(&c);
	/* not found, as a shipped name and as a path */
	lm_config_init(&c);
	r = lm_profile_load("no-such-profile", &c, &e);
	CHECK(r < 0 && strstr(e.msg, "no shipped profile named 'no-such-profile'") &&
		  e.exit_code == 125,
	      "unknown shipped name: %s", e.msg);
	lm_config_free(&c);
	lm_config_init(&c);
	r = lm_profile_load("/nonexistent/x.profile", &c, &e);
	CHECK(r < 0 && !strcmp(e.msg, "profile: /nonexistent/x.profile: No such file or directory"),
	      "missing file: %s", e.msg);
	lm_config_free(&c);
	/* huge file */
	snprintf(top, sizeof top, "%s/huge.profile", tmpdir);
	FILE *f = fopen(top, "we");
	for (int i = 0; f && i < 40000; i++)
		fputs("# a long comment line that pads the file beyond one mebibyte\n", f);
	if (f)
		fclose(f);
	lm_config_init(&c);
	r = lm_profile_load(top, &c, &e);
	snprintf(want, sizeof want, "%s:1:1: larger than 1048576 bytes: not a profile", top);
	CHECK(r < 0 && !strcmp(e.msg, want), "huge file: %s", e.msg);
	lm_config_free(&c);
}

static void test_long_lines(void)
{
	/* Lines far longer than any buffer: nothing is truncated. */
	size_t n = 300000;
	char *text = malloc(n + 64);
	strcpy(text, "setenv BIG ");
	size_t off = strlen(text);
	memset(text + off, 'x', n);
	strcpy(text + off + n, "\n# ");
	memset(text + off + n + 3, 'y', 20);
	strcpy(text + off + n + 23, "\nallow read\n");
	struct lm_config c;
	struct lm_err e;
	int r = parse(text, &c, &e);
	CHECK(r == 0 && c.nenvops == 1 && strlen(c.envops[0].value) == n, "long value kept whole");
	lm_config_free(&c);
	/* a very long unknown word: the message quotes 60 bytes of it */
	memset(text, 'q', n);
	strcpy(text + n, "\n");
	r = parse(text, &c, &e);
	CHECK(r < 0 && strstr(e.msg, "t.profile:1:1: unknown directive 'qqqq") &&
		  strstr(e.msg, "...' (expected"),
	      "long garbage: %s", e.msg);
	lm_config_free(&c);
	free(text);
}

static void test_shipped(void)
{
	static const char *const names[] = {"default", "strict", "stdio", "build", "hosting"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct lm_config c;
		struct lm_err e = {0};
		struct lm_profile_info info;
		lm_config_init(&c);
		int r = lm_profile_load_info(names[i], &c, &info, &e);
		CHECK(r == 0 && c.seccomp.present && info.purpose && c.seccomp.text_len > 0,
		      "shipped %s: %s", names[i], e.msg);
		if (r == 0 && !strcmp(names[i], "default")) {
			CHECK(c.seccomp.default_action.kind == LM_ACT_ERRNO &&
				  c.seccomp.default_action.errnum == ENOSYS && !c.seccomp.stdfd,
			      "default: ENOSYS, no std-fd layer");
			CHECK(c.rlimits[RLIMIT_AS].set && c.rlimits[RLIMIT_AS].soft == 8ull << 30 &&
				  c.rlimits[RLIMIT_CPU].set && c.rlimits[RLIMIT_CPU].soft == 3600,
			      "default: bounded address space and CPU time");
			static const char *const refused[] = {"mount",
							      "umount2",
							      "fsopen",
							      "fsconfig",
							      "fsmount",
							      "fspick",
							      "move_mount",
							      "open_tree",
							      "mount_setattr",
							      "pivot_root",
							      "chroot",
							      "setns",
							      "bpf",
							      "perf_event_open",
							      "keyctl",
							      "add_key",
							      "request_key",
							      "userfaultfd",
							      "io_uring_setup",
							      "io_uring_enter",
							      "io_uring_register",
							      "kexec_load",
							      "kexec_file_load",
							      "init_module",
							      "finit_module",
							      "delete_module",
							      "open_by_handle_at",
							      "name_to_handle_at",
							      "ptrace",
							      "process_vm_readv",
							      "process_vm_writev",
							      "acct",
							      "swapon",
							      "swapoff",
							      "reboot",
							      "syslog",
							      "iopl",
							      "ioperm",
							      "quotactl",
							      "uselib",
							      "ustat",
							      "sysfs",
							      "vhangup",
							      "settimeofday",
							      "clock_settime",
							      "clock_adjtime",
							      "adjtimex"};
			for (size_t k = 0; k < sizeof refused / sizeof refused[0]; k++) {
				const struct lm_rule *x = find_rule(&c, refused[k], 0);
				CHECK(x && x->nconds == 0 &&
					  (x->action.kind == LM_ACT_KILL_PROCESS ||
					   (x->action.kind == LM_ACT_ERRNO &&
					    x->action.errnum == EPERM)),
				      "default refuses %s", refused[k]);
			}
			const struct lm_rule *x = find_rule(&c, "unshare", 0);
			CHECK(x && x->action.kind == LM_ACT_ALLOW && x->nconds == 1 &&
				  (x->conds[0].mask & CLONE_NEWNS) &&
				  (x->conds[0].mask & CLONE_NEWNET),
			      "default: unshare allowed only without namespace flags");
		}
		if (r == 0 && !strcmp(names[i], "strict")) {
			CHECK(c.seccomp.default_action.kind == LM_ACT_KILL_PROCESS &&
				  c.seccomp.stdfd && c.seccomp.allow_dup2_1_2,
			      "strict: kill-process, std-fd layer, dup2(1,2)");
			const struct lm_rule *x = find_rule(&c, "read", 0);
			CHECK(x && !find_rule(&c, "read", 1) && x->nconds == 1 &&
				  x->conds[0].op == LM_CMP_MASKED_EQ &&
				  x->conds[0].mask == 0xffffffff && x->conds[0].value == 0,
			      "strict: read on fd 0 only, through the mask");
			x = find_rule(&c, "dup2", 0);
			CHECK(x && !find_rule(&c, "dup2", 1) && x->nconds == 2 &&
				  x->conds[0].value == 1 && x->conds[1].value == 2,
			      "strict: dup2(1, 2) only");
			CHECK(find_rule(&c, "write", 1) && !find_rule(&c, "write", 2),
			      "strict: write on two fds");
			CHECK(!find_rule(&c, "open", 0) && !find_rule(&c, "openat", 0) &&
				  !find_rule(&c, "socket", 0) && !find_rule(&c, "clone", 0),
			      "strict: no open, socket, clone");
		}
		if (r == 0 && !strcmp(names[i], "stdio"))
			CHECK(c.seccomp.stdfd && c.seccomp.allow_dup2_1_2 &&
				  find_rule(&c, "mount", 0),
			      "%s: default + std-fd layer", names[i]);
		if (r == 0 && !strcmp(names[i], "build")) {
			CHECK(!c.share_net && c.nmounts == 1 &&
				  c.mounts[0].kind == LM_MOUNT_TMPFS &&
				  !strcmp(c.mounts[0].dst, "/tmp") && !c.seccomp.stdfd,
			      "build: no network, tmpfs /tmp, no std-fd layer");
			CHECK(c.rlimits[RLIMIT_NPROC].set && c.rlimits[RLIMIT_FSIZE].set &&
				  c.rlimits[RLIMIT_AS].set && c.rlimits[RLIMIT_CPU].set,
			      "build: bounded rlimits");
		}
		if (r == 0 && !strcmp(names[i], "hosting")) {
			CHECK(c.rlimits[RLIMIT_NPROC].set && c.rlimits[RLIMIT_NPROC].soft <= 128 &&
				  c.rlimits[RLIMIT_NOFILE].soft <= 256,
			      "hosting: tight rlimits");
			/* a web application's children get their fds 0-2 by dup2 */
			CHECK(!c.seccomp.stdfd && find_rule(&c, "mount", 0),
			      "hosting: default without the std-fd layer");
		}
		lm_profile_info_free(&info);
		lm_config_free(&c);
	}
}

/* ---- bad input ----------------------------------------------------------------------------- */

static void test_errors(void)
{
	/* directives */
	BAD("tmpfss /x\n", "t.profile:1:1: unknown directive 'tmpfss' (did you mean tmpfs?)");
	BAD("frobnicate\n", "t.profile:1:1: unknown directive 'frobnicate' (expected a setting "
			    "such as ro-bind or rlimit, or a rule such as 'allow read')");
	BAD("  @\n", "t.profile:1:3: expected a directive or a rule");
	BAD("keep-env now\n", "t.profile:1:10: unexpected text after keep-env (a directive takes "
			      "one line)");
	BAD("keep-env!\n", "t.profile:1:9: unexpected '!' after 'keep-env'");
	BAD("ro-bind\n", "t.profile:1:8: expected SRC DST after ro-bind");
	BAD("bind /a rel\n", "t.profile:1:9: mount: destination 'rel' must be an absolute path "
			     "inside the sandbox");
	BAD("bind /a /b /c\n", "t.profile:1:12: unexpected text after bind SRC DST (a directive "
			       "takes one line)");
	BAD("tmpfs /a/../../etc\n", "t.profile:1:7: mount: destination '/a/../../etc' escapes the "
				    "root through '..'");
	BAD("rlimit nofile\n", "t.profile:1:8: rlimit: 'nofile' is not NAME=SOFT[:HARD] (e.g. "
			       "nofile=256)");
	BAD("rlimit files=3\n",
	    "t.profile:1:8: rlimit: unknown resource 'files' (as, core, cpu, data, fsize, locks, "
	    "memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack)");
	BAD("hostname bad/name\n", "t.profile:1:10: uts: hostname 'bad/name' is not a valid host "
				   "name (1 to 64 letters, digits, '-', '.' or '_', not starting "
				   "with '-' or '.')");
	BAD("chdir tmp\n", "t.profile:1:7: chdir: chdir 'tmp' must be an absolute path inside the "
			   "sandbox");
	BAD("setenv A=B c\n", "t.profile:1:8: env: invalid variable name 'A=B'");
	BAD("setenv A\n", "t.profile:1:8: env: setenv A needs a value (\"\" for empty)");
	BAD("setenv A \"unterminated\n", "t.profile:1:10: unterminated quoted string (expected "
					 "'\"')");
	BAD("setenv A \"x\\n\"\n", "t.profile:1:12: unknown escape in quoted string (only \\\" "
				   "and \\\\)");
	BAD("setenv A \"x\"y\n", "t.profile:1:13: expected a blank after the closing quote");
	BAD("network bridge\n", "t.profile:1:9: net: expected none, host or user after network");
	BAD("publish 80\n",
	    "t.profile:1:9: net: publish '80': expected "
	    "[HOSTIP:]HOSTPORT:PORT[/tcp|/udp] (ports 1-65535, HOSTIP IPv4 or [IPv6])");
	BAD("timeout 0\n", "t.profile:1:9: timeout: timeout '0' is not a number of seconds (more "
			   "than 0, at most a year)");
	BAD("timeout inf\n", "t.profile:1:9: timeout: timeout 'inf' is not a number of seconds "
			     "(more than 0, at most a year)");
	BAD("timeout -3\n", "t.profile:1:9: timeout: timeout '-3' is not a number of seconds "
			    "(more than 0, at most a year)");
	BAD("purpose\n", "t.profile:1:8: expected a one-line description after purpose");
	BAD("group io\n", "t.profile:1:9: expected ':' and a description after the group name");
	BAD("group : x\n", "t.profile:1:7: expected a group name after group, as in 'group io: "
			   "...'");
	BAD("include\n", "t.profile:1:8: expected a profile name or path after include");
	BAD("stdfd maybe\n", "t.profile:1:7: expected on, off or allow dup2(1, 2) after stdfd");
	BAD("stdfd allow dup2(2, 1)\n", "t.profile:1:18: expected dup2(1, 2): the only exception "
					"the std-fd layer knows is the seed's dup2(1, 2)");
	BAD("stdfd allow dup3(1, 2)\n", "t.profile:1:13: expected dup2(1, 2): the only exception "
					"the std-fd layer knows is the seed's dup2(1, 2)");
	BAD("reset\n", "t.profile:1:6: expected a system call name after reset");
	BAD("reset opne\n", "t.profile:1:7: unknown system call 'opne' (did you mean open?)");

	/* actions */
	BAD("default\n", "t.profile:1:8: expected an action (allow, errno(NAME), kill-process, "
			 "kill-thread, trap, log, notify)");
	BAD("default alow\n", "t.profile:1:9: unknown action 'alow' (did you mean allow?)");
	BAD("default kill\n", "t.profile:1:9: unknown action 'kill' (write kill-process or "
			      "kill-thread)");
	BAD("kill read\n", "t.profile:1:1: unknown action 'kill' (write kill-process or "
			   "kill-thread)");
	BAD("default errno\n", "t.profile:1:14: expected '(' after errno, as in errno(EPERM)");
	BAD("default errno(EPREM)\n", "t.profile:1:15: unknown errno name 'EPREM' (did you mean "
				      "EPERM?)");
	BAD("default errno(4096)\n", "t.profile:1:15: errno value must be 0..4095");
	BAD("default errno(-1)\n", "t.profile:1:15: errno value must be 0..4095");
	BAD("default errno(EPERM\n", "t.profile:1:20: expected ')' to close errno(");
	BAD("default allow now\n", "t.profile:1:15: unexpected text after the default action (a "
				   "directive takes one line)");

	/* rules */
	BAD("allow\n", "t.profile:1:6: expected a system call name after the action");
	BAD("allow # nothing\n", "t.profile:1:7: expected a system call name after the action");
	BAD("allow opne\n", "t.profile:1:7: unknown system call 'opne' (did you mean open?)");
	BAD("allow read,write\n", "t.profile:1:11: unexpected ',' after the system call name");
	BAD("allow xyzzyplugh\n", "t.profile:1:7: unknown system call 'xyzzyplugh'");
	BAD("errno(EPERM)read\n", "t.profile:1:13: expected a blank after the action");
	BAD("allow read if\n", "t.profile:1:14: expected an argument a0..a5");
	BAD("allow read if a6 == 1\n", "t.profile:1:15: expected an argument a0..a5");
	BAD("allow read if arg0 == 1\n", "t.profile:1:15: expected an argument a0..a5");
	BAD("allow read if a0\n", "t.profile:1:17: expected a comparison (==, !=, <, <=, >, >=) or "
				  "'& MASK =='");
	BAD("allow read if a0 = 1\n", "t.profile:1:18: expected '==' (a single '=' is not a "
				      "comparison)");
	BAD("allow read if a0 & 0xff < 3\n", "t.profile:1:25: a masked comparison must be '==' "
					     "(libseccomp has only masked equality)");
	BAD("allow read if a0 & 0xff\n", "t.profile:1:24: expected a comparison (==, !=, <, <=, "
					 ">, >=)");
	BAD("allow read if a0 & 0xff == 0x100\n", "t.profile:1:28: value 0x100 has bits outside "
						  "the mask 0xff: the comparison could never be "
						  "true");
	BAD("allow read if a0 ==\n", "t.profile:1:20: expected a number or a constant name");
	BAD("allow read if a0 == 1 a1 == 2\n", "t.profile:1:23: expected '&&' or the end of the "
					       "line");
	BAD("allow read if a0 == 1 &&\n", "t.profile:1:25: expected an argument a0..a5");
	BAD("allow read if a0 == 1 && a0 == 2\n", "t.profile:1:26: a0 is compared twice; "
						  "libseccomp allows one comparison per argument "
						  "in a rule (write two rules)");
	BAD("allow read if a0 == 1 && a1 == 1 && a2 == 1 && a3 == 1 && a4 == 1 && a5 == 1 && a0 "
	    "== 2\n",
	    "t.profile:1:81: too many conditions (at most 6)");
	BAD("allow read if a0 == CLONE_NEWUSR\n", "t.profile:1:21: unknown constant "
						  "'CLONE_NEWUSR' (did you mean CLONE_NEWUSER?)");
	BAD("allow read if a0 == FOOBARBAZ\n", "t.profile:1:21: unknown constant 'FOOBARBAZ' "
					       "(expected a number or a name such as "
					       "CLONE_NEWUSER, TIOCSTI, AF_PACKET, O_WRONLY)");
	BAD("allow read if a0 == 09\n", "t.profile:1:22: invalid digit '9' in a base-8 number");
	BAD("allow read if a0 == 0x\n", "t.profile:1:21: expected hex digits after '0x'");
	BAD("allow read if a0 == 12ab\n", "t.profile:1:23: invalid digit 'a' in a base-10 number");
	BAD("allow read if a0 == 0x1ffffffffffffffff\n", "t.profile:1:21: number "
							 "0x1ffffffffffffffff does not fit in 64 "
							 "bits");
	BAD("allow read if a0 == -x\n", "t.profile:1:22: expected a number after '-'");
	BAD("allow read if a0 == 1 |\n", "t.profile:1:24: expected a number or a constant name");

	/* rules that libseccomp would silently merge */
	BAD("allow ioctl\nerrno(EPERM) ioctl if a1 == 1\n",
	    "t.profile:2:14: errno(EPERM) here would never apply: the broader rule 'allow ioctl' "
	    "at t.profile:1 already decides every call it matches");
	BAD("errno(EPERM) ioctl if a1 == 1\nallow ioctl\n",
	    "t.profile:2:7: this broader rule would hide the errno(EPERM) rule for ioctl at "
	    "t.profile:1 (libseccomp keeps only the broader one); add conditions or remove one "
	    "of them");
	BAD("allow ioctl if a1 == 1\nerrno(EPERM) ioctl if a1 == 1\n",
	    "t.profile:2:14: conflicting rules for ioctl: errno(EPERM) here, allow at t.profile:1 "
	    "with the same conditions");
	BAD("allow personality if a0 == 0\nerrno(EPERM) personality if a0 != 0xffffffff\n",
	    "t.profile:2:14: this rule (errno(EPERM)) overlaps 'allow personality if a0 == 0' at "
	    "t.profile:1: a call can match both, and libseccomp does not decide overlapping rules "
	    "in profile order; make the conditions exclusive");
	BAD("allow read if a0 < 10\nerrno(EPERM) read if a0 >= 5\n",
	    "t.profile:2:14: this rule (errno(EPERM)) overlaps 'allow read if a0 < 10' at "
	    "t.profile:1: a call can match both, and libseccomp does not decide overlapping rules "
	    "in profile order; make the conditions exclusive");
	BAD("allow read if a0 & 1 == 1\nerrno(EPERM) read if a0 & 2 == 2\n",
	    "t.profile:2:14: this rule (errno(EPERM)) overlaps 'allow read if a0 & 0x1 == 1' at "
	    "t.profile:1: a call can match both, and libseccomp does not decide overlapping rules "
	    "in profile order; make the conditions exclusive");

	/* reset forgets rules, but later conflicts are still caught */
	BAD("allow ioctl\nreset ioctl\nallow ioctl if a1 == 1\nerrno(EPERM) ioctl if a1 == 1\n",
	    "t.profile:4:14: conflicting rules for ioctl: errno(EPERM) here, allow at t.profile:3 "
	    "with the same conditions");

	/* not text */
	BAD("allow read\n\x01\n", "t.profile:2:1: unexpected control byte 0x01: a profile is a "
				  "text file");
	{
		static const char bin[] = "allow read\nab\0cd\n";
		struct lm_config c;
		struct lm_err e = {0};
		lm_config_init(&c);
		int r = lm_profile_parse_buffer(bin, sizeof bin - 1, "t.profile", &c, &e);
		CHECK(r < 0 && !strcmp(e.msg, "t.profile:2:3: unexpected control byte 0x00: a "
					      "profile is a text file"),
		      "NUL byte: %s", e.msg);
		lm_config_free(&c);
	}
	BAD("", "t.profile:1:1: empty profile: no directive (only blank lines or comments)");
	BAD("# only\n\n   # comments\n", "t.profile:1:1: empty profile: no directive (only blank "
					 "lines or comments)");
	{
		size_t n = LM_PROFILE_MAX_SIZE + 1;
		char *big = malloc(n);
		memset(big, '#', n);
		struct lm_config c;
		struct lm_err e = {0};
		lm_config_init(&c);
		int r = lm_profile_parse_buffer(big, n, "t.profile", &c, &e);
		CHECK(r < 0 && !strcmp(e.msg, "t.profile:1:1: larger than 1048576 bytes: not a "
					      "profile"),
		      "huge buffer: %s", e.msg);
		lm_config_free(&c);
		free(big);
	}
	{
		/* more rules than a filter can hold (tables of equalities over eight calls, each
		 * within the compile budget) */
		static const char *const calls[] = {"read",  "write", "close",	  "fstat",
						    "lseek", "mmap",  "mprotect", "munmap"};
		size_t cap = 5000 * 40;
		char *t = malloc(cap), *w = t;
		for (int i = 0; i < 5000; i++)
			w += sprintf(w, "allow %s if a0 == %d\n", calls[i % 8], i);
		struct lm_config c;
		struct lm_err e = {0};
		int r = parse(t, &c, &e);
		CHECK(r < 0 &&
			  !strcmp(e.msg, "t.profile:4097:7: too many rules (at most 4096: a "
					 "seccomp filter holds at most 4096 BPF instructions)"),
		      "too many rules: %s", e.msg);
		lm_config_free(&c);
		free(t);
	}
	/* an error leaves nothing half-built that leaks (ASan's leak check runs on this) */
	BAD("allow read write\nallow getpid\nbind /a /b\ngroup g: x\nallow opne\n",
	    "t.profile:5:7: unknown system call 'opne' (did you mean open?)");
}

/* lamina run's split load: settings now, rules only when needed.  The settings, the default,
 * the seccomp lines and the flags the built-in filters are keyed by must be those of a full
 * load; the rules, once loaded, too, parsed from the texts the settings load read (a file
 * changed on the disk in between changes nothing); a broken rule is an error then. */
static void test_settings_then_rules(void)
{
	char top[300];
	struct lm_config full, split;
	struct lm_err e = {0};
	write_file("base.profile", "default errno(ENOSYS)\n"
				   "allow read write ioctl\n"
				   "stdfd on\n"
				   "i386 on\n"
				   "hostname base\n");
	write_file("top.profile", "include ./base.profile\n"
				  "allow getpid\n"
				  "reset ioctl\n"
				  "errno(EPERM) ioctl if a1 == TIOCSTI\n"
				  "rlimit nofile=64\n"
				  "ro-bind /srv\n");
	snprintf(top, sizeof top, "%s/top.profile", tmpdir);
	lm_config_init(&full);
	lm_config_init(&split);
	int r1 = lm_profile_load(top, &full, &e);
	CHECK(r1 == 0, "full load: %s", e.msg);
	int r2 = lm_profile_load_settings(top, &split, &e);
	CHECK(r2 == 0, "settings load: %s", e.msg);
	if (r1 == 0 && r2 == 0) {
		CHECK(split.seccomp.rules_pending && split.seccomp.nrules == 0 &&
			  !split.seccomp.notify_pending && !full.seccomp.rules_pending,
		      "rules pending after a settings load only");
		CHECK(split.seccomp.text_len == full.seccomp.text_len &&
			  !memcmp(split.seccomp.text, full.seccomp.text, full.seccomp.text_len),
		      "the same seccomp lines either way");
		CHECK(split.seccomp.nfiles == 2 && full.seccomp.nfiles == 0,
		      "the files read are kept by a settings load only (%zu, %zu)",
		      split.seccomp.nfiles, full.seccomp.nfiles);
		CHECK(split.seccomp.present && split.seccomp.stdfd && split.seccomp.i386 &&
			  split.seccomp.default_action.kind == LM_ACT_ERRNO &&
			  split.seccomp.default_action.errnum == ENOSYS,
		      "present, stdfd, i386 and the default from a settings load");
		CHECK(!strcmp(split.hostname, "base") && split.nmounts == 1 &&
			  split.rlimits[RLIMIT_NOFILE].set,
		      "settings from a settings load");
		CHECK(lm_profile_load_rules(&split, &e) == 0, "rules load: %s", e.msg);
		CHECK(!split.seccomp.rules_pending && split.seccomp.nrules == full.seccomp.nrules &&
			  !strcmp(split.seccomp.name, top) && split.seccomp.nfiles == 0,
		      "rules load: %zu rules (full load %zu), the texts released",
		      split.seccomp.nrules, full.seccomp.nrules);
		const struct lm_rule *io = find_rule(&split, "ioctl", 0);
		CHECK(io && io->nconds == 1 && io->action.kind == LM_ACT_ERRNO,
		      "the reset applied by the rules load");
		CHECK(lm_profile_load_rules(&split, &e) == 0 &&
			  split.seccomp.nrules == full.seccomp.nrules,
		      "a second rules load is a no-op");
	}
	lm_config_free(&full);
	lm_config_free(&split);

	/* notify noted without parsing the rule (report mode needs the rules) */
	write_file("n.profile", "default allow\nnotify mkdir\n");
	snprintf(top, sizeof top, "%s/n.profile", tmpdir);
	lm_config_init(&split);
	CHECK(lm_profile_load_settings(top, &split, &e) == 0 && split.seccomp.notify_pending &&
		  lm_seccomp_wants_listener(&split),
	      "notify noted by a settings load: %s", e.msg);
	lm_config_free(&split);

	/* a broken rule passes the settings load and is reported, with FILE:LINE:COL, by the
	 * rules load */
	write_file("b.profile", "default allow\nallow read\nerrno(EPERM) mkdirr\n");
	snprintf(top, sizeof top, "%s/b.profile", tmpdir);
	lm_config_init(&split);
	CHECK(lm_profile_load_settings(top, &split, &e) == 0, "settings load of b: %s", e.msg);
	int r = lm_profile_load_rules(&split, &e);
	char want[400];
	snprintf(want, sizeof want, "%s:3:14: unknown system call 'mkdirr' (did you mean mkdir?)",
		 top);
	CHECK(r < 0 && e.exit_code == 125 && !strcmp(e.msg, want), "broken rule at rules load: %s",
	      e.msg);
	lm_config_free(&split);

	/* the files change on the disk between the two loads (the include is even removed): the
	 * rules are those of the texts read the first time, each file read once */
	write_file("d.profile", "default allow\ninclude ./e.profile\n");
	write_file("e.profile", "allow read\n");
	snprintf(top, sizeof top, "%s/d.profile", tmpdir);
	lm_config_init(&split);
	CHECK(lm_profile_load_settings(top, &split, &e) == 0, "settings load of d: %s", e.msg);
	write_file("d.profile", "default allow\nkill-process read\n");
	char epath[300];
	snprintf(epath, sizeof epath, "%s/e.profile", tmpdir);
	unlink(epath);
	memset(&e, 0, sizeof e);
	r = lm_profile_load_rules(&split, &e);
	const struct lm_rule *rd = r == 0 ? find_rule(&split, "read", 0) : NULL;
	CHECK(rd && rd->action.kind == LM_ACT_ALLOW && split.seccomp.nrules == 1 &&
		  strstr(rd->file, "e.profile"),
	      "rules from the texts read by the settings load: %s", e.msg);
	lm_config_free(&split);
	/* twin: a load now reads the file as it is on the disk */
	lm_config_init(&split);
	r = lm_profile_load(top, &split, &e);
	rd = r == 0 ? find_rule(&split, "read", 0) : NULL;
	CHECK(rd && rd->action.kind == LM_ACT_KILL_PROCESS, "a new load reads the new text: %s",
	      e.msg);
	lm_config_free(&split);
}

/* The seccomp text (c->seccomp.text): the seccomp lines, trimmed, in the order read, an
 * include's in place, "@N" where the file changes; equal texts must make equal policies (the
 * filters built into lamina are keyed by it). */
static void test_seccomp_text(void)
{
	struct lm_config c, d;
	struct lm_err e = {0};
	char top[300], base[300];
	int r = parse("purpose p\n# a comment\n  default allow  \nhostname h\n\n"
		      "errno(EPERM) getppid # why\ngroup g: x\n\tallow read write\t\r\n"
		      "stdfd on\ni386 off\nreset write\nrlimit nofile=64\n",
		      &c, &e);
	static const char want[] = "@0\ndefault allow\nerrno(EPERM) getppid # why\n"
				   "allow read write\nstdfd on\ni386 off\nreset write\n";
	CHECK(r == 0 && c.seccomp.text_len == strlen(want) &&
		  !memcmp(c.seccomp.text, want, strlen(want)),
	      "the seccomp lines, trimmed, nothing else: [%.*s]", (int)c.seccomp.text_len,
	      c.seccomp.text ? c.seccomp.text : "");
	lm_config_free(&c);

	/* a profile that includes another and adds only settings (and comments) has the other's
	 * text exactly */
	write_file("base.profile", "# base\ndefault errno(ENOSYS)\nallow read\nhostname b\n");
	write_file("top.profile", "purpose top\ninclude ./base.profile\n# more\nrlimit nofile=64\n"
				  "ro-bind /srv\n");
	snprintf(base, sizeof base, "%s/base.profile", tmpdir);
	snprintf(top, sizeof top, "%s/top.profile", tmpdir);
	lm_config_init(&c);
	lm_config_init(&d);
	CHECK(lm_profile_load_settings(base, &c, &e) == 0 &&
		  lm_profile_load_settings(top, &d, &e) == 0,
	      "settings loads: %s", e.msg);
	CHECK(c.seccomp.text_len > 0 && c.seccomp.text_len == d.seccomp.text_len &&
		  !memcmp(c.seccomp.text, d.seccomp.text, c.seccomp.text_len),
	      "settings added around an include: the same text");
	lm_config_free(&d);

	/* twin: one rule more, or one rule changed, is another text */
	write_file("top.profile", "include ./base.profile\nallow write\n");
	lm_config_init(&d);
	CHECK(lm_profile_load_settings(top, &d, &e) == 0 &&
		  (d.seccomp.text_len != c.seccomp.text_len ||
		   memcmp(c.seccomp.text, d.seccomp.text, c.seccomp.text_len) != 0) &&
		  strstr(d.seccomp.text, "@1\nallow write\n"),
	      "a rule added: another text, its file marked: %s", e.msg);
	lm_config_free(&d);
	write_file("top.profile", "# base\ndefault errno(ENOSYS)\nallow  read\nhostname b\n");
	lm_config_init(&d);
	CHECK(lm_profile_load_settings(top, &d, &e) == 0 &&
		  (d.seccomp.text_len != c.seccomp.text_len ||
		   memcmp(c.seccomp.text, d.seccomp.text, c.seccomp.text_len) != 0),
	      "a rule written differently: another text");
	lm_config_free(&d);
	lm_config_free(&c);

	/* The same lines in one file or across an include are not the same policy (a conflict
	 * is an error within a file, an override across an include): not the same text. */
	write_file("base.profile", "default allow\nallow ioctl\n");
	write_file("top.profile", "include ./base.profile\nerrno(EPERM) ioctl\n");
	write_file("a.profile", "default allow\nallow ioctl\nerrno(EPERM) ioctl\n");
	lm_config_init(&c);
	lm_config_init(&d);
	snprintf(base, sizeof base, "%s/a.profile", tmpdir);
	CHECK(lm_profile_load(top, &c, &e) == 0 && c.seccomp.nrules == 1,
	      "across an include the later rule overrides: %s", e.msg);
	CHECK(lm_profile_load(base, &d, &e) < 0 && strstr(e.msg, "conflicting rules for ioctl"),
	      "in one file the two rules conflict: %s", e.msg);
	lm_config_free(&d);
	lm_config_init(&d);
	CHECK(
	    lm_profile_load_settings(base, &d, &e) == 0 && c.seccomp.text &&
		d.seccomp.text_len == c.seccomp.text_len - 3 &&
		strstr(c.seccomp.text, "@0\ndefault allow\nallow ioctl\n@1\nerrno(EPERM) ioctl\n"),
	    "so the texts differ: [%.*s]", (int)c.seccomp.text_len,
	    c.seccomp.text ? c.seccomp.text : "");
	lm_config_free(&d);
	lm_config_free(&c);
	/* Files are numbered by name: a file included twice keeps its number. */
	write_file("top.profile", "include ./base.profile\nallow read\ninclude ./base.profile\n");
	lm_config_init(&c);
	static const char twice[] = "@0\ndefault allow\nallow ioctl\n@1\nallow read\n@0\n"
				    "default allow\nallow ioctl\n";
	CHECK(lm_profile_load_settings(top, &c, &e) == 0 && c.seccomp.text_len == strlen(twice) &&
		  !memcmp(c.seccomp.text, twice, strlen(twice)),
	      "an include read twice: [%.*s]", (int)c.seccomp.text_len,
	      c.seccomp.text ? c.seccomp.text : "");
	lm_config_free(&c);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	test_settings();
	test_actions();
	test_rules();
	test_includes();
	test_settings_then_rules();
	test_seccomp_text();
	test_long_lines();
	test_shipped();
	test_errors();
	/* clean the temp dir */
	static const char *const files[] = {"base.profile",  "top.profile",  "shipped.profile",
					    "n.profile",     "self.profile", "a.profile",
					    "b.profile",     "d.profile",    "e.profile",
					    "empty.profile", "huge.profile"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[300];
		snprintf(path, sizeof path, "%s/%s", tmpdir, files[i]);
		unlink(path);
	}
	rmdir(tmpdir);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
