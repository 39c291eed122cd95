/* session: init starts a new session, so the sandbox has no controlling terminal: TIOCSTI and
 * job-control signals cannot reach the caller's terminal through it, and the keyboard's signals
 * reach only the supervisor, which passes them on. */
#include "sandbox.h"

#include <errno.h>
#include <unistd.h>

static int session_init(struct lm_sandbox *sb, struct lm_err *e)
{
	if (!lm_layer_on(sb->c, LM_LAYER_SESSION))
		return 0;
	if (setsid() < 0)
		return lm_error(e, errno, "session", "setsid");
	return 0;
}

static void session_explain(FILE *out, const struct lm_config *c, const struct lm_explain *x)
{
	(void)x;
	fprintf(out, "\nSession\n");
	if (lm_layer_on(c, LM_LAYER_SESSION))
		fprintf(out, "  a new session with no controlling terminal: TIOCSTI cannot type "
			     "into yours; non-dumpable; dies with lamina;\n  lamina's init (pid 1 "
			     "inside) reaps orphans and forwards signals\n");
	else
		fprintf(out, "  LAYER DISABLED: the payload stays in the caller's session and "
			     "terminal\n");
}

const struct lm_layer lm_layer_session = {
    .name = "session",
    .bit = LM_LAYER_SESSION,
    .removable = true,
    .step = {[LM_STAGE_INIT] = session_init},
    .explain = session_explain,
};
