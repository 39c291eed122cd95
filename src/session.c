/* session: init starts a new session, so the sandbox has no controlling terminal of the
 * caller's: TIOCSTI and job-control signals cannot reach the caller's terminal through it.  The
 * payload leads a process group of its own (with a pty, the terminal layer gives it a whole
 * session), and the signals a terminal would deliver to a foreground job (SIGINT, SIGQUIT,
 * SIGTERM, SIGHUP sent to lamina) reach that whole group through init: a build's children stop
 * with it. */
#include "sandbox.h"
#include "pty.h"

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

/* With a pty the terminal layer's setsid makes the group (a group leader could not call it). */
static int session_payload(struct lm_sandbox *sb, struct lm_err *e)
{
	if (!lm_layer_on(sb->c, LM_LAYER_SESSION) || lm_pty_in_use())
		return 0;
	if (setpgid(0, 0) < 0)
		return lm_error(e, errno, "session", "a process group for the payload");
	return 0;
}

static void session_explain(FILE *out, const struct lm_config *c, const struct lm_explain *x)
{
	(void)x;
	fprintf(out, "\nSession\n");
	if (lm_layer_on(c, LM_LAYER_SESSION))
		fprintf(out,
			"  a new session with no controlling terminal of yours: TIOCSTI cannot "
			"type into yours; non-dumpable;\n  dies with lamina; lamina's init (pid 1 "
			"inside) reaps orphans and passes SIGINT, SIGQUIT,\n  SIGTERM and SIGHUP "
			"on to the payload's whole process group, as a terminal would\n");
	else
		fprintf(out, "  LAYER DISABLED: the payload stays in the caller's session and "
			     "terminal\n");
}

const struct lm_layer lm_layer_session = {
    .name = "session",
    .bit = LM_LAYER_SESSION,
    .removable = true,
    .step = {[LM_STAGE_INIT] = session_init, [LM_STAGE_PAYLOAD] = session_payload},
    .explain = session_explain,
};
