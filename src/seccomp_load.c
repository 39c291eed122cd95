/* seccomp_load.c: the filters loaded.  lm_seccomp_prepare, in the supervisor before clone, takes
 * them from the table built into lamina (seccomp_table.c) or compiles them (seccomp.c); the
 * payload inherits the programs, and lm_seccomp_apply, its last step before execve, only makes
 * the seccomp(2) calls. */
#include "lamina.h"
#include "seccomp_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "libc-compat.h"

/* Prepared in the supervisor before clone; the payload inherits a copy of this memory. */
static struct {
	const struct lm_config *c;
	bool ready;
	bool builtin; /* set points into the built-in table: nothing to free */
	struct lm_bpf_set set;
} prepared;

/* ---- compiling in a child ------------------------------------------------------------------
 * libseccomp does not survive every failed allocation: short of memory (a low `ulimit -v`) it
 * can crash inside its BPF generator instead of returning an error.  So the supervisor compiles
 * in a child process with the same limits and takes the programs through a pipe; a child that
 * dies becomes one error line, and the supervisor has changed nothing yet. */

/* What the child sends: this header, then each program's instructions. */
struct compiled_hdr {
	int ok;
	unsigned nprogs;
	bool listener;
	unsigned short len[2];
	struct lm_err err; /* when !ok */
};

/* 0 and n bytes, or -1 (EOF counts as an error: the child died before sending them). */
static int read_all(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static _Noreturn void compile_child(const struct lm_config *c, int fd)
{
	struct lm_bpf_set set;
	struct compiled_hdr h = {0};
	if (lm_seccomp_compile(c, &set, &h.err) == 0) {
		h.ok = 1;
		h.nprogs = set.nprogs;
		h.listener = set.listener;
		for (unsigned i = 0; i < set.nprogs && i < 2; i++)
			h.len[i] = set.prog[i].len;
	}
	int rc = lm_write_all(fd, &h, sizeof h);
	for (unsigned i = 0; rc == 0 && h.ok && i < h.nprogs; i++)
		rc = lm_write_all(fd, set.prog[i].insns, h.len[i] * sizeof(struct sock_filter));
	_exit(rc == 0 ? 0 : 1);
}

/* "... under an address-space limit of N KiB (ulimit -v)" when there is one. */
static void limit_words(char *buf, size_t n)
{
	struct rlimit as, data;
	buf[0] = '\0';
	if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY)
		snprintf(buf, n, " under an address-space limit of %llu KiB (ulimit -v)",
			 (unsigned long long)(as.rlim_cur / 1024));
	else if (getrlimit(RLIMIT_DATA, &data) == 0 && data.rlim_cur != RLIM_INFINITY)
		snprintf(buf, n, " under a data limit of %llu KiB (ulimit -d)",
			 (unsigned long long)(data.rlim_cur / 1024));
}

static int compile_isolated(const struct lm_config *c, struct lm_bpf_set *s, struct lm_err *e)
{
	memset(s, 0, sizeof *s);
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return lm_error(e, errno, "seccomp", "compiling the filter: pipe");
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		close(p[0]);
		close(p[1]);
		return lm_error(e, err, "seccomp", "compiling the filter: fork");
	}
	if (pid == 0) {
		close(p[0]);
		compile_child(c, p[1]);
	}
	close(p[1]);
	struct compiled_hdr h;
	int got = read_all(p[0], &h, sizeof h);
	if (got == 0 && h.ok && (h.nprogs < 1 || h.nprogs > 2))
		got = -1;
	for (unsigned i = 0; got == 0 && h.ok && i < h.nprogs; i++) {
		if (h.len[i] == 0 || h.len[i] > BPF_MAXINSNS) {
			got = -1;
			break;
		}
		s->prog[i].insns = malloc(h.len[i] * sizeof(struct sock_filter));
		if (!s->prog[i].insns) {
			got = -2;
			break;
		}
		s->prog[i].len = h.len[i];
		s->nprogs = i + 1;
		got = read_all(p[0], s->prog[i].insns, h.len[i] * sizeof(struct sock_filter));
	}
	close(p[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	char lim[96];
	limit_words(lim, sizeof lim);
	if (got == -2) {
		lm_bpf_set_free(s);
		return lm_error(e, ENOMEM, "seccomp", "compiling the filter");
	}
	if (WIFSIGNALED(st)) {
		lm_bpf_set_free(s);
		const char *sn = sigabbrev_np(WTERMSIG(st));
		/* libseccomp's generator is known to crash when an allocation fails; with no
		 * memory limit in force this is a crash all the same, named as such. */
		if (lim[0])
			return lm_error(e, ENOMEM, "seccomp",
					"compiling the filter: libseccomp died of SIG%s%s",
					sn ? sn : "?", lim);
		return lm_error(e, 0, "seccomp", "compiling the filter: libseccomp died of SIG%s",
				sn ? sn : "?");
	}
	if (got < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		lm_bpf_set_free(s);
		if (got == 0 && !h.ok) {
			*e = h.err;
			e->msg[sizeof e->msg - 1] = '\0';
			return -1;
		}
		return lm_error(e, lim[0] ? ENOMEM : EIO, "seccomp",
				"compiling the filter: no answer from the compiling process%s",
				lim);
	}
	if (!h.ok) {
		/* EFAULT is libseccomp's word for an internal error, which a failed allocation
		 * inside it becomes: under a memory limit, say so. */
		if (h.err.errnum == EFAULT && lim[0])
			return lm_error(e, ENOMEM, "seccomp",
					"compiling the filter: libseccomp gave up (EFAULT)%s", lim);
		*e = h.err;
		e->msg[sizeof e->msg - 1] = '\0';
		return -1;
	}
	s->nprogs = h.nprogs;
	s->listener = h.listener;
	return 0;
}

int lm_seccomp_prepare(const struct lm_config *c, struct lm_err *e)
{
	lm_seccomp_release();
	if (c->disabled_layers & LM_LAYER_SECCOMP)
		return 0;
	const struct lm_builtin_bpf *b = lm_seccomp_builtin_find(c);
	/* Fail closed: a filter compiled without the profile's rules would be its default action
	 * alone, and a report could not name the rule (see lm_seccomp_needs_rules). */
	if (c->seccomp.rules_pending && (!b || lm_seccomp_wants_listener(c)))
		return lm_error(e, 0, "seccomp",
				"internal error: the profile's rules are not loaded");
	if (b) {
		prepared.set = (struct lm_bpf_set){.nprogs = b->nprogs, .listener = b->listener};
		for (unsigned i = 0; i < b->nprogs; i++) {
			prepared.set.prog[i].insns = (struct sock_filter *)b->insns[i];
			prepared.set.prog[i].len = b->len[i];
		}
		prepared.builtin = true;
	} else if (compile_isolated(c, &prepared.set, e) < 0) {
		return -1;
	}
	prepared.c = c;
	prepared.ready = true;
	lm_verbose(c, "seccomp", "filter %s",
		   prepared.builtin ? "built into lamina (the seccomp lines of a shipped profile)"
				    : "compiled now");
	return 0;
}

void lm_seccomp_prepared_prog(unsigned i, const struct sock_filter **insns, unsigned short *len)
{
	*insns = prepared.ready && i < prepared.set.nprogs ? prepared.set.prog[i].insns : NULL;
	*len = *insns ? prepared.set.prog[i].len : 0;
}

bool lm_seccomp_prepared_builtin(void)
{
	return prepared.ready && prepared.builtin;
}

void lm_seccomp_release(void)
{
	/* A built-in set points into the table: nothing of it is ours to free. */
	if (prepared.ready && !prepared.builtin)
		lm_bpf_set_free(&prepared.set);
	memset(&prepared.set, 0, sizeof prepared.set);
	prepared.builtin = false;
	prepared.ready = false;
	prepared.c = NULL;
}

static int load_prog(const struct sock_filter *insns, unsigned short len, unsigned flags)
{
	struct sock_fprog fprog = {.len = len, .filter = (struct sock_filter *)insns};
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fprog);
}

/* Report mode: the listener is returned in *listener_fd (O_CLOEXEC, the kernel sets it).  The
 * payload does not send it anywhere: once the report filter is loaded it may be allowed nothing
 * but execve (strict), and every other call would wait for a supervisor that has no listener
 * yet.  The launcher's init shares the payload's fd table (clone with CLONE_FILES, see init.c),
 * so the listener stays open in init after the payload's execve, and init hands it over. */
int lm_seccomp_apply(const struct lm_config *c, int *listener_fd, struct lm_err *e)
{
	if (listener_fd)
		*listener_fd = -1;
	if (c->disabled_layers & LM_LAYER_SECCOMP) {
		lm_verbose(c, "seccomp",
			   "layer DISABLED (--unsafe-disable-layer): no filter loaded");
		return 0;
	}
	struct lm_bpf_set local = {0};
	const struct lm_bpf_set *s = &local;
	if (prepared.ready && prepared.c == c) {
		s = &prepared.set;
	} else {
		/* Compiled here: move the programs out of the heap before loading anything.  Once
		 * a filter is in force no call may be left to make but execve: freeing heap memory
		 * afterwards can mean munmap or madvise (a sanitizer's allocator does), which the
		 * profile may refuse or kill. */
		static struct sock_filter copy[2][BPF_MAXINSNS];
		static struct lm_bpf_set moved;
		if (lm_seccomp_compile(c, &local, e) < 0)
			return -1;
		moved = (struct lm_bpf_set){.nprogs = local.nprogs, .listener = local.listener};
		for (unsigned i = 0; i < local.nprogs; i++) {
			memcpy(copy[i], local.prog[i].insns,
			       local.prog[i].len * sizeof(struct sock_filter));
			moved.prog[i].insns = copy[i];
			moved.prog[i].len = local.prog[i].len;
		}
		lm_bpf_set_free(&local);
		s = &moved;
	}
	int rc = 0;
	/* every program but the last: plain */
	for (unsigned i = 0; i + 1 < s->nprogs; i++) {
		if (load_prog(s->prog[i].insns, s->prog[i].len, 0) < 0) {
			rc = lm_error(e, errno, "seccomp", "loading the built-in filter");
			goto out;
		}
	}
	unsigned last = s->nprogs - 1;
	if (!s->listener) {
		if (load_prog(s->prog[last].insns, s->prog[last].len, 0) < 0)
			rc = lm_error(e, errno, "seccomp", "loading the %s filter",
				      s->nprogs > 1 ? "profile" : "built-in");
		goto out;
	}
	int fd =
	    load_prog(s->prog[last].insns, s->prog[last].len, SECCOMP_FILTER_FLAG_NEW_LISTENER);
	if (fd < 0)
		rc = lm_error(e, errno, "seccomp", "loading the report filter");
	else if (listener_fd)
		*listener_fd = fd;
out:
	if (rc == 0)
		lm_verbose(c, "seccomp", "%u filter%s loaded (%s)", s->nprogs,
			   s->nprogs > 1 ? "s" : "",
			   s->listener ? "violations reported" : "profile + built-in hardening");
	return rc;
}
