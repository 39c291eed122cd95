/* fds: the payload gets exactly fds 0, 1 and 2.  init closes every other fd it inherited from
 * the caller (a leaked directory fd is an fchdir escape) as soon as it starts, keeping only
 * lamina's own; the payload marks every fd from 3 close-on-exec, so that nothing of init's
 * reaches the program. */
#include "sandbox.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/close_range.h>

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close every fd from 3 up but the ones init keeps. */
static int fds_init_host(struct lm_sandbox *sb, struct lm_err *e)
{
	if (!lm_layer_on(sb->c, LM_LAYER_FDS))
		return 0;
	int keep[sizeof sb->keep_fds / sizeof sb->keep_fds[0]];
	unsigned n = sb->nkeep;
	for (unsigned i = 0; i < n; i++)
		keep[i] = sb->keep_fds[i];
	qsort(keep, n, sizeof keep[0], cmp_int);
	unsigned from = 3;
	for (unsigned i = 0; i < n; i++) {
		if (keep[i] < 3 || (unsigned)keep[i] < from)
			continue;
		if ((unsigned)keep[i] > from && syscall(SYS_close_range, from, keep[i] - 1, 0) < 0)
			return lm_error(e, errno, "fds", "closing inherited fds");
		from = (unsigned)keep[i] + 1;
	}
	if (syscall(SYS_close_range, from, ~0U, 0) < 0)
		return lm_error(e, errno, "fds", "closing inherited fds");
	return 0;
}

/* The fd table is shared with init until the execve: mark rather than close (init still needs
 * its control socket). */
static int fds_payload(struct lm_sandbox *sb, struct lm_err *e)
{
	if (!lm_layer_on(sb->c, LM_LAYER_FDS))
		return 0;
	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return lm_error(e, errno, "fds", "close_range");
	return 0;
}

static void fds_explain(FILE *out, const struct lm_config *c, const struct lm_explain *x)
{
	(void)x;
	fprintf(out, "\nOpen files (fds)\n");
	if (lm_layer_on(c, LM_LAYER_FDS))
		fprintf(out,
			"  every fd but 0, 1 and 2 is closed: a directory or socket the caller "
			"leaked cannot be used to reach the host\n");
	else
		fprintf(out, "  LAYER DISABLED: the payload inherits every fd the caller leaked\n");
}

const struct lm_layer lm_layer_fds = {
    .name = "fds",
    .bit = LM_LAYER_FDS,
    .removable = true,
    .step = {[LM_STAGE_INIT_HOST] = fds_init_host, [LM_STAGE_PAYLOAD] = fds_payload},
    .explain = fds_explain,
};
